"""Namespace-free SyncML element trees: where namespaces begin, safe parsing, read helpers.

Both decoders meet here: the XML codec turns bytes into a tree of ``xml.etree`` elements (``plain_xml``) or of lxml
elements, the WBXML codec turns tokens into a tree of light ``Node``s, and ``elements``/``devinf_elements`` read the
message model from any of them (``Readable``). (Writing goes straight from the model to bytes: ``sink``.)
"""

import base64
import binascii
import re
import threading
from collections.abc import Iterator
from typing import Protocol, Self, TypeVar, cast
from xml.etree.ElementTree import Element as PlainElement

from lxml import etree

from syncmld.errors import DecodeError, LocalError
from syncmld.protocol.constants import NS_DEVINF, NS_METINF

Element = etree._Element


class Readable(Protocol):
    """What reading a message needs of an element: an lxml ``Element``, an ``xml.etree`` one or a WBXML ``Node``."""

    tag: str
    text: str | None

    def __iter__(self) -> Iterator[Self]: ...

    def __len__(self) -> int: ...


Tree = TypeVar("Tree", bound=Readable)


class Node(list["Node"]):
    """An element the WBXML decoder builds: the list of its children, with its name, text and the text
    after it; lighter than an lxml element, and read the same way. ``binary`` holds the content that
    came as OPAQUE data, when the element's meaning makes it binary. (An empty element is a false
    list: test a node against None, not for truth.)"""

    __slots__ = ("binary", "tag", "tail", "text")

    def __init__(self, tag: str) -> None:  # the list starts empty: no children yet
        self.tag = tag
        self.text: str | None = None
        self.tail: str | None = None
        self.binary: bytes | None = None

    def iter(self, tag: str) -> Iterator["Node"]:
        """The node and its descendants called ``tag``, in document order (as lxml's ``iter``)."""
        pending = [self]
        while pending:
            node = pending.pop()
            if node.tag == tag:
                yield node
            pending.extend(reversed(node))


def as_lxml(source: Node | PlainElement) -> Element:
    """The same tree as lxml elements: a ``Node``'s binary content as base64 text, marked by an attribute; a plain
    element's attributes but its default namespace declaration (which the XML decoder's lxml way takes out)."""
    element = etree.Element(source.tag)
    _fill(element, source)
    return element


def _fill(element: Element, source: Node | PlainElement) -> None:
    if isinstance(source, Node):
        if source.binary is not None:
            element.text = base64.b64encode(source.binary).decode("ascii") or None
            element.set(_BINARY, "")
        else:
            element.text = source.text
    else:
        element.text = source.text
        for name, value in source.attrib.items():
            if name != "xmlns":
                element.set(name, value)
    for child_source in source:
        sub = etree.SubElement(element, child_source.tag)
        _fill(sub, child_source)
        sub.tail = child_source.tail


_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_COUNT = re.compile(r"[0-9]{1,20}")
_BINARY = "{urn:syncmld:binary}base64"
"""Marks an element whose text is the base64 form of binary content (WBXML OPAQUE data)."""


PLACED_TAG = "syncmld.placed"
"""The element standing for a command read before the tree was built (``plain_items``; a document holding this name is
read whole)."""


_PARSERS = threading.local()


def safe_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities, loads a DTD or touches the network: the calling thread's own
    (a parser reads one document at a time), made on its first use."""
    parser: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
    return parser


def opened_namespace(parent_tag: str, tag: str) -> str | None:
    """The namespace an element opens inside a SyncML document, or None when it keeps its parent's.

    Every child of ``Meta`` is a MetInf element, so is an ``Anchor`` carried as item data, and a
    ``DevInf`` document starts the DevInf namespace.
    """
    if parent_tag == "Meta" or (parent_tag == "Data" and tag == "Anchor"):
        return NS_METINF
    if tag == "DevInf":
        return NS_DEVINF
    return None


# Reading


def child(parent: Tree, tag: str) -> Tree | None:
    """The first child called ``tag``."""
    for element in parent:
        if element.tag == tag:
            return element
    return None


def by_tag(parent: Tree) -> dict[str, Tree]:
    """The first child of each tag, found in one pass (for reading several children of one element)."""
    found: dict[str, Tree] = {}
    for element in parent:
        found.setdefault(element.tag, element)
    return found


def children(parent: Tree, tag: str) -> list[Tree]:
    return [element for element in parent if element.tag == tag]


def text(element: Readable) -> str:
    """The element's own text, surrounding whitespace removed."""
    return (element.text or "").strip()


def child_text(parent: Readable, tag: str) -> str | None:
    found = child(parent, tag)
    return None if found is None else text(found)


def required_text(parent: Readable, tag: str) -> str:
    """The text of a mandatory child; a missing child is a malformed message."""
    found = child(parent, tag)
    if found is None:
        raise DecodeError(f"{parent.tag} without {tag}")
    return text(found)


def all_texts(parent: Readable, tag: str) -> tuple[str, ...]:
    return tuple(text(element) for element in children(parent, tag))


def has_flag(parent: Readable, tag: str) -> bool:
    """Whether an empty flag element such as ``<Final/>`` is present (its content does not matter)."""
    return child(parent, tag) is not None


def as_count(value: str) -> int | None:
    """A non-negative decimal number (at most 20 digits), or None for anything else."""
    return int(value) if _COUNT.fullmatch(value) else None


def parse_count(tag: str, value: str) -> int:
    """A non-negative decimal number; anything else is a malformed message."""
    count = as_count(value)
    if count is None:
        raise DecodeError(f"{tag} is not a number: {value[:40]!r}")
    return count


def child_int(parent: Readable, tag: str) -> int | None:
    value = child_text(parent, tag)
    return None if value is None else parse_count(tag, value)


def lenient_int(parent: Readable, tag: str) -> int | None:
    """A non-negative decimal child, or None when it is missing or not a number."""
    value = child_text(parent, tag)
    return None if value is None else as_count(value)


def binary_content(element: Readable) -> bytes | None:
    """The binary content of an element (a WBXML ``Node``'s, or an lxml element's marked as ``as_lxml``
    marks it), or None for a text element."""
    if isinstance(element, PlainElement):  # what expat builds, asked first: it never holds binary content
        return None
    if isinstance(element, Node):
        return element.binary
    if not isinstance(element, etree._Element) or element.get(_BINARY) is None:
        return None
    try:
        return base64.b64decode(element.text or "", validate=True)
    except binascii.Error as error:
        raise DecodeError(f"{element.tag} is marked binary but is not base64") from error


def inner_xml(element: Readable) -> str:
    """Everything between the element's start and end tags, as XML text."""
    tree = element if isinstance(element, Element) else as_lxml(cast(Node | PlainElement, element))
    inner = [tree.text or ""]
    inner.extend(etree.tostring(node, encoding="unicode") for node in tree)
    return "".join(inner)


# Writing


def xml_safe(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry (most control characters, surrogates)."""
    if (value.isascii() and value.isprintable()) or _NOT_XML_CHAR.search(value) is None:
        return value
    return _NOT_XML_CHAR.sub("", value)


def set_text(element: Element | Node, value: str) -> None:
    """Give an element ``value`` as text, leaving out what XML cannot carry."""
    element.text = xml_safe(value) or None


def add(parent: Element, tag: str, value: str | None = None) -> Element:
    """Append a child element, with ``value`` as its text."""
    try:
        element = etree.SubElement(parent, tag)
    except ValueError as error:
        raise LocalError(f"{tag!r} is not an element name") from error
    if value:
        set_text(element, value)
    return element


def add_text(parent: Element, tag: str, value: str | None) -> None:
    """Append a text child unless ``value`` is None."""
    if value is not None:
        add(parent, tag, value)


def element_of(tag: str, inner: str) -> Element:
    """An element whose content is the XML text ``inner`` (as read by ``inner_xml``)."""
    try:
        element: Element = etree.fromstring(f"<{tag}>{xml_safe(inner)}</{tag}>", safe_parser())
    except etree.XMLSyntaxError as error:
        raise LocalError(f"{tag} content is not well-formed XML: {error}") from error
    return element


def add_inner_xml(parent: Element, tag: str, inner: str) -> None:
    """Append an element whose content is the XML text ``inner``."""
    parent.append(element_of(tag, inner))
