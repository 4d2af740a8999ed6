"""XML bytes <-> namespace-free SyncML element trees.

Parsing is safe (no entities, DTDs or network) and forgiving about what devices put around the
document: a UTF-8 byte order mark, leading whitespace, an XML declaration with another version,
an external DOCTYPE. Namespaces are dropped. Writing produces the shape SyncEvolution's own server
writes: a UTF-8 declaration, the SyncML namespace on the root, ``syncml:metinf`` on every MetInf
element and ``syncml:devinf`` on DevInf, item data in CDATA.
"""

import re

from lxml import etree

from syncmld.errors import DecodeError
from syncmld.protocol.tree import Element, opened_namespace, safe_parser

MAX_DEPTH = 32
"""The deepest element nesting accepted (real messages stay below 15)."""

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

_UTF8_BOM = b"\xef\xbb\xbf"
_DECLARED_VERSION = re.compile(rb"""\A(<\?xml\s+version\s*=\s*)(["'])[^"']*\2""")
_INDENT = "  "


def looks_like_xml(body: bytes) -> bool:
    """Whether the body starts with markup (after a byte order mark and whitespace)."""
    return _document(body).startswith(b"<")


def _document(body: bytes) -> bytes:
    return body.removeprefix(_UTF8_BOM).lstrip()


def parse_safely(body: bytes, max_depth: int = MAX_DEPTH) -> Element:
    """The root element of an XML document, its namespaces kept; DecodeError unless it is well-formed,
    without entities, and nested at most ``max_depth`` levels."""
    document = _DECLARED_VERSION.sub(rb"\g<1>\g<2>1.0\g<2>", _document(body), count=1)
    try:
        root = etree.fromstring(document, safe_parser())
    except etree.XMLSyntaxError as error:
        raise DecodeError(f"not well-formed XML: {error}") from error
    if uses_entities(root):
        raise DecodeError("XML documents that declare or reference entities are refused")
    check_depth(root, max_depth)
    return root


def parse_tree(body: bytes) -> Element:
    """The root element of an XML document (``parse_safely``), with every namespace removed."""
    root = parse_safely(body)
    for element in root.iter(etree.Element):
        tag = element.tag
        if tag[0] == "{":  # "{namespace}local"
            element.tag = tag[tag.index("}") + 1 :]
    etree.cleanup_namespaces(root)
    return root


def uses_entities(root: Element) -> bool:
    """Whether the DOCTYPE declares entities (bombs, external entities) or the body references any.

    An entity from an external DTD, which is never loaded, stays an unresolved reference.
    """
    if any(True for _ in root.iter(etree.Entity)):
        return True
    internal_dtd = root.getroottree().docinfo.internalDTD
    if internal_dtd is None:
        return False
    declarations = internal_dtd.iterentities()  # type: ignore[attr-defined]  # missing from lxml-stubs
    return any(True for _ in declarations)


def check_depth(root: Element, limit: int = MAX_DEPTH) -> None:
    """DecodeError when elements nest deeper than ``limit`` levels."""
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > limit:
            raise DecodeError(f"elements nested deeper than {limit} levels")


def serialize(root: Element, root_namespace: str, pretty: bool = False) -> str:
    """A document from a tree built by ``elements``: namespaces added, item data in CDATA."""
    parts = [XML_DECLARATION]
    if pretty:
        parts.append("\n")
    _write(root, root_namespace, parts, 0 if pretty else None)
    return "".join(parts)


def _write(element: Element, namespace: str | None, parts: list[str], level: int | None) -> None:
    tag = str(element.tag)
    start = f'<{tag} xmlns="{namespace}"' if namespace else f"<{tag}"
    content = element.text or ""
    if not content and len(element) == 0:
        parts.append(start + "/>")
        return
    parts.append(start + ">")
    if content:
        parts.append(
            _cdata(content) if tag == "Data" and "\r" not in content and _in_item(element) else _escape(content)
        )
    pretty = level is not None and not content and not any(sub.tail for sub in element)
    child_level = None if level is None else level + 1
    for sub in element:
        if pretty:
            parts.append("\n" + _INDENT * (child_level or 0))
        _write(sub, opened_namespace(tag, str(sub.tag)), parts, child_level)
        if sub.tail:
            parts.append(_escape(sub.tail))
    if pretty:
        parts.append("\n" + _INDENT * (level or 0))
    parts.append(f"</{tag}>")


def _in_item(element: Element) -> bool:
    parent = element.getparent()
    return parent is not None and parent.tag == "Item"


def _escape(value: str) -> str:
    """Character data that reads back exactly, carriage returns included."""
    if "&" not in value and "<" not in value and ">" not in value and "\r" not in value:
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _cdata(value: str) -> str:
    """A CDATA section, split where the value itself contains ``]]>``."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
