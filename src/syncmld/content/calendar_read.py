"""Calendar objects read from what a device sent or from the stored form: components and VTIMEZONEs."""

from dataclasses import dataclass
from functools import cached_property

from icalendar import Calendar, Component, Timezone

from syncmld.content.timezones import Zone, zones_of
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

    @cached_property
    def zones(self) -> dict[str, Zone]:
        """TZID -> Zone of the object's VTIMEZONEs (worked out when first needed)."""
        return zones_of(list(self.timezones.values()))


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
        calendar = Calendar.from_ical(text)
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
