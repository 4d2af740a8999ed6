"""One DAV request to its response: which resource it names, then the method."""

from dataclasses import dataclass
from http import HTTPStatus

from syncmld.dav import reports
from syncmld.dav.api import ALLOWED_METHODS, DavError, DavLimits, DavRequest, DavResponse, Method, UnreadableItem
from syncmld.dav.backend import Collection, CollectionKind, Component, DavBackend, Refused, Resource
from syncmld.dav.items import address_data, incoming
from syncmld.dav.multistatus import answer, multistatus
from syncmld.dav.paths import Layout
from syncmld.dav.properties import Properties, Target, TargetKind, content_type
from syncmld.dav.vcard_versions import accepted_vcard_version
from syncmld.dav.xml import CALDAV, CARDDAV, DAV, element, error_body, href, parse_body, status_line, tag
from syncmld.protocol.tree import Element

DAV_CLASSES = "1, 3, addressbook, calendar-access, extended-mkcol"
PLAIN_TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class DavContext:
    layout: Layout
    limits: DavLimits


def handle(request: DavRequest, backend: DavBackend, context: DavContext) -> DavResponse:
    """The response to ``request``. A request refused raises DavError (4xx), one that needs a stored item
    that cannot be read UnreadableItem (500): whatever it did to the backend is to be undone, and
    ``refusal`` is its answer."""
    return _Handler(request, backend, context).run()


def refusal(error: DavError | UnreadableItem) -> DavResponse:
    """The answer to a refused request: its reason (and the precondition failed, as XML)."""
    if isinstance(error, UnreadableItem):
        return _plain(HTTPStatus.INTERNAL_SERVER_ERROR, str(error))
    if error.precondition is not None:
        return DavResponse(
            error.http_status,
            error_body(error.precondition),
            {"Content-Type": "application/xml; charset=utf-8"},
            error.reason,
        )
    return _plain(error.http_status, error.reason)


def _plain(status: HTTPStatus, reason: str) -> DavResponse:
    return DavResponse(status, (reason + "\n").encode(), {"Content-Type": PLAIN_TEXT}, reason)


class _Handler:
    def __init__(self, request: DavRequest, backend: DavBackend, context: DavContext) -> None:
        self.request = request
        self.backend = backend
        self.layout = context.layout
        self.limits = context.limits
        self.properties = Properties(context.layout, backend.owner, context.limits.max_body)

    def run(self) -> DavResponse:
        method = self.request.method.upper()
        if method not in Method.__members__:
            raise DavError(HTTPStatus.METHOD_NOT_ALLOWED, f"method {method[:20]} is not supported here")
        if method == Method.OPTIONS:
            return DavResponse(HTTPStatus.OK, headers={"DAV": DAV_CLASSES, "Allow": ALLOWED_METHODS})
        target = self._target()
        if method == Method.PROPFIND:
            return self._propfind(target)
        if method in (Method.GET, Method.HEAD):
            return self._get(target, method == Method.HEAD)
        if method == Method.PUT:
            return self._put(target)
        if method == Method.DELETE:
            return self._delete(target)
        if method == Method.REPORT:
            collection = self._collection_of(target)
            return reports.report(parse_body(self.request.body), collection, self.backend, self.properties, self.limits)
        if method == Method.PROPPATCH:
            return self._proppatch(target)
        return self._make_collection(method)

    # ------------------------------------------------------------------------------- targets

    def _target(self) -> Target:
        segments = self.request.segments
        if not segments:
            return Target(self.layout.service(), TargetKind.SERVICE)
        owner = segments[0]
        if owner.lower() != self.backend.owner:
            raise DavError(HTTPStatus.FORBIDDEN, f"{owner[:80]} is another account's")
        if len(segments) == 1:
            return Target(self.layout.home(self.backend.owner), TargetKind.HOME)
        if len(segments) > 3:
            raise DavError(HTTPStatus.NOT_FOUND, "no such resource")
        collection = self.backend.collection(segments[1])
        if collection is None:
            if len(segments) == 2 and self.request.method.upper() in (Method.MKCOL, Method.MKCALENDAR):
                return Target(self.layout.collection(self.backend.owner, segments[1]), TargetKind.COLLECTION)
            raise DavError(HTTPStatus.NOT_FOUND, f"no collection {segments[1][:80]}")
        if len(segments) == 2:
            return Target(
                self.layout.collection(self.backend.owner, collection.name), TargetKind.COLLECTION, collection
            )
        name = segments[2]
        resource = self.backend.get(collection, [name]).get(name)
        path = self.layout.resource(self.backend.owner, collection.name, name)
        return Target(path, TargetKind.RESOURCE, collection, resource)

    def _collection_of(self, target: Target) -> Collection:
        if target.collection is None:
            raise DavError(HTTPStatus.FORBIDDEN, "reports are answered on address books and calendars only")
        return target.collection

    def _existing(self, target: Target) -> tuple[Collection, Resource]:
        if target.kind != TargetKind.RESOURCE or target.collection is None:
            raise DavError(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.request.method} of a collection is not supported")
        if target.resource is None:
            raise DavError(HTTPStatus.NOT_FOUND, f"no resource {self.request.segments[-1][:80]}")
        return target.collection, target.resource

    # ------------------------------------------------------------------------------- PROPFIND

    def _propfind(self, target: Target) -> DavResponse:
        if target.kind == TargetKind.RESOURCE and target.resource is None:
            raise DavError(HTTPStatus.NOT_FOUND, f"no resource {self.request.segments[-1][:80]}")
        depth = (self.request.header("depth") or "0").strip().lower()
        if depth not in ("0", "1", "infinity"):
            raise DavError(HTTPStatus.BAD_REQUEST, f"Depth {depth[:20]!r} is not 0, 1 or infinity")
        body = parse_body(self.request.body)
        if body is not None and body.tag != tag(DAV, "propfind"):
            raise DavError(HTTPStatus.BAD_REQUEST, "a PROPFIND body is a DAV:propfind element")
        asked = body.find(tag(DAV, "prop")) if body is not None else None
        names_only = body is not None and body.find(tag(DAV, "propname")) is not None
        targets = [target, *(self._children(target) if depth != "0" else [])]
        responses = []
        for each in targets:
            names = [str(child.tag) for child in asked] if asked is not None else self.properties.names(each)
            responses.append(answer(each, names, self.properties, values=not names_only))
        return multistatus(responses)

    def _children(self, target: Target) -> list[Target]:
        owner = self.backend.owner
        if target.kind == TargetKind.SERVICE:
            return [Target(self.layout.home(owner), TargetKind.HOME)]
        if target.kind == TargetKind.HOME:
            return [
                Target(self.layout.collection(owner, each.name), TargetKind.COLLECTION, each)
                for each in self.backend.collections()
            ]
        if target.kind == TargetKind.COLLECTION and target.collection is not None:
            collection = target.collection
            return [
                Target(self.layout.resource(owner, collection.name, each.name), TargetKind.RESOURCE, collection, each)
                for each in self.backend.resources(collection)
            ]
        return []

    # ------------------------------------------------------------------------------- GET, PUT, DELETE

    def _get(self, target: Target, head: bool) -> DavResponse:
        if target.kind != TargetKind.RESOURCE:
            text = f"syncmld: the CalDAV and CardDAV collections of {self.backend.owner}\n".encode()
            return DavResponse(HTTPStatus.OK, b"" if head else text, {"Content-Type": PLAIN_TEXT})
        collection, resource = self._existing(target)
        headers = {"ETag": resource.etag}
        if collection.kind == CollectionKind.ADDRESSBOOK:
            version = accepted_vcard_version(self.request.header("accept"))
            data = address_data(resource, version)
            headers.update({"Content-Type": content_type(collection, version), "Vary": "Accept"})
        else:
            data = resource.data
            headers["Content-Type"] = content_type(collection)
        if head:
            headers["Content-Length"] = str(len(data))
        return DavResponse(HTTPStatus.OK, b"" if head else data, headers)

    def _put(self, target: Target) -> DavResponse:
        if target.kind != TargetKind.RESOURCE or target.collection is None:
            raise DavError(HTTPStatus.METHOD_NOT_ALLOWED, "PUT goes to a resource in an address book or calendar")
        collection, current, name = target.collection, target.resource, self.request.segments[-1]
        self._check_preconditions(current)
        if current is None:
            self._check_name(name)
        media_type = (self.request.header("content-type") or "").split(";")[0].strip().lower()
        item = incoming(collection, media_type, self.request.body, current.stored if current is not None else None)
        uid = item.uid
        if uid is not None and (current is None or current.uid != uid):
            holder = self.backend.name_of_uid(collection, uid)
            if holder is not None and holder != name:
                namespace = CARDDAV if collection.kind == CollectionKind.ADDRESSBOOK else CALDAV
                raise DavError(
                    HTTPStatus.FORBIDDEN,
                    f"UID {uid[:80]} is held by {holder[:80]} already",
                    tag(namespace, "no-uid-conflict"),
                )
        stored = self.backend.put(collection, name, item, current)
        headers = {"ETag": stored.etag} if stored.data == self.request.body else {}
        return DavResponse(HTTPStatus.CREATED if current is None else HTTPStatus.NO_CONTENT, headers=headers)

    def _check_preconditions(self, current: Resource | None) -> None:
        """412 when If-Match or If-None-Match does not hold for the resource as it is."""
        if_match = self.request.header("if-match")
        if if_match is not None and not _etag_matches(if_match, current):
            raise DavError(HTTPStatus.PRECONDITION_FAILED, "If-Match: the resource has changed or does not exist")
        if_none_match = self.request.header("if-none-match")
        if if_none_match is not None and _etag_matches(if_none_match, current):
            raise DavError(HTTPStatus.PRECONDITION_FAILED, "If-None-Match: the resource exists")

    def _check_name(self, name: str) -> None:
        if len(name) > self.limits.max_name_length:
            raise DavError(HTTPStatus.FORBIDDEN, f"a resource name is at most {self.limits.max_name_length} characters")
        if name in (".", "..") or not name.isprintable() or name != name.strip():
            raise DavError(HTTPStatus.FORBIDDEN, "a resource name is printable, without surrounding blanks")

    def _delete(self, target: Target) -> DavResponse:
        collection, resource = self._existing(target)
        self._check_preconditions(resource)
        self.backend.delete(collection, resource.name)
        return DavResponse(HTTPStatus.NO_CONTENT)

    # ------------------------------------------------------------------------------- collections

    def _proppatch(self, target: Target) -> DavResponse:
        """Properties are computed, never stored: every one a client sets is refused (403)."""
        body = parse_body(self.request.body)
        if body is None or body.tag != tag(DAV, "propertyupdate"):
            raise DavError(HTTPStatus.BAD_REQUEST, "a PROPPATCH body is a DAV:propertyupdate element")
        names = [str(prop.tag) for part in body for holder in part for prop in holder]
        response = _refused_properties(target.href, names)
        return multistatus([response])

    def _make_collection(self, method: str) -> DavResponse:
        segments = self.request.segments
        if len(segments) != 2:
            raise DavError(HTTPStatus.FORBIDDEN, f"{method} makes a collection in the account's home only")
        if self.backend.collection(segments[1]) is not None:
            raise DavError(HTTPStatus.METHOD_NOT_ALLOWED, f"{segments[1][:80]} exists already")
        kind, components = _collection_kind(method, parse_body(self.request.body))
        try:
            self.backend.create_collection(segments[1], kind, components)
        except Refused as error:
            raise DavError(HTTPStatus.FORBIDDEN, str(error)) from error
        return DavResponse(HTTPStatus.CREATED)


def _etag_matches(header: str, current: Resource | None) -> bool:
    """Whether an If-Match / If-None-Match list names the current resource (``*``: any that exists)."""
    if current is None:
        return False
    wanted = [part.strip().removeprefix("W/") for part in header.split(",")]
    return "*" in wanted or current.etag in wanted


def _refused_properties(path: str, names: list[str]) -> Element:
    return element(
        tag(DAV, "response"),
        children=[
            href(path),
            element(
                tag(DAV, "propstat"),
                children=[
                    element(tag(DAV, "prop"), children=[element(name) for name in names]),
                    status_line(HTTPStatus.FORBIDDEN),
                ],
            ),
        ],
    )


def _collection_kind(method: str, body: Element | None) -> tuple[CollectionKind, tuple[Component, ...]]:
    """What an MKCALENDAR or extended MKCOL asks for: a calendar (with its components) or an address book."""
    if method == Method.MKCALENDAR:
        return CollectionKind.CALENDAR, _components(body) or (Component.VEVENT,)
    types = body.find(f".//{tag(DAV, 'resourcetype')}") if body is not None else None
    if types is not None and types.find(tag(CARDDAV, "addressbook")) is not None:
        return CollectionKind.ADDRESSBOOK, ()
    if types is not None and types.find(tag(CALDAV, "calendar")) is not None:
        return CollectionKind.CALENDAR, _components(body) or (Component.VEVENT,)
    raise DavError(
        HTTPStatus.FORBIDDEN, "only address books and calendars are made here", tag(DAV, "valid-resourcetype")
    )


def _components(body: Element | None) -> tuple[Component, ...]:
    if body is None:
        return ()
    found = body.find(f".//{tag(CALDAV, 'supported-calendar-component-set')}")
    if found is None:
        return ()
    names = [(comp.get("name") or "").upper() for comp in found.findall(tag(CALDAV, "comp"))]
    unknown = [name for name in names if name not in Component.__members__]
    if unknown:
        raise DavError(
            HTTPStatus.FORBIDDEN,
            f"calendars hold {', '.join(Component)}, not {unknown[0][:20]}",
            tag(CALDAV, "supported-calendar-component"),
        )
    return tuple(dict.fromkeys(Component(name) for name in names))
