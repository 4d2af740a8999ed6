"""SIF date and time values: ``YYYY-MM-DD`` dates, ``YYYYMMDDTHHMMSS[Z]`` times, ``+HHMM`` offsets."""

import re
from datetime import UTC, date, datetime, timedelta

from syncmld.content.timezones import stamp_text

_DATE_TIME = re.compile(
    r"\s*(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2}))?(?:\.\d+)?(Z)?)?\s*", re.IGNORECASE
)
_OFFSET = re.compile(r"\s*([+-])(\d{1,2}):?(\d{2})?\s*")

Instant = date | datetime
"""A date, a floating or local time (naive datetime) or a UTC time (aware datetime)."""


def parse_instant(text: str) -> Instant | None:
    """A SIF date or time; None when empty or not a date."""
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, utc = match.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day))
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if utc else moment


def format_instant(value: Instant) -> str:
    """``YYYY-MM-DD`` for a date, UTC ``YYYYMMDDTHHMMSSZ`` for an aware time, no ``Z`` for a naive one."""
    return stamp_text(value) if isinstance(value, datetime) else value.isoformat()


def format_local(value: datetime) -> str:
    """A wall-clock time without zone: ``YYYYMMDDTHHMMSS``."""
    return value.strftime("%Y%m%dT%H%M%S")


def parse_offset(text: str) -> timedelta | None:
    """``+0100`` / ``-05:30`` / ``+1`` -> the offset; None when it is not one."""
    match = _OFFSET.fullmatch(text)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return -offset if sign == "-" else offset
