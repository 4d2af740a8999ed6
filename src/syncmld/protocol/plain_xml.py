"""XML bytes -> a tree of ``xml.etree`` elements built by expat, for the plain documents most messages are.

A plain document is UTF-8 (declared so or not declared), has no DOCTYPE with an internal subset (so no entity but XML's
five and character references, and nothing to load: a DOCTYPE naming an external DTD, as some phones send, is read past
and the DTD never loaded), no name with a prefix, and nests at most ``MAX_DEPTH`` levels. Expat builds its tree
through ``xml.etree``'s C tree builder, whose elements keep their tags and texts as Python strings: reading the message
from them makes no object per element visited, as lxml's proxies do. Default namespace declarations stay attributes of
their elements, which nothing reads; the elements' names are those ``xml.parse_tree`` gives after taking the
declarations out.

Everything else (another encoding, an internal DTD subset, an entity reference, a prefix, deeper nesting, a document
that is not well-formed) is refused here, and ``xml.parse_tree`` reads or rejects it as before. Another encoding is seen
before parsing, an internal subset at its first token.
"""

import itertools
import pyexpat
import re
from collections.abc import Iterable
from typing import NamedTuple, NoReturn
from xml.etree.ElementTree import Element as PlainElement
from xml.etree.ElementTree import TreeBuilder

from syncmld.protocol.messages import Add, Replace
from syncmld.protocol.plain_items import place_item_commands, placed_in_syncs
from syncmld.protocol.tree import Readable
from syncmld.protocol.xml import MAX_DEPTH, declared_encoding, parse_tree, prepared

_UTF8 = (None, b"utf-8")
_ENTITY_REFERENCE = re.compile(rb"""&(?!(?:amp|lt|gt|quot|apos);)[^\s#;&<>'"]+;""")
"""What may be a reference to an entity other than XML's five (a character reference is none; text in a CDATA section
may look like one). In a document that names an external DTD, expat leaves one out of an attribute value without a
word: such a document is refused before it is parsed."""


class _Refused(Exception):
    """The document is not plain: ``xml.parse_tree`` decides."""


def _refuse(*_: object) -> NoReturn:
    raise _Refused


class _Doctype:
    """What a DOCTYPE may be: one with an internal subset is refused, the identifiers of an external DTD are noted
    (expat keeps them among the names it interns), those with a '/' only, which no element or attribute name has."""

    __slots__ = ("identifiers",)

    def __init__(self) -> None:
        self.identifiers: set[str] = set()

    def start(self, _name: str, system_id: str | None, public_id: str | None, internal_subset: int) -> None:
        if internal_subset:
            raise _Refused
        self.identifiers.update(identifier for identifier in (system_id, public_id) if identifier and "/" in identifier)


class MessageTree(NamedTuple):
    """A message's tree and the commands read before it was built, which elements called ``PLACED_TAG`` stand for."""

    root: Readable
    placed: tuple[Add | Replace, ...] = ()


def message_tree(body: bytes) -> MessageTree:
    """The namespace-free tree of a SyncML message: ``plain_tree``'s, or ``xml.parse_tree``'s for a document that is
    not plain, and for one that carries a DevInf and no Sync (a Put or Results of the DevInf, with an Alert or two:
    libxml2 builds a DevInf's many small elements in a third of the time expat takes, there is little else to read,
    and ``devinf_elements`` tells a DevInf it remembers by the XML libxml2 writes of it). The Adds and Replaces of the
    commonest shape in a plain document's Syncs are read from its bytes (``plain_items``), the tree built of the
    rest."""
    if b"<Sync>" not in body and b"<DevInf" in body:
        return MessageTree(parse_tree(body))
    document = prepared(body)
    if not _utf8(document):
        return MessageTree(parse_tree(body))
    placed = place_item_commands(document)
    if placed is not None:
        root = _plain_root(placed.document)
        if root is not None and placed_in_syncs(root) == len(placed.commands):
            return MessageTree(root, placed.commands)
    root = _plain_root(document)
    return MessageTree(parse_tree(body) if root is None else root)


def plain_tree(body: bytes) -> PlainElement | None:
    """The root element of a plain document, or None for any other."""
    document = prepared(body)
    return _plain_root(document) if _utf8(document) else None


def _plain_root(document: bytes) -> PlainElement | None:
    """The root element of a plain UTF-8 document (``prepared``), or None for any other."""
    if b"<!DOCTYPE" in document and _ENTITY_REFERENCE.search(document):
        return None
    builder = TreeBuilder()
    parser = pyexpat.ParserCreate("utf-8")
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    # A DOCTYPE with an internal subset is refused at its first token; without one, no entity can be declared, and an
    # external DTD is never read (expat's default), so that an entity reference is an error or skipped. The entity
    # handlers refuse as well, so that nothing is ever expanded or fetched here whatever expat is given.
    doctype = _Doctype()
    parser.StartDoctypeDeclHandler = doctype.start
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SkippedEntityHandler = _refuse
    try:
        parser.Parse(document, True)
    except (pyexpat.ExpatError, _Refused):
        return None
    # Each element and attribute name, once each (and a DOCTYPE's, its identifiers, None for one it has not).
    if any(":" in name for name in parser.intern if name and name not in doctype.identifiers):
        return None
    root = builder.close()
    return root if _nested_at_most(root, MAX_DEPTH) else None


def _utf8(document: bytes) -> bool:
    """Whether a document is UTF-8: declared so or not declared, and not UTF-16 or UTF-32 (whose first character, a
    byte order mark or '<', has a byte other than '<' first or a zero byte among its first four)."""
    return document.startswith(b"<") and b"\0" not in document[:4] and declared_encoding(document) in _UTF8


def _nested_at_most(root: PlainElement, limit: int) -> bool:
    """Whether no element sits deeper than ``limit`` levels (the root is level 1), one level at a time (the children
    of those with children)."""
    level = [root]
    for _ in range(limit):
        branches: Iterable[PlainElement] = filter(len, level)
        level = [*itertools.chain.from_iterable(branches)]
        if not level:
            return True
    return False
