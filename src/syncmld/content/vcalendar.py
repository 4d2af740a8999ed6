"""vCalendar 1.0 text to iCalendar 2.0 components and back.

Reading: lines go through the Versit lexer (quoted-printable and CHARSET decoded); 1.0 names and values
become their 2.0 forms: DCREATED -> CREATED, X-RECURRENCE-ID -> RECURRENCE-ID, X-PERCENT-COMPLETE ->
PERCENT-COMPLETE, AALARM/DALARM/PALARM/MALARM -> VALARM (one per alarm time, DISPLAY when a DALARM is
among them, the trigger relative to the start when there is one), ATTENDEE;ROLE=ORGANIZER -> ORGANIZER,
STATUS ``NEEDS ACTION`` -> ``NEEDS-ACTION``, TRANSP 0/1 -> OPAQUE/TRANSPARENT, PRIORITY 1/2/3 -> 1/5/9,
the 1.0 RRULE grammar -> RRULE, ``;``-separated lists -> lists. An event from midnight to midnight (or
to 23:59, ``T240000``, or flagged X-FUNAMBOL-ALLDAY / X-MICROSOFT-CDO-ALLDAYEVENT) is all-day (dates).
Local times are read in the zone TZ/DAYLIGHT describe; the times of a recurring event are kept in that
zone (unless it is UTC), so its occurrences stay on the same weekday and wall-clock time.

Writing: times in UTC (floating times and dates stay local), TZ/DAYLIGHT for the years an event spans,
all-day events as ``DTSTART:20240422T000000`` + ``DTEND:20240423T000000``, alarms with absolute times
(a DISPLAY alarm as AALARM + DALARM), multi-line text as quoted-printable, non-ASCII with CHARSET=UTF-8.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import Alarm, Calendar, Component, Event, Journal, Todo, vDDDLists, vGeo, vRecur, vText
from icalendar.prop import vCalAddress, vDuration, vUnknown

from syncmld.content.recurrence import rule_from_vcal10, rule_to_vcal10
from syncmld.content.timezones import (
    Zone,
    instant,
    parse_offset,
    parse_stamp,
    utc_text,
    vcal10_zone_lines,
    vtimezone_from_vcal10,
    zone_of,
)
from syncmld.content.versit import Property, bad_request, parse_lines, serialize

SYNCMLD_PRODID = "-//syncmld//syncmld//EN"
EVENT, TODO, JOURNAL, TIMEZONE, ALARM = "VEVENT", "VTODO", "VJOURNAL", "VTIMEZONE", "VALARM"
OBJECT_KINDS = (EVENT, TODO, JOURNAL)
DATE_TIMES = ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID")
UTC_STAMPS = ("COMPLETED", "LAST-MODIFIED", "CREATED", "DTSTAMP")
DATE_LISTS = ("EXDATE", "RDATE")
RULES = ("RRULE", "EXRULE")

# 2.0 names with another name in 1.0; names 1.0 has no way to say (they stay on the server)
VCAL10_NAMES = {
    "CREATED": "DCREATED",
    "RECURRENCE-ID": "X-RECURRENCE-ID",
    "PERCENT-COMPLETE": "X-PERCENT-COMPLETE",
    "ORGANIZER": "ATTENDEE",
}
NOT_IN_VCAL10 = frozenset(
    {"DTSTAMP", "COMMENT", "CONTACT", "REQUEST-STATUS", "ATTACH", "CALSCALE", "METHOD", "PRODID", "VERSION"}
)
ALARM_NAMES = frozenset({"AALARM", "DALARM", "PALARM", "MALARM"})
_ALL_DAY_FLAGS = {"X-FUNAMBOL-ALLDAY": ("1", "TRUE"), "X-MICROSOFT-CDO-ALLDAYEVENT": ("TRUE", "1")}
_ACTIONS = {"AALARM": "AUDIO", "DALARM": "DISPLAY", "PALARM": "PROCEDURE", "MALARM": "EMAIL"}
_ALARM_OF_ACTION = {"AUDIO": "AALARM", "PROCEDURE": "PALARM", "EMAIL": "MALARM"}
_TRANSP_IN = {"0": "OPAQUE", "1": "TRANSPARENT"}
_PRIORITY_IN = {1: 1, 2: 5, 3: 9}
_EXPECT_IN = {
    "REQUIRE": "REQ-PARTICIPANT",
    "IMMEDIATE": "REQ-PARTICIPANT",
    "REQUEST": "OPT-PARTICIPANT",
    "FYI": "NON-PARTICIPANT",
}
_EXPECT_OUT = {"REQ-PARTICIPANT": "REQUIRE", "CHAIR": "REQUIRE", "OPT-PARTICIPANT": "REQUEST", "NON-PARTICIPANT": "FYI"}
_PARTSTAT_IN = {"SENT": "NEEDS-ACTION", "CONFIRMED": "ACCEPTED"}
_NAMED_ADDRESS = re.compile(r"\s*(.*?)\s*<([^<>]*)>\s*")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_MIDNIGHT = time(0, 0)
_LATE = time(23, 59)
_COMPONENT_CLASSES: dict[str, type[Component]] = {EVENT: Event, TODO: Todo, JOURNAL: Journal}


def prop_of(component: Component, name: str) -> Any:
    """Property ``name`` of ``component`` (None when absent, a list for repeated lines)."""
    return component.get(name)


def ical_text(value: Any) -> str:
    """A property value as iCalendar text."""
    return str(value.to_ical().decode("utf-8"))


def text_value(value: Any) -> str:
    """The text of a TEXT-like value; an X- property icalendar keeps raw (vUnknown) is unescaped."""
    if isinstance(value, vUnknown):
        return str(vText.from_ical(str(value)))
    return str(value)


def parse_duration(text: str) -> timedelta:
    """An iCalendar/vCalendar duration such as ``-PT15M``."""
    duration: timedelta = vDuration.from_ical(text)  # type: ignore[no-untyped-call]
    return duration


def values_of(component: Component, name: str) -> list[Any]:
    """Every value of property ``name`` (icalendar keeps one value, or a list for repeated lines)."""
    value = prop_of(component, name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def tzid_of(value: Any) -> str | None:
    params = getattr(value, "params", None)
    return str(params["TZID"]) if params is not None and "TZID" in params else None


def is_version_10(text: str) -> bool:
    """Whether the calendar text says VERSION:1.0 (whatever media type it was labelled with)."""
    return re.search(r"^VERSION\s*:\s*1\.0\s*$", text, re.MULTILINE | re.IGNORECASE) is not None


# ================================================================================================ reading


@dataclass
class _Frame:
    """How the times of one 1.0 object are read: its TZ/DAYLIGHT zone (if any), and whether that zone
    is not UTC (then a recurring event's weekdays and wall-clock times are those of the zone)."""

    tzid: str | None
    zone: Zone | None
    local: bool


def read_vcal10(text: str) -> Calendar:
    """The components of a vCalendar 1.0 object (VEVENT/VTODO/VJOURNAL, plus a VTIMEZONE for TZ/DAYLIGHT)."""
    calendar_props, components = _split_components(parse_lines(_unfold(text)))
    tz = next((prop.value for prop in calendar_props if prop.name == "TZ"), None)
    daylight = [prop.value for prop in calendar_props if prop.name == "DAYLIGHT"]
    vtimezone = vtimezone_from_vcal10(tz, daylight)
    calendar = Calendar()
    frame = _Frame(None, None, False)
    if vtimezone is not None:
        calendar.add_component(vtimezone)
        zone = zone_of(vtimezone)
        local = len(vtimezone.subcomponents) > 1 or parse_offset(tz or "") != timedelta(0)
        frame = _Frame(str(vtimezone["TZID"]), zone, local)
    for prop in calendar_props:
        if prop.name not in ("VERSION", "TZ", "DAYLIGHT", "PRODID"):
            calendar.add(prop.name, vText(_unescape(prop.value)), parameters=_params(prop))
    for kind, props in components:
        if kind in _COMPONENT_CLASSES:
            calendar.add_component(_ComponentReader(kind, props, frame).read())
    return calendar


def _unfold(text: str) -> str:
    """Join folded lines keeping the folding whitespace (RFC 822 folding, as 1.0 prescribes)."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if lines and line[:1] in (" ", "\t") and lines[-1] and not lines[-1].endswith("="):
            lines[-1] += line
        else:
            lines.append(line)
    return "\n".join(lines)


def _split_components(props: list[Property]) -> tuple[list[Property], list[tuple[str, list[Property]]]]:
    calendar_props: list[Property] = []
    components: list[tuple[str, list[Property]]] = []
    current: tuple[str, list[Property]] | None = None
    seen_calendar = False
    for prop in props:
        value = prop.value.strip().upper()
        if prop.name == "BEGIN" and value == "VCALENDAR" and current is None:
            seen_calendar = True
        elif prop.name == "BEGIN":
            if current is not None or not seen_calendar:
                raise bad_request(f"unexpected BEGIN:{value[:20]} in vCalendar 1.0")
            current = (value, [])
        elif prop.name == "END" and current is not None:
            if value != current[0]:
                raise bad_request(f"END:{value[:20]} closes BEGIN:{current[0]}")
            components.append(current)
            current = None
        elif prop.name == "END":
            continue
        elif current is not None:
            current[1].append(prop)
        elif seen_calendar:
            calendar_props.append(prop)
    if current is not None:
        raise bad_request(f"BEGIN:{current[0]} without END")
    if not any(kind in OBJECT_KINDS for kind, _ in components):
        raise bad_request("no VEVENT, VTODO or VJOURNAL in the vCalendar object")
    return calendar_props, components


class _ComponentReader:
    """One 1.0 component's properties -> one 2.0 component."""

    def __init__(self, kind: str, props: list[Property], frame: _Frame) -> None:
        self.kind = kind
        self.props = props
        self.by_name = {prop.name: prop for prop in props}
        recurring = "RRULE" in self.by_name or "RDATE" in self.by_name
        self.frame = frame
        self.keep_zone = frame.zone is not None and frame.local and recurring
        self.all_day = kind == EVENT and self._is_all_day()
        self.component = _COMPONENT_CLASSES[kind]()

    def read(self) -> Component:
        alarms: list[Property] = []
        for prop in sorted(self.props, key=lambda prop: prop.name != "DTSTART"):
            if prop.name in ALARM_NAMES:
                alarms.append(prop)
            elif prop.name not in _ALL_DAY_FLAGS:
                self._read(prop)
        if self.all_day and "DTSTART" in self.component:
            first_day = prop_of(self.component, "DTSTART").dt
            end = prop_of(self.component, "DTEND")
            if end is None or end.dt <= first_day:
                self.component.pop("DTEND", None)
                self.component.add("DTEND", first_day + timedelta(days=1))
        for alarm in _AlarmReader(self).alarms(alarms):
            self.component.add_component(alarm)
        return self.component

    # ------------------------------------------------------------------------------------- all-day

    def _is_all_day(self) -> bool:
        start = self._stamp("DTSTART")
        end = self._stamp("DTEND")
        flagged = any(
            self.by_name[name].value.strip().upper() in values
            for name, values in _ALL_DAY_FLAGS.items()
            if name in self.by_name
        )
        if start is None:
            return False
        if not isinstance(start, datetime):
            return True
        if start.time() != _MIDNIGHT or end is None:
            return flagged
        if not isinstance(end, datetime):
            return True
        if end.time() == _MIDNIGHT and end.date() > start.date():
            return True
        return (end.time() >= _LATE and end.date() >= start.date()) or flagged

    def _stamp(self, name: str) -> date | None:
        prop = self.by_name.get(name)
        return parse_stamp(prop.value) if prop is not None and prop.value.strip() else None

    @staticmethod
    def _day_of(value: date, end: bool) -> date:
        """The day an all-day boundary names, as written (a 1.0 all-day time is the device's midnight)."""
        if not isinstance(value, datetime):
            return value
        if end and value.time() != _MIDNIGHT:
            return value.date() + timedelta(days=1)
        return value.date()

    def _local(self, value: datetime) -> datetime:
        if value.tzinfo is not None and self.frame.zone is not None:
            return self.frame.zone.to_local(value)
        return value.replace(tzinfo=None)

    # ---------------------------------------------------------------------------------- properties

    def _read(self, prop: Property) -> None:
        name, value, params = prop.name, prop.value.strip(), _params(prop)
        params.pop("VALUE", None)
        if name in ("DTSTART", "DTEND", "DUE", "X-RECURRENCE-ID", "RECURRENCE-ID"):
            if value:
                moment, extra = self._time(parse_stamp(value), end=name == "DTEND")
                self.component.add("RECURRENCE-ID" if name == "X-RECURRENCE-ID" else name, moment,
                                   parameters={**params, **extra})  # fmt: skip
        elif name in ("COMPLETED", "LAST-MODIFIED", "DCREATED", "DTSTAMP"):
            if value:
                self.component.add("CREATED" if name == "DCREATED" else name, self._utc(parse_stamp(value)))
        elif name in DATE_LISTS:
            self._read_dates(name, value, params)
        elif name in RULES:
            if value:
                self.component.add(name, self._rule(value))
        elif name == "ATTENDEE":
            self._read_attendee(value, params)
        elif name in ("CATEGORIES", "RESOURCES"):
            items = [_unescape(item).strip() for item in _split_unescaped(value, ";")]
            self.component.add(name, [item for item in items if item], parameters=params)
        else:
            self._read_simple(name, prop.value, params)

    def _read_simple(self, name: str, raw: str, params: dict[str, str]) -> None:
        value = raw.strip()
        if name == "STATUS":
            self.component.add(name, value.upper().replace(" ", "-"), parameters=params)
        elif name == "TRANSP":
            self.component.add(name, _TRANSP_IN.get(value, "TRANSPARENT" if value.isdigit() else value.upper()))
        elif name == "PRIORITY" and value.isdigit():
            self.component.add(name, _PRIORITY_IN.get(int(value), int(value)))
        elif name in ("SEQUENCE", "X-PERCENT-COMPLETE") and value.isdigit():
            self.component.add("PERCENT-COMPLETE" if name == "X-PERCENT-COMPLETE" else name, int(value))
        elif name == "GEO" and (position := _geo(value)) is not None:
            self.component.add(name, vGeo(position))
        else:
            self.component.add(name, vText(_unescape(raw)), parameters=params)

    def _time(self, value: date, end: bool = False) -> tuple[date, dict[str, str]]:
        """A 1.0 DTSTART/DTEND/... value as a 2.0 value and the parameters it needs."""
        if self.all_day:
            return self._day_of(value, end), {}
        if not isinstance(value, datetime):
            return value, {}
        zone, tzid = self.frame.zone, self.frame.tzid
        if zone is not None and tzid is not None and (value.tzinfo is None or self.keep_zone):
            return self._local(value), {"TZID": tzid}
        return value, {}

    def absolute(self, value: datetime) -> datetime:
        """An aware UTC instant for a 1.0 time (a local time read in the TZ zone, else as UTC)."""
        moment = self._utc(value)
        if isinstance(moment, datetime) and moment.tzinfo is not None:
            return moment
        return value.replace(tzinfo=UTC)

    def _utc(self, value: date) -> date:
        if isinstance(value, datetime) and value.tzinfo is None and self.frame.zone is not None:
            return self.frame.zone.to_utc(value)
        return value

    def _read_dates(self, name: str, value: str, params: dict[str, str]) -> None:
        stamps = [parse_stamp(item) for item in re.split(r"[;,]", value) if item.strip()]
        if not stamps:
            return
        converted = [self._time(stamp) for stamp in stamps]
        dates = vDDDLists([moment for moment, _ in converted])
        dates.params.update(params)
        dates.params.update(converted[0][1])
        if not isinstance(converted[0][0], datetime):
            dates.params["VALUE"] = "DATE"
        self.component.add(name, dates, encode=False)

    def _rule(self, value: str) -> vRecur:
        start = prop_of(self.component, "DTSTART")
        first = start.dt if start is not None else None
        start_day = first.date() if isinstance(first, datetime) else first or date(1970, 1, 1)
        zoned = start is not None and (tzid_of(start) is not None or getattr(first, "tzinfo", None) is not None)

        def until_of(text: str) -> date:
            """UNTIL of the same kind as DTSTART: a date, a UTC time, or a floating time."""
            until = parse_stamp(text)
            if not isinstance(first, datetime):
                return self._day_of(until, end=False) if first is not None else until
            if not isinstance(until, datetime):
                until = datetime.combine(until, time(23, 59, 59))
            if not zoned:
                return until.replace(tzinfo=None)
            return self.absolute(until)

        return rule_from_vcal10(value, start_day, until_of)

    def _read_attendee(self, value: str, params: dict[str, str]) -> None:
        role = params.pop("ROLE", "").upper()
        named = _NAMED_ADDRESS.fullmatch(value)
        address, name = (named.group(2), named.group(1)) if named else (value, "")
        if name:
            params["CN"] = name.strip('"')
        status = params.pop("STATUS", "").upper().replace(" ", "-")
        if status:
            params["PARTSTAT"] = _PARTSTAT_IN.get(status, status)
        rsvp = params.pop("RSVP", "").upper()
        if rsvp:
            params["RSVP"] = "TRUE" if rsvp in ("YES", "TRUE") else "FALSE"
        expect = params.pop("EXPECT", "").upper()
        if expect in _EXPECT_IN:
            params["ROLE"] = _EXPECT_IN[expect]
        uri = f"mailto:{address}" if "@" in address and ":" not in address else address
        target = "ORGANIZER" if role in ("ORGANIZER", "OWNER") and "ORGANIZER" not in self.component else "ATTENDEE"
        self.component.add(target, vCalAddress(uri), parameters=params)


class _AlarmReader:
    """AALARM/DALARM/PALARM/MALARM lines -> VALARMs, one per alarm time."""

    def __init__(self, reader: _ComponentReader) -> None:
        self.reader = reader

    def alarms(self, props: list[Property]) -> Iterator[Alarm]:
        groups: dict[str, dict[str, Property]] = {}
        for prop in props:
            runtime = _split_unescaped(prop.value, ";")[0].strip()
            if runtime:
                groups.setdefault(runtime, {}).setdefault(prop.name, prop)
        for runtime, kinds in groups.items():
            yield self._alarm(runtime, kinds)

    def _alarm(self, runtime: str, kinds: dict[str, Property]) -> Alarm:
        name = "DALARM" if "DALARM" in kinds else next(iter(kinds))
        prop = kinds[name]
        fields = [_unescape(field) for field in _split_unescaped(prop.value, ";")] + ["", "", "", ""]
        alarm = Alarm()
        action = _ACTIONS[name]
        alarm.add("ACTION", action)
        self._trigger(alarm, runtime)
        snooze, repeat, content = fields[1].strip(), fields[2].strip(), fields[3]
        if snooze and repeat.isdigit() and int(repeat) > 0:
            try:
                alarm.add("DURATION", parse_duration(snooze))
                alarm.add("REPEAT", int(repeat))
            except ValueError:
                pass
        if action == "DISPLAY" and content:
            alarm.add("DESCRIPTION", content)
        elif action in ("AUDIO", "PROCEDURE") and content.strip():
            alarm.add("ATTACH", content.strip(), parameters=_params(prop))
        elif action == "EMAIL":
            if content.strip():
                alarm.add("ATTENDEE", vCalAddress(f"mailto:{content.strip()}"))
            if fields[4]:
                alarm.add("DESCRIPTION", fields[4])
        return alarm

    def _trigger(self, alarm: Alarm, runtime: str) -> None:
        if runtime.upper().lstrip("+-").startswith("P"):
            alarm.add("TRIGGER", parse_duration(runtime.upper()))
            return
        when = parse_stamp(runtime)
        if not isinstance(when, datetime):
            when = datetime.combine(when, _MIDNIGHT)
        component = self.reader.component
        anchor_name = "DTSTART" if "DTSTART" in component else "DUE" if "DUE" in component else None
        anchor = self._instant(prop_of(component, anchor_name)) if anchor_name else None
        moment = self._moment(when, anchor)
        if anchor is not None and moment is not None:
            params = {"RELATED": "END"} if anchor_name == "DUE" else {}
            alarm.add("TRIGGER", moment - anchor, parameters=params)
        else:
            alarm.add("TRIGGER", self.reader.absolute(when), parameters={"VALUE": "DATE-TIME"})

    def _instant(self, prop: Any) -> datetime:
        value = prop.dt
        if not isinstance(value, datetime):
            return datetime.combine(value, _MIDNIGHT)
        zone = self.reader.frame.zone if tzid_of(prop) is not None else None
        if zone is not None:
            return zone.to_utc(value.replace(tzinfo=None))
        return value

    def _moment(self, when: datetime, anchor: datetime | None) -> datetime | None:
        """The alarm time in the anchor's frame (aware UTC or floating), None when they cannot be compared."""
        if anchor is None:
            return None
        if (anchor.tzinfo is None) == (when.tzinfo is None):
            return when
        if anchor.tzinfo is not None and self.reader.frame.zone is not None:
            return self.reader.frame.zone.to_utc(when)
        return None


def _params(prop: Property) -> dict[str, str]:
    """Versit parameters as 2.0 parameters (a bare 1.0 parameter is a TYPE value)."""
    params: dict[str, str] = {}
    for key, value in prop.params:
        name, text = (key.upper(), value) if value is not None else ("TYPE", key)
        params[name] = f"{params[name]},{text}" if name in params else text
    return params


def _unescape(value: str) -> str:
    """Backslash escapes of 1.0 text: ``\\\\``, ``\\;``, ``\\,`` and ``\\n``; others stay as written."""
    return _ESCAPE.sub(_unescaped, value)


def _unescaped(match: re.Match[str]) -> str:
    char = match.group(1)
    if char in "nN":
        return "\n"
    return char if char in "\\;," else match.group(0)


def _split_unescaped(value: str, separator: str) -> list[str]:
    """``value`` split at each ``separator`` not escaped by a backslash (escapes stay in the parts)."""
    parts = [""]
    escaped = False
    for char in value:
        if char == separator and not escaped:
            parts.append("")
            continue
        parts[-1] += char
        escaped = char == "\\" and not escaped
    return parts


def _geo(value: str) -> tuple[float, float] | None:
    parts = re.split(r"[,;]", value)
    try:
        return (float(parts[0]), float(parts[1])) if len(parts) == 2 else None
    except ValueError:
        return None


# ================================================================================================ writing


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
        start = prop_of(component, "DTSTART")
        if start is None:
            start = prop_of(component, "DUE")
        zone = zones.get(tzid_of(start) or "") if start is not None else None
        if zone is not None and start is not None:
            return vcal10_zone_lines(zone, range(start.dt.year, _last_year(component, start.dt) + 1))
    return []


def _last_year(component: Component, start: date) -> int:
    """The year of the last occurrence (at most 10 years on; two years on for endless rules)."""
    last = start.year
    for name in ("DTEND", "DUE"):
        if name in component:
            last = max(last, prop_of(component, name).dt.year)
    rule = prop_of(component, "RRULE")
    if rule is not None and rule.get("UNTIL"):
        last = max(last, rule["UNTIL"][0].year)
    elif rule is not None and rule.get("COUNT"):
        last = max(last, _last_occurrence_year(rule, start))
    elif rule is not None:
        last = start.year + 2
    return min(last, start.year + 10)


def _last_occurrence_year(rule: vRecur, start: date) -> int:
    naive = start.replace(tzinfo=None) if isinstance(start, datetime) else datetime.combine(start, _MIDNIGHT)
    try:
        occurrences = list(rrulestr(ical_text(rule), dtstart=naive))
    except (ValueError, TypeError):
        return start.year + 2
    return occurrences[-1].year if occurrences else start.year


class _ComponentWriter:
    """One stored component -> its 1.0 lines."""

    def __init__(self, component: Component, zones: dict[str, Zone]) -> None:
        self.component = component
        self.zones = zones
        self.kind = str(component.name)
        start = prop_of(component, "DTSTART")
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
            yield Property(None, name, _kept_params(value), ";".join(_escape(str(item), ";") for item in items))
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
        duration = prop_of(self.component, "DURATION")
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
            [ical_text(prop_of(alarm, "DURATION")) if "DURATION" in alarm else "", ";",
             str(alarm.get("REPEAT", "")) if "DURATION" in alarm else ""]
        )  # fmt: skip
        prefix = f"{when};{repeat}"
        if action == "DISPLAY" or action not in _ALARM_OF_ACTION:
            yield Property(None, "AALARM", (), when)
            yield Property(None, "DALARM", (), f"{prefix};{_escape(str(alarm.get('DESCRIPTION', '')), ';')}")
            return
        if action == "EMAIL":
            address = str(alarm.get("ATTENDEE", "")).removeprefix("mailto:")
            content = f"{_escape(address, ';')};{_escape(str(alarm.get('DESCRIPTION', '')), ';')}"
            yield Property(None, "MALARM", (), f"{prefix};{content}")
            return
        attach = prop_of(alarm, "ATTACH")
        params = _kept_params(attach) if attach is not None else ()
        content = str(attach).replace(";", "\\;") if attach is not None else ""
        yield Property(None, _ALARM_OF_ACTION[action], params, f"{prefix};{content}".rstrip(";"))

    def alarm_time(self, alarm: Component) -> str | None:
        trigger = prop_of(alarm, "TRIGGER")
        if trigger is None:
            return None
        if isinstance(trigger.dt, datetime):
            return self._moment_text(trigger.dt, None, "TRIGGER")
        related = str(trigger.params.get("RELATED", "START")).upper()
        anchor_name = "DTSTART" if related == "START" else "DTEND" if self.kind == EVENT else "DUE"
        anchor = prop_of(self.component, anchor_name)
        if anchor is None and anchor_name == "DTSTART":
            anchor = prop_of(self.component, "DUE")
        if anchor is None and anchor_name == "DTEND" and self.start is not None:
            end = self.start.dt + (
                prop_of(self.component, "DURATION").dt if "DURATION" in self.component else timedelta()
            )
            return self._moment_text(end + trigger.dt, tzid_of(self.start), "TRIGGER")
        if anchor is None:
            return None
        moment = anchor.dt
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, _MIDNIGHT)
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
        return _escape(text_value(value), "")
    return ical_text(value)


def _kept_params(value: Any) -> tuple[tuple[str, str | None], ...]:
    """The parameters a 1.0 line keeps: all but VALUE and TZID (their meaning is in the value)."""
    params = getattr(value, "params", None) or {}
    return tuple(
        (key.upper(), _quoted(str(val))) for key, val in params.items() if key.upper() not in ("VALUE", "TZID")
    )


def _quoted(value: str) -> str:
    return f'"{value}"' if any(char in value for char in ":;,") else value


def _escape(value: str, separators: str) -> str:
    escaped = value.replace("\\", "\\\\")
    for separator in separators:
        escaped = escaped.replace(separator, "\\" + separator)
    return escaped


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
