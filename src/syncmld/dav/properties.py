"""The properties DAV clients ask for, computed from what the backend says (none are stored)."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from syncmld.content.vcard import VCardVersion
from syncmld.dav.backend import Collection, CollectionKind, Resource
from syncmld.dav.paths import Layout
from syncmld.dav.vcard_versions import VCARD_VERSIONS
from syncmld.dav.xml import CALDAV, CALENDARSERVER, CARDDAV, DAV, element, href, tag
from syncmld.protocol.tree import Element


class TargetKind(Enum):
    SERVICE = "service"
    HOME = "home"
    """The account's principal, which is also the home of its collections."""
    COLLECTION = "collection"
    RESOURCE = "resource"


@dataclass(frozen=True)
class Target:
    """Something a PROPFIND or REPORT answers about."""

    href: str
    kind: TargetKind
    collection: Collection | None = None
    resource: Resource | None = None


REPORTS = {
    CollectionKind.ADDRESSBOOK: (tag(CARDDAV, "addressbook-multiget"), tag(CARDDAV, "addressbook-query")),
    CollectionKind.CALENDAR: (tag(CALDAV, "calendar-multiget"), tag(CALDAV, "calendar-query")),
}
SYNC_COLLECTION = tag(DAV, "sync-collection")
PRIVILEGES = ("read", "write", "write-content", "write-properties", "bind", "unbind", "read-current-user-privilege-set")
SYNC_TOKEN_PREFIX = "urn:syncmld:sync:"


def sync_token(collection: Collection, token: int) -> str:
    """The sync token of ``collection`` at change ``token`` (it names the collection, so that one
    collection's token is refused by another)."""
    return f"{SYNC_TOKEN_PREFIX}{collection.name}:{token}"


def read_sync_token(collection: Collection, text: str) -> int | None:
    """The change number of a token of this collection, None when it is none of its tokens."""
    prefix = f"{SYNC_TOKEN_PREFIX}{collection.name}:"
    number = text.strip()[len(prefix) :] if text.strip().startswith(prefix) else ""
    return int(number) if number.isdigit() and len(number) < 20 else None


Value = Callable[[Target], Element | None]


@dataclass(frozen=True)
class Properties:
    """The properties of the targets of one request."""

    layout: Layout
    owner: str
    max_resource_size: int

    def value(self, name: str, target: Target) -> Element | None:
        """Property ``name`` (Clark notation) of ``target``, None when it has no such property."""
        compute = self._values().get(name)
        return compute(target) if compute is not None else None

    def names(self, target: Target) -> list[str]:
        """The properties ``target`` has (for allprop and propname)."""
        return [name for name, compute in self._values().items() if compute(target) is not None]

    def _values(self) -> dict[str, Value]:
        return {
            tag(DAV, "resourcetype"): self._resourcetype,
            tag(DAV, "displayname"): self._displayname,
            tag(DAV, "current-user-principal"): lambda _: element(
                tag(DAV, "current-user-principal"), children=[href(self.layout.home(self.owner))]
            ),
            tag(DAV, "principal-URL"): self._at_home(
                lambda: element(tag(DAV, "principal-URL"), children=[href(self.layout.home(self.owner))])
            ),
            tag(DAV, "owner"): lambda target: (
                element(tag(DAV, "owner"), children=[href(self.layout.home(self.owner))])
                if target.kind != TargetKind.SERVICE
                else None
            ),
            tag(CARDDAV, "addressbook-home-set"): self._at_home(
                lambda: element(tag(CARDDAV, "addressbook-home-set"), children=[href(self.layout.home(self.owner))])
            ),
            tag(CALDAV, "calendar-home-set"): self._at_home(
                lambda: element(tag(CALDAV, "calendar-home-set"), children=[href(self.layout.home(self.owner))])
            ),
            tag(CALDAV, "calendar-user-address-set"): self._at_home(
                lambda: element(tag(CALDAV, "calendar-user-address-set"), children=[href(f"mailto:{self.owner}")])
            ),
            tag(DAV, "principal-collection-set"): lambda _: element(
                tag(DAV, "principal-collection-set"), children=[href(self.layout.service())]
            ),
            tag(DAV, "current-user-privilege-set"): lambda _: element(
                tag(DAV, "current-user-privilege-set"),
                children=[element(tag(DAV, "privilege"), children=[element(tag(DAV, name))]) for name in PRIVILEGES],
            ),
            tag(DAV, "supported-report-set"): self._supported_reports,
            tag(CALENDARSERVER, "getctag"): self._in_collection(
                lambda collection: element(tag(CALENDARSERVER, "getctag"), str(collection.token))
            ),
            tag(DAV, "sync-token"): self._in_collection(
                lambda collection: element(tag(DAV, "sync-token"), sync_token(collection, collection.token))
            ),
            tag(CALDAV, "supported-calendar-component-set"): self._in_calendar(
                lambda collection: element(
                    tag(CALDAV, "supported-calendar-component-set"),
                    children=[_named(tag(CALDAV, "comp"), str(component)) for component in collection.components],
                )
            ),
            tag(CALDAV, "supported-calendar-data"): self._in_calendar(
                lambda _: element(
                    tag(CALDAV, "supported-calendar-data"),
                    children=[_data_type(tag(CALDAV, "calendar-data"), "text/calendar", "2.0")],
                )
            ),
            tag(CARDDAV, "supported-address-data"): self._in_addressbook(
                lambda _: element(
                    tag(CARDDAV, "supported-address-data"),
                    children=[
                        _data_type(tag(CARDDAV, "address-data-type"), "text/vcard", version)
                        for version in VCARD_VERSIONS
                    ],
                )
            ),
            tag(CALDAV, "max-resource-size"): self._in_calendar(
                lambda _: element(tag(CALDAV, "max-resource-size"), str(self.max_resource_size))
            ),
            tag(CARDDAV, "max-resource-size"): self._in_addressbook(
                lambda _: element(tag(CARDDAV, "max-resource-size"), str(self.max_resource_size))
            ),
            tag(DAV, "getetag"): self._getetag,
            tag(DAV, "getcontenttype"): self._getcontenttype,
            tag(DAV, "getcontentlength"): lambda target: (
                element(tag(DAV, "getcontentlength"), str(len(target.resource.data)))
                if target.resource is not None
                else None
            ),
        }

    def _resourcetype(self, target: Target) -> Element:
        kinds = []
        if target.kind != TargetKind.RESOURCE:
            kinds.append(element(tag(DAV, "collection")))
        if target.kind == TargetKind.HOME:
            kinds.append(element(tag(DAV, "principal")))
        if target.collection is not None and target.kind == TargetKind.COLLECTION:
            kinds.append(
                element(tag(CARDDAV, "addressbook"))
                if target.collection.kind == CollectionKind.ADDRESSBOOK
                else element(tag(CALDAV, "calendar"))
            )
        return element(tag(DAV, "resourcetype"), children=kinds)

    def _displayname(self, target: Target) -> Element | None:
        if target.kind == TargetKind.HOME:
            return element(tag(DAV, "displayname"), self.owner)
        if target.kind == TargetKind.COLLECTION and target.collection is not None:
            return element(tag(DAV, "displayname"), target.collection.display_name)
        return None

    def _supported_reports(self, target: Target) -> Element | None:
        if target.kind != TargetKind.COLLECTION or target.collection is None:
            return None
        names = (*REPORTS[target.collection.kind], SYNC_COLLECTION)
        return element(
            tag(DAV, "supported-report-set"),
            children=[
                element(tag(DAV, "supported-report"), children=[element(tag(DAV, "report"), children=[element(name)])])
                for name in names
            ],
        )

    def _getetag(self, target: Target) -> Element | None:
        if target.resource is not None:
            return element(tag(DAV, "getetag"), target.resource.etag)
        if target.kind == TargetKind.COLLECTION and target.collection is not None:
            return element(tag(DAV, "getetag"), f'"c{target.collection.token}"')
        return None

    def _getcontenttype(self, target: Target) -> Element | None:
        if target.resource is not None and target.collection is not None:
            return element(tag(DAV, "getcontenttype"), content_type(target.collection))
        return None

    def _at_home(self, make: Callable[[], Element]) -> Value:
        return lambda target: make() if target.kind == TargetKind.HOME else None

    def _in_collection(self, make: Callable[[Collection], Element]) -> Value:
        return lambda target: (
            make(target.collection) if target.kind == TargetKind.COLLECTION and target.collection else None
        )

    def _in_calendar(self, make: Callable[[Collection], Element | None]) -> Value:
        return lambda target: (
            make(target.collection)
            if target.kind == TargetKind.COLLECTION
            and target.collection is not None
            and target.collection.kind == CollectionKind.CALENDAR
            else None
        )

    def _in_addressbook(self, make: Callable[[Collection], Element]) -> Value:
        return lambda target: (
            make(target.collection)
            if target.kind == TargetKind.COLLECTION
            and target.collection is not None
            and target.collection.kind == CollectionKind.ADDRESSBOOK
            else None
        )


def content_type(collection: Collection, version: VCardVersion = "3.0") -> str:
    """The Content-Type of the collection's resources (an address book's in vCard ``version``)."""
    if collection.kind == CollectionKind.ADDRESSBOOK:
        return "text/vcard; charset=utf-8" + (f"; version={version}" if version != "3.0" else "")
    return "text/calendar; charset=utf-8"


def _named(name: str, value: str) -> Element:
    made = element(name)
    made.set("name", value)
    return made


def _data_type(name: str, media_type: str, version: str) -> Element:
    made = element(name)
    made.set("content-type", media_type)
    made.set("version", version)
    return made
