"""SIF documents as ordered field maps: read from XML bytes, written back as UTF-8 XML.

A field is a child of the root. Its value is its text, or a ``Block`` (the (tag, value) pairs of its
children) when it has child elements, as ``Timezone``, ``Exceptions`` and ``Attendees`` do. An empty
block and an empty text are both ``""``, as ``<Exceptions/>`` cannot tell them apart. Line breaks
are read as ``\n`` whatever way they were written (an escaped CR included).
"""

from collections.abc import Iterable

from lxml import etree

from syncmld.errors import RemoteError
from syncmld.protocol.tree import Element, safe_parser, xml_safe
from syncmld.status import StatusCode

Block = tuple[tuple[str, "Value"], ...]
Value = str | Block
Fields = dict[str, Value]

SIF_VERSION = "1.1"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def bad_sif(reason: str) -> RemoteError:
    return RemoteError(f"not a readable SIF document: {reason}", StatusCode.BAD_REQUEST)


def read_document(data: bytes) -> tuple[str, Fields]:
    """The root tag and the fields of a SIF document (the first of fields that repeat; not SIFVersion)."""
    try:
        root = etree.fromstring(data, safe_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise bad_sif(str(error)) from error
    if root is None or any(True for _ in root.iter(etree.Entity)):
        raise bad_sif("entity references are refused")
    fields: Fields = {}
    for element in root.iterchildren(etree.Element):
        fields.setdefault(_tag(element), _value(element))
    fields.pop("SIFVersion", None)
    return _tag(root), fields


def read_fragment(xml: str) -> Block:
    """The children of ``<x>xml</x>`` as a block (how a kept block travels in a stored object)."""
    value = _value(etree.fromstring(f"<x>{xml}</x>", safe_parser()))
    return value if isinstance(value, tuple) else ()


def _tag(element: Element) -> str:
    tag = str(element.tag)
    return etree.QName(tag).localname if tag.startswith("{") else tag


def _value(element: Element) -> Value:
    children = tuple((_tag(child), _value(child)) for child in element.iterchildren(etree.Element))
    if children:
        return children
    text = element.text or ""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def block(pairs: Iterable[tuple[str, Value]]) -> Value:
    """A block value from its children; ``""`` when there are none."""
    return tuple(pairs) or ""


def write_document(root: str, fields: Iterable[tuple[str, Value]]) -> bytes:
    """``<root><SIFVersion>1.1</SIFVersion>fields...</root>`` with the UTF-8 XML declaration."""
    parts = [_DECLARATION, f"<{root}><SIFVersion>{SIF_VERSION}</SIFVersion>"]
    for name, value in fields:
        _write(parts, name, value)
    parts.append(f"</{root}>")
    return "".join(parts).encode("utf-8")


def block_xml(value: Block) -> str:
    """A block's children as XML text."""
    parts: list[str] = []
    for name, child in value:
        _write(parts, name, child)
    return "".join(parts)


def _write(parts: list[str], name: str, value: Value) -> None:
    inner = block_xml(value) if isinstance(value, tuple) else xml_safe(value).translate(_ESCAPES)
    parts.append(f"<{name}>{inner}</{name}>" if inner else f"<{name}/>")
