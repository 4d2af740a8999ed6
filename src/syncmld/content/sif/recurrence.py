"""Outlook recurrence patterns (RecurrenceType 0/1/2/3/5/6 and their fields) <-> iCalendar RRULE."""

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from icalendar import vRecur

from syncmld.content.sif.dates import Instant, format_instant
from syncmld.content.sif.document import Value

DAILY, WEEKLY, MONTHLY, MONTH_NTH, YEARLY, YEAR_NTH = 0, 1, 2, 3, 5, 6
# Outlook's DayOfWeekMask bits, Sunday first (and Python's weekday() order for the start's own day)
_DAY_BITS = {"SU": 1, "MO": 2, "TU": 4, "WE": 8, "TH": 16, "FR": 32, "SA": 64}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_LAST_INSTANCE = 5
_BYDAY = re.compile(r"([+-]?\d*)([A-Z]{2})")


def number(fields: Mapping[str, Value], name: str) -> int:
    """A numeric SIF field; 0 when empty or not a number ("unspecified")."""
    value = fields.get(name, "")
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isdigit() else 0


def rule_from_fields(fields: Mapping[str, Value], start: date, until: Instant | None) -> vRecur | None:
    """The RRULE of a recurring SIF object starting on ``start``; ``until`` is its PatternEndDate as UNTIL."""
    kind = number(fields, "RecurrenceType")
    mask = number(fields, "DayOfWeekMask")
    days = [code for code, bit in _DAY_BITS.items() if mask & bit] or [_WEEKDAYS[start.weekday()]]
    instance = number(fields, "Instance")
    nth = -1 if instance >= _LAST_INSTANCE else instance or 1
    month = number(fields, "MonthOfYear") or start.month
    day_of_month = number(fields, "DayOfMonth") or start.day
    rule: dict[str, Any]
    if kind == DAILY:
        rule = {"FREQ": "DAILY", **({"BYDAY": days} if mask else {})}
    elif kind == WEEKLY:
        rule = {"FREQ": "WEEKLY", "BYDAY": days}
    elif kind == MONTHLY:
        rule = {"FREQ": "MONTHLY", "BYMONTHDAY": day_of_month}
    elif kind == MONTH_NTH:
        rule = {"FREQ": "MONTHLY", **_nth_days(days, nth)}
    elif kind == YEARLY:
        rule = {"FREQ": "YEARLY", "BYMONTH": month, "BYMONTHDAY": day_of_month}
    elif kind == YEAR_NTH:
        rule = {"FREQ": "YEARLY", "BYMONTH": month, **_nth_days(days, nth)}
    else:
        return None
    rule["INTERVAL"] = number(fields, "Interval") or 1
    occurrences = number(fields, "Occurrences")
    if number(fields, "NoEndDate") != 1:
        if occurrences:
            rule["COUNT"] = occurrences
        elif until is not None:
            rule["UNTIL"] = until
    return vRecur(rule)


def _nth_days(days: list[str], nth: int) -> dict[str, Any]:
    if len(days) == 1:
        return {"BYDAY": [f"{nth}{days[0]}"]}
    return {"BYDAY": days, "BYSETPOS": nth}


def fields_from_rule(rule: vRecur, start: date) -> dict[str, str] | None:
    """The SIF recurrence fields of an RRULE; None when Outlook has no such pattern (hourly and finer)."""
    freq = str(rule_part(rule, "FREQ") or "").upper()
    by_day = [_BYDAY.fullmatch(str(item).upper()) for item in rule.get("BYDAY", [])]
    days = [(match.group(1), match.group(2)) for match in by_day if match and match.group(2) in _DAY_BITS]
    mask = sum({_DAY_BITS[code] for _, code in days})
    nth = next((int(prefix) for prefix, _ in days if prefix not in ("", "+", "-")), None)
    if nth is None:
        nth = as_int(rule_part(rule, "BYSETPOS"))
    month = as_int(rule_part(rule, "BYMONTH")) or start.month
    day_of_month = as_int(rule_part(rule, "BYMONTHDAY")) or start.day
    start_mask = _DAY_BITS[_WEEKDAYS[start.weekday()]]
    kind, shape = _shape(freq, mask, nth, month, day_of_month, start_mask)
    if kind is None:
        return None
    count = as_int(rule_part(rule, "COUNT"))
    until = rule_part(rule, "UNTIL")
    return {
        "IsRecurring": "1",
        "RecurrenceType": str(kind),
        "Interval": str(as_int(rule_part(rule, "INTERVAL")) or 1),
        **shape,
        "NoEndDate": "0" if count or until else "1",
        "Occurrences": str(count),
        "PatternEndDate": format_instant(until) if isinstance(until, date) and not count else "",
    }


def _shape(freq: str, mask: int, nth: int, month: int, day: int, start_mask: int) -> tuple[int | None, dict[str, str]]:
    """RecurrenceType and DayOfWeekMask/DayOfMonth/MonthOfYear/Instance of a frequency and its BY parts."""
    instance = _LAST_INSTANCE if nth < 0 else nth
    if freq == "DAILY":
        return DAILY, _pattern(mask, 0, 0, 0)
    if freq == "WEEKLY":
        return WEEKLY, _pattern(mask or start_mask, 0, 0, 0)
    if freq == "MONTHLY":
        return (MONTH_NTH, _pattern(mask, 0, 0, instance)) if mask else (MONTHLY, _pattern(0, day, 0, 0))
    if freq == "YEARLY":
        return (YEAR_NTH, _pattern(mask, 0, month, instance)) if mask else (YEARLY, _pattern(0, day, month, 0))
    return None, {}


def _pattern(mask: int, day: int, month: int, instance: int) -> dict[str, str]:
    return {"DayOfWeekMask": str(mask), "DayOfMonth": str(day), "MonthOfYear": str(month), "Instance": str(instance)}


def rule_part(rule: vRecur, key: str) -> Any:
    """The first value of an RRULE part (None when it has none)."""
    values = rule.get(key)
    if isinstance(values, list):
        return values[0] if values else None
    return values


def as_int(value: Any) -> int:
    """An integer, 0 for anything that is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
