"""What calendar items mean, independent of how a device wrote them: instants in UTC, occurrences,
alarm triggers and texts, for comparing what two devices hold."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import Calendar, Component

from syncmld.content.calendar import calendar_to_stored

HORIZON = timedelta(days=730)
"""Occurrences of recurring items are compared over two years from their start."""


@dataclass(frozen=True)
class Meaning:
    kind: str
    uid: str
    recurrence_id: str
    summary: str
    description: str
    location: str
    start: str
    end: str
    occurrences: tuple[str, ...]
    alarms: tuple[str, ...]
    categories: frozenset[str]


def _instant(value: Any) -> str:
    """A date as YYYY-MM-DD, a zoned or UTC date-time as UTC, a floating one as it is."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y%m%dT%H%M%S")
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return ""


def _decoded(component: Component, name: str) -> Any:
    return component.decoded(name) if name in component else None


def _text(component: Component, name: str) -> str:
    value = component.get(name)
    return " ".join(str(value).replace("\r\n", "\n").split()) if value is not None else ""


def _occurrences(component: Component) -> tuple[str, ...]:
    start = _decoded(component, "DTSTART")
    rule = component.get("RRULE")
    if start is None or rule is None:
        return ()
    floating = not isinstance(start, datetime)
    begin = datetime.combine(start, datetime.min.time()) if floating else start
    rules = rrulestr(rule.to_ical().decode(), dtstart=begin, ignoretz=begin.tzinfo is None)
    exdates = component.get("EXDATE", [])
    excluded = {
        _instant(moment.dt) for entry in (exdates if isinstance(exdates, list) else [exdates]) for moment in entry.dts
    }
    found = []
    for moment in rules.between(begin, begin + HORIZON, inc=True):
        shown = _instant(moment.date() if floating else moment)
        if shown not in excluded:
            found.append(shown)
    return tuple(found)


def _alarms(component: Component) -> tuple[str, ...]:
    start = _decoded(component, "DTSTART") or _decoded(component, "DUE")
    triggers = []
    for alarm in component.walk("VALARM"):
        trigger = _decoded(alarm, "TRIGGER")
        if isinstance(trigger, timedelta) and start is not None:
            triggers.append(_instant(start + trigger))
        elif trigger is not None:
            triggers.append(_instant(trigger))
    return tuple(sorted(triggers))


def _categories(component: Component) -> frozenset[str]:
    found = component.get("CATEGORIES")
    lists = found if isinstance(found, list) else [found] if found is not None else []
    return frozenset(str(category) for entry in lists for category in entry.cats)


def meaning_of(data: bytes) -> list[Meaning]:
    """What a device's file (iCalendar 2.0 or vCalendar 1.0) means, one entry per component."""
    if b"VERSION:1.0" in data:
        data = calendar_to_stored(data, None, None)
    calendar = Calendar.from_ical(data)
    found = []
    for component in calendar.walk():
        if component.name not in ("VEVENT", "VTODO", "VJOURNAL"):
            continue
        end = _decoded(component, "DTEND") or _decoded(component, "DUE")
        start = _decoded(component, "DTSTART")
        if end is None and start is not None and "DURATION" in component:
            end = start + component.decoded("DURATION")
        found.append(
            Meaning(
                kind=component.name,
                uid=str(component.get("UID", "")),
                recurrence_id=_instant(_decoded(component, "RECURRENCE-ID")),
                summary=_text(component, "SUMMARY"),
                description=_text(component, "DESCRIPTION"),
                location=_text(component, "LOCATION"),
                start=_instant(start),
                end=_instant(end),
                occurrences=_occurrences(component),
                alarms=_alarms(component),
                categories=_categories(component),
            )
        )
    return found


def meanings(files: dict[str, bytes]) -> list[Meaning]:
    """Every component of a device's calendar files, sorted (file names differ between devices)."""
    return sorted(
        (entry for data in files.values() for entry in meaning_of(data)),
        key=lambda entry: (entry.uid, entry.recurrence_id, entry.summary, entry.start),
    )
