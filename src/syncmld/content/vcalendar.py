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

Reading is in ``vcalendar_read`` (taking the text apart in ``vcalendar_text``), writing in
``vcalendar_write``; this module holds the names and property accessors they and the stored form share.
"""

import re
from datetime import time, timedelta
from typing import Any

from icalendar import Component, vText
from icalendar.prop import vDuration, vUnknown

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
MIDNIGHT = time(0, 0)


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
    value = component.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def tzid_of(value: Any) -> str | None:
    params = getattr(value, "params", None)
    return str(params["TZID"]) if params is not None and "TZID" in params else None


def is_version_10(text: str) -> bool:
    """Whether the calendar text says VERSION:1.0 (whatever media type it was labelled with)."""
    return re.search(r"^VERSION\s*:\s*1\.0\s*$", text, re.MULTILINE | re.IGNORECASE) is not None
