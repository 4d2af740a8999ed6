"""Stored calendar objects served to vCalendar 1.0 devices."""

import pytest

from syncmld.content.calendar import calendar_from_stored, calendar_to_stored
from syncmld.content.versit import parse_lines
from tests.content.calendar_samples import (
    ALL_DAY_EVENT,
    BERLIN,
    DETACHED_INSTANCE,
    FLOATING_TASK,
    TOKYO,
    ZONED_EVENT,
    crlf,
)


def as_10(text: str) -> str:
    data = calendar_from_stored(calendar_to_stored(crlf(text), None, None), "1.0")
    return data.decode("utf-8")


def lines_named(text: str, name: str) -> list[str]:
    return [line for line in text.split("\r\n") if line.split(":", 1)[0].split(";", 1)[0] == name]


def values_of(text: str, name: str) -> list[str]:
    return [prop.value for prop in parse_lines(text) if prop.name == name]


def test_output_is_crlf_vcalendar_10() -> None:
    text = as_10(ZONED_EVENT)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:1.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_zoned_times_in_utc_with_tz_and_daylight_for_the_years_spanned() -> None:
    text = as_10(ZONED_EVENT)
    assert lines_named(text, "DTSTART") == ["DTSTART:20240307T090000Z"]
    assert lines_named(text, "DTEND") == ["DTEND:20240307T103000Z"]
    assert lines_named(text, "EXDATE") == ["EXDATE:20240321T090000Z"]
    assert lines_named(text, "TZ") == ["TZ:+01:00"]
    assert lines_named(text, "DAYLIGHT") == ["DAYLIGHT:TRUE;+02;20240331T010000Z;20241027T010000Z;CET;CEST"]
    endless = as_10(ZONED_EVENT.replace("COUNT=10;", ""))
    assert [line[:30] for line in lines_named(endless, "DAYLIGHT")] == [
        "DAYLIGHT:TRUE;+02;20240331T010",
        "DAYLIGHT:TRUE;+02;20250330T010",
        "DAYLIGHT:TRUE;+02;20260329T010",
    ]
    text = as_10(ZONED_EVENT.replace(BERLIN, TOKYO).replace("Europe/Berlin", "Asia/Tokyo"))
    assert lines_named(text, "TZ") + lines_named(text, "DAYLIGHT") == ["TZ:+09:00", "DAYLIGHT:FALSE"]
    assert lines_named(text, "DTSTART") == ["DTSTART:20240307T010000Z"]


def test_all_day_events_floating_tasks_and_journal_dates() -> None:
    text = as_10(ALL_DAY_EVENT)
    assert lines_named(text, "DTSTART") + lines_named(text, "DTEND") == [
        "DTSTART:20240422T000000",
        "DTEND:20240424T000000",
    ]
    no_end = as_10(ALL_DAY_EVENT.replace("DTEND;VALUE=DATE:20240424\n", ""))
    assert lines_named(no_end, "DTEND") == ["DTEND:20240423T000000"]
    task = as_10(FLOATING_TASK)
    assert lines_named(task, "DUE") == ["DUE:20240510T170000"] and not lines_named(task, "TZ")
    assert lines_named(task, "STATUS") + lines_named(task, "X-PERCENT-COMPLETE") + lines_named(task, "PRIORITY") == [
        "STATUS:IN PROCESS",
        "X-PERCENT-COMPLETE:40",
        "PRIORITY:1",
    ]
    journal = as_10(
        FLOATING_TASK.replace("VTODO", "VJOURNAL").replace("DUE:20240510T170000", "DTSTART;VALUE=DATE:20240501")
    )
    assert lines_named(journal, "DTSTART") == ["DTSTART:20240501"]


def test_texts_charsets_and_lists() -> None:
    text = as_10(ZONED_EVENT)
    assert lines_named(text, "LOCATION") == ["LOCATION;CHARSET=UTF-8:Raum Ü3"]
    (description,) = lines_named(text, "DESCRIPTION")
    assert "ENCODING=QUOTED-PRINTABLE" in description and "CHARSET=UTF-8" in description
    assert values_of(text, "DESCRIPTION") == ["Agenda:\nitem one, item two; done"]
    assert values_of(text, "CATEGORIES") == ["Work;Équipe"]
    assert lines_named(text, "CLASS") + lines_named(text, "TRANSP") + lines_named(text, "PRIORITY") == [
        "CLASS:PRIVATE",
        "TRANSP:0",
        "PRIORITY:1",
    ]
    assert values_of(text, "X-CUSTOM") == ["kept as it is"]
    assert not lines_named(text, "DTSTAMP") and lines_named(text, "SEQUENCE") == ["SEQUENCE:2"]


def test_attendees_in_vcal10_form() -> None:
    text = as_10(ZONED_EVENT)
    assert sorted(lines_named(text, "ATTENDEE")) == [
        "ATTENDEE;ROLE=ORGANIZER:Olga Organiser <olga@example.org>",
        "ATTENDEE;STATUS=ACCEPTED;RSVP=YES;EXPECT=REQUIRE;CHARSET=UTF-8:Zoë Müller <zoe@example.org>",
    ]


@pytest.mark.parametrize(
    ("alarm", "expected"),
    [
        (
            "ACTION:DISPLAY\nDESCRIPTION:Go\nTRIGGER:-PT15M",
            ["AALARM:20240307T084500Z", "DALARM:20240307T084500Z;;;Go"],
        ),
        (
            "ACTION:DISPLAY\nDESCRIPTION:Go\nTRIGGER;RELATED=END:PT0S\nDURATION:PT5M\nREPEAT:2",
            ["AALARM:20240307T103000Z", "DALARM:20240307T103000Z;PT5M;2;Go"],
        ),
        ("ACTION:AUDIO\nTRIGGER;VALUE=DATE-TIME:20240306T200000Z", ["AALARM:20240306T200000Z"]),
        (
            "ACTION:EMAIL\nDESCRIPTION:Body\nSUMMARY:S\nATTENDEE:mailto:a@example.org\nTRIGGER:-PT1H",
            ["MALARM:20240307T080000Z;;;a@example.org;Body"],
        ),
    ],
)
def test_alarms_with_absolute_times(alarm: str, expected: list[str]) -> None:
    text = as_10(ZONED_EVENT.replace(ZONED_EVENT[ZONED_EVENT.index("BEGIN:VALARM") : ZONED_EVENT.index("END:VEVENT")],
                                     f"BEGIN:VALARM\n{alarm}\nEND:VALARM\n"))  # fmt: skip
    assert [line for line in text.split("\r\n") if line[1:6] == "ALARM"] == expected


def test_detached_instance_carries_x_recurrence_id_in_utc() -> None:
    text = as_10(DETACHED_INSTANCE)
    assert lines_named(text, "X-RECURRENCE-ID") == ["X-RECURRENCE-ID:20240314T090000Z"]
    assert not lines_named(text, "RECURRENCE-ID")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=WEEKLY;COUNT=10;BYDAY=TH", "W1 TH #10"),
        ("FREQ=WEEKLY;INTERVAL=2", "W2 TH #0"),
        ("FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20240530T090000Z", "W1 MO TH 20240530T090000Z"),
        ("FREQ=DAILY;INTERVAL=2;COUNT=10", "D2 #10"),
        ("FREQ=MONTHLY;BYMONTHDAY=7,-1", "MD1 7 1- #0"),
        ("FREQ=MONTHLY", "MD1 7 #0"),
        ("FREQ=MONTHLY;BYDAY=1TH,-1FR", "MP1 1+ TH 1- FR #0"),
        ("FREQ=MONTHLY;INTERVAL=3;BYDAY=TH", "MP3 1+ 2+ 3+ 4+ 5+ TH #0"),
        ("FREQ=YEARLY;BYMONTH=3,9", "YM1 3 9 #0"),
        ("FREQ=YEARLY", "YM1 3 #0"),
        ("FREQ=YEARLY;BYMONTH=3;BYDAY=1TH", "MP12 1+ TH #0"),
        ("FREQ=YEARLY;BYYEARDAY=67", "YD1 67 #0"),
    ],
)
def test_rules_in_vcal10_grammar(rule: str, expected: str) -> None:
    """The event starts on Thursday 7 March 2024."""
    text = as_10(ZONED_EVENT.replace("RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=TH", f"RRULE:{rule}"))
    assert lines_named(text, "RRULE") == [f"RRULE:{expected}"]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=WEEKLY;BYMONTH=3",
        "FREQ=DAILY;BYHOUR=9,17",
        "FREQ=HOURLY;INTERVAL=4",
        "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=20",
    ],
)
def test_rules_vcal10_cannot_say_are_left_out(rule: str) -> None:
    text = as_10(ZONED_EVENT.replace("RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=TH", f"RRULE:{rule}"))
    assert not lines_named(text, "RRULE")
