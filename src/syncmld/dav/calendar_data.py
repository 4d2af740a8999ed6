"""calendar-data as a report asks for it: whole, or expanded into the occurrences of a time range
(RFC 4791 §9.6.5: one component per occurrence, in UTC, with its RECURRENCE-ID, no rules)."""

from datetime import UTC, datetime

import recurring_ical_events  # type: ignore[import-untyped]  # no type information shipped
from icalendar import Calendar, Component

from syncmld.content import ParsedItem
from syncmld.dav.api import UnreadableItem
from syncmld.dav.filters import FAR_FUTURE, FAR_PAST, utc_bound
from syncmld.dav.items import calendar_object
from syncmld.dav.xml import CALDAV, tag
from syncmld.protocol.tree import Element

_RULES = ("RRULE", "RDATE", "EXDATE")
_TIMES = ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID")
_KINDS = ("VEVENT", "VTODO", "VJOURNAL")


def expanded(item: ParsedItem, request: Element) -> bytes:
    """The served calendar object, or its occurrences in the range of the request's ``expand`` element."""
    expand = request.find(tag(CALDAV, "expand"))
    if expand is None:
        return item.data
    start, end = expand.get("start"), expand.get("end")
    window = (utc_bound(start) if start else FAR_PAST, utc_bound(end) if end else FAR_FUTURE)
    calendar = calendar_object(item).calendar
    try:
        kinds = [kind for kind in _KINDS if any(str(part.name) == kind for part in calendar.subcomponents)]
        occurrences = list(recurring_ical_events.of(calendar, components=kinds).between(*window))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise UnreadableItem(f"stored calendar object is unreadable: {error}") from error
    result = Calendar()
    for name in ("VERSION", "PRODID"):
        if name in calendar:
            result.add(name, calendar[name])
    recurs = any(rule in part for part in calendar.subcomponents for rule in _RULES) or any(
        "RECURRENCE-ID" in part for part in calendar.subcomponents
    )
    for occurrence in occurrences:
        result.add_component(_in_utc(occurrence, recurs))
    written: bytes = result.to_ical()
    return written


def _in_utc(occurrence: Component, recurs: bool) -> Component:
    for rule in _RULES:
        occurrence.pop(rule, None)
    if recurs and "RECURRENCE-ID" not in occurrence and "DTSTART" in occurrence:
        occurrence.add("RECURRENCE-ID", occurrence.decoded("DTSTART"))
    for name in _TIMES:
        if name in occurrence:
            moment = occurrence.decoded(name)
            occurrence.pop(name)
            occurrence.add(name, _utc(moment))
    return occurrence


def _utc(moment: object) -> object:
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment
