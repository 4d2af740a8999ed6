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
_DECLARED_VERSION = re.compile(rb"""<\?xml\s+version\s*=\s*(["'])([^"']*)\1""")


def looks_like_xml(body: bytes) -> bool:
    """Whether the body starts with markup (after a byte order mark and whitespace)."""
    return _document(body).startswith(b"<")


def _document(body: bytes) -> bytes:
    return body.removeprefix(_UTF8_BOM).lstrip()


def prepared(body: bytes) -> bytes:
    """The document a parser is given: without a byte order mark and whitespace before it, its XML declaration
    naming version 1.0 whatever version it named (matched at its start only: a substitution would try every
    position of the document)."""
    document = _document(body)
    declared = _DECLARED_VERSION.match(document)
    if declared is None or declared[2] == b"1.0":
        return document
    return b"".join((document[: declared.start(2)], b"1.0", document[declared.end(2) :]))


def declared_encoding(document: bytes) -> bytes | None:
    """The encoding a document's XML declaration names, in lower case; None when it names none."""
    declared = _DECLARED_ENCODING.match(document)
    return None if declared is None else declared[1].lower()


def parse_safely(body: bytes, max_depth: int = MAX_DEPTH) -> Element:
    """The root element of an XML document, its namespaces kept; DecodeError unless it is well-formed,
    without entities, and nested at most ``max_depth`` levels."""
    try:
        root = etree.fromstring(prepared(body), safe_parser())
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
    document = _without_default_namespaces(body)
    try:
        root = parse_safely(document)
    except DecodeError:
        root = parse_safely(body)  # the error as the document itself gives it
        document = body
    if b"xmlns" in document or b"xml:" in document:
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
_DECLARING_TAG = re.compile(
    rb"<[A-Za-z_][\w.:-]*(?:"
    + _ATTRIBUTE
    + rb")*(\s+)xmlns\s*=\s*(?:\"[^\"&<]*\"|'[^'&<]*')(?=(?:"
    + _ATTRIBUTE
    + rb")*\s*/?>)"
)
"""A start tag up to its default namespace declaration (after its name and attributes other than
``xmlns``, the whitespace before it a group), the tag going on well-formed to its end."""
_SECTIONS = ((b"<![CDATA[", b"]]>"), (b"<!--", b"-->"), (b"<?", b"?>"))
"""How a section whose text is no markup starts and ends."""
_SECTION_MARKS = (b"!", b"?")
"""What follows the '<' that starts a CDATA section, comment or DOCTYPE, or a processing instruction."""
_LESS_THAN = ord("<")
_DECLARED_ENCODING = re.compile(rb"""\A<\?xml[^>]*\sencoding\s*=\s*["']([^"']*)["']""")
_ONE_BYTE_MARKUP = (None, b"utf-8", b"us-ascii")
"""Encodings in which every byte below 128 is the ASCII character it stands for."""
_NAMESPACED = etree.XPath("boolean(//*[namespace-uri() != ''])")


def _without_default_namespaces(body: bytes) -> bytes:
    """``body`` without its default namespace declarations (a UTF-8 or ASCII document's only: a
    multi-byte encoding may hide markup bytes inside characters).

    The declarations are found by their name, front to back; one counts when it is no CDATA section's,
    comment's or processing instruction's text and stands in a well-formed start tag as one of its
    attributes, after the whitespace it takes away with it. No search goes again over text an earlier one
    went through, and each start tag is matched once, so that the work grows with the document's size
    however its sections, tags and names are arranged."""
    if b"xmlns" not in body or declared_encoding(_document(body)) not in _ONE_BYTE_MARKUP:
        return body
    kept: list[bytes] = []
    done = position = searched = 0
    marks = [_find_section(body, mark, 0) for mark in _SECTION_MARKS]
    section = _next_section(body, 0, marks)
    found = body.find(b"xmlns")
    opening = tag_start = -1  # the last '<' before ``searched``, the start tag last matched
    declaring = None
    while found >= 0:
        if 0 <= section < found:
            position = _after_section(body, section)
            section = _next_section(body, position, marks)
        else:
            at = body.rfind(b"<", searched, found)
            opening, searched = (opening if at < 0 else at), found
            if opening != tag_start:
                tag_start = opening
                declaring = None if opening < 0 else _DECLARING_TAG.match(body, opening)
            position = found + 5
            if declaring is not None and declaring.end(1) == found:
                kept.append(body[done : declaring.start(1)])
                done = position = declaring.end()
        if found < position:
            found = body.find(b"xmlns", position)
    kept.append(body[done:])
    return b"".join(kept)


def _after_section(body: bytes, start: int) -> int:
    """Where the CDATA section, comment or processing instruction starting at ``start`` ends (the document's
    end when it does not), or ``start + 2`` for another ``<!`` (a DOCTYPE)."""
    for opening, closing in _SECTIONS:
        if body.startswith(opening, start):
            end = body.find(closing, start + len(opening))
            return len(body) if end < 0 else end + len(closing)
    return start + 2


def _next_section(body: bytes, start: int, marks: list[int]) -> int:
    """Where the next ``<!`` or ``<?`` at or after ``start`` is, -1 when there is none. ``marks`` holds where
    each was found last (-1: nowhere further), looked for again only once ``start`` has passed it."""
    bang, question = marks
    if 0 <= bang < start:
        bang = marks[0] = _find_section(body, b"!", start)
    if 0 <= question < start:
        question = marks[1] = _find_section(body, b"?", start)
    return bang if question < 0 or 0 <= bang < question else question


def _find_section(body: bytes, mark: bytes, start: int) -> int:
    """Where the next '<' followed by ``mark`` is at or after ``start``, -1 when there is none (found by
    ``mark``, a byte rare where '<' is not, which one byte is found much faster by)."""
    at = body.find(mark, start + 1)
    while at > 0 and body[at - 1] != _LESS_THAN:
        at = body.find(mark, at + 1)
    return at - 1 if at > 0 else -1


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
