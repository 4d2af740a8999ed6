"""What the handler checks of a vCard or calendar object a client puts, and its UID."""

import re
from dataclasses import dataclass
from http import HTTPStatus

from icalendar import Calendar

from syncmld.dav.api import DavError
from syncmld.dav.backend import Collection, CollectionKind
from syncmld.dav.xml import CALDAV, CARDDAV, tag

VCARD_MEDIA_TYPES = ("text/vcard", "text/x-vcard", "text/directory")
CALENDAR_MEDIA_TYPES = ("text/calendar",)
_UID_LINE = re.compile(rb"^UID(?:;[^:\r\n]*)?:(.*)$", re.IGNORECASE | re.MULTILINE)
_FOLDED = re.compile(rb"\r?\n[ \t]")
_BEGIN = re.compile(rb"\A\s*BEGIN:(VCARD|VCALENDAR)\s*$", re.IGNORECASE | re.MULTILINE)
TIMEZONE = "VTIMEZONE"


@dataclass(frozen=True)
class Checked:
    """An item a client puts, as far as the handler reads it."""

    uid: str | None


def uid_of(data: bytes) -> str | None:
    """The first UID of a vCard or calendar object (its lines unfolded), None without one."""
    found = _UID_LINE.search(_FOLDED.sub(b"", data))
    if found is None:
        return None
    uid = found.group(1).strip().decode("utf-8", "replace")
    return uid or None


def check_item(collection: Collection, media_type: str, data: bytes) -> Checked:
    """DavError (415 or 403 with the precondition failed) unless ``data`` is an item the collection takes."""
    if collection.kind == CollectionKind.ADDRESSBOOK:
        return _check_vcard(media_type, data)
    return _check_calendar(collection, media_type, data)


def _check_vcard(media_type: str, data: bytes) -> Checked:
    if media_type and media_type not in VCARD_MEDIA_TYPES:
        raise DavError(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"an address book takes vCards, not {media_type[:60]}",
            tag(CARDDAV, "supported-address-data"),
        )
    begin = _BEGIN.search(data[:1000])
    if begin is None or begin.group(1).upper() != b"VCARD":
        raise DavError(HTTPStatus.FORBIDDEN, "the body is not a vCard", tag(CARDDAV, "valid-address-data"))
    return Checked(uid_of(data))


def _check_calendar(collection: Collection, media_type: str, data: bytes) -> Checked:
    if media_type and media_type not in CALENDAR_MEDIA_TYPES:
        raise DavError(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"a calendar takes iCalendar objects, not {media_type[:60]}",
            tag(CALDAV, "supported-calendar-data"),
        )
    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise DavError(
            HTTPStatus.FORBIDDEN, f"the body is not an iCalendar object: {error}", tag(CALDAV, "valid-calendar-data")
        ) from error
    if not isinstance(calendar, Calendar) or str(calendar.name).upper() != "VCALENDAR":
        raise DavError(HTTPStatus.FORBIDDEN, "the body is not a VCALENDAR", tag(CALDAV, "valid-calendar-data"))
    parts = [part for part in calendar.subcomponents if str(part.name).upper() != TIMEZONE]
    kinds = {str(part.name).upper() for part in parts}
    uids = {str(part.get("UID", "")).strip() for part in parts}
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
    return Checked(uids.pop() or None)
