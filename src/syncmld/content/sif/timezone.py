"""The SIF ``Timezone`` block (``BasicOffset`` and one ``DayLight`` per year) <-> an iCalendar VTIMEZONE."""

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from dateutil.rrule import rrulestr
from icalendar import Component, Timezone, TimezoneDaylight, TimezoneStandard

from syncmld.content.sif.dates import format_local, parse_instant, parse_offset
from syncmld.content.sif.document import Block, Value, block, block_xml
from syncmld.content.sif.ical import first as first_property
from syncmld.content.sif.ical import instant, offset, text
from syncmld.content.timezones import observance, offset_text

_EPOCH = datetime(1970, 1, 1)
_UNTIL_UTC = re.compile(r"(UNTIL=\d{8}T\d{6})Z")
_DAYLIGHT_FIELDS = ("DSTOffset", "DSTStart", "DSTEnd", "DSTName", "StandardName")


@dataclass(frozen=True)
class Zone:
    """The time zone a SIF object's local times are in."""

    tzid: str
    vtimezone: Timezone
    tzinfo: tzinfo


@dataclass(frozen=True)
class _Onset:
    """One start of standard or daylight time, in the local time it begins from."""

    start: datetime
    daylight: bool
    offset: timedelta
    name: str


def zone_from_block(value: Value | None) -> Zone | None:
    """The VTIMEZONE a Timezone block describes; None without a usable BasicOffset."""
    if not isinstance(value, tuple):
        return None
    basic = parse_offset(_text(value, "BasicOffset"))
    if basic is None:
        return None
    daylights = [_daylight(child) for name, child in value if name == "DayLight" and isinstance(child, tuple)]
    periods = [period for period in daylights if period is not None]
    names = [_text(child, "StandardName") for name, child in value if name == "DayLight" and isinstance(child, tuple)]
    tzid = next((name for name in names if "/" in name), None) or _synthetic_tzid(basic, periods, value)
    vtimezone = Timezone()
    vtimezone.add("TZID", tzid)
    if not periods:
        vtimezone.add_component(observance(TimezoneStandard(), _EPOCH, basic, basic, ""))
    for dst, start, end, dst_name, standard_name in periods:
        vtimezone.add_component(observance(TimezoneDaylight(), start, basic, dst, dst_name))
        vtimezone.add_component(observance(TimezoneStandard(), end, dst, basic, standard_name))
    return Zone(tzid, vtimezone, vtimezone.to_tz())


def _text(value: Block, name: str) -> str:
    found = next((child for tag, child in value if tag == name), "")
    return found if isinstance(found, str) else ""


def _daylight(value: Block) -> tuple[timedelta, datetime, datetime, str, str] | None:
    offset = parse_offset(_text(value, "DSTOffset"))
    start = parse_instant(_text(value, "DSTStart"))
    end = parse_instant(_text(value, "DSTEnd"))
    if offset is None or not isinstance(start, datetime) or not isinstance(end, datetime):
        return None
    naive = start.replace(tzinfo=None), end.replace(tzinfo=None)
    return offset, naive[0], naive[1], _text(value, "DSTName"), _text(value, "StandardName")


def _synthetic_tzid(
    basic: timedelta, periods: list[tuple[timedelta, datetime, datetime, str, str]], value: Block
) -> str:
    """A TZID naming the offsets and, by a digest, the exact rules.

    icalendar keeps the first definition it reads of each TZID for the life of the process, so two zones
    with other transition dates must not share one.
    """
    dst = f"/{offset_text(periods[0][0], '')}" if periods else ""
    digest = hashlib.blake2s(block_xml(value).encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
    return f"SIF {offset_text(basic, '')}{dst} {digest}"


def block_from_vtimezone(vtimezone: Timezone, first_year: int, last_year: int) -> Value:
    """The Timezone block of a VTIMEZONE: its standard offset and each daylight period touching the years.

    A southern-hemisphere period (October to April) that touches them begins or ends in a year around them.
    """
    onsets = sorted(_onsets(vtimezone, first_year - 1, last_year + 1), key=lambda onset: onset.start)
    standard = [onset for onset in onsets if not onset.daylight]
    basic = _basic_offset(vtimezone)
    if basic is None:
        return ""
    daylights: list[tuple[str, Value]] = []
    for onset in onsets:
        end = next((other for other in standard if other.start > onset.start), None)
        if not onset.daylight or end is None or onset.start.year > last_year or end.start.year < first_year:
            continue
        dst_offset = offset_text(onset.offset, "")
        values = (dst_offset, format_local(onset.start), format_local(end.start), onset.name, end.name)
        daylights.append(("DayLight", block(pair for pair in zip(_DAYLIGHT_FIELDS, values, strict=True) if pair[1])))
    return (("BasicOffset", offset_text(basic, "")), *daylights)


def _basic_offset(vtimezone: Timezone) -> timedelta | None:
    standard = (offset(part, "TZOFFSETTO") for part in vtimezone.subcomponents if isinstance(part, TimezoneStandard))
    daylight = (offset(part, "TZOFFSETFROM") for part in vtimezone.subcomponents if isinstance(part, TimezoneDaylight))
    return next((found for found in (*standard, *daylight) if found is not None), None)


def _onsets(vtimezone: Timezone, first_year: int, last_year: int) -> list[_Onset]:
    onsets: list[_Onset] = []
    for part in vtimezone.subcomponents:
        start, offset_to = instant(part, "DTSTART"), offset(part, "TZOFFSETTO")
        if not isinstance(part, TimezoneStandard | TimezoneDaylight) or offset_to is None:
            continue
        if not isinstance(start, datetime):
            continue
        daylight, name = isinstance(part, TimezoneDaylight), text(part, "TZNAME")
        for moment in _expanded(part, start.replace(tzinfo=None), first_year, last_year):
            onsets.append(_Onset(moment, daylight, offset_to, name))
    return onsets


def _expanded(part: Component, start: datetime, first: int, last: int) -> list[datetime]:
    """The onsets an observance gives from the start of ``first`` to the start of the year after ``last``."""
    rule = first_property(part, "RRULE")
    if rule is None:
        return [start]
    text_rule = _UNTIL_UTC.sub(r"\1", bytes(rule.to_ical()).decode())
    window = datetime(max(first, 1), 1, 1), datetime(min(last + 1, 9999), 1, 1)
    try:
        return list(rrulestr(text_rule, dtstart=start).between(*window, inc=True))
    except (ValueError, TypeError):
        return [start]


def year_span(start: date, last: date | None) -> tuple[int, int]:
    """The years an object's Timezone block covers: from its start to ``last`` (at least its start year)."""
    return start.year, max(start.year, last.year if last else start.year)
