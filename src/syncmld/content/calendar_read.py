"""Calendar objects read from what a device sent or from the stored form: components and VTIMEZONEs.

Most of an object's lines are often its VTIMEZONEs, the same few in every object. A VTIMEZONE at the
top of a VCALENDAR is read once per distinct text and kept (the last ``CacheLimits.vtimezones`` of them,
each of at most ``CacheLimits.vtimezone_chars`` characters), with the Zone it defines; an object is read as its
other lines around them. What is read is what reading the whole text would give.
"""

import re
from dataclasses import dataclass
from weakref import WeakValueDictionary

from icalendar import Calendar, Component, Timezone
from icalendar.parser import Contentlines

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map
from syncmld.content.common import worked_out_once
from syncmld.content.ical_text import write_ical
from syncmld.content.timezones import Zone, zone_of, zones_of
from syncmld.content.vcalendar import OBJECT_KINDS, TIMEZONE, is_version_10
from syncmld.content.vcalendar_read import read_vcal10
from syncmld.content.versit import bad_request
from syncmld.errors import LocalError, RemoteError

# what icalendar raises on data it cannot read or write (it checks some content lines with assert)
PARSE_ERRORS = (
    ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, UnicodeError, AssertionError
)  # fmt: skip


@dataclass
class Object:
    """A parsed calendar object: its calendar-level properties, components and VTIMEZONEs."""

    calendar: Calendar
    components: list[Component]
    timezones: dict[str, Timezone]
    from_10: bool

    @worked_out_once
    def zones(self) -> dict[str, Zone]:
        """TZID -> Zone of the object's VTIMEZONEs (worked out when first needed)."""
        return zones_of(list(self.timezones.values()), _TIMEZONES.zone)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_device(data: bytes) -> Object:
    """What a device sent, as components (RemoteError if it is not a calendar object)."""
    text = data.decode("utf-8", "surrogateescape")
    if is_version_10(text):
        return _split(read_vcal10(text), from_10=True)
    return _read_20(_decode(data))


def _read_20(text: str) -> Object:
    try:
        calendar = _parse(text)
    except PARSE_ERRORS as error:
        raise bad_request(f"not an iCalendar object: {str(error)[:120]}") from error
    if calendar.name != "VCALENDAR":
        raise bad_request("no VCALENDAR around the calendar object")
    for component in calendar.walk():
        if component.errors:
            name, reason = component.errors[0]
            raise bad_request(f"invalid {component.name} {name or 'line'}: {str(reason)[:120]}")
    return _split(calendar, from_10=False)


def _split(calendar: Calendar, from_10: bool) -> Object:
    components = [component for component in calendar.subcomponents if component.name in OBJECT_KINDS]
    if not components:
        raise bad_request("no VEVENT, VTODO or VJOURNAL in the calendar object")
    components += [
        component
        for component in calendar.subcomponents
        if component.name not in OBJECT_KINDS and component.name != TIMEZONE
    ]
    timezones = {
        str(component["TZID"]): component
        for component in calendar.subcomponents
        if isinstance(component, Timezone) and "TZID" in component
    }
    return Object(calendar, components, timezones, from_10)


def read_stored(stored: bytes) -> Object:
    try:
        return _read_20(stored.decode("utf-8"))
    except (RemoteError, UnicodeDecodeError) as error:
        raise LocalError(f"stored calendar object is unreadable: {error}") from error


def read_previous(previous: bytes) -> Object | None:
    """The stored object an update replaces; None when it is not a calendar (then nothing is kept)."""
    try:
        return read_stored(previous)
    except LocalError:
        return None


# ================================================================================ VTIMEZONEs read once


@dataclass
class _Read:
    component: Timezone
    zone: Zone | None = None
    written: bytes | None = None
    """The component as ``write_ical`` writes it, once it has been written."""


class _TimezoneTexts:
    """VTIMEZONEs read, by their text; shared by every object that carries the same text, never changed. A
    longer one is read with its object, not kept (``CacheLimits.vtimezone_chars``: at most 25 MB kept)."""

    def __init__(self) -> None:
        self._read: BoundedMap[str, _Read] = bounded_map(
            "vtimezones", lambda limits: (limits.vtimezones, limits.vtimezone_chars)
        )
        self._by_component: WeakValueDictionary[int, _Read] = WeakValueDictionary()
        """The same, by their component's id while they are kept."""

    def keeps(self, text: str) -> bool:
        """Whether a VTIMEZONE of ``text`` is kept read."""
        return self._read.keeps(len(text))

    def component(self, text: str) -> Timezone | None:
        """The VTIMEZONE ``text`` holds; None when it is not one that reads without errors."""
        found = self._read.get(text)
        if found is not None:
            return found.component
        try:
            component = Component.from_ical(text)
        except PARSE_ERRORS:
            return None
        if not isinstance(component, Timezone) or any(part.errors for part in component.walk()):
            return None
        found = self._read.put(text, _Read(component), len(text))
        self._by_component[id(component)] = found
        return component

    def written(self, vtimezone: Component) -> bytes | None:
        """A VTIMEZONE read here as ``write_ical`` writes it, written once; None for any other component."""
        found = self._by_component.get(id(vtimezone))
        if found is None or found.component is not vtimezone:
            return None
        if found.written is None:
            found.written = write_ical(vtimezone)
        return found.written

    def zone(self, vtimezone: Timezone) -> Zone:
        """The Zone a VTIMEZONE defines, worked out once for one read here."""
        found = self._by_component.get(id(vtimezone))
        if found is None or found.component is not vtimezone:
            return zone_of(vtimezone)
        if found.zone is None:
            found.zone = zone_of(vtimezone)
        return found.zone


_TIMEZONES = _TimezoneTexts()
written_timezone = _TIMEZONES.written
_TIMEZONE_LINE = re.compile(r"^BEGIN:VTIMEZONE", re.IGNORECASE | re.MULTILINE)


def _parse(text: str) -> Calendar:
    """``Calendar.from_ical(text)``, its top-level VTIMEZONEs taken from those read before."""
    if _TIMEZONE_LINE.search(text) is None:
        return Calendar.from_ical(text)
    try:
        split = _without_timezones(Contentlines.from_ical(text))  # type: ignore[no-untyped-call]
    except ValueError:
        split = None
    if split is None:
        return Calendar.from_ical(text)
    rest, children = split
    timezones: list[Component] = []
    for child in filter(None, children):
        found = _TIMEZONES.component(child)
        if found is None:
            return Calendar.from_ical(text)
        timezones.append(found)
    try:
        calendar = Calendar.from_ical("\r\n".join(rest) + "\r\n")
    except PARSE_ERRORS:
        return Calendar.from_ical(text)  # to fail as the whole text fails
    others = list(calendar.subcomponents)
    if len(others) != children.count(None):
        return Calendar.from_ical(text)
    taken, kept = iter(timezones), iter(others)
    calendar.subcomponents = [next(taken) if child is not None else next(kept) for child in children]
    return calendar


def _without_timezones(lines: list[str]) -> tuple[list[str], list[str | None]] | None:
    """The content lines of one VCALENDAR without its top-level VTIMEZONEs, and its top-level
    components in order (a VTIMEZONE as its text, None for any other); None when the lines are not
    one VCALENDAR with VTIMEZONEs to take out (then the whole text is read as it is)."""
    rest: list[str] = []
    children: list[str | None] = []
    block: list[str] | None = None
    depth = 0
    for line in filter(None, lines):
        marker = _marker(line)
        if marker == _UNCLEAR or (depth == 0 and (rest or marker != ("BEGIN", "VCALENDAR"))):
            return None
        if marker is not None and marker[0] == "BEGIN":
            if depth == 1 and marker[1] == "VTIMEZONE":
                block = []
            elif depth == 1:
                children.append(None)
            depth += 1
        elif marker is not None:
            depth -= 1
        (rest if block is None else block).append(line)
        if block is not None and depth == 1:
            text = "\r\n".join(block) + "\r\n"
            kept = _TIMEZONES.keeps(text)
            if not kept:
                rest.extend(block)
            children.append(text if kept else None)
            block = None
    if depth != 0 or not any(child is not None for child in children):
        return None
    return rest, children


_UNCLEAR = ("", "")


def _marker(line: str) -> tuple[str, str] | None:
    """``("BEGIN", NAME)`` or ``("END", NAME)`` for a line that opens or closes a component, None for
    another line, ``_UNCLEAR`` for one whose meaning is not that plain (parameters, an unusual name)."""
    head = line[:6].upper()
    kind = "BEGIN" if head.startswith(("BEGIN:", "BEGIN;")) else "END" if head.startswith(("END:", "END;")) else ""
    if not kind:
        return None
    name = line[len(kind) + 1 :]
    if line[len(kind)] != ":" or not name.replace("-", "").isalnum() or not name.isascii():
        return _UNCLEAR
    return kind, name.upper()
