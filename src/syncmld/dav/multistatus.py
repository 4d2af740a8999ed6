"""Building ``207 Multi-Status`` answers: one ``response`` per target, found properties under 200 and
missing ones under 404."""

from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus

from syncmld.dav.api import DavResponse
from syncmld.dav.properties import Properties, Target
from syncmld.dav.xml import DAV, document, element, href, status_line, tag
from syncmld.protocol.tree import Element

MULTI_STATUS_TYPE = "application/xml; charset=utf-8"

Extra = Callable[[str, Target], Element | None]
"""A property only a report computes (calendar-data, address-data) for a requested element name."""


def propstat(found: Sequence[Element], missing: Sequence[str]) -> list[Element]:
    """The propstat elements for properties found and not found."""
    parts = []
    if found:
        parts.append(
            element(
                tag(DAV, "propstat"), children=[element(tag(DAV, "prop"), children=found), status_line(HTTPStatus.OK)]
            )
        )
    if missing:
        parts.append(
            element(
                tag(DAV, "propstat"),
                children=[
                    element(tag(DAV, "prop"), children=[element(name) for name in missing]),
                    status_line(HTTPStatus.NOT_FOUND),
                ],
            )
        )
    return parts


def answer(
    target: Target, names: Sequence[str], properties: Properties, extra: Extra | None = None, values: bool = True
) -> Element:
    """The ``response`` for one target and the properties asked for (names only with ``values`` off)."""
    found: list[Element] = []
    missing: list[str] = []
    for name in names:
        value = extra(name, target) if extra is not None else None
        if value is None:
            value = properties.value(name, target)
        if value is None:
            missing.append(name)
        else:
            found.append(value if values else element(name))
    return element(tag(DAV, "response"), children=[href(target.href), *propstat(found, missing)])


def gone(path: str, status: HTTPStatus = HTTPStatus.NOT_FOUND) -> Element:
    """A ``response`` saying a target has only a status (deleted, not found, cut off)."""
    return element(tag(DAV, "response"), children=[href(path), status_line(status)])


def multistatus(responses: Iterable[Element], trailer: Iterable[Element] = ()) -> DavResponse:
    root = element(tag(DAV, "multistatus"), children=[*responses, *trailer])
    return DavResponse(HTTPStatus.MULTI_STATUS, document(root), {"Content-Type": MULTI_STATUS_TYPE})
