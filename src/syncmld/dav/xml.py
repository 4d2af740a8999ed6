"""DAV XML: namespaces, reading request bodies safely, writing responses."""

from collections.abc import Iterable
from http import HTTPStatus

from lxml import etree

from syncmld.dav.api import DavError
from syncmld.errors import DecodeError
from syncmld.protocol.tree import Element
from syncmld.protocol.xml import parse_safely

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CALENDARSERVER = "http://calendarserver.org/ns/"
APPLE_ICAL = "http://apple.com/ns/ical/"
PREFIXES = {"d": DAV, "c": CALDAV, "card": CARDDAV, "cs": CALENDARSERVER, "ical": APPLE_ICAL}
MAX_DEPTH = 24
"""The deepest nesting of a request body (a calendar-query filter needs about ten levels)."""


def tag(namespace: str, name: str) -> str:
    """``{namespace}name``, lxml's (Clark) notation."""
    return f"{{{namespace}}}{name}"


def parse_body(body: bytes) -> Element | None:
    """The root element of a request body, None for an empty one; DavError 400 for anything that is not
    well-formed XML without entities."""
    if not body.strip():
        return None
    try:
        return parse_safely(body, MAX_DEPTH)
    except DecodeError as error:
        raise DavError(HTTPStatus.BAD_REQUEST, str(error)) from error


def element(name: str, text: str | None = None, children: Iterable[Element] = ()) -> Element:
    """A new element ``name`` (Clark notation) with ``text`` and ``children``."""
    made = etree.Element(name, nsmap=None)
    if text is not None:
        made.text = text
    for child in children:
        made.append(child)
    return made


def href(path: str) -> Element:
    return element(tag(DAV, "href"), path)


def status_line(status: HTTPStatus) -> Element:
    return element(tag(DAV, "status"), f"HTTP/1.1 {status.value} {status.phrase}")


def document(root: Element) -> bytes:
    """A response document: the namespaces declared once on the root, UTF-8."""
    declared = etree.Element(root.tag, nsmap=PREFIXES)
    declared.text = root.text
    declared.extend(list(root))
    return etree.tostring(declared, xml_declaration=True, encoding="utf-8")


def error_body(precondition: str) -> bytes:
    """A ``DAV:error`` body naming the precondition a request failed."""
    return document(element(tag(DAV, "error"), children=[element(precondition)]))
