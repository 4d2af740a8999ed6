"""Calendar objects (events, tasks, journal entries, notes): the stored form and what the engine does with it.

The stored form is iCalendar 2.0:
- UTF-8, CRLF, lines folded as icalendar writes them;
- one VCALENDAR with VERSION:2.0 and PRODID ``-//syncmld//syncmld//EN``, the VTIMEZONEs its components
  reference (a VTIMEZONE the device left out is added for a TZID the zone database knows), then the
  component(s) of one object: normally one VEVENT/VTODO/VJOURNAL; a master and its detached instances
  sent in one VCALENDAR stay together; a detached instance sent alone (same UID, with RECURRENCE-ID) is
  its own stored object;
- everything received is kept, X- properties and parameters included; floating times stay floating;
  a time's meaning comes from the VTIMEZONE sent with it, not from its TZID name.
vCalendar 1.0 objects are converted on the way in (see ``vcalendar``); devices send either version
under either media type, so the VERSION line decides.

Reading is in ``calendar_read``, comparison by meaning in ``calendar_compare``, a device's update and
the three-way merge in ``calendar_merge``; this module holds what the rest of syncmld calls.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from icalendar import Calendar, Component, Timezone
from icalendar.parser import Contentline

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map, by_names
from syncmld.content import sif
from syncmld.content.calendar_compare import component_normal, moment_key, normalised
from syncmld.content.calendar_merge import Merge, Update
from syncmld.content.calendar_read import (
    PARSE_ERRORS,
    Object,
    read_device,
    read_previous,
    read_stored,
    written_timezone,
)
from syncmld.content.common import EVERY_PROPERTY, Identity, media_type, worked_out_once
from syncmld.content.ical_text import write_ical
from syncmld.content.kind import ContentKind, ParsedItem, digest
from syncmld.content.sif.document import SIF_VERSION
from syncmld.content.timezones import utc_text
from syncmld.content.vcalendar import EVENT, SYNCMLD_PRODID, TODO, tzid_of
from syncmld.content.vcalendar_write import write_vcal10
from syncmld.content.versit import bad_request
from syncmld.errors import LocalError, RemoteError

STORED_CALENDAR_TYPE = "text/calendar"
VCALENDAR_TYPE = "text/x-vcalendar"

_CALENDAR_OWN = ("VERSION", "PRODID")
_SEEN_TEXTS = ("SUMMARY", "DESCRIPTION", "LOCATION", "CATEGORIES", "ATTACH", "ATTENDEE", "ORGANIZER")
_SEEN_TIMES = ("DTSTART", "DTEND", "DUE")
"""What a user sees of an object: its texts, attachments and people, and the time of an event or task."""


# ============================================================================================ public API


def calendar_to_stored(data: bytes, previous: bytes | None, device_properties: frozenset[str] | None) -> bytes:
    """``stored_object`` for the stored bytes ``previous`` (an item that is no calendar object is not merged)."""
    return stored_object(data, read_previous(previous) if previous is not None else None, device_properties)


def stored_object(data: bytes, old: Object | None, device_properties: frozenset[str] | None) -> bytes:
    """The stored form (iCalendar 2.0 bytes) of an object a device sent, in iCalendar 2.0 or vCalendar 1.0.

    ``old`` is the stored object it replaces (None for an Add): the result keeps every property of
    ``old`` the device could not carry (not in ``device_properties``, upper-case CTCap names, None =
    it keeps everything; or not expressible in vCalendar 1.0 when the data came as 1.0), and where the
    device's value means the same as the stored one keeps the stored representation.
    RemoteError (400) for data that is not a calendar object, or one that holds nothing a user could see.
    """
    try:
        incoming = read_device(data)
        components = Update(old, incoming, device_properties).components() if old is not None else incoming.components
        if not any(_shows_something(component) for component in components):
            kinds = "/".join(sorted({str(component.name) for component in components})) or "calendar object"
            raise bad_request(f"the {kinds} holds nothing a user could see (no summary, text or time)")
        sources = [old, incoming] if old is not None else [incoming]
        return _stored_bytes(_calendar_properties(*sources), components, sources)
    except RemoteError:
        raise
    except (LocalError, *PARSE_ERRORS) as error:
        raise bad_request(f"unusable calendar object: {error}") from error


def _shows_something(component: Component) -> bool:
    """Whether a user would see anything of the component: a text, or an event's or task's time."""
    if any(_ical_text(component.get(name, "")).strip() for name in _SEEN_TEXTS):
        return True
    return component.name in (EVENT, TODO) and any(name in component for name in _SEEN_TIMES)


def _ical_text(value: Any) -> str:
    """A property's value (or those of a repeated property, a category list) as text."""
    if isinstance(value, list):
        return "".join(_ical_text(each) for each in value)
    categories = getattr(value, "cats", None)
    return "".join(str(each) for each in categories) if categories is not None else str(value)


def calendar_from_stored(stored: bytes, version: str) -> bytes:
    """The stored object as iCalendar 2.0 (version "2.0") or vCalendar 1.0 ("1.0") text, UTF-8, CRLF."""
    if version != "1.0":
        return stored
    parsed = read_stored(stored)
    return write_vcal10(parsed.calendar, parsed.zones)


def merge_calendar(server: bytes, client: bytes, prefer_client: bool, base: bytes | None) -> bytes:
    """``merge_objects`` of stored forms."""
    ours, theirs = read_stored(server), read_stored(client)
    return merge_objects(ours, theirs, prefer_client, read_stored(base) if base is not None else None)


def merge_objects(ours: Object, theirs: Object, prefer_client: bool, original: Object | None) -> bytes:
    """Both sides changed an object (``ours``: the server's version, ``theirs``: the client's): the stored
    form of their field-level three-way merge.

    With ``original`` (the version both started from) a field one side changed takes that side's value
    and a field both changed the preferred side's; without it, a field only one side has is kept and where
    both have it and they differ the preferred side wins. Fields are compared by meaning (``normal form``).
    """
    merged = Merge(ours, theirs, original, prefer_client).components()
    sources = [theirs, ours] if prefer_client else [ours, theirs]
    return _stored_bytes(_calendar_properties(*sources), merged, sources)


def calendar_identity(stored: bytes) -> str:
    """``object_identity`` of a stored form."""
    return object_identity(read_stored(stored))


def object_identity(parsed: Object) -> str:
    """What tells two stored objects are the same in a slow sync.

    ``uid:<UID>`` plus ``|rid:<RECURRENCE-ID as UTC instant>`` for a detached instance; without UID the
    kind + normalised SUMMARY + DTSTART instant (events), + normalised SUMMARY (tasks), + SUMMARY and
    DESCRIPTION (journal entries and notes).
    """
    masters = [component for component in parsed.components if "RECURRENCE-ID" not in component]
    main = (masters or parsed.components)[0]
    uid = str(main.get("UID", "")).strip()
    if uid:
        if masters:
            return f"uid:{uid}"
        return f"uid:{uid}|rid:{moment_key(main['RECURRENCE-ID'], parsed.zones)}"
    summary = normalised(main.get("SUMMARY", ""))
    if main.name == EVENT:
        start = main.get("DTSTART")
        return f"{main.name}:{summary}|{moment_key(start, parsed.zones) if start is not None else ''}"
    if main.name == TODO:
        return f"{main.name}:{summary}"
    return f"{main.name}:{summary}|{normalised(main.get('DESCRIPTION', ''))}"


def calendar_normal_form(stored: bytes) -> str:
    """``object_normal_form`` of a stored form."""
    return object_normal_form(read_stored(stored))


def object_normal_form(parsed: Object) -> str:
    """Canonical text for "is this the same object": instants in UTC, properties sorted, DTSTAMP,
    LAST-MODIFIED, CREATED, PRODID, SEQUENCE and X-LIC-* ignored; equal for a 2.0 object and its 1.0
    round trip when nothing changed."""
    return "\n".join(sorted(component_normal(component, parsed.zones) for component in parsed.components))


def calendar_revision(stored: bytes) -> str | None:
    """``object_revision`` of a stored form."""
    return object_revision(read_stored(stored))


def object_revision(parsed: Object) -> str | None:
    """LAST-MODIFIED (else DTSTAMP) as YYYYMMDDTHHMMSSZ, for newest-wins conflict resolution."""
    stamps = []
    for component in parsed.components:
        stamp = component.get("LAST-MODIFIED") or component.get("DTSTAMP")
        if stamp is not None:
            moment = stamp.dt
            if not isinstance(moment, datetime):
                moment = datetime.combine(moment, datetime.min.time())
            stamps.append(utc_text(moment if moment.tzinfo else moment.replace(tzinfo=UTC)))
    return max(stamps) if stamps else None


# ======================================================================================== the content kind


_MARKER = b"BEGIN:VCALENDAR"
_OBJECT_START = re.compile(rb"^BEGIN:(?:VEVENT|VTODO|VJOURNAL)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_NESTED = re.compile(rb"^(?:BEGIN|END):", re.IGNORECASE | re.MULTILINE)
_UID_LINE = re.compile(rb"^UID[;:][^\r\n]*(?:\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE)
_FOLD = re.compile(rb"\r?\n[ \t]")


def stored_uid(stored: bytes) -> str | None:
    """The UID of the first VEVENT, VTODO or VJOURNAL of a stored object that has one, read from its line
    without parsing the object: the stored form is written with each component's properties before its
    subcomponents (a VALARM's UID is not its object's)."""
    for start in _OBJECT_START.finditer(stored):
        nested = _NESTED.search(stored, start.end())
        found = _UID_LINE.search(stored, start.end(), nested.start() if nested is not None else len(stored))
        if found is not None:
            try:
                line = Contentline(_FOLD.sub(b"", found.group()).decode("utf-8", "replace"))  # type: ignore[no-untyped-call]
                value = line.parts()[2]
            except PARSE_ERRORS:
                return None
            return str(value).strip() or None
    return None


CALENDAR_TYPES: dict[str, str] = {STORED_CALENDAR_TYPE: "2.0", VCALENDAR_TYPE: "1.0"}


class CalendarObject(ParsedItem):
    """A stored calendar object (iCalendar 2.0), read once."""

    @worked_out_once
    def object(self) -> Object:
        return read_stored(self.data)

    def replaced_object(self) -> Object | None:
        """The object a device's version is merged into; None when the stored item is no calendar
        object or cannot be read (then the device's version replaces it)."""
        if _MARKER not in self.data[:200].upper():
            return None
        try:
            return self.object
        except LocalError:
            return None

    @worked_out_once
    def normal_form(self) -> str:
        try:
            return object_normal_form(self.object)
        except RemoteError:
            return digest(self.data)

    @worked_out_once
    def identity(self) -> Identity:
        try:
            return Identity(object_identity(self.object))
        except RemoteError:
            return Identity(digest(self.data))

    @worked_out_once
    def uid(self) -> str | None:
        return stored_uid(self.data)

    @worked_out_once
    def revision(self) -> str | None:
        return object_revision(self.object)

    def merge(self, server: ParsedItem, prefer_client: bool, base: ParsedItem | None) -> bytes:
        ours = CalendarObject.of(server).object
        original = CalendarObject.of(base).object if base is not None else None
        return merge_objects(ours, self.object, prefer_client, original)


class CalendarKind(ContentKind):
    """Events, tasks and journal entries: iCalendar 2.0, vCalendar 1.0, SIF-E and SIF-T, kept as
    iCalendar 2.0 (notes, kept the same way, are a kind of their own: ``notes``)."""

    stored_type = STORED_CALENDAR_TYPE
    item = CalendarObject
    written: ClassVar[Mapping[str, str]] = {
        **CALENDAR_TYPES,
        **{name: SIF_VERSION for name, kind in sif.SIF_TYPES.items() if kind in ("event", "task")},
    }

    def from_device(
        self, content_type: str, data: bytes, previous: ParsedItem | None, device_properties: frozenset[str] | None
    ) -> CalendarObject:
        wanted = media_type(content_type)
        if wanted not in CALENDAR_TYPES:
            data, device_properties = sif.sif_to_stored(data, wanted)[1], EVERY_PROPERTY
        return object_from_device(data, previous, device_properties)

    def write(self, item: ParsedItem, wanted: str) -> bytes:
        version = CALENDAR_TYPES.get(wanted)
        if version == "2.0":
            return item.data
        parsed = CalendarObject.of(item).object
        if version is not None:
            return write_vcal10(parsed.calendar, parsed.zones)
        return sif.calendar_to_sif_document(parsed.calendar, wanted)


def object_from_device(
    data: bytes, previous: ParsedItem | None, device_properties: frozenset[str] | None
) -> CalendarObject:
    """The stored item of a calendar object (iCalendar 2.0 or vCalendar 1.0) a device sent, merged into
    the stored item it replaces (see ``stored_object``)."""
    old = CalendarObject.of(previous).replaced_object() if previous is not None else None
    return CalendarObject(STORED_CALENDAR_TYPE, stored_object(data, old, device_properties))


# ================================================================================================ writing


def _calendar_properties(*sources: Object) -> list[tuple[str, Any]]:
    """VCALENDAR-level properties (METHOD, X-WR-..., ...): the first source's win."""
    chosen: dict[str, Any] = {}
    for source in reversed(sources):
        for name in source.calendar:
            if name not in _CALENDAR_OWN:
                chosen[name] = source.calendar[name]
    return list(chosen.items())


def _stored_bytes(properties: list[tuple[str, Any]], components: list[Component], sources: list[Object]) -> bytes:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", SYNCMLD_PRODID)
    for name, value in properties:
        calendar[name] = value
    for tzid in _used_tzids(components):
        vtimezone = next((source.timezones[tzid] for source in sources if tzid in source.timezones), None)
        if vtimezone is None:
            known = _KNOWN_TIMEZONES.get(tzid) or _KNOWN_TIMEZONES.put(tzid, (_known_timezone(tzid),), len(tzid))
            vtimezone = known[0]
        if vtimezone is not None:
            calendar.add_component(vtimezone)
    for component in components:
        calendar.add_component(component)
    return write_ical(calendar, written_timezone)


def _used_tzids(components: Iterable[Component]) -> list[str]:
    seen: dict[str, None] = {}
    for component in components:
        for _, value in component.property_items(recursive=True, sorted=False):
            tzid = tzid_of(value)
            if tzid is not None and tzid != "UTC":
                seen.setdefault(tzid, None)
    return list(seen)


def _known_timezone(tzid: str) -> Timezone | None:
    """A VTIMEZONE from the zone database for a TZID sent without one (None if the name is unknown)."""
    try:
        return Timezone.from_tzid(tzid)
    except PARSE_ERRORS:
        return None


_KNOWN_TIMEZONES: BoundedMap[str, tuple[Timezone | None]] = bounded_map(
    "known_tzids", by_names(lambda limits: limits.known_tzids)
)
"""What ``_known_timezone`` answered for each TZID."""
