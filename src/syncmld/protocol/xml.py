"""XML bytes -> namespace-free SyncML element trees (writing XML is ``xml_writer``'s job).

Parsing is safe (no entities, DTDs or network) and forgiving about what devices put around the
document: a UTF-8 byte order mark, leading whitespace, an XML declaration with another version,
an external DOCTYPE. Namespaces are dropped.
"""

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


def parse_tree(body: bytes) -> Element:
    """The root element of an XML document, with every namespace removed."""
    document = _DECLARED_VERSION.sub(rb"\g<1>\g<2>1.0\g<2>", _document(body), count=1)
    try:
        root = etree.fromstring(document, safe_parser())
    except etree.XMLSyntaxError as error:
        raise DecodeError(f"not well-formed XML: {error}") from error
    if _uses_entities(root):
        raise DecodeError("XML documents that declare or reference entities are refused")
    _check_depth(root)
    for element in root.iter(etree.Element):
        tag = element.tag
        if tag[0] == "{":  # "{namespace}local"
            element.tag = tag[tag.index("}") + 1 :]
    etree.cleanup_namespaces(root)
    return root


def _uses_entities(root: Element) -> bool:
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


_TOO_DEEP = etree.XPath("boolean(/" + "/".join(["*"] * (MAX_DEPTH + 1)) + ")")
"""Whether some element sits deeper than ``MAX_DEPTH`` levels (the root is level 1), asked of libxml2."""


def _check_depth(root: Element) -> None:
    if _TOO_DEEP(root):
        raise DecodeError(f"elements nested deeper than {MAX_DEPTH} levels")
