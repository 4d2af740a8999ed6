"""From any URL of an upstream to the account's address books and calendars (RFC 6764, 6352, 4791).

The URL is asked for ``current-user-principal``; a server root that does not answer it is tried at
``/.well-known/carddav`` and ``/.well-known/caldav``. The principal names its address book and calendar
homes, whose members are the collections.
"""

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urljoin

from syncmld.dav.xml import CALDAV, CALENDARSERVER, CARDDAV, DAV, tag
from syncmld.protocol.tree import Element
from syncmld.store.upstreams import Component
from syncmld.upstream.client import DavClient, Unauthorized, UpstreamError

WELL_KNOWN = ("/.well-known/carddav", "/.well-known/caldav")
_PRINCIPAL = tag(DAV, "current-user-principal")
_HOMES = (tag(CARDDAV, "addressbook-home-set"), tag(CALDAV, "calendar-home-set"))
_COLLECTION_PROPERTIES = (
    tag(DAV, "resourcetype"),
    tag(DAV, "displayname"),
    tag(CALDAV, "supported-calendar-component-set"),
    tag(CALENDARSERVER, "getctag"),
    tag(DAV, "sync-token"),
    tag(DAV, "supported-report-set"),
)
CALENDAR_COMPONENTS = (Component.VEVENT, Component.VTODO, Component.VJOURNAL)


class CollectionKind(StrEnum):
    ADDRESSBOOK = "address book"
    CALENDAR = "calendar"


@dataclass(frozen=True)
class RemoteCollection:
    href: str
    kind: CollectionKind
    display_name: str
    components: tuple[Component, ...]
    """``(VCARD,)`` for an address book; the calendar's supported components."""
    syncs: bool
    """Whether it offers the sync-collection report (RFC 6578)."""

    @property
    def name(self) -> str:
        """The last segment of its href: how ``--map`` may name it."""
        return self.href.rstrip("/").rsplit("/", 1)[-1]


def discover(client: DavClient, url: str) -> list[RemoteCollection]:
    """The address books and calendars of the account the client logs in as, ordered by href."""
    principal = _principal(client, url)
    homes: list[str] = []
    for props in client.propfind(principal, 0, _HOMES).values():
        for name in _HOMES:
            holder = props.get(name)
            if holder is not None:
                homes += [urljoin(principal, _href_text(href)) for href in holder.iter(tag(DAV, "href"))]
    if not homes:
        raise UpstreamError(f"the principal {principal} names no address book or calendar home")
    found: dict[str, RemoteCollection] = {}
    for home in dict.fromkeys(homes):
        for href, props in client.propfind(home, 1, _COLLECTION_PROPERTIES).items():
            collection = _collection(href, props)
            if collection is not None:
                found[href] = collection
    return [found[href] for href in sorted(found)]


def _principal(client: DavClient, url: str) -> str:
    tried = []
    for start in (url, *(urljoin(url, path) for path in WELL_KNOWN)):
        try:
            answered = client.propfind(start, 0, [_PRINCIPAL])
        except Unauthorized:
            raise
        except UpstreamError as error:
            tried.append(str(error))
            continue
        for href, props in answered.items():
            holder = props.get(_PRINCIPAL)
            found = holder.find(tag(DAV, "href")) if holder is not None else None
            if found is not None and _href_text(found):
                return urljoin(href, _href_text(found))
        tried.append(f"{start} names no current-user-principal")
    raise UpstreamError("no CalDAV/CardDAV principal found: " + "; ".join(tried))


def _href_text(element: Element | None) -> str:
    return "" if element is None else (element.text or "").strip()


def _collection(href: str, props: dict[str, Element]) -> RemoteCollection | None:
    types = props.get(tag(DAV, "resourcetype"))
    if types is None:
        return None
    kinds = {str(child.tag) for child in types}
    display = _href_text(props.get(tag(DAV, "displayname"))) or href.rstrip("/").rsplit("/", 1)[-1]
    reports = props.get(tag(DAV, "supported-report-set"))
    syncs = reports is not None and reports.find(f".//{tag(DAV, 'sync-collection')}") is not None
    syncs = syncs or bool(_href_text(props.get(tag(DAV, "sync-token"))))
    if tag(CARDDAV, "addressbook") in kinds:
        return RemoteCollection(href, CollectionKind.ADDRESSBOOK, display, (Component.VCARD,), syncs)
    if tag(CALDAV, "calendar") not in kinds:
        return None
    declared = props.get(tag(CALDAV, "supported-calendar-component-set"))
    names = (
        {(comp.get("name") or "").upper() for comp in declared.iter(tag(CALDAV, "comp"))}
        if declared is not None
        else {component.value for component in CALENDAR_COMPONENTS}
    )
    components = tuple(component for component in CALENDAR_COMPONENTS if component.value in names)
    return RemoteCollection(href, CollectionKind.CALENDAR, display, components, syncs) if components else None
