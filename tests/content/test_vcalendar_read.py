"""vCalendar 1.0 objects a device sends, as stored iCalendar 2.0."""

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar, vRecur

from syncmld.content.calendar import calendar_identity, calendar_to_stored
from tests.content.calendar_samples import vcal10

BERLIN_2024 = ("TZ:+01:00", "DAYLIGHT:TRUE;+02;20240331T010000Z;20241027T010000Z;CET;CEST")


def stored_component(data: bytes, kind: str = "VEVENT") -> Calendar:
    return Calendar.from_ical(calendar_to_stored(data, None, None)).walk(kind)[0]


def utc(component: Calendar, name: str) -> datetime:
    return component[name].dt.astimezone(UTC)


# ------------------------------------------------------------------------------------------- all-day


@pytest.mark.parametrize(
    ("start", "end", "extra"),
    [
        ("20061225T000000Z", "20061225T240000Z", ()),  # Sony Ericsson P900
        ("20061225T000000", "20061226T000000", ()),  # Synthesis
        ("20061225T000000", "20061225T235900", ()),  # pimgen, many phones
        ("20061225T000000", "20061225T235959", ()),
        ("20061225T000000", "20061225T000000", ("X-FUNAMBOL-ALLDAY:1",)),
        ("20061225T000000Z", "20061225T010000Z", ("X-MICROSOFT-CDO-ALLDAYEVENT:TRUE",)),
    ],
)
def test_all_day_forms_become_dates(start: str, end: str, extra: tuple[str, ...]) -> None:
    event = stored_component(vcal10("SUMMARY:Christmas", f"DTSTART:{start}", f"DTEND:{end}", *extra))
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2006, 12, 25), date(2006, 12, 26))
    assert not any(name.startswith(("X-FUNAMBOL", "X-MICROSOFT")) for name in event)


def test_two_day_all_day_event_and_one_without_end() -> None:
    event = stored_component(vcal10("DTSTART:20240422T000000", "DTEND:20240423T235900"))
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2024, 4, 22), date(2024, 4, 24))
    event = stored_component(vcal10("DTSTART:20240422", "X-FUNAMBOL-ALLDAY:1"))
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2024, 4, 22), date(2024, 4, 23))


def test_an_event_starting_at_midnight_is_not_all_day() -> None:
    event = stored_component(vcal10("DTSTART:20240422T000000Z", "DTEND:20240422T010000Z"))
    assert event["DTSTART"].dt == datetime(2024, 4, 22, tzinfo=UTC)


# -------------------------------------------------------------------------------------- text values


def test_quoted_printable_charsets_escapes_and_folding() -> None:
    event = stored_component(
        vcal10(
            "SUMMARY;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:R=E9union",
            "DESCRIPTION;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:line one=0D=0Aline two,=",
            " with; more",
            "LOCATION;CHARSET=UTF-8:Café Müller\\, Berlin",
            "CONTACT:Backslash \\\\ test and Lunch\\; with comma, too",
            "URL:https://example.org/a",
            "COMMENT:Unicode note: caf\u00e9,",
            " emoji \U0001f600",
        )
    )
    assert event["SUMMARY"] == "Réunion"
    assert event["DESCRIPTION"] == "line one\nline two, with; more"
    assert event["LOCATION"] == "Café Müller, Berlin"
    assert event["CONTACT"] == "Backslash \\ test and Lunch; with comma, too"
    assert event["COMMENT"] == "Unicode note: café, emoji 😀"


def test_lists_statuses_and_numbers() -> None:
    task = stored_component(
        vcal10(
            "CATEGORIES:Kunden;Équipe;X-65536",
            "STATUS:NEEDS ACTION",
            "PRIORITY:2",
            "CLASS:CONFIDENTIAL",
            "X-PERCENT-COMPLETE:40",
            "DCREATED:20240115T120000Z",
            "COMPLETED:20240116T120000Z",
            "SEQUENCE:3",
            kind="VTODO",
        ),
        "VTODO",
    )
    assert list(task["CATEGORIES"].cats) == ["Kunden", "Équipe", "X-65536"]
    assert (task["STATUS"], task["PRIORITY"], task["CLASS"]) == ("NEEDS-ACTION", 5, "CONFIDENTIAL")
    assert (task["PERCENT-COMPLETE"], task["SEQUENCE"]) == (40, 3)
    assert task["CREATED"].dt == datetime(2024, 1, 15, 12, tzinfo=UTC)
    assert task["COMPLETED"].dt == datetime(2024, 1, 16, 12, tzinfo=UTC)
    assert stored_component(vcal10("SUMMARY:Frei", "TRANSP:1"))["TRANSP"] == "TRANSPARENT"
    assert stored_component(vcal10("SUMMARY:Belegt", "TRANSP:0"))["TRANSP"] == "OPAQUE"


def test_version_decides_not_the_media_type() -> None:
    """The P900 labels vCalendar 1.0 text/calendar: an AALARM is read as an alarm either way."""
    event = stored_component(vcal10("DTSTART:20061222T110000Z", "AALARM:20061222T105000Z"))
    assert event.walk("VALARM")


# ------------------------------------------------------------------------------------------- zones


def test_local_times_are_read_in_the_tz_daylight_zone() -> None:
    event = stored_component(vcal10("DTSTART:20240701T100000", "DTEND:20240701T110000", head=BERLIN_2024))
    assert utc(event, "DTSTART") == datetime(2024, 7, 1, 8, tzinfo=UTC)
    winter = stored_component(vcal10("DTSTART:20240110T100000", head=BERLIN_2024))
    assert utc(winter, "DTSTART") == datetime(2024, 1, 10, 9, tzinfo=UTC)
    fixed = stored_component(vcal10("DTSTART:20240110T100000", head=("TZ:+05:30", "DAYLIGHT:FALSE")))
    assert utc(fixed, "DTSTART") == datetime(2024, 1, 10, 4, 30, tzinfo=UTC)


def test_local_times_without_tz_stay_floating_and_utc_times_stay_utc() -> None:
    event = stored_component(vcal10("DTSTART:20240110T100000"))
    assert event["DTSTART"].dt == datetime(2024, 1, 10, 10)
    event = stored_component(vcal10("DTSTART:20240110T100000Z", head=BERLIN_2024))
    assert event["DTSTART"].dt == datetime(2024, 1, 10, 10, tzinfo=UTC)


def test_a_recurring_utc_event_keeps_its_wall_clock_time_across_summer_time() -> None:
    event = stored_component(vcal10("DTSTART:20240307T090000Z", "RRULE:W1 TH #10", head=BERLIN_2024))
    start = event["DTSTART"]
    assert start.dt.replace(tzinfo=None) == datetime(2024, 3, 7, 10, 0) and "TZID" in start.params
    after_switch = start.dt + timedelta(weeks=4)
    assert after_switch.astimezone(UTC) == datetime(2024, 4, 4, 8, tzinfo=UTC)


def test_a_recurring_event_east_of_utc_keeps_its_weekday() -> None:
    """08:30 on Mondays in Tokyo is 23:30 UTC on Sundays: the rule's MO is Tokyo's Monday."""
    event = stored_component(vcal10("DTSTART:20240128T233000Z", "RRULE:W1 MO #3", head=("TZ:+09:00", "DAYLIGHT:FALSE")))
    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2024, 1, 29, 8, 30)
    assert utc(event, "DTSTART") == datetime(2024, 1, 28, 23, 30, tzinfo=UTC)
    utc_frame = stored_component(vcal10("DTSTART:20240128T233000Z", "RRULE:W1 MO #3", head=("TZ:+00:00",)))
    assert utc_frame["DTSTART"].dt == datetime(2024, 1, 28, 23, 30, tzinfo=UTC)


# -------------------------------------------------------------------------------------- recurrence


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("W1 MO TH #10", "FREQ=WEEKLY;COUNT=10;BYDAY=MO,TH"),
        ("MD1 15 20001231T000000Z", "FREQ=MONTHLY;UNTIL=20001231T000000Z;BYMONTHDAY=15"),
        ("MP1 1+ MO #0", "FREQ=MONTHLY;BYDAY=1MO"),
        ("MP2 1+ 2- FR #4", "FREQ=MONTHLY;INTERVAL=2;COUNT=4;BYDAY=1FR,-2FR"),
        ("MP1 1+ MO 1- FR", "FREQ=MONTHLY;BYDAY=1MO,-1FR"),
        ("MP1 2+ #0", "FREQ=MONTHLY;BYDAY=2TU"),
        ("YM1 6 #0", "FREQ=YEARLY;BYMONTH=6"),
        ("YD1 100 #2", "FREQ=YEARLY;COUNT=2;BYYEARDAY=100"),
        ("D2 #5", "FREQ=DAILY;INTERVAL=2;COUNT=5"),
        ("MD1 1- #3", "FREQ=MONTHLY;COUNT=3;BYMONTHDAY=-1"),
        ("MD1 LD #3", "FREQ=MONTHLY;COUNT=3;BYMONTHDAY=-1"),
        ("W2 #0", "FREQ=WEEKLY;INTERVAL=2"),
        ("W1 MO$ TU", "FREQ=WEEKLY;BYDAY=MO,TU"),
        ("D1", "FREQ=DAILY"),
        ("D1 20000110T080000Z", "FREQ=DAILY;UNTIL=20000110T080000Z"),
    ],
)
def test_vcal10_rule_grammar(rule: str, expected: str) -> None:
    """DTSTART is Tuesday 11 January 2000, 08:00 UTC."""
    event = stored_component(vcal10("DTSTART:20000111T080000Z", f"RRULE:{rule}"))
    assert dict(event["RRULE"]) == dict(vRecur.from_ical(expected))


def test_until_of_an_all_day_rule_is_a_date_and_of_a_floating_one_floating() -> None:
    event = stored_component(vcal10("DTSTART:20240101T000000", "DTEND:20240102T000000", "RRULE:D1 20240110T000000"))
    assert event["RRULE"]["UNTIL"] == [date(2024, 1, 10)]
    event = stored_component(vcal10("DTSTART:20240101T100000", "RRULE:D1 20240110T100000Z"))
    assert event["RRULE"]["UNTIL"] == [datetime(2024, 1, 10, 10)]


def test_exdates_and_recurrence_id() -> None:
    event = stored_component(
        vcal10("DTSTART:20240307T090000Z", "RRULE:W1 TH #10", "EXDATE:20240321T090000Z;20240328T090000Z")
    )
    assert [value.dt for value in event["EXDATE"].dts] == [
        datetime(2024, 3, 21, 9, tzinfo=UTC),
        datetime(2024, 3, 28, 9, tzinfo=UTC),
    ]
    detached = vcal10("UID:u1", "DTSTART:20240314T130000Z", "X-RECURRENCE-ID:20240314T090000Z")
    assert stored_component(detached)["RECURRENCE-ID"].dt == datetime(2024, 3, 14, 9, tzinfo=UTC)
    assert calendar_identity(calendar_to_stored(detached, None, None)) == "uid:u1|rid:20240314T090000Z"


# ------------------------------------------------------------------------------------------ alarms


def test_aalarm_and_dalarm_at_one_time_are_one_display_alarm_before_the_start() -> None:
    event = stored_component(
        vcal10("DTSTART:20240222T153000Z", "AALARM:20240222T151500Z;;;alarm", "DALARM:20240222T151500Z;;;Coffee")
    )
    (alarm,) = event.walk("VALARM")
    assert (alarm["ACTION"], alarm["DESCRIPTION"]) == ("DISPLAY", "Coffee")
    assert alarm["TRIGGER"].dt == timedelta(minutes=-15)


def test_p900_sound_alarm_snooze_and_relative_synthesis_alarm() -> None:
    event = stored_component(
        vcal10(
            "DTSTART:20061222T110000Z",
            "AALARM;TYPE=X-EPOCSOUND:20061222T105000Z;PT5M;2;c:\\system\\Reminder\\Classical.mp3",
            "DALARM:-PT30M;;;Team meeting",
        )
    )
    audio, display = sorted(event.walk("VALARM"), key=lambda alarm: str(alarm["ACTION"]))
    assert audio["ACTION"] == "AUDIO" and audio["TRIGGER"].dt == timedelta(minutes=-10)
    assert audio["ATTACH"] == "c:\\system\\Reminder\\Classical.mp3" and audio["ATTACH"].params["TYPE"] == "X-EPOCSOUND"
    assert (audio["DURATION"].dt, audio["REPEAT"]) == (timedelta(minutes=5), 2)
    assert display["TRIGGER"].dt == timedelta(minutes=-30) and display["DESCRIPTION"] == "Team meeting"


def test_task_alarm_is_relative_to_due_and_without_anchor_absolute() -> None:
    task = stored_component(vcal10("DUE:20240510T170000Z", "DALARM:20240510T160000Z", kind="VTODO"), "VTODO")
    trigger = task.walk("VALARM")[0]["TRIGGER"]
    assert trigger.dt == timedelta(hours=-1) and trigger.params["RELATED"] == "END"
    bare = stored_component(vcal10("SUMMARY:x", "DALARM:20240510T160000Z", kind="VTODO"), "VTODO")
    assert bare.walk("VALARM")[0]["TRIGGER"].dt == datetime(2024, 5, 10, 16, tzinfo=UTC)


# --------------------------------------------------------------------------------------- attendees


def test_attendees_and_organizer() -> None:
    event = stored_component(
        vcal10(
            "ATTENDEE;ROLE=ORGANIZER:Olga Organiser <olga@example.org>",
            "ATTENDEE;STATUS=NEEDS ACTION;RSVP=YES;EXPECT=REQUEST:bob@example.org",
            "ATTENDEE;STATUS=ACCEPTED;EXPECT=REQUIRE;X-SEAT=12:Zoë Müller <zoe@example.org>",
        )
    )
    organizer = event["ORGANIZER"]
    assert (organizer, organizer.params["CN"]) == ("mailto:olga@example.org", "Olga Organiser")
    bob, zoe = event["ATTENDEE"]
    assert bob == "mailto:bob@example.org"
    assert dict(bob.params) == {"PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE", "ROLE": "OPT-PARTICIPANT"}
    assert (zoe.params["CN"], zoe.params["PARTSTAT"], zoe.params["ROLE"]) == (
        "Zoë Müller",
        "ACCEPTED",
        "REQ-PARTICIPANT",
    )
    assert zoe.params["X-SEAT"] == "12"
