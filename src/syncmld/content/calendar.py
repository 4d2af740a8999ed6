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
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any

from icalendar import Calendar, Component, Timezone

from syncmld.content.common import property_coverage
from syncmld.content.recurrence import canonical_rule
from syncmld.content.timezones import Zone, instant, utc_text, zones_of
from syncmld.content.vcalendar import (
    ALARM,
    ALARM_NAMES,
    DATE_LISTS,
    DATE_TIMES,
    EVENT,
    NOT_IN_VCAL10,
    OBJECT_KINDS,
    RULES,
    SYNCMLD_PRODID,
    TIMEZONE,
    TODO,
    UTC_STAMPS,
    VCAL10_NAMES,
    alarm_time,
    is_version_10,
    read_vcal10,
    text_value,
    tzid_of,
    values_of,
    vcal10_alarm,
    vcal10_property,
    write_vcal10,
)
from syncmld.content.versit import bad_request
from syncmld.errors import LocalError, RemoteError

STORED_CALENDAR_TYPE = "text/calendar"
VCALENDAR_TYPE = "text/x-vcalendar"

_NOT_COMPARED = frozenset({"DTSTAMP", "LAST-MODIFIED", "CREATED", "PRODID", "SEQUENCE"})
_END = "END"  # DTEND and DURATION compared as one field: when the object ends
_ALARMS = "VALARM"
_MOMENTS = (*DATE_TIMES, *UTC_STAMPS, *DATE_LISTS)
_LISTS = ("CATEGORIES", "RESOURCES")
_PEOPLE = ("ATTENDEE", "ORGANIZER")
_CALENDAR_OWN = ("VERSION", "PRODID")
# what icalendar raises on data it cannot read or write (it checks some content lines with assert)
_PARSE_ERRORS = (
    ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, UnicodeError, AssertionError
)  # fmt: skip


@dataclass
class _Object:
    """A parsed calendar object: its calendar-level properties, components and VTIMEZONEs."""

    calendar: Calendar
    components: list[Component]
    timezones: dict[str, Timezone]
    from_10: bool

    @cached_property
    def zones(self) -> dict[str, Zone]:
        """TZID -> Zone of the object's VTIMEZONEs (worked out when first needed)."""
        return zones_of(list(self.timezones.values()))


# ============================================================================================ public API


def calendar_to_stored(data: bytes, previous: bytes | None, device_properties: frozenset[str] | None) -> bytes:
    """The stored form (iCalendar 2.0 bytes) of an object a device sent, in iCalendar 2.0 or vCalendar 1.0.

    ``previous`` is the stored form it replaces (None for an Add): the result keeps every property of
    ``previous`` the device could not carry (not in ``device_properties``, upper-case CTCap names, None =
    it keeps everything; or not expressible in vCalendar 1.0 when the data came as 1.0), and where the
    device's value means the same as the stored one keeps the stored representation.
    RemoteError (400) for data that is not a calendar object.
    """
    try:
        incoming = _read_device(data)
        old = _read_previous(previous) if previous is not None else None
        if old is not None:
            components = _Update(old, incoming, device_properties).components()
            return _stored_bytes(_calendar_properties(old, incoming), components, [old, incoming])
        return _stored_bytes(_calendar_properties(incoming), incoming.components, [incoming])
    except RemoteError:
        raise
    except (LocalError, *_PARSE_ERRORS) as error:
        raise bad_request(f"unusable calendar object: {error}") from error


def calendar_from_stored(stored: bytes, version: str) -> bytes:
    """The stored object as iCalendar 2.0 (version "2.0") or vCalendar 1.0 ("1.0") text, UTF-8, CRLF."""
    if version != "1.0":
        return stored
    parsed = _read_stored(stored)
    return write_vcal10(parsed.calendar, parsed.zones)


def merge_calendar(server: bytes, client: bytes, prefer_client: bool, base: bytes | None) -> bytes:
    """Both sides changed an object: field-level three-way merge of stored forms.

    With ``base`` (the version both started from) a field one side changed takes that side's value and a
    field both changed the preferred side's; without it, a field only one side has is kept and where both
    have it and they differ the preferred side wins. Fields are compared by meaning (``normal form``).
    """
    ours, theirs = _read_stored(server), _read_stored(client)
    original = _read_stored(base) if base is not None else None
    merged = _Merge(ours, theirs, original, prefer_client).components()
    sources = [theirs, ours] if prefer_client else [ours, theirs]
    return _stored_bytes(_calendar_properties(*sources), merged, sources)


def calendar_identity(stored: bytes) -> str:
    """What tells two stored objects are the same in a slow sync.

    ``uid:<UID>`` plus ``|rid:<RECURRENCE-ID as UTC instant>`` for a detached instance; without UID the
    kind + normalised SUMMARY + DTSTART instant (events), + normalised SUMMARY (tasks), + SUMMARY and
    DESCRIPTION (journal entries and notes).
    """
    parsed = _read_stored(stored)
    masters = [component for component in parsed.components if "RECURRENCE-ID" not in component]
    main = (masters or parsed.components)[0]
    uid = str(main.get("UID", "")).strip()
    if uid:
        if masters:
            return f"uid:{uid}"
        return f"uid:{uid}|rid:{_moment_key(main['RECURRENCE-ID'], parsed.zones)}"
    summary = _normalised(main.get("SUMMARY", ""))
    if main.name == EVENT:
        start = main.get("DTSTART")
        return f"{main.name}:{summary}|{_moment_key(start, parsed.zones) if start is not None else ''}"
    if main.name == TODO:
        return f"{main.name}:{summary}"
    return f"{main.name}:{summary}|{_normalised(main.get('DESCRIPTION', ''))}"


def calendar_normal_form(stored: bytes) -> str:
    """Canonical text for "is this the same object": instants in UTC, properties sorted, DTSTAMP,
    LAST-MODIFIED, CREATED, PRODID, SEQUENCE and X-LIC-* ignored; equal for a 2.0 object and its 1.0
    round trip when nothing changed."""
    parsed = _read_stored(stored)
    return "\n".join(sorted(_component_normal(component, parsed.zones) for component in parsed.components))


def calendar_revision(stored: bytes) -> str | None:
    """LAST-MODIFIED (else DTSTAMP) as YYYYMMDDTHHMMSSZ, for newest-wins conflict resolution."""
    parsed = _read_stored(stored)
    stamps = []
    for component in parsed.components:
        stamp = component.get("LAST-MODIFIED") or component.get("DTSTAMP")
        if stamp is not None:
            moment = stamp.dt
            if not isinstance(moment, datetime):
                moment = datetime.combine(moment, datetime.min.time())
            stamps.append(utc_text(moment if moment.tzinfo else moment.replace(tzinfo=UTC)))
    return max(stamps) if stamps else None


# ================================================================================================ reading


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _read_device(data: bytes) -> _Object:
    """What a device sent, as components (RemoteError if it is not a calendar object)."""
    text = data.decode("utf-8", "surrogateescape")
    if is_version_10(text):
        return _split(read_vcal10(text), from_10=True)
    return _read_20(_decode(data))


def _read_20(text: str) -> _Object:
    try:
        calendar = Calendar.from_ical(text)
    except _PARSE_ERRORS as error:
        raise bad_request(f"not an iCalendar object: {str(error)[:120]}") from error
    if calendar.name != "VCALENDAR":
        raise bad_request("no VCALENDAR around the calendar object")
    for component in calendar.walk():
        if component.errors:
            name, reason = component.errors[0]
            raise bad_request(f"invalid {component.name} {name or 'line'}: {str(reason)[:120]}")
    return _split(calendar, from_10=False)


def _split(calendar: Calendar, from_10: bool) -> _Object:
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
    return _Object(calendar, components, timezones, from_10)


def _read_stored(stored: bytes) -> _Object:
    try:
        return _read_20(stored.decode("utf-8"))
    except (RemoteError, UnicodeDecodeError) as error:
        raise LocalError(f"stored calendar object is unreadable: {error}") from error


def _read_previous(previous: bytes) -> _Object | None:
    """The stored object an update replaces; None when it is not a calendar (then nothing is kept)."""
    try:
        return _read_stored(previous)
    except LocalError:
        return None


# ================================================================================================ writing


def _calendar_properties(*sources: _Object) -> list[tuple[str, Any]]:
    """VCALENDAR-level properties (METHOD, X-WR-..., ...): the first source's win."""
    chosen: dict[str, Any] = {}
    for source in reversed(sources):
        for name in source.calendar:
            if name not in _CALENDAR_OWN:
                chosen[name] = source.calendar[name]
    return list(chosen.items())


def _stored_bytes(properties: list[tuple[str, Any]], components: list[Component], sources: list[_Object]) -> bytes:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", SYNCMLD_PRODID)
    for name, value in properties:
        calendar[name] = value
    for tzid in _used_tzids(components):
        vtimezone = next((source.timezones[tzid] for source in sources if tzid in source.timezones), None)
        if vtimezone is None:
            vtimezone = _known_timezone(tzid)
        if vtimezone is not None:
            calendar.add_component(vtimezone)
    for component in components:
        calendar.add_component(component)
    return bytes(calendar.to_ical())


def _used_tzids(components: Iterable[Component]) -> list[str]:
    seen: dict[str, None] = {}
    for component in components:
        for _, value in component.property_items(recursive=True, sorted=False):
            tzid = tzid_of(value)
            if tzid is not None and tzid != "UTC":
                seen.setdefault(tzid, None)
    return list(seen)


@lru_cache(maxsize=128)
def _known_timezone(tzid: str) -> Timezone | None:
    """A VTIMEZONE from the zone database for a TZID sent without one (None if the name is unknown)."""
    try:
        return Timezone.from_tzid(tzid)
    except _PARSE_ERRORS:
        return None


# ============================================================================================== meanings


def _moment(value: Any, zones: dict[str, Zone]) -> date:
    return instant(value.dt, tzid_of(value), zones)


def _moment_text(moment: date) -> str:
    if isinstance(moment, datetime):
        return utc_text(moment) if moment.tzinfo is not None else f"{moment:%Y%m%dT%H%M%S}"
    return f"{moment:%Y%m%d}"


def _moment_key(value: Any, zones: dict[str, Zone]) -> str:
    """A DATE/DATE-TIME property value as text: UTC for a zoned or UTC time, local for floating, a date."""
    return _moment_text(_moment(value, zones))


def _moments(component: Component, name: str, zones: dict[str, Zone]) -> list[date]:
    result: list[date] = []
    for value in values_of(component, name):
        if hasattr(value, "dts"):
            result.extend(instant(item.dt, tzid_of(value), zones) for item in value.dts)
        else:
            result.append(_moment(value, zones))
    return result


def _wall_clock(component: Component, name: str) -> list[str]:
    """The written times of a property, whatever zone they are in."""
    texts: list[str] = []
    for value in values_of(component, name):
        for item in getattr(value, "dts", [value]):
            moment = item.dt
            texts.append(f"{moment:%Y%m%dT%H%M%S}" if isinstance(moment, datetime) else f"{moment:%Y%m%d}")
    return sorted(texts)


def _end_moment(component: Component, zones: dict[str, Zone]) -> str | None:
    """When an event ends: DTEND, DTSTART + DURATION, or the start (a day later for a date);
    for other components only when they have DTEND or DURATION."""
    start = component.get("DTSTART")
    if "DTEND" in component:
        return _moment_key(component["DTEND"], zones)
    if start is None or (component.name != EVENT and "DURATION" not in component):
        return None
    moment = start.dt
    duration = component.get("DURATION")
    if duration is not None:
        moment = moment + duration.dt
    elif not isinstance(moment, datetime) and component.name == EVENT:
        moment = moment + timedelta(days=1)
    return _moment_text(instant(moment, tzid_of(start), zones))


def _start_day(component: Component) -> date:
    start = component.get("DTSTART") or component.get("DUE")
    if start is None:
        return date(1970, 1, 1)
    moment = start.dt
    return moment.date() if isinstance(moment, datetime) else moment


def _rule_key(component: Component, name: str, zones: dict[str, Zone]) -> list[str]:
    day = _start_day(component)
    start = component.get("DTSTART")
    all_day = start is not None and not isinstance(start.dt, datetime)

    def until_key(until: date) -> str:
        """The last day for an all-day rule (whatever UNTIL's type), else the UNTIL instant."""
        if all_day:
            return f"{until:%Y%m%d}"
        return _moment_text(instant(until, None, zones))

    return sorted(canonical_rule(rule, day, until_key) for rule in values_of(component, name))


def _params_text(value: Any) -> str:
    params = getattr(value, "params", None) or {}
    kept = sorted(
        (str(key).upper(), str(val)) for key, val in params.items() if str(key).upper() not in ("VALUE", "TZID")
    )
    return "".join(f";{key}={val}" for key, val in kept)


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return text_value(value)
    return value.to_ical().decode("utf-8") if hasattr(value, "to_ical") else str(value)


def _field_lines(component: Component, name: str, zones: dict[str, Zone]) -> list[str]:
    """Canonical lines of one field of a component (what two versions are compared by)."""
    if name == _END:
        end = _end_moment(component, zones)
        return [f"END:{end}"] if end is not None else []
    if name == _ALARMS:
        return sorted(_alarm_normal(component, alarm, zones) for alarm in _alarms(component))
    if name in _MOMENTS:
        return sorted(f"{name}:{_moment_text(moment)}" for moment in _moments(component, name, zones))
    if name in RULES:
        return [f"{name}:{key}" for key in _rule_key(component, name, zones)]
    values = values_of(component, name)
    if name in _LISTS:
        return sorted(f"{name}:{item}" for value in values for item in getattr(value, "cats", [value]))
    if name == "PRIORITY":
        return [f"{name}:{_priority_class(int(value))}" for value in values]
    if name in _PEOPLE:
        return sorted(f"{name}{_params_text(value)}:{str(value).lower()}" for value in values)
    return sorted(f"{name}{_params_text(value)}:{_value_text(value)}" for value in values)


def _priority_class(priority: int) -> int:
    """RFC 5545's three levels: 1-4 high, 5 medium, 6-9 low (0 undefined)."""
    return 0 if priority == 0 else 1 if priority <= 4 else 5 if priority == 5 else 9


def _alarms(component: Component) -> list[Component]:
    return [sub for sub in component.subcomponents if sub.name == ALARM]


def _alarm_normal(component: Component, alarm: Component, zones: dict[str, Zone]) -> str:
    ringing = alarm_time(component, alarm, zones)
    lines = [f"TRIGGER:{ringing or _value_text(alarm.get('TRIGGER', ''))}"]
    for name in alarm:
        if name != "TRIGGER":
            lines.extend(_field_lines(alarm, name, zones))
    return "BEGIN:VALARM|" + "|".join(sorted(lines))


def _field_names(component: Component) -> set[str]:
    names = {name for name in component if name not in ("DTEND", "DURATION")}
    return names | {_END, _ALARMS}


def _compared(name: str) -> bool:
    return name not in _NOT_COMPARED and not name.startswith("X-LIC-")


def _component_normal(component: Component, zones: dict[str, Zone]) -> str:
    lines = [line for name in sorted(_field_names(component)) if _compared(name)
             for line in _field_lines(component, name, zones)]  # fmt: skip
    return "\n".join([f"BEGIN:{component.name}", *lines, f"END:{component.name}"])


def _normalised(text: Any) -> str:
    return " ".join(str(text).casefold().split())


def _component_key(component: Component, zones: dict[str, Zone]) -> tuple[str, str]:
    rid = component.get("RECURRENCE-ID")
    return str(component.name), _moment_key(rid, zones) if rid is not None else ""


def _pairs(old: list[Component], old_zones: dict[str, Zone], new: list[Component], new_zones: dict[str, Zone]
           ) -> list[tuple[Component | None, Component | None]]:  # fmt: skip
    """Components of two versions of an object matched by kind and RECURRENCE-ID (a lone one with a lone one)."""
    if len(old) == 1 and len(new) == 1 and old[0].name == new[0].name:
        return [(old[0], new[0])]
    remaining = {_component_key(component, old_zones): component for component in old}
    pairs: list[tuple[Component | None, Component | None]] = []
    for component in new:
        pairs.append((remaining.pop(_component_key(component, new_zones), None), component))
    pairs.extend((component, None) for component in remaining.values())
    return pairs


def _set(target: Component, name: str, source: Component) -> None:
    """Property ``name`` of ``target`` becomes ``source``'s (removed when ``source`` has none)."""
    if name in target:
        del target[name]
    if name in source:
        target[name] = source[name]


def _set_field(target: Component, name: str, source: Component) -> None:
    if name == _END:
        _set(target, "DTEND", source)
        _set(target, "DURATION", source)
    elif name == _ALARMS:
        target.subcomponents = [sub for sub in target.subcomponents if sub.name != ALARM] + _alarms(source)
    else:
        _set(target, name, source)


# ============================================================================================ an update


class _Update:
    """A device's new version of a stored object, keeping what the device could not carry or did not change."""

    def __init__(self, old: _Object, new: _Object, device_properties: frozenset[str] | None) -> None:
        self.old, self.new = old, new
        self.from_10 = new.from_10
        self.covered = property_coverage(device_properties)

    def components(self) -> list[Component]:
        result: list[Component] = []
        for old, new in _pairs(self.old.components, self.old.zones, self.new.components, self.new.zones):
            if new is None and old is not None and not self._carries_instances(old):
                result.append(old)
            elif new is not None:
                result.append(self._component(old, new) if old is not None else new)
        return result

    def _carries_instances(self, old: Component) -> bool:
        return "RECURRENCE-ID" not in old or self._covers("RECURRENCE-ID")

    def _covers(self, name: str) -> bool:
        return self.covered(VCAL10_NAMES.get(name, name) if self.from_10 else name)

    def _carried(self, old: Component, name: str) -> bool:
        """Whether the device could hold property ``name`` of the stored component at all."""
        if name == _ALARMS:
            names = ALARM_NAMES if self.from_10 else ALARM_NAMES | {"VALARM", "TRIGGER"}
            return any(self.covered(alarm) for alarm in names)
        if name == _END:
            return self._covers("DTEND")
        if not self._covers(name):
            return False
        if self.from_10:
            return name not in NOT_IN_VCAL10 and bool(vcal10_property(old, self.old.zones, name))
        return True

    def _component(self, old: Component, new: Component) -> Component:
        for name in sorted(_field_names(old) | _field_names(new)):
            if not _field_lines(old, name, self.old.zones):
                continue
            if not self._carried(old, name):
                _set_field(new, name, old)
            elif name == _ALARMS:
                self._alarms(old, new)
            elif self._same(old, new, name):
                _set_field(new, name, old)
            elif self.from_10:
                self._adapt(old, new, name)
        return new

    def _same(self, old: Component, new: Component, name: str) -> bool:
        if _field_lines(old, name, self.old.zones) == _field_lines(new, name, self.new.zones):
            return True
        if self.from_10 and name in _MOMENTS:
            return _wall_clock(old, name) == _wall_clock(new, name) and self._floating(old, name)
        if self.from_10 and name != _END:
            return vcal10_property(old, self.old.zones, name) == vcal10_property(new, self.new.zones, name)
        return False

    def _floating(self, old: Component, name: str) -> bool:
        return all(
            isinstance(moment, datetime) and moment.tzinfo is None for moment in _moments(old, name, self.old.zones)
        )

    def _alarms(self, old: Component, new: Component) -> None:
        """Alarms that ring at the same time, or as long before the start, and say the same stay as stored;
        alarms 1.0 cannot say are kept."""
        stored = {key: alarm for alarm in _alarms(old) for key in self._alarm_keys(old, alarm, self.old.zones)}
        kept = [alarm for alarm in _alarms(old) if self.from_10 and not vcal10_alarm(old, alarm, self.old.zones)]
        sent = []
        for alarm in _alarms(new):
            keys = self._alarm_keys(new, alarm, self.new.zones)
            sent.append(next((stored[key] for key in keys if key in stored), alarm))
        new.subcomponents = [sub for sub in new.subcomponents if sub.name != ALARM] + sent + kept

    def _alarm_keys(self, component: Component, alarm: Component, zones: dict[str, Zone]) -> tuple[str, str]:
        """What the device sees of an alarm, with its ringing time absolute and relative to its anchor."""
        from_device = vcal10_alarm(component, alarm, zones) if self.from_10 else None
        text = repr(from_device) if from_device is not None else _alarm_normal(component, alarm, zones)
        ringing = alarm_time(component, alarm, zones)
        trigger = alarm.get("TRIGGER")
        if not ringing or trigger is None:
            return text, text
        relative = _value_text(trigger) + str(trigger.params.get("RELATED", ""))
        return text, text.replace(ringing, relative)

    def _adapt(self, old: Component, new: Component, name: str) -> None:
        """A changed value from a 1.0 device, in the stored object's terms where 1.0 lost them."""
        if name in _PEOPLE:
            self._people(old, new, name)
        elif name in (*DATE_TIMES, *DATE_LISTS, _END):
            zone_tzid = self._zone_of(old)
            if zone_tzid is not None:
                for prop in ("DTEND",) if name == _END else (name,):
                    _rezone(new, prop, zone_tzid, self.old.zones[zone_tzid], self.new.zones)

    def _zone_of(self, old: Component) -> str | None:
        for name in ("DTSTART", "DUE", "DTEND"):
            tzid = tzid_of(old.get(name))
            if tzid is not None and tzid in self.old.zones:
                return tzid
        return None

    def _people(self, old: Component, new: Component, name: str) -> None:
        stored = {str(value).lower(): value for value in values_of(old, name)}
        merged = []
        for value in values_of(new, name):
            previous = stored.get(str(value).lower())
            if previous is None:
                merged.append(value)
                continue
            for key, val in previous.params.items():
                if key.upper() not in ("CN", "PARTSTAT", "RSVP", "ROLE") and not key.upper().startswith("X-"):
                    value.params.setdefault(key, val)
            merged.append(value)
        del new[name]
        for value in merged:
            new.add(name, value, encode=False)


def _rezone(component: Component, name: str, tzid: str, zone: Zone, zones: dict[str, Zone]) -> None:
    """Times of ``name`` that are UTC (or in a 1.0 zone) written as wall-clock times in the stored zone."""
    for value in values_of(component, name):
        items = getattr(value, "dts", [value])
        moments = [instant(item.dt, tzid_of(value), zones) for item in items]
        if not all(isinstance(moment, datetime) and moment.tzinfo is not None for moment in moments):
            continue
        for item, moment in zip(items, moments, strict=True):
            item.dt = zone.to_local(moment)  # type: ignore[arg-type]
            item.params.pop("VALUE", None)
            item.params["TZID"] = tzid
        value.params["TZID"] = tzid


# ============================================================================================ a conflict


class _Merge:
    """Field-level three-way merge of two changed versions of one object."""

    def __init__(self, server: _Object, client: _Object, base: _Object | None, prefer_client: bool) -> None:
        self.server, self.client, self.base = server, client, base
        self.prefer_client = prefer_client

    def components(self) -> list[Component]:
        base_by_key = (
            {_component_key(component, self.base.zones): component for component in self.base.components}
            if self.base is not None
            else {}
        )
        result: list[Component] = []
        for server, client in _pairs(
            self.server.components, self.server.zones, self.client.components, self.client.zones
        ):
            one = client if client is not None else server
            if one is None:
                continue
            zones = self.client.zones if client is not None else self.server.zones
            original = base_by_key.get(_component_key(one, zones))
            if server is not None and client is not None:
                result.append(self._component(server, client, original))
            elif self._survives(one, zones, original):
                result.append(one)
        return result

    def _survives(self, component: Component, zones: dict[str, Zone], original: Component | None) -> bool:
        """A component only one side has: kept unless the other side deleted it and this side left it alone."""
        if self.base is None or original is None:
            return True
        return _component_normal(component, zones) != _component_normal(original, self.base.zones)

    def _component(self, server: Component, client: Component, original: Component | None) -> Component:
        preferred, other = (client, server) if self.prefer_client else (server, client)
        preferred_zones, other_zones = (
            (self.client.zones, self.server.zones) if self.prefer_client else (self.server.zones, self.client.zones)
        )
        base_zones = self.base.zones if self.base is not None else {}
        for name in sorted(_field_names(server) | _field_names(client)):
            mine = _field_lines(preferred, name, preferred_zones)
            theirs = _field_lines(other, name, other_zones)
            if mine == theirs:
                continue
            if original is None:
                take_other = not mine
            else:
                start = _field_lines(original, name, base_zones)
                take_other = mine == start
            if take_other:
                _set_field(preferred, name, other)
        return preferred
