"""XML bytes -> a tree of ``xml.etree`` elements built by expat, for the plain documents most messages are.

A plain document is UTF-8 (declared so or not declared), has no DOCTYPE (so no entity but XML's five and character
references, and nothing to load), no name with a prefix, and nests at most ``MAX_DEPTH`` levels. Expat builds its tree
through ``xml.etree``'s C tree builder, whose elements keep their tags and texts as Python strings: reading the message
from them makes no object per element visited, as lxml's proxies do. Default namespace declarations stay attributes of
their elements, which nothing reads; the elements' names are those ``xml.parse_tree`` gives after taking the
declarations out.

Everything else (another encoding, a DOCTYPE, an entity reference, a prefix, deeper nesting, a document that is not
well-formed) is refused here, and ``xml.parse_tree`` reads or rejects it as before.
"""

import itertools
import pyexpat
from collections.abc import Iterable
from typing import NoReturn
from xml.etree.ElementTree import Element as PlainElement
from xml.etree.ElementTree import TreeBuilder

from syncmld.protocol.tree import Readable
from syncmld.protocol.xml import MAX_DEPTH, declared_encoding, parse_tree, prepared

_UTF8 = (None, b"utf-8")


class _Refused(Exception):
    """The document is not plain: ``xml.parse_tree`` decides."""


def _refuse(*_: object) -> NoReturn:
    raise _Refused


def message_tree(body: bytes) -> Readable:
    """The namespace-free tree of a SyncML message: ``plain_tree``'s, or ``xml.parse_tree``'s for a document that is
    not plain or that carries a DevInf before its Sync, if any (a Put or Results does: ``devinf_elements`` remembers
    a DevInf by the XML lxml writes of it, and the search stops where a Sync's many items begin)."""
    sync = body.find(b"<Sync>")
    if body.find(b"<DevInf", 0, len(body) if sync < 0 else sync) < 0:
        root = plain_tree(body)
        if root is not None:
            return root
    return parse_tree(body)


def plain_tree(body: bytes) -> PlainElement | None:
    """The root element of a plain document, or None for any other."""
    document = prepared(body)
    if not _utf8(document):
        return None
    builder = TreeBuilder()
    parser = pyexpat.ParserCreate("utf-8")
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    # A DOCTYPE is refused at its first token; without one, no entity can be declared, loaded or skipped. The entity
    # handlers refuse as well, so that nothing is ever expanded or fetched here whatever expat is given.
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SkippedEntityHandler = _refuse
    try:
        parser.Parse(document, True)
    except (pyexpat.ExpatError, _Refused):
        return None
    if any(":" in name for name in parser.intern):  # every element and attribute name, once each
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
