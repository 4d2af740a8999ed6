"""The SIF-E / SIF-T fields a VEVENT's or VTODO's standard properties give."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from icalendar import Component, Event, Timezone, Todo

from syncmld.content.sif.dates import Instant, format_instant
from syncmld.content.sif.document import Fields, Value, block
from syncmld.content.sif.ical import categories, first, instant, params, series_start, text, wall_clock
from syncmld.content.sif.outlook import BUSY, SENSITIVITIES, SIF_PARTSTATS, SIF_ROLES, SIF_TASK_STATUSES, TEXTS
from syncmld.content.sif.recurrence import as_int, fields_from_rule, rule_part
from syncmld.content.sif.timezone import block_from_vtimezone, year_span
from syncmld.content.vcalendar import values_of

_DAY = timedelta(days=1)
_TIMEZONE_YEARS = 10
"""The most years after an object's start its Timezone block covers (all of them for an endless series)."""
_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}


def derived_fields(component: Component, vtimezones: Mapping[str, Timezone]) -> Fields:
    """The SIF fields a VEVENT's or VTODO's standard properties give."""
    fields: Fields = {field: text(component, name) for field, name in TEXTS.items()}
    fields["Categories"] = categories(component)
    if "UID" in component:
        fields["Uid"] = text(component, "UID")
    priority = as_int(component.get("PRIORITY"))
    fields["Importance"] = "2" if 1 <= priority <= 4 else "0" if priority >= 6 else "1"
    fields["Sensitivity"] = SENSITIVITIES.get(
        text(component, "CLASS").upper(), "0" if "CLASS" not in component else "2"
    )
    start = series_start(component)
    if isinstance(component, Event):
        fields.update(_event_times(component, start))
        fields["BusyStatus"] = _busy_status(component)
    else:
        fields.update(_task_fields(component))
    fields.update(_reminder(component, start))
    fields.update(_recurrence(component, start))
    fields["Attendees"] = block(_attendees(component))
    timezone = _timezone(component, start, vtimezones)
    if timezone:
        fields["Timezone"] = timezone
    return fields


def _event_times(component: Component, start: Instant | None) -> dict[str, str]:
    end = instant(component, "DTEND")
    if start is None:
        return {"AllDayEvent": "0", "Start": "", "End": ""}
    if not isinstance(start, datetime):
        last = end - _DAY if end is not None and type(end) is date and end > start else start
        return {"AllDayEvent": "1", "Start": format_instant(start), "End": format_instant(last)}
    return {"AllDayEvent": "0", "Start": format_instant(start), "End": format_instant(end) if end else ""}


def _busy_status(component: Component) -> str:
    cdo = text(component, "X-MICROSOFT-CDO-BUSYSTATUS").upper()
    if cdo in BUSY:
        return str(BUSY.index(cdo))
    return "0" if text(component, "TRANSP").upper() == "TRANSPARENT" else "2"


def _task_fields(component: Component) -> dict[str, str]:
    status = text(component, "STATUS").upper()
    completed = component.get("COMPLETED")
    return {
        "StartDate": _format(component, "DTSTART"),
        "DueDate": _format(component, "DUE"),
        "Status": SIF_TASK_STATUSES.get(status, "2" if completed else "0"),
        "Complete": "1" if status == "COMPLETED" or completed else "0",
        "PercentComplete": str(as_int(component.get("PERCENT-COMPLETE"))),
        "DateCompleted": _format(component, "COMPLETED"),
    }


def _format(component: Component, name: str) -> str:
    value = instant(component, name)
    return "" if value is None else format_instant(value)


def _reminder(component: Component, start: Instant | None) -> dict[str, str]:
    alarm = next((alarm for alarm in component.walk("VALARM") if "TRIGGER" in alarm), None)
    if alarm is None:
        return {"ReminderSet": "0"}
    trigger = getattr(first(alarm, "TRIGGER"), "dt", None)
    if isinstance(trigger, timedelta):
        return {"ReminderSet": "1", "ReminderMinutesBeforeStart": str(int(-trigger.total_seconds()) // 60)}
    if isinstance(component, Todo) and isinstance(trigger, date):
        return {"ReminderSet": "1", "ReminderTime": format_instant(trigger)}
    if (
        isinstance(start, datetime)
        and isinstance(trigger, datetime)
        and (start.tzinfo is None) == (trigger.tzinfo is None)
    ):
        return {"ReminderSet": "1", "ReminderMinutesBeforeStart": str(int((start - trigger).total_seconds()) // 60)}
    return {"ReminderSet": "1"}


def _recurrence(component: Component, start: Instant | None) -> dict[str, Value]:
    rule = first(component, "RRULE")
    local_start = wall_clock(start).date() if isinstance(start, datetime) else start
    fields: dict[str, Value] | None = None
    if rule is not None and local_start is not None and start is not None:
        pattern = fields_from_rule(rule, local_start)
        if pattern is not None:
            fields = {**pattern, "PatternStartDate": format_instant(start)}
    if fields is None:
        return {"IsRecurring": "0", "Exceptions": ""}
    exceptions = [("ExcludeDate", day) for day in _dates(component, "EXDATE")]
    exceptions.extend(("IncludeDate", day) for day in _dates(component, "RDATE"))
    fields["Exceptions"] = block(exceptions)
    return fields


def _dates(component: Component, name: str) -> list[str]:
    """The local dates an EXDATE or RDATE names."""
    days = (item.dt for dates in values_of(component, name) for item in dates.dts)
    return [format_instant(wall_clock(day).date() if isinstance(day, datetime) else day) for day in days]


def _attendees(component: Component) -> Iterable[tuple[str, Value]]:
    for address in values_of(component, "ATTENDEE"):
        found_params = address.params
        email = str(address)
        values = (
            ("AttendeeName", str(found_params.get("CN", ""))),
            ("AttendeeEmail", email[7:] if email.lower().startswith("mailto:") else email),
            ("AttendeeStatus", SIF_PARTSTATS.get(str(found_params.get("PARTSTAT", "NEEDS-ACTION")).upper(), "0")),
            ("AttendeeType", SIF_ROLES.get(str(found_params.get("ROLE", "REQ-PARTICIPANT")).upper(), "1")),
        )
        yield "Attendee", block(values)


def _timezone(component: Component, start: Instant | None, vtimezones: Mapping[str, Timezone]) -> Value:
    """The Timezone block of the zone the start is in (none for UTC, floating and all-day starts)."""
    tzid = params(component, "DTSTART" if "DTSTART" in component else "DUE").get("TZID", "")
    if not isinstance(start, datetime) or not tzid:
        return ""
    first_year, last_year = year_span(wall_clock(start).date(), _last_day(component, start))
    vtimezone = vtimezones.get(tzid) or _known_vtimezone(tzid, first_year, last_year)
    return "" if vtimezone is None else block_from_vtimezone(vtimezone, first_year, last_year)


def _last_day(component: Component, start: datetime) -> date | None:
    """The last day an object's Timezone block covers: its recurrence's end, else its own; at most the horizon."""
    horizon = date(min(start.year + _TIMEZONE_YEARS, 9999), 12, 31)
    rule = first(component, "RRULE")
    if rule is None:
        end = instant(component, "DTEND") or instant(component, "DUE")
        last = end.date() if isinstance(end, datetime) else end
    else:
        until, count = rule_part(rule, "UNTIL"), as_int(rule_part(rule, "COUNT"))
        if isinstance(until, date):
            last = until.date() if isinstance(until, datetime) else until
        elif count:
            period = _PERIOD_DAYS.get(str(rule_part(rule, "FREQ")).upper(), 1) * max(
                as_int(rule_part(rule, "INTERVAL")), 1
            )
            last = start.date() + timedelta(days=min(count * period, (horizon - start.date()).days))
        else:
            last = horizon
    return None if last is None else min(last, horizon)


def _known_vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone | None:
    """A VTIMEZONE for a TZID the object names without defining (an Olson name)."""
    try:
        return Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1))
    except (ValueError, KeyError, OSError):
        return None
