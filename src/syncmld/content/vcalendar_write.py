"""Stored iCalendar 2.0 components written as vCalendar 1.0 lines: times in UTC, TZ/DAYLIGHT, alarms, attendees."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import Calendar, Component, vRecur

from syncmld.content.ical_text import value_text
from syncmld.content.recurrence import rule_to_vcal10
from syncmld.content.timezones import Zone, instant, utc_text, vcal10_zone_lines
from syncmld.content.vcalendar import (
    ALARM,
    DATE_LISTS,
    DATE_TIMES,
    EVENT,
    MIDNIGHT,
    NOT_IN_VCAL10,
    RULES,
    SYNCMLD_PRODID,
    TIMEZONE,
    UTC_STAMPS,
    VCAL10_NAMES,
    text_value,
    tzid_of,
    values_of,
)
from syncmld.content.versit import Property, escape, serialize

_ALARM_OF_ACTION = {"AUDIO": "AALARM", "PROCEDURE": "PALARM", "EMAIL": "MALARM"}
_EXPECT_OUT = {"REQ-PARTICIPANT": "REQUIRE", "CHAIR": "REQUIRE", "OPT-PARTICIPANT": "REQUEST", "NON-PARTICIPANT": "FYI"}


def write_vcal10(calendar: Calendar, zones: dict[str, Zone]) -> bytes:
    """A stored calendar (parsed) as vCalendar 1.0 text, UTF-8 with CRLF."""
    components = [component for component in calendar.subcomponents if component.name != TIMEZONE]
    head = [
        Property(None, "BEGIN", (), "VCALENDAR"),
        Property(None, "VERSION", (), "1.0"),
        Property(None, "PRODID", (), SYNCMLD_PRODID),
    ]
    head += [Property(None, name, (), value) for name, value in _zone_lines(components, zones)]
    lines = [_line(prop) for prop in head]
    for component in components:
        lines.extend(_line(prop) for prop in _ComponentWriter(component, zones).props())
    lines.append("END:VCALENDAR\r\n")
    return "".join(lines).encode("utf-8")


def _zone_lines(components: list[Component], zones: dict[str, Zone]) -> list[tuple[str, str]]:
    """TZ/DAYLIGHT of the first zoned component, for the years from its start to its last occurrence."""
    for component in components:
        start = component.get("DTSTART")
        if start is None:
            start = component.get("DUE")
        zone = zones.get(tzid_of(start) or "") if start is not None else None
        if zone is not None and start is not None:
            return vcal10_zone_lines(zone, range(start.dt.year, _last_year(component, start.dt) + 1))
    return []


def _last_year(component: Component, start: date) -> int:
    """The year of the last occurrence (at most 10 years on; two years on for endless rules)."""
    last = start.year
    for name in ("DTEND", "DUE"):
        if name in component:
            last = max(last, component.get(name).dt.year)
    rule = component.get("RRULE")
    if rule is not None and rule.get("UNTIL"):
        last = max(last, rule["UNTIL"][0].year)
    elif rule is not None and rule.get("COUNT"):
        last = max(last, _last_occurrence_year(rule, start))
    elif rule is not None:
        last = start.year + 2
    return min(last, start.year + 10)


def _last_occurrence_year(rule: vRecur, start: date) -> int:
    naive = start.replace(tzinfo=None) if isinstance(start, datetime) else datetime.combine(start, MIDNIGHT)
    try:
        occurrences = list(rrulestr(value_text(rule), dtstart=naive))
    except (ValueError, TypeError):
        return start.year + 2
    return occurrences[-1].year if occurrences else start.year


class _ComponentWriter:
    """One stored component -> its 1.0 lines."""

    def __init__(self, component: Component, zones: dict[str, Zone]) -> None:
        self.component = component
        self.zones = zones
        self.kind = str(component.name)
        start = component.get("DTSTART")
        self.start: Any = start
        self.all_day = start is not None and not isinstance(start.dt, datetime)

    def props(self) -> Iterator[Property]:
        yield Property(None, "BEGIN", (), self.kind)
        for name, value in self.component.property_items(recursive=False, sorted=False)[1:-1]:
            yield from self.lines_for(name, value)
        if self.kind == EVENT and "DTEND" not in self.component and self.start is not None:
            end = self._end()
            if end is not None:
                yield Property(None, "DTEND", (), end)
        for alarm in self.component.subcomponents:
            if alarm.name == ALARM:
                yield from self.alarm_lines(alarm)
        yield Property(None, "END", (), self.kind)

    def lines_for(self, name: str, value: Any) -> Iterator[Property]:
        if name in NOT_IN_VCAL10 or name == "DURATION":
            return
        if name in DATE_TIMES:
            yield Property(None, VCAL10_NAMES.get(name, name), _kept_params(value), self._time(value, name))
        elif name in UTC_STAMPS:
            yield Property(None, VCAL10_NAMES.get(name, name), (), self._time(value, name))
        elif name in DATE_LISTS:
            texts = [self._moment_text(item.dt, tzid_of(value), name) for item in value.dts]
            yield Property(None, name, _kept_params(value), ";".join(texts))
        elif name in RULES:
            text = self._rule(value)
            if text is not None:
                yield Property(None, name, (), text)
        elif name in ("ATTENDEE", "ORGANIZER"):
            yield _attendee(name, value)
        elif name in ("CATEGORIES", "RESOURCES"):
            items = value.cats if hasattr(value, "cats") else [value]
            yield Property(None, name, _kept_params(value), ";".join(escape(str(item), ";") for item in items))
        else:
            yield Property(None, VCAL10_NAMES.get(name, name), _kept_params(value), _simple_text(name, value))

    def _time(self, value: Any, name: str) -> str:
        return self._moment_text(value.dt, tzid_of(value), name)

    def _moment_text(self, moment: date, tzid: str | None, name: str) -> str:
        if not isinstance(moment, datetime):
            if self.kind == EVENT or name == "RECURRENCE-ID":
                return f"{moment:%Y%m%d}T000000"
            return f"{moment:%Y%m%d}"
        meaning = instant(moment, tzid, self.zones)
        if isinstance(meaning, datetime) and meaning.tzinfo is not None:
            return utc_text(meaning)
        return f"{moment:%Y%m%dT%H%M%S}"

    def _end(self) -> str | None:
        """DTEND for an event with DURATION (or an all-day event without an end)."""
        start = self.start.dt
        duration = self.component.get("DURATION")
        if duration is not None:
            return self._moment_text(start + duration.dt, tzid_of(self.start), "DTEND")
        if not isinstance(start, datetime):
            return self._moment_text(start + timedelta(days=1), None, "DTEND")
        return None

    def _rule(self, value: vRecur) -> str | None:
        first = self.start.dt if self.start is not None else date(1970, 1, 1)
        day = first.date() if isinstance(first, datetime) else first
        return rule_to_vcal10(value, day, lambda until: self._moment_text(until, None, "RRULE"))

    def alarm_lines(self, alarm: Component) -> Iterator[Property]:
        when = self.alarm_time(alarm)
        if when is None:
            return
        action = str(alarm.get("ACTION", "DISPLAY")).upper()
        repeat = "".join(
            [value_text(alarm.get("DURATION")) if "DURATION" in alarm else "", ";",
             str(alarm.get("REPEAT", "")) if "DURATION" in alarm else ""]
        )  # fmt: skip
        prefix = f"{when};{repeat}"
        if action == "DISPLAY" or action not in _ALARM_OF_ACTION:
            yield Property(None, "AALARM", (), when)
            yield Property(None, "DALARM", (), f"{prefix};{escape(str(alarm.get('DESCRIPTION', '')), ';')}")
            return
        if action == "EMAIL":
            address = str(alarm.get("ATTENDEE", "")).removeprefix("mailto:")
            content = f"{escape(address, ';')};{escape(str(alarm.get('DESCRIPTION', '')), ';')}"
            yield Property(None, "MALARM", (), f"{prefix};{content}")
            return
        attach = alarm.get("ATTACH")
        params = _kept_params(attach) if attach is not None else ()
        content = str(attach).replace(";", "\\;") if attach is not None else ""
        yield Property(None, _ALARM_OF_ACTION[action], params, f"{prefix};{content}".rstrip(";"))

    def alarm_time(self, alarm: Component) -> str | None:
        trigger = alarm.get("TRIGGER")
        if trigger is None:
            return None
        if isinstance(trigger.dt, datetime):
            return self._moment_text(trigger.dt, None, "TRIGGER")
        related = str(trigger.params.get("RELATED", "START")).upper()
        anchor_name = "DTSTART" if related == "START" else "DTEND" if self.kind == EVENT else "DUE"
        anchor = self.component.get(anchor_name)
        if anchor is None and anchor_name == "DTSTART":
            anchor = self.component.get("DUE")
        if anchor is None and anchor_name == "DTEND" and self.start is not None:
            end = self.start.dt + (self.component.get("DURATION").dt if "DURATION" in self.component else timedelta())
            return self._moment_text(end + trigger.dt, tzid_of(self.start), "TRIGGER")
        if anchor is None:
            return None
        moment = anchor.dt
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, MIDNIGHT)
        return self._moment_text(moment + trigger.dt, tzid_of(anchor), "TRIGGER")


def _attendee(name: str, value: Any) -> Property:
    params = {key.upper(): str(val) for key, val in value.params.items()}
    address = str(value)
    if address.lower().startswith("mailto:") and "@" in address:
        address = address[7:]
    common = params.pop("CN", "")
    result: list[tuple[str, str | None]] = []
    if name == "ORGANIZER":
        result.append(("ROLE", "ORGANIZER"))
    partstat = params.pop("PARTSTAT", "")
    if partstat:
        result.append(("STATUS", partstat.replace("-", " ")))
    rsvp = params.pop("RSVP", "")
    if rsvp:
        result.append(("RSVP", "YES" if rsvp.upper() == "TRUE" else "NO"))
    role = params.pop("ROLE", "").upper()
    if role in _EXPECT_OUT:
        result.append(("EXPECT", _EXPECT_OUT[role]))
    result += [(key, val) for key, val in params.items() if key.startswith("X-")]
    text = f"{common} <{address}>" if common else address
    return Property(None, "ATTENDEE", tuple(result), text)


def _simple_text(name: str, value: Any) -> str:
    if name == "STATUS":
        return str(value).upper().replace("-", " ")
    if name == "TRANSP":
        return "1" if str(value).upper() == "TRANSPARENT" else "0"
    if name == "PRIORITY":
        number = int(value)
        return "0" if number == 0 else "1" if number <= 4 else "2" if number == 5 else "3"
    if name == "GEO":
        return f"{value.latitude},{value.longitude}"
    if isinstance(value, str):
        return escape(text_value(value), "")
    return value_text(value)


def _kept_params(value: Any) -> tuple[tuple[str, str | None], ...]:
    """The parameters a 1.0 line keeps: all but VALUE and TZID (their meaning is in the value)."""
    params = getattr(value, "params", None) or {}
    return tuple(
        (key.upper(), _quoted(str(val))) for key, val in params.items() if key.upper() not in ("VALUE", "TZID")
    )


def _quoted(value: str) -> str:
    return f'"{value}"' if any(char in value for char in ":;,") else value


def _line(prop: Property) -> str:
    """One 1.0 content line (CRLF): quoted-printable when it spans lines, CHARSET=UTF-8 when not ASCII."""
    if "\n" in prop.value or "\r" in prop.value:
        return serialize([prop], "2.1")
    if prop.value.isascii() and all(val is None or val.isascii() for _, val in prop.params):
        return serialize([prop], "2.1")
    params = "".join(f";{key}" if val is None else f";{key}={val}" for key, val in prop.params)
    return f"{prop.name}{params};CHARSET=UTF-8:{prop.value}\r\n"


def vcal10_property(component: Component, zones: dict[str, Zone], name: str) -> list[tuple[str, str, str]]:
    """What a 1.0 device gets for property ``name`` of ``component``: (name, parameters, value) per line."""
    writer = _ComponentWriter(component, zones)
    return sorted(
        (prop.name, repr(sorted(prop.params, key=str)), prop.value)
        for value in values_of(component, name)
        for prop in writer.lines_for(name, value)
    )


def vcal10_alarm(component: Component, alarm: Component, zones: dict[str, Zone]) -> list[tuple[str, str, str]]:
    """What a 1.0 device gets for one VALARM (empty when 1.0 cannot say when it rings)."""
    writer = _ComponentWriter(component, zones)
    return sorted((prop.name, repr(prop.params), prop.value) for prop in writer.alarm_lines(alarm))


def alarm_time(component: Component, alarm: Component, zones: dict[str, Zone]) -> str | None:
    """When the alarm rings: UTC text, local text for floating times, None if it cannot be told."""
    return _ComponentWriter(component, zones).alarm_time(alarm)
