"""REPORTs on a collection: multiget, calendar-query, addressbook-query, sync-collection (RFC 6578)."""

from collections.abc import Iterable, Iterator
from http import HTTPStatus

from syncmld.dav.api import DavError, DavLimits, DavResponse
from syncmld.dav.backend import Collection, CollectionKind, DavBackend, Resource
from syncmld.dav.calendar_data import expanded
from syncmld.dav.filters import address_matches, calendar_matches, read_address_filter, read_calendar_filter
from syncmld.dav.items import address_data, calendar_object, card
from syncmld.dav.multistatus import answer, gone, multistatus
from syncmld.dav.properties import REPORTS, SYNC_COLLECTION, Properties, Target, TargetKind, read_sync_token, sync_token
from syncmld.dav.vcard_versions import DEFAULT_VCARD_VERSION, asked_vcard_version
from syncmld.dav.xml import CALDAV, CARDDAV, DAV, element, tag
from syncmld.protocol.tree import Element

CALENDAR_DATA = tag(CALDAV, "calendar-data")
ADDRESS_DATA = tag(CARDDAV, "address-data")


def report(
    body: Element | None, collection: Collection, backend: DavBackend, properties: Properties, limits: DavLimits
) -> DavResponse:
    if body is None:
        raise DavError(HTTPStatus.BAD_REQUEST, "a REPORT needs a body")
    name = str(body.tag)
    if name == SYNC_COLLECTION:
        return _sync_collection(body, collection, backend, properties, limits)
    if name not in REPORTS[collection.kind]:
        raise DavError(
            HTTPStatus.FORBIDDEN,
            f"report {_shown(name)} is not supported on {collection.name}",
            tag(DAV, "supported-report"),
        )
    return _Report(body, collection, backend, properties).run(limits)


def _shown(name: str) -> str:
    return name.rpartition("}")[2][:60]


class _Report:
    def __init__(self, body: Element, collection: Collection, backend: DavBackend, properties: Properties) -> None:
        self.body = body
        self.collection = collection
        self.backend = backend
        self.properties = properties
        asked = body.find(tag(DAV, "prop"))
        self.asked = list(asked) if asked is not None else [element(tag(DAV, "getetag"))]
        address = next((each for each in self.asked if each.tag == ADDRESS_DATA), None)
        self.card_version = (
            asked_vcard_version(address)
            if address is not None and collection.kind == CollectionKind.ADDRESSBOOK
            else DEFAULT_VCARD_VERSION
        )
        """The vCard version address-data is served in, as the report asks."""

    def run(self, limits: DavLimits) -> DavResponse:
        kind = self.body.tag.rpartition("}")[2] if isinstance(self.body.tag, str) else ""
        if kind.endswith("-multiget"):
            return self._multiget(limits)
        if kind == "calendar-query":
            return self._calendar_query()
        return self._addressbook_query()

    def _respond(self, resource: Resource) -> Element:
        target = Target(
            self.properties.layout.resource(self.backend.owner, self.collection.name, resource.name),
            TargetKind.RESOURCE,
            self.collection,
            resource,
        )
        return answer(target, [str(each.tag) for each in self.asked], self.properties, self.data_property)

    def data_property(self, name: str, target: Target) -> Element | None:
        """calendar-data (expanded when asked) and address-data of a resource."""
        resource = target.resource
        if resource is None:
            return None
        if name == CALENDAR_DATA and self.collection.kind == CollectionKind.CALENDAR:
            request = next(each for each in self.asked if each.tag == CALENDAR_DATA)
            return element(CALENDAR_DATA, expanded(resource.item, request).decode("utf-8", "replace"))
        if name == ADDRESS_DATA and self.collection.kind == CollectionKind.ADDRESSBOOK:
            return element(ADDRESS_DATA, address_data(resource, self.card_version).decode("utf-8", "replace"))
        return None

    def _multiget(self, limits: DavLimits) -> DavResponse:
        hrefs = [each.text or "" for each in self.body.findall(tag(DAV, "href"))]
        if len(hrefs) > limits.max_hrefs:
            raise DavError(
                HTTPStatus.FORBIDDEN,
                f"a multiget names at most {limits.max_hrefs} resources, not {len(hrefs)}",
                tag(DAV, "number-of-matches-within-limits"),
            )
        layout = self.properties.layout
        names: dict[str, str] = {}
        for path in hrefs:
            segments = layout.segments(path)
            if segments is not None and len(segments) == 3 and segments[1] == self.collection.name:
                names[path] = segments[2]
        found = self.backend.get(self.collection, list(names.values()))
        responses = []
        for path in hrefs:
            resource = found.get(names.get(path, ""))
            responses.append(self._respond(resource) if resource is not None else gone(path))
        return multistatus(responses)

    def _calendar_query(self) -> DavResponse:
        top = read_calendar_filter(self.body.find(tag(CALDAV, "filter")))
        return multistatus(
            self._respond(resource)
            for resource in self.backend.resources(self.collection)
            if calendar_matches(calendar_object(resource.item).calendar, top)
        )

    def _addressbook_query(self) -> DavResponse:
        wanted = read_address_filter(self.body.find(tag(CARDDAV, "filter")))
        limit = _nresults(self.body, CARDDAV)
        return multistatus(
            _first(
                (
                    self._respond(resource)
                    for resource in self.backend.resources(self.collection)
                    if address_matches(card(resource.item), wanted)
                ),
                limit,
            )
        )


def _first(responses: Iterator[Element], limit: int | None) -> Iterable[Element]:
    for count, response in enumerate(responses):
        if limit is not None and count >= limit:
            return
        yield response


def _nresults(body: Element, namespace: str) -> int | None:
    node = body.find(f"{tag(namespace, 'limit')}/{tag(namespace, 'nresults')}")
    if node is None:
        return None
    text = (node.text or "").strip()
    if not text.isdigit() or len(text) > 9:
        raise DavError(HTTPStatus.BAD_REQUEST, f"nresults {text[:20]!r} is not a number")
    return int(text)


def _sync_collection(
    body: Element, collection: Collection, backend: DavBackend, properties: Properties, limits: DavLimits
) -> DavResponse:
    token_node = body.find(tag(DAV, "sync-token"))
    token_text = (token_node.text or "").strip() if token_node is not None else ""
    since = 0
    if token_text:
        known = read_sync_token(collection, token_text)
        if known is None or known > collection.token:
            raise DavError(
                HTTPStatus.FORBIDDEN,
                f"sync token {token_text[:80]!r} is not one of {collection.name}'s",
                tag(DAV, "valid-sync-token"),
            )
        since = known
    level = body.find(tag(DAV, "sync-level"))
    if level is not None and (level.text or "").strip() not in ("1", "infinite"):
        raise DavError(HTTPStatus.BAD_REQUEST, "sync-level is 1 or infinite")
    asked_limit = _nresults(body, DAV)
    limit = min(asked_limit, limits.max_results) if asked_limit is not None else limits.max_results
    changes = backend.changes(collection, since, limit)
    asked = body.find(tag(DAV, "prop"))
    names = [str(each.tag) for each in asked] if asked is not None else [tag(DAV, "getetag")]
    report_for = _Report(body, collection, backend, properties)
    layout = properties.layout
    responses = []
    for change in changes.changes:
        path = layout.resource(backend.owner, collection.name, change.name)
        if change.resource is None:
            responses.append(gone(path))
        else:
            target = Target(path, TargetKind.RESOURCE, collection, change.resource)
            responses.append(answer(target, names, properties, report_for.data_property))
    if changes.truncated:
        responses.append(gone(layout.collection(backend.owner, collection.name), HTTPStatus.INSUFFICIENT_STORAGE))
    return multistatus(responses, [element(tag(DAV, "sync-token"), sync_token(collection, changes.token))])
