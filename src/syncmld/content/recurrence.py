"""Recurrence rules: the vCalendar 1.0 grammar (``W1 MO TH #10``, ``MP1 1+ MO #0``, ``MD1 15 20001231T000000Z``,
``YM1 6 #0``, ``YD1 100``, ``D2 #5``) to and from iCalendar RRULE values, and a canonical text for comparing rules.

1.0 rules without a duration repeat forever (as Horde and most devices read them). Rules 1.0 cannot
say (BYSETPOS, BYHOUR, a weekly rule with BYMONTH, ...) have no 1.0 form: ``rule_to_vcal10`` returns None.
"""

import re
from collections.abc import Callable
from datetime import date

from icalendar import vRecur

from syncmld.content.versit import bad_request

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_HEAD = re.compile(r"(D|W|MP|MD|YM|YD)(\d+)")
_WEEKDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_OCCURRENCE = re.compile(r"(\d)([+-])")
_DAY_NUMBER = re.compile(r"(\d{1,3})([+-])?")
_STAMP = re.compile(r"\d{8}(T\d{4,6}Z?)?")
_LAST_DAY = "LD"
_FREQUENCIES = {"D": "DAILY", "W": "WEEKLY", "MP": "MONTHLY", "MD": "MONTHLY", "YM": "YEARLY", "YD": "YEARLY"}
_EVERY_WEEK_OF_MONTH = (1, 2, 3, 4, 5)


# ---------------------------------------------------------------------------------------- 1.0 -> 2.0


def rule_from_vcal10(text: str, start: date, until_of: Callable[[str], date]) -> vRecur:
    """The RRULE for a 1.0 rule; ``start`` is the first occurrence's date, ``until_of`` reads an end date-time."""
    tokens = [token.rstrip("$") for token in text.upper().split()]
    head = _HEAD.fullmatch(tokens[0]) if tokens else None
    if head is None:
        raise bad_request(f"unreadable vCalendar 1.0 RRULE {text[:60]!r}")
    kind, interval = head.group(1), int(head.group(2))
    body, end = _split_end(tokens[1:])
    rule: dict[str, object] = {"FREQ": _FREQUENCIES[kind]}
    if interval != 1:
        rule["INTERVAL"] = interval
    rule.update(_body_from_vcal10(kind, body, start, text))
    if end is not None and end.startswith("#"):
        count = int(end[1:])
        if count:
            rule["COUNT"] = count
    elif end is not None:
        rule["UNTIL"] = until_of(end)
    return vRecur(rule)


def _split_end(tokens: list[str]) -> tuple[list[str], str | None]:
    if tokens and (re.fullmatch(r"#\d+", tokens[-1]) or _STAMP.fullmatch(tokens[-1])):
        return tokens[:-1], tokens[-1]
    return tokens, None


def _body_from_vcal10(kind: str, body: list[str], start: date, text: str) -> dict[str, object]:
    def unreadable() -> Exception:
        return bad_request(f"unsupported vCalendar 1.0 RRULE {text[:60]!r}")

    if kind == "D":
        if body:
            raise unreadable()
        return {}
    if kind == "W":
        if not all(token in WEEKDAYS for token in body):
            raise unreadable()
        return {"BYDAY": body} if body else {}
    if kind == "MP":
        return {"BYDAY": _positions(body, start, unreadable)}
    if kind == "MD":
        days = [_day_number(token, unreadable, 31) for token in body]
        return {"BYMONTHDAY": days} if days else {}
    if kind == "YM":
        months = [_day_number(token, unreadable, 12) for token in body]
        if any(month < 1 for month in months):
            raise unreadable()
        return {"BYMONTH": months} if months else {}
    days = [_day_number(token, unreadable, 366) for token in body]
    return {"BYYEARDAY": days} if days else {}


def _positions(body: list[str], start: date, unreadable: Callable[[], Exception]) -> list[str]:
    """``1+ 3+ MO 1- FR`` -> 1MO, 3MO, -1FR; occurrences without a weekday take the start's weekday."""
    result: list[str] = []
    pending: list[int] = []
    named = False
    for token in body:
        occurrence = _OCCURRENCE.fullmatch(token)
        if occurrence is not None:
            if named:
                pending, named = [], False
            number = int(occurrence.group(1))
            pending.append(-number if occurrence.group(2) == "-" else number)
        elif token in WEEKDAYS and pending:
            result.extend(f"{number}{token}" for number in pending)
            named = True
        else:
            raise unreadable()
    if pending and not named:
        result.extend(f"{number}{WEEKDAYS[start.weekday()]}" for number in pending)
    if not result:
        result.append(f"{(start.day - 1) // 7 + 1}{WEEKDAYS[start.weekday()]}")
    return result


def _day_number(token: str, unreadable: Callable[[], Exception], highest: int) -> int:
    if token == _LAST_DAY:
        return -1
    match = _DAY_NUMBER.fullmatch(token)
    if match is None or not 1 <= int(match.group(1)) <= highest:
        raise unreadable()
    number = int(match.group(1))
    return -number if match.group(2) == "-" else number


# ---------------------------------------------------------------------------------------- 2.0 -> 1.0


def rule_to_vcal10(rule: vRecur, start: date, until_text: Callable[[date], str]) -> str | None:
    """The 1.0 form of an RRULE, or None when 1.0 cannot say it."""
    parts = _parts(rule)
    freq = str(parts.pop("FREQ", [""])[0]).upper()
    interval = int(str(parts.pop("INTERVAL", [1])[0]))
    count, until = parts.pop("COUNT", None), parts.pop("UNTIL", None)
    week_start = parts.pop("WKST", None)
    if week_start and str(week_start[0]).upper() != "MO" and freq == "WEEKLY" and interval > 1:
        return None
    body = _body_to_vcal10(freq, interval, parts, start)
    if body is None:
        return None
    if count:
        end = f"#{int(str(count[0]))}"
    elif until and isinstance(until[0], date):
        end = until_text(until[0])
    elif until:
        return None
    else:
        end = "#0"
    return f"{body} {end}"


def _parts(rule: vRecur) -> dict[str, list[object]]:
    return {str(key).upper(): list(values) if isinstance(values, list) else [values] for key, values in rule.items()}


def _body_to_vcal10(freq: str, interval: int, parts: dict[str, list[object]], start: date) -> str | None:
    keys = set(parts)
    if freq == "DAILY" and not keys:
        return f"D{interval}"
    if freq == "WEEKLY" and keys <= {"BYDAY"}:
        days = [_weekday(value) for value in parts.get("BYDAY", [])]
        if any(day is None or day[0] is not None for day in days):
            return None
        names = [day[1] for day in days if day is not None] or [WEEKDAYS[start.weekday()]]
        return f"W{interval} " + " ".join(names)
    if freq == "MONTHLY":
        return _monthly(interval, parts, start)
    if freq == "YEARLY":
        return _yearly(interval, parts, start)
    return None


def _monthly(interval: int, parts: dict[str, list[object]], start: date) -> str | None:
    keys = set(parts)
    if keys == {"BYDAY"}:
        groups = _position_groups(parts["BYDAY"])
        return None if groups is None else f"MP{interval} {groups}"
    if keys == {"BYMONTHDAY"}:
        days = [int(str(value)) for value in parts["BYMONTHDAY"]]
        return f"MD{interval} " + " ".join(str(day) if day > 0 else f"{-day}-" for day in days)
    if not keys:
        return f"MD{interval} {start.day}"
    return None


def _yearly(interval: int, parts: dict[str, list[object]], start: date) -> str | None:
    keys = set(parts)
    month_days = [int(str(value)) for value in parts.get("BYMONTHDAY", [])]
    if keys <= {"BYMONTH", "BYMONTHDAY"} and month_days in ([], [start.day]):
        months = [int(str(value)) for value in parts.get("BYMONTH", [])] or [start.month]
        return f"YM{interval} " + " ".join(str(month) for month in months)
    if keys == {"BYYEARDAY"}:
        days = [int(str(value)) for value in parts["BYYEARDAY"]]
        return None if any(day < 1 for day in days) else f"YD{interval} " + " ".join(map(str, days))
    months = [int(str(value)) for value in parts.get("BYMONTH", [])]
    if keys == {"BYMONTH", "BYDAY"} and months == [start.month]:
        groups = _position_groups(parts["BYDAY"])
        return None if groups is None else f"MP{12 * interval} {groups}"
    return None


def _position_groups(values: list[object]) -> str | None:
    """1MO, 3MO, -1FR -> ``1+ 3+ MO 1- FR``; a weekday without a number means every one in the month."""
    by_day: dict[str, list[int]] = {}
    for value in values:
        parsed = _weekday(value)
        if parsed is None:
            return None
        number, day = parsed
        if number is not None and not 1 <= abs(number) <= 5:
            return None
        by_day.setdefault(day, []).extend([number] if number is not None else _EVERY_WEEK_OF_MONTH)
    return " ".join(
        " ".join(f"{abs(number)}{'+' if number > 0 else '-'}" for number in numbers) + f" {day}"
        for day, numbers in by_day.items()
    )


def _weekday(value: object) -> tuple[int | None, str] | None:
    match = _WEEKDAY.fullmatch(str(value).upper())
    if match is None:
        return None
    return (int(match.group(1)) if match.group(1) else None), match.group(2)


# ------------------------------------------------------------------------------------------ comparing


def canonical_rule(rule: vRecur, start: date, until_key: Callable[[date], str]) -> str:
    """A text equal for two RRULEs with the same occurrences from ``start`` written differently
    (defaults spelt out, lists sorted, a yearly rule by weekday in the start's month as every 12 months)."""
    parts = _parts(rule)
    freq = str(parts.pop("FREQ", [""])[0]).upper()
    interval = int(str(parts.pop("INTERVAL", [1])[0]))
    if str(parts.get("WKST", ["MO"])[0]).upper() == "MO":
        parts.pop("WKST", None)
    fields = {key: sorted(str(value).upper().lstrip("+") for value in values) for key, values in parts.items()}
    until = parts.get("UNTIL", [None])[0]
    if isinstance(until, date):
        fields["UNTIL"] = [until_key(until)]
    selectors = set(fields) - {"COUNT", "UNTIL", "WKST"}
    if freq == "WEEKLY" and not selectors:
        fields["BYDAY"] = [WEEKDAYS[start.weekday()]]
    elif freq == "MONTHLY" and not selectors:
        fields["BYMONTHDAY"] = [str(start.day)]
    elif freq == "YEARLY" and selectors <= {"BYMONTH"}:
        fields.setdefault("BYMONTH", [str(start.month)])
        fields["BYMONTHDAY"] = [str(start.day)]
    elif freq == "YEARLY" and selectors == {"BYMONTH", "BYDAY"} and fields["BYMONTH"] == [str(start.month)]:
        freq, interval = "MONTHLY", interval * 12
        del fields["BYMONTH"]
    if freq == "MONTHLY" and "BYDAY" in fields:
        fields["BYDAY"] = sorted(_every_week(fields["BYDAY"]))
    rendered = ";".join(f"{key}={','.join(values)}" for key, values in sorted(fields.items()))
    return f"FREQ={freq};INTERVAL={interval};{rendered}"


def _every_week(values: list[str]) -> set[str]:
    result: set[str] = set()
    for value in values:
        if value in WEEKDAYS:
            result.update(f"{number}{value}" for number in _EVERY_WEEK_OF_MONTH)
        else:
            result.add(value)
    return result
