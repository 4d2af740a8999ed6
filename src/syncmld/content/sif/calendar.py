"""SIF-E appointments and SIF-T tasks <-> iCalendar 2.0 VEVENT / VTODO (syncml-spec §9.4)."""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Alarm, Calendar, Component, Event, Timezone, Todo, vCalAddress

from syncmld.content.ical_text import write_ical
from syncmld.content.sif.calendar_fields import derived_fields
from syncmld.content.sif.dates import Instant, parse_instant
from syncmld.content.sif.document import Fields, Value, write_document
from syncmld.content.sif.ical import (
    add_categories,
    add_kept,
    add_text,
    kept_fields,
    new_calendar,
    series_start,
    wall_clock,
)
from syncmld.content.sif.lossless import fields_to_keep, restore
from syncmld.content.sif.outlook import (
    BUSY,
    CLASSES,
    EVENT_ROOT,
    PARTSTATS,
    PRIORITIES,
    ROLES,
    TASK_ROOT,
    TASK_STATUSES,
    TEXTS,
)
from syncmld.content.sif.recurrence import number, rule_from_fields
from syncmld.content.sif.timezone import Zone, zone_from_block

_HALF_DAY = timedelta(hours=12)
_DAY = timedelta(days=1)
_END_OF_DAY = time(23, 59, 59)


def sif_to_calendar(root: str, fields: Fields) -> bytes:
    """A SIF appointment or task as an iCalendar 2.0 VCALENDAR (a VTIMEZONE first when it has a Timezone)."""
    zone = zone_from_block(fields.get("Timezone"))
    texts = {name: value for name, value in fields.items() if isinstance(value, str)}
    component: Component = Event() if root == EVENT_ROOT else Todo()
    for field, name in TEXTS.items():
        add_text(component, name, texts.get(field, ""))
    add_categories(component, texts.get("Categories", ""))
    add_text(component, "UID", texts.get("Uid", ""))
    if texts.get("Importance", "").strip().isdigit():
        component.add("PRIORITY", PRIORITIES.get(number(texts, "Importance"), 5))
    if texts.get("Sensitivity", "").strip().isdigit():
        component.add("CLASS", CLASSES.get(number(texts, "Sensitivity"), "PRIVATE"))
    if root == EVENT_ROOT:
        _add_event_times(component, texts, zone)
        _add_busy_status(component, texts)
    else:
        _add_task_fields(component, texts, zone)
    _add_recurrence(component, fields, zone)
    _add_reminder(component, texts, zone, root)
    _add_attendees(component, fields.get("Attendees", ""))
    vtimezones = {zone.tzid: zone.vtimezone} if zone else {}
    add_kept(component, fields_to_keep(fields, derived_fields(component, vtimezones)))
    zoned = zone is not None and isinstance(series_start(component), datetime)
    return write_ical(new_calendar(*([zone.vtimezone] if zone and zoned else []), component))


def calendar_to_sif(component: Component, calendar: Calendar) -> bytes:
    """A VEVENT as a SIF appointment, a VTODO as a SIF task."""
    vtimezones = {str(tz.get("TZID", "")): tz for tz in calendar.walk("VTIMEZONE") if isinstance(tz, Timezone)}
    fields = restore(derived_fields(component, vtimezones), kept_fields(component))
    return write_document(EVENT_ROOT if isinstance(component, Event) else TASK_ROOT, fields.items())


def _in_zone(value: Instant, zone: Zone | None) -> Instant:
    """A SIF time as an iCalendar one: local to the Timezone block when there is one."""
    if not isinstance(value, datetime) or zone is None:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=zone.tzinfo)
    return value.astimezone(zone.tzinfo)


def _time(texts: Mapping[str, str], name: str, zone: Zone | None) -> Instant | None:
    value = parse_instant(texts.get(name, ""))
    return None if value is None else _in_zone(value, zone)


def _add_event_times(component: Component, texts: Mapping[str, str], zone: Zone | None) -> None:
    start, end = _time(texts, "Start", zone), _time(texts, "End", zone)
    if start is None:
        return
    if number(texts, "AllDayEvent") == 1:
        first = _day(start)
        after_last = end + _DAY if type(end) is date else _day(end) if end is not None else first + _DAY
        start, end = first, max(after_last, first + _DAY)
    component.add("DTSTART", start)
    if end is not None:
        component.add("DTEND", end)


def _day(value: Instant) -> date:
    """The day an all-day boundary means: a time is rounded to the nearest midnight (UTC is only a guess)."""
    return (value + _HALF_DAY).date() if isinstance(value, datetime) else value


def _add_busy_status(component: Component, texts: Mapping[str, str]) -> None:
    if not texts.get("BusyStatus", "").strip().isdigit():
        return
    status = number(texts, "BusyStatus")
    component.add("TRANSP", "TRANSPARENT" if status == 0 else "OPAQUE")
    if status < len(BUSY):
        component.add("X-MICROSOFT-CDO-BUSYSTATUS", BUSY[status])


def _add_task_fields(component: Component, texts: Mapping[str, str], zone: Zone | None) -> None:
    for field, name in (("StartDate", "DTSTART"), ("DueDate", "DUE")):
        value = _time(texts, field, zone)
        if value is not None:
            component.add(name, value)
    complete = number(texts, "Complete") == 1
    if texts.get("Status", "").strip().isdigit() or complete:
        component.add("STATUS", "COMPLETED" if complete else TASK_STATUSES.get(number(texts, "Status"), "NEEDS-ACTION"))
    if texts.get("PercentComplete", "").strip().isdigit():
        component.add("PERCENT-COMPLETE", min(number(texts, "PercentComplete"), 100))
    completed = _time(texts, "DateCompleted", zone)
    if completed is not None:
        moment = completed if isinstance(completed, datetime) else datetime.combine(completed, time())
        component.add("COMPLETED", moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC))


def _add_recurrence(component: Component, fields: Fields, zone: Zone | None) -> None:
    start = series_start(component)
    if number(fields, "IsRecurring") != 1 or start is None:
        return
    until_value = parse_instant(_str(fields.get("PatternEndDate")))
    until = None if until_value is None else _until(_in_zone(until_value, zone), start)
    rule = rule_from_fields(fields, wall_clock(start).date() if isinstance(start, datetime) else start, until)
    if rule is None:
        return
    component.add("RRULE", rule)
    exceptions = fields.get("Exceptions", "")
    for name, value in exceptions if isinstance(exceptions, tuple) else ():
        day = parse_instant(_str(value))
        if name in ("ExcludeDate", "IncludeDate") and day is not None:
            component.add("EXDATE" if name == "ExcludeDate" else "RDATE", _occurrence(_in_zone(day, zone), start))


def _until(value: Instant, start: Instant) -> Instant:
    """PatternEndDate as UNTIL: a date (or a midnight) means the end of that day, in the start's time zone.

    UNTIL is a date for an all-day series, UTC for a zoned or UTC one, and floating for a floating one.
    """
    if not isinstance(start, datetime):
        return wall_clock(value).date() if isinstance(value, datetime) else value
    if isinstance(value, datetime) and wall_clock(value).time() != time():
        until = value if value.tzinfo else value.replace(tzinfo=start.tzinfo)
    else:
        day = wall_clock(value).date() if isinstance(value, datetime) else value
        until = datetime.combine(day, _END_OF_DAY, start.tzinfo)
    return until.astimezone(UTC) if until.tzinfo else until


def _occurrence(value: Instant, start: Instant) -> Instant:
    """An exception date as the instance it names: on a timed series, the start's time of day on that date."""
    if not isinstance(start, datetime):
        return wall_clock(value).date() if isinstance(value, datetime) else value
    if isinstance(value, datetime):
        return value if value.tzinfo or start.tzinfo is None else value.replace(tzinfo=start.tzinfo)
    return datetime.combine(value, start.timetz())


def _add_reminder(component: Component, texts: Mapping[str, str], zone: Zone | None, root: str) -> None:
    if number(texts, "ReminderSet") != 1:
        return
    alarm = Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("DESCRIPTION", texts.get("Subject") or "Reminder")
    moment = _time(texts, "ReminderTime", zone) if root == TASK_ROOT else None
    if isinstance(moment, datetime):
        alarm.add("TRIGGER", moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    else:
        alarm.add("TRIGGER", -timedelta(minutes=number(texts, "ReminderMinutesBeforeStart")))
    component.add_component(alarm)


def _add_attendees(component: Component, attendees: Value) -> None:
    for name, attendee in attendees if isinstance(attendees, tuple) else ():
        if name != "Attendee" or not isinstance(attendee, tuple):
            continue
        values = {tag: value for tag, value in attendee if isinstance(value, str)}
        address = vCalAddress(f"mailto:{values.get('AttendeeEmail', '')}")
        if values.get("AttendeeName"):
            address.params["CN"] = values["AttendeeName"]
        if values.get("AttendeeStatus", "").isdigit():
            address.params["PARTSTAT"] = PARTSTATS.get(int(values["AttendeeStatus"]), "NEEDS-ACTION")
        if values.get("AttendeeType", "").isdigit():
            address.params["ROLE"] = ROLES.get(int(values["AttendeeType"]), "REQ-PARTICIPANT")
        component.add("ATTENDEE", address)


def _str(value: Value | None) -> str:
    return value if isinstance(value, str) else ""
