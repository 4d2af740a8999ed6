"""Calendar components and their fields in normal form: what two versions of an object are compared by."""

from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Component

from syncmld.content.recurrence import canonical_rule
from syncmld.content.timezones import Zone, instant, stamp_text
from syncmld.content.vcalendar import (
    ALARM,
    DATE_LISTS,
    DATE_TIMES,
    EVENT,
    RULES,
    UTC_STAMPS,
    text_value,
    tzid_of,
    values_of,
)
from syncmld.content.vcalendar_write import alarm_time

_NOT_COMPARED = frozenset({"DTSTAMP", "LAST-MODIFIED", "CREATED", "PRODID", "SEQUENCE"})
END = "END"  # DTEND and DURATION compared as one field: when the object ends
ALARMS = "VALARM"
MOMENTS = (*DATE_TIMES, *UTC_STAMPS, *DATE_LISTS)
_LISTS = ("CATEGORIES", "RESOURCES")
PEOPLE = ("ATTENDEE", "ORGANIZER")


def _moment(value: Any, zones: dict[str, Zone]) -> date:
    return instant(value.dt, tzid_of(value), zones)


def _moment_text(moment: date) -> str:
    if isinstance(moment, datetime):
        return stamp_text(moment)
    return f"{moment:%Y%m%d}"


def moment_key(value: Any, zones: dict[str, Zone]) -> str:
    """A DATE/DATE-TIME property value as text: UTC for a zoned or UTC time, local for floating, a date."""
    return _moment_text(_moment(value, zones))


def moments(component: Component, name: str, zones: dict[str, Zone]) -> list[date]:
    result: list[date] = []
    for value in values_of(component, name):
        if hasattr(value, "dts"):
            result.extend(instant(item.dt, tzid_of(value), zones) for item in value.dts)
        else:
            result.append(_moment(value, zones))
    return result


def wall_clock(component: Component, name: str) -> list[str]:
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
        return moment_key(component["DTEND"], zones)
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


def value_text(value: Any) -> str:
    if isinstance(value, str):
        return text_value(value)
    return value.to_ical().decode("utf-8") if hasattr(value, "to_ical") else str(value)


def field_lines(component: Component, name: str, zones: dict[str, Zone]) -> list[str]:
    """Canonical lines of one field of a component (what two versions are compared by)."""
    if name == END:
        end = _end_moment(component, zones)
        return [f"END:{end}"] if end is not None else []
    if name == ALARMS:
        return sorted(alarm_normal(component, alarm, zones) for alarm in alarms(component))
    if name in MOMENTS:
        return sorted(f"{name}:{_moment_text(moment)}" for moment in moments(component, name, zones))
    if name in RULES:
        return [f"{name}:{key}" for key in _rule_key(component, name, zones)]
    values = values_of(component, name)
    if name in _LISTS:
        return sorted(f"{name}:{item}" for value in values for item in getattr(value, "cats", [value]))
    if name == "PRIORITY":
        return [f"{name}:{_priority_class(int(value))}" for value in values]
    if name in PEOPLE:
        return sorted(f"{name}{_params_text(value)}:{str(value).lower()}" for value in values)
    return sorted(f"{name}{_params_text(value)}:{value_text(value)}" for value in values)


def _priority_class(priority: int) -> int:
    """RFC 5545's three levels: 1-4 high, 5 medium, 6-9 low (0 undefined)."""
    return 0 if priority == 0 else 1 if priority <= 4 else 5 if priority == 5 else 9


def alarms(component: Component) -> list[Component]:
    return [sub for sub in component.subcomponents if sub.name == ALARM]


def alarm_normal(component: Component, alarm: Component, zones: dict[str, Zone]) -> str:
    ringing = alarm_time(component, alarm, zones)
    lines = [f"TRIGGER:{ringing or value_text(alarm.get('TRIGGER', ''))}"]
    for name in alarm:
        if name != "TRIGGER":
            lines.extend(field_lines(alarm, name, zones))
    return "BEGIN:VALARM|" + "|".join(sorted(lines))


def field_names(component: Component) -> set[str]:
    names = {name for name in component if name not in ("DTEND", "DURATION")}
    return names | {END, ALARMS}


def _compared(name: str) -> bool:
    return name not in _NOT_COMPARED and not name.startswith("X-LIC-")


def component_normal(component: Component, zones: dict[str, Zone]) -> str:
    lines = [line for name in sorted(field_names(component)) if _compared(name)
             for line in field_lines(component, name, zones)]  # fmt: skip
    return "\n".join([f"BEGIN:{component.name}", *lines, f"END:{component.name}"])


def normalised(text: Any) -> str:
    return " ".join(str(text).casefold().split())


def component_key(component: Component, zones: dict[str, Zone]) -> tuple[str, str]:
    rid = component.get("RECURRENCE-ID")
    return str(component.name), moment_key(rid, zones) if rid is not None else ""
