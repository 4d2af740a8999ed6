"""vCalendar 1.0 objects read as iCalendar 2.0 components: times in their zone, rules, attendees, alarms."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Component, Event, Journal, Todo, vDDDLists, vGeo, vRecur, vText
from icalendar.prop import vCalAddress

from syncmld.content.recurrence import rule_from_vcal10
from syncmld.content.timezones import Zone, parse_offset, parse_stamp, vtimezone_from_vcal10, zone_of
from syncmld.content.vcalendar import (
    ALARM_NAMES,
    DATE_LISTS,
    EVENT,
    JOURNAL,
    MIDNIGHT,
    RULES,
    TODO,
    parse_duration,
    tzid_of,
)
from syncmld.content.vcalendar_text import split_components, unescape, unfold
from syncmld.content.versit import Property, parse_lines, split_escaped

_ALL_DAY_FLAGS = {"X-FUNAMBOL-ALLDAY": ("1", "TRUE"), "X-MICROSOFT-CDO-ALLDAYEVENT": ("TRUE", "1")}
_ACTIONS = {"AALARM": "AUDIO", "DALARM": "DISPLAY", "PALARM": "PROCEDURE", "MALARM": "EMAIL"}
_TRANSP_IN = {"0": "OPAQUE", "1": "TRANSPARENT"}
_PRIORITY_IN = {1: 1, 2: 5, 3: 9}
_EXPECT_IN = {
    "REQUIRE": "REQ-PARTICIPANT",
    "IMMEDIATE": "REQ-PARTICIPANT",
    "REQUEST": "OPT-PARTICIPANT",
    "FYI": "NON-PARTICIPANT",
}
_PARTSTAT_IN = {"SENT": "NEEDS-ACTION", "CONFIRMED": "ACCEPTED"}
_NAMED_ADDRESS = re.compile(r"\s*(.*?)\s*<([^<>]*)>\s*")
_LATE = time(23, 59)
_COMPONENT_CLASSES: dict[str, type[Component]] = {EVENT: Event, TODO: Todo, JOURNAL: Journal}


@dataclass
class _Frame:
    """How the times of one 1.0 object are read: its TZ/DAYLIGHT zone (if any), and whether that zone
    is not UTC (then a recurring event's weekdays and wall-clock times are those of the zone)."""

    tzid: str | None
    zone: Zone | None
    local: bool


def read_vcal10(text: str) -> Calendar:
    """The components of a vCalendar 1.0 object (VEVENT/VTODO/VJOURNAL, plus a VTIMEZONE for TZ/DAYLIGHT)."""
    calendar_props, components = split_components(parse_lines(unfold(text)))
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
            calendar.add(prop.name, vText(unescape(prop.value)), parameters=_params(prop))
    for kind, props in components:
        if kind in _COMPONENT_CLASSES:
            calendar.add_component(_ComponentReader(kind, props, frame).read())
    return calendar


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
            first_day = self.component.get("DTSTART").dt
            end = self.component.get("DTEND")
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
        if start.time() != MIDNIGHT or end is None:
            return flagged
        if not isinstance(end, datetime):
            return True
        if end.time() == MIDNIGHT and end.date() > start.date():
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
        if end and value.time() != MIDNIGHT:
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
            items = [unescape(item).strip() for item in split_escaped(value, ";")]
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
            self.component.add(name, vText(unescape(raw)), parameters=params)

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
        start = self.component.get("DTSTART")
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
            runtime = split_escaped(prop.value, ";")[0].strip()
            if runtime:
                groups.setdefault(runtime, {}).setdefault(prop.name, prop)
        for runtime, kinds in groups.items():
            yield self._alarm(runtime, kinds)

    def _alarm(self, runtime: str, kinds: dict[str, Property]) -> Alarm:
        name = "DALARM" if "DALARM" in kinds else next(iter(kinds))
        prop = kinds[name]
        fields = [unescape(field) for field in split_escaped(prop.value, ";")] + ["", "", "", ""]
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
            when = datetime.combine(when, MIDNIGHT)
        component = self.reader.component
        anchor_name = "DTSTART" if "DTSTART" in component else "DUE" if "DUE" in component else None
        anchor = self._instant(component.get(anchor_name)) if anchor_name else None
        moment = self._moment(when, anchor)
        if anchor is not None and moment is not None:
            params = {"RELATED": "END"} if anchor_name == "DUE" else {}
            alarm.add("TRIGGER", moment - anchor, parameters=params)
        else:
            alarm.add("TRIGGER", self.reader.absolute(when), parameters={"VALUE": "DATE-TIME"})

    def _instant(self, prop: Any) -> datetime:
        value = prop.dt
        if not isinstance(value, datetime):
            return datetime.combine(value, MIDNIGHT)
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


def _geo(value: str) -> tuple[float, float] | None:
    parts = re.split(r"[,;]", value)
    try:
        return (float(parts[0]), float(parts[1])) if len(parts) == 2 else None
    except ValueError:
        return None
