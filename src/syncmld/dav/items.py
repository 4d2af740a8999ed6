"""Items as DAV takes and reads them, on the content kinds: what a collection shows, what a client puts (read
once into the stored item it makes), a contact in the vCard version a client asks for."""

from http import HTTPStatus

from syncmld import content
from syncmld.content.calendar import CalendarObject
from syncmld.content.calendar_read import Object
from syncmld.content.contacts import Contact, contact_as
from syncmld.content.vcard import VCard, VCardVersion
from syncmld.dav.api import DavError, UnreadableItem
from syncmld.dav.backend import Collection, CollectionKind, Resource
from syncmld.dav.xml import CALDAV, CARDDAV, tag
from syncmld.errors import LocalError, RemoteError

VCARD_MEDIA_TYPES: tuple[str, ...] = ("text/vcard", "text/x-vcard", "text/directory")
CALENDAR_MEDIA_TYPES: tuple[str, ...] = ("text/calendar",)
_ITEMS: dict[CollectionKind, type[content.ParsedItem]] = {
    CollectionKind.ADDRESSBOOK: Contact,
    CollectionKind.CALENDAR: CalendarObject,
}


def shown(collection: Collection, item: content.ParsedItem) -> bool:
    """Whether a stored item is one the collection serves (a folder may hold items of other kinds)."""
    return type(item) is _ITEMS[collection.kind]


def card(item: content.ParsedItem) -> VCard | None:
    """The vCard of a served contact, None when it cannot be read."""
    try:
        return Contact.of(item).card
    except RemoteError:
        return None


def address_data(resource: Resource, version: VCardVersion) -> bytes:
    """A served contact as a vCard of ``version`` (3.0: the stored bytes as they are, with a UID); UnreadableItem
    (500) when 4.0 is asked of a stored card that cannot be read."""
    try:
        return contact_as(resource.item, version)
    except RemoteError as error:
        raise UnreadableItem(f"stored contact is unreadable: {error}") from error


def calendar_object(item: content.ParsedItem) -> Object:
    """The calendar object of a served item; UnreadableItem (500) when it cannot be read."""
    try:
        return CalendarObject.of(item).object
    except (RemoteError, LocalError) as error:
        raise UnreadableItem(f"stored calendar object is unreadable: {error}") from error


def incoming(
    collection: Collection, media_type: str, data: bytes, previous: content.ParsedItem | None
) -> content.ParsedItem:
    """What a client puts, read once into the stored item it makes (merged into ``previous``, the stored
    item it replaces); DavError (415, or 403 with the precondition failed) unless the collection takes it."""
    if collection.kind == CollectionKind.ADDRESSBOOK:
        accepted, namespace, name, what = VCARD_MEDIA_TYPES, CARDDAV, "address-data", "vCards"
    else:
        accepted, namespace, name, what = CALENDAR_MEDIA_TYPES, CALDAV, "calendar-data", "iCalendar objects"
    if media_type and media_type not in accepted:
        raise DavError(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"{collection.display_name} takes {what}, not {media_type[:60]}",
            tag(namespace, f"supported-{name}"),
        )
    try:
        item = content.from_device(collection.media_type, data, previous, None)
        parsed = CalendarObject.of(item).object if collection.kind == CollectionKind.CALENDAR else None
    except (RemoteError, LocalError) as error:
        raise DavError(HTTPStatus.FORBIDDEN, str(error)[:200], tag(namespace, f"valid-{name}")) from error
    if parsed is not None:
        _check_components(collection, parsed)
    return item


def _check_components(collection: Collection, parsed: Object) -> None:
    kinds = {str(part.name).upper() for part in parsed.components}
    uids = {str(part.get("UID", "")).strip() for part in parsed.components}
    if len(kinds) != 1 or len(uids) != 1:
        raise DavError(
            HTTPStatus.FORBIDDEN,
            "a calendar object resource holds the components of one object: one kind, one UID",
            tag(CALDAV, "valid-calendar-object-resource"),
        )
    kind = kinds.pop()
    if kind not in collection.components:
        raise DavError(
            HTTPStatus.FORBIDDEN,
            f"{collection.display_name} holds {', '.join(collection.components)}, not {kind[:20]}",
            tag(CALDAV, "supported-calendar-component"),
        )
