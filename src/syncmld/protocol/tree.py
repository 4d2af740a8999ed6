"""Namespace-free SyncML element trees: where namespaces begin, safe parsing, read helpers.

Both decoders meet here: the XML codec turns bytes into such a tree, the WBXML codec does the same
with tokens, and ``elements``/``devinf_elements`` read the message model from trees. (Writing goes
straight from the model to bytes: ``sink``.)
"""

import base64
import binascii
import re

from lxml import etree

from syncmld.errors import DecodeError, LocalError
from syncmld.protocol.constants import NS_DEVINF, NS_METINF

Element = etree._Element

_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_COUNT = re.compile(r"[0-9]{1,20}")
_BINARY = "{urn:syncmld:binary}base64"
"""Marks an element whose text is the base64 form of binary content (WBXML OPAQUE data)."""


def safe_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities, loads a DTD or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


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


def child(parent: Element, tag: str) -> Element | None:
    """The first child called ``tag``."""
    for element in parent:
        if element.tag == tag:
            return element
    return None


def by_tag(parent: Element) -> dict[str, Element]:
    """The first child of each tag, found in one pass (for reading several children of one element)."""
    found: dict[str, Element] = {}
    for element in parent:
        found.setdefault(element.tag, element)
    return found


def children(parent: Element, tag: str) -> list[Element]:
    return [element for element in parent if element.tag == tag]


def text(element: Element) -> str:
    """The element's own text, surrounding whitespace removed."""
    return (element.text or "").strip()


def child_text(parent: Element, tag: str) -> str | None:
    found = child(parent, tag)
    return None if found is None else text(found)


def required_text(parent: Element, tag: str) -> str:
    """The text of a mandatory child; a missing child is a malformed message."""
    found = child(parent, tag)
    if found is None:
        raise DecodeError(f"{parent.tag} without {tag}")
    return text(found)


def all_texts(parent: Element, tag: str) -> tuple[str, ...]:
    return tuple(text(element) for element in children(parent, tag))


def has_flag(parent: Element, tag: str) -> bool:
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


def child_int(parent: Element, tag: str) -> int | None:
    value = child_text(parent, tag)
    return None if value is None else parse_count(tag, value)


def lenient_int(parent: Element, tag: str) -> int | None:
    """A non-negative decimal child, or None when it is missing or not a number."""
    value = child_text(parent, tag)
    return None if value is None else as_count(value)


def binary_content(element: Element) -> bytes | None:
    """The binary content of an element marked by ``set_binary``, or None for a text element."""
    if element.get(_BINARY) is None:
        return None
    try:
        return base64.b64decode(element.text or "", validate=True)
    except binascii.Error as error:
        raise DecodeError(f"{element.tag} is marked binary but is not base64") from error


def inner_xml(element: Element) -> str:
    """Everything between the element's start and end tags, as XML text."""
    inner = [element.text or ""]
    inner.extend(etree.tostring(node, encoding="unicode") for node in element)
    return "".join(inner)


# Writing


def xml_safe(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry (most control characters, surrogates)."""
    if (value.isascii() and value.isprintable()) or _NOT_XML_CHAR.search(value) is None:
        return value
    return _NOT_XML_CHAR.sub("", value)


def set_text(element: Element, value: str) -> None:
    """Give an element ``value`` as text, leaving out what XML cannot carry."""
    element.text = xml_safe(value) or None


def set_binary(element: Element, data: bytes) -> None:
    """Give an element binary content, which only WBXML can carry as it is."""
    element.text = base64.b64encode(data).decode("ascii") or None
    element.set(_BINARY, "")


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
