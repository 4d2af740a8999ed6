"""Time zones of calendar objects: the VTIMEZONE an object carries, not the TZID name, says what a time means.

A ``Zone`` is the table of a VTIMEZONE's transitions (built once per distinct VTIMEZONE text and cached).
vCalendar 1.0 has no VTIMEZONE but ``TZ`` (standard offset) and one ``DAYLIGHT`` line per summer-time
period; ``vcal10_zone_lines`` writes them from a Zone and ``vtimezone_from_vcal10`` builds a VTIMEZONE
from them.
"""

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map
from syncmld.content.ical_text import write_ical
from syncmld.content.versit import bad_request
from syncmld.errors import RemoteError

_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?")
_STAMP = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})?(Z)?)?")
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class DaylightPeriod:
    """One summer-time period: from ``start`` to ``end`` (naive UTC) the zone is ``offset`` ahead of UTC."""

    start: datetime
    end: datetime
    offset: timedelta
    standard_offset: timedelta
    standard_name: str
    daylight_name: str


class Zone:
    """A time zone as the sorted list of its transitions: (naive UTC instant, offset after, summer time, name)."""

    def __init__(self, transitions: list[tuple[datetime, timedelta, bool, str]]) -> None:
        if not transitions:
            raise bad_request("VTIMEZONE without STANDARD or DAYLIGHT rules")
        self._transitions = sorted(transitions)
        self._starts = [start for start, _, _, _ in self._transitions]

    def _index(self, utc: datetime) -> int:
        return max(bisect_right(self._starts, utc) - 1, 0)

    def offset_at(self, utc: datetime) -> timedelta:
        """Offset from UTC at the naive UTC instant ``utc``."""
        return self._transitions[self._index(utc)][1]

    def to_utc(self, local: datetime) -> datetime:
        """The UTC instant (aware) of the naive wall-clock time ``local`` in this zone."""
        guess = local - self.offset_at(local - self.offset_at(local))
        return (local - self.offset_at(guess)).replace(tzinfo=UTC)

    def to_local(self, instant: datetime) -> datetime:
        """The naive wall-clock time in this zone of an aware instant."""
        utc = instant.astimezone(UTC).replace(tzinfo=None)
        return utc + self.offset_at(utc)

    def standard_offset(self, utc: datetime) -> timedelta:
        """The standard-time offset in force around the naive UTC instant ``utc``."""
        index = self._index(utc)
        for _, offset, summer, _ in (*self._transitions[index::-1], *self._transitions[index + 1 :]):
            if not summer:
                return offset
        return self._transitions[index][1]

    def daylight_periods(self, year: int) -> list[DaylightPeriod]:
        """The summer-time periods that begin in ``year``."""
        periods = []
        for index, (start, offset, summer, name) in enumerate(self._transitions):
            if not summer or start.year != year:
                continue
            following = self._transitions[index + 1] if index + 1 < len(self._transitions) else None
            if following is None or following[2]:
                continue
            periods.append(DaylightPeriod(start, following[0], offset, following[1], following[3], name))
        return periods


_ZONES: BoundedMap[bytes, Zone] = bounded_map("zones", lambda limits: (limits.zones, limits.vtimezone_chars))
"""Zones by the text of their VTIMEZONE, when it is no longer than one kept read."""


def zone_of(vtimezone: Timezone) -> Zone:
    """The Zone a VTIMEZONE defines (cached by its text)."""
    key = write_ical(vtimezone)
    return _ZONES.get(key) or _ZONES.put(key, _build_zone(vtimezone), len(key))


def _build_zone(vtimezone: Timezone) -> Zone:
    try:
        times, infos = vtimezone.get_transitions()
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        raise bad_request(f"unreadable VTIMEZONE {vtimezone.get('TZID')!s}: {error}") from error
    return Zone([(at, offset, bool(dst), name) for at, (offset, dst, name) in zip(times, infos, strict=True)])


def zones_of(components: list[Timezone], zone: Callable[[Timezone], Zone] = zone_of) -> dict[str, Zone]:
    """TZID -> Zone (by ``zone``) for the VTIMEZONEs of one object (one that cannot be read is left out)."""
    zones = {}
    for vtimezone in components:
        try:
            zones[str(vtimezone["TZID"])] = zone(vtimezone)
        except (KeyError, RemoteError):
            continue
    return zones


def instant(value: date, tzid: str | None, zones: Mapping[str, Zone]) -> date:
    """What a DATE or DATE-TIME value means: a date, an aware UTC datetime, or a naive (floating) datetime.

    A TZID with a VTIMEZONE in the object is read with that VTIMEZONE; another zone icalendar resolved
    (an Olson name) with that zone; a TZID nobody knows leaves the time floating.
    """
    if not isinstance(value, datetime):
        return value
    zone = zones.get(tzid) if tzid is not None else None
    if zone is not None:
        return zone.to_utc(value.replace(tzinfo=None))
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=None)


def utc_text(value: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ`` of an aware datetime."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def stamp_text(value: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ`` (in UTC) of an aware datetime, ``YYYYMMDDTHHMMSS`` of a naive one."""
    return utc_text(value) if value.tzinfo is not None else value.strftime("%Y%m%dT%H%M%S")


# ------------------------------------------------------------------------------------------ vCalendar 1.0


def parse_stamp(text: str) -> date | datetime:
    """A vCalendar 1.0 date or date-time (basic or extended ISO 8601); ``T240000`` is the next midnight.

    Returns a date, an aware UTC datetime (``Z``) or a naive local datetime.
    """
    match = _STAMP.fullmatch(text.strip())
    if match is None:
        raise bad_request(f"invalid vCalendar date-time {text[:40]!r}")
    year, month, day, hour, minute, second, utc = match.groups()
    try:
        day_value = date(int(year), int(month), int(day))
        if hour is None:
            return day_value
        clock = timedelta(hours=int(hour), minutes=int(minute), seconds=int(second or 0))
    except ValueError as error:
        raise bad_request(f"invalid vCalendar date-time {text[:40]!r}: {error}") from error
    if clock > timedelta(hours=24):
        raise bad_request(f"invalid vCalendar date-time {text[:40]!r}: time of day after 24:00")
    moment = datetime.combine(day_value, datetime.min.time()) + clock
    return moment.replace(tzinfo=UTC) if utc else moment


def parse_offset(text: str) -> timedelta | None:
    """``+01:00``, ``-0500``, ``+02`` -> offset; None when unreadable."""
    match = _OFFSET.fullmatch(text.strip())
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return -offset if sign == "-" else offset


def offset_text(offset: timedelta, separator: str = ":") -> str:
    """``+01:00`` (or ``+0100`` with an empty separator)."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{separator}{rest:02d}"


def vcal10_zone_lines(zone: Zone, years: range) -> list[tuple[str, str]]:
    """TZ and DAYLIGHT (name, value) lines describing ``zone`` in ``years`` (times in UTC)."""
    standard = zone.standard_offset(datetime(years.start, 1, 1))
    lines = [("TZ", offset_text(standard))]
    first_instant = datetime(years.start, 1, 1)
    periods = [
        period
        for year in range(years.start - 1, years.stop)
        for period in zone.daylight_periods(year)
        if period.end > first_instant
    ]
    for period in periods:
        hours = offset_text(period.offset)
        short = hours[:3] if hours.endswith(":00") else hours
        lines.append(
            (
                "DAYLIGHT",
                f"TRUE;{short};{period.start:%Y%m%dT%H%M%S}Z;{period.end:%Y%m%dT%H%M%S}Z;"
                f"{period.standard_name};{period.daylight_name}",
            )
        )
    if not periods:
        lines.append(("DAYLIGHT", "FALSE"))
    return lines


def vtimezone_from_vcal10(tz: str | None, daylight: list[str]) -> Timezone | None:
    """A VTIMEZONE for the vCalendar 1.0 ``TZ`` value and ``DAYLIGHT`` values (None if TZ is unreadable)."""
    standard = parse_offset(tz) if tz else None
    if standard is None:
        return None
    periods = [period for period in (_daylight_period(value, standard) for value in daylight) if period is not None]
    years = sorted({period.start.year for period in periods})
    tzid = f"UTC{offset_text(standard, '')}"
    if periods:
        tzid += f" DST{offset_text(periods[0].offset, '')} (vCalendar {years[0]}-{years[-1]})"
    vtimezone = Timezone()
    vtimezone.add("TZID", tzid)
    vtimezone.add_component(observance(TimezoneStandard(), _EPOCH, standard, standard, None))
    for period in periods:
        summer = observance(TimezoneDaylight(), period.start + standard, standard, period.offset, period.daylight_name)
        winter = observance(
            TimezoneStandard(), period.end + period.offset, period.offset, standard, period.standard_name
        )
        vtimezone.add_component(summer)
        vtimezone.add_component(winter)
    return vtimezone


def observance(
    component: TimezoneStandard | TimezoneDaylight,
    start: datetime,
    before: timedelta,
    after: timedelta,
    name: str | None,
) -> TimezoneStandard | TimezoneDaylight:
    """A VTIMEZONE STANDARD or DAYLIGHT part: from ``start`` on, the offset goes from ``before`` to ``after``."""
    component.add("DTSTART", start)
    component.add("TZOFFSETFROM", before)
    component.add("TZOFFSETTO", after)
    if name:
        component.add("TZNAME", name)
    return component


def _daylight_period(value: str, standard: timedelta) -> DaylightPeriod | None:
    """One ``DAYLIGHT:TRUE;+02;start;end;std name;dst name`` value (times UTC or standard local)."""
    fields = [field.strip() for field in value.split(";")]
    if len(fields) < 4 or fields[0].upper() != "TRUE":
        return None
    offset = parse_offset(fields[1])
    try:
        start, end = parse_stamp(fields[2]), parse_stamp(fields[3])
    except RemoteError:
        return None
    if offset is None or not isinstance(start, datetime) or not isinstance(end, datetime):
        return None
    start_utc = start.replace(tzinfo=None) if start.tzinfo else start - standard
    end_utc = end.replace(tzinfo=None) if end.tzinfo else end - offset
    names = [*fields[4:6], "", ""]
    return DaylightPeriod(start_utc, end_utc, offset, standard, names[0], names[1])
