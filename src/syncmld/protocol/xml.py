"""XML bytes -> namespace-free SyncML element trees (writing XML is ``xml_writer``'s job).

Parsing is safe (no entities, DTDs or network) and forgiving about what devices put around the
document: a UTF-8 byte order mark, leading whitespace, an XML declaration with another version,
an external DOCTYPE. Namespaces are dropped.
"""

import functools
import re

from lxml import etree

from syncmld.errors import DecodeError
from syncmld.protocol.tree import Element, safe_parser

MAX_DEPTH = 32
"""The deepest element nesting accepted (real messages stay below 15)."""


_UTF8_BOM = b"\xef\xbb\xbf"
_DECLARED_VERSION = re.compile(rb"""\A(<\?xml\s+version\s*=\s*)(["'])[^"']*\2""")


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
    """The root element of an XML document (``parse_safely``), with every namespace removed.

    Default namespace declarations (``xmlns="..."``, all SyncML uses) are taken out of the start tags
    before parsing, which spares renaming every element; elements still in a namespace (a prefix, a
    tag the removal does not recognise) are renamed after it."""
    try:
        root = parse_safely(_without_default_namespaces(body))
    except DecodeError:
        root = parse_safely(body)  # the error as the document itself gives it
    if _NAMESPACED(root):
        for element in root.iter(etree.Element):
            tag = element.tag
            if tag[0] == "{":  # "{namespace}local"
                element.tag = tag[tag.index("}") + 1 :]
    etree.cleanup_namespaces(root)
    return root


_QUOTED = rb"""(?:"[^"]*"|'[^']*')"""
_ATTRIBUTE = rb"\s+(?!xmlns\s*=)[\w.:-]+\s*=\s*" + _QUOTED
"""An attribute other than ``xmlns``."""
_DEFAULT_NAMESPACE = re.compile(
    rb"<(?:(!\[CDATA\[.*?(?:\]\]>|\Z)|!--.*?(?:-->|\Z)|\?.*?(?:\?>|\Z))"
    rb"|([A-Za-z_][\w.:-]*(?:" + _ATTRIBUTE + rb")*?)\s+xmlns\s*=\s*(?:\"[^\"&<]*\"|'[^'&<]*')"
    rb"(?=(?:" + _ATTRIBUTE + rb")*\s*/?>))",
    re.DOTALL,
)
"""A section whose text is no markup (kept, up to its end or the document's), or a well-formed start
tag up to its one ``xmlns="..."`` attribute (kept without it)."""
_OTHER_ENCODING = re.compile(rb"""\A<\?xml[^>]*\sencoding\s*=\s*["'](?!utf-8["']|us-ascii["'])""", re.IGNORECASE)
_NAMESPACED = etree.XPath("boolean(//*[namespace-uri() != ''])")


def _without_default_namespaces(body: bytes) -> bytes:
    """``body`` without its default namespace declarations (a UTF-8 or ASCII document's only: a
    multi-byte encoding may hide markup bytes inside characters)."""
    if b"xmlns" not in body or _OTHER_ENCODING.match(_document(body)):
        return body
    return _DEFAULT_NAMESPACE.sub(rb"<\1\2", body)


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


@functools.cache
def _deeper_than(limit: int) -> etree.XPath:
    """Whether some element sits deeper than ``limit`` levels (the root is level 1), asked of libxml2."""
    return etree.XPath("boolean(/" + "/".join(["*"] * (limit + 1)) + ")")


def check_depth(root: Element, limit: int = MAX_DEPTH) -> None:
    """DecodeError when elements nest deeper than ``limit`` levels."""
    if _deeper_than(limit)(root):
        raise DecodeError(f"elements nested deeper than {limit} levels")
