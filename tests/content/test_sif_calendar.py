"""SIF-E appointments, SIF-T tasks and SIF-N notes <-> iCalendar 2.0."""

from datetime import UTC, date, datetime, timedelta

from icalendar import Component

from syncmld.content.sif import sif_to_stored, stored_to_sif

from .sif_documents import only_component, sif_document, sif_fields

SIFE, SIFT, SIFN = "text/x-s4j-sife", "text/x-s4j-sift", "text/x-s4j-sifn"
CET = (
    "<Timezone><BasicOffset>+0100</BasicOffset><DayLight><DSTOffset>+0200</DSTOffset>"
    "<DSTStart>20240331T020000</DSTStart><DSTEnd>20241027T030000</DSTEnd>"
    "<StandardName>CET</StandardName><DSTName>CEST</DSTName></DayLight></Timezone>"
)


def _appointment(fields: dict[str, str], *blocks: str) -> bytes:
    """A SIF appointment with simple fields and raw XML blocks (Timezone, Exceptions, Attendees)."""
    document = sif_document("appointment", fields)
    return document.replace(b"</appointment>", "".join(blocks).encode() + b"</appointment>")


def _event(document: bytes) -> tuple[Component, bytes]:
    stored_type, stored = sif_to_stored(document, SIFE)
    assert stored_type == "text/calendar"
    return only_component(stored, "VEVENT"), stored


def _utc(component: Component, name: str) -> datetime:
    value: datetime = component[name].dt
    return value.astimezone(UTC)


def test_local_times_of_an_event_with_a_time_zone_stay_local_in_a_vtimezone() -> None:
    winter = {"Subject": "Winter", "Start": "20240315T090000", "End": "20240315T103000", "AllDayEvent": "0"}
    event, stored = _event(_appointment(winter, CET))
    assert b"BEGIN:VTIMEZONE" in stored
    assert event["DTSTART"].params["TZID"] == event["DTEND"].params["TZID"]
    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2024, 3, 15, 9, 0)
    assert _utc(event, "DTSTART") == datetime(2024, 3, 15, 8, 0, tzinfo=UTC)
    summer = {"Subject": "Summer", "Start": "20240715T090000", "End": "20240715T100000", "AllDayEvent": "0"}
    event, _ = _event(_appointment(summer, CET))
    assert _utc(event, "DTSTART") == datetime(2024, 7, 15, 7, 0, tzinfo=UTC)


def test_sif_times_go_back_as_sent_until_another_client_moves_the_event() -> None:
    sent = {"Subject": "Summer", "Start": "20240715T090000", "End": "20240715T100000", "AllDayEvent": "0"}
    stored_type, stored = sif_to_stored(_appointment(sent, CET), SIFE)
    back = sif_fields(stored_to_sif(stored_type, stored, SIFE))
    assert (back["Start"], back["End"]) == ("20240715T090000", "20240715T100000")
    moved = stored.replace(b"T090000", b"T093000").replace(b"T100000", b"T103000")
    back = sif_fields(stored_to_sif(stored_type, moved, SIFE))
    assert (back["Start"], back["End"]) == ("20240715T073000Z", "20240715T083000Z")
    timezone = dict(back["Timezone"])
    assert timezone["BasicOffset"] == "+0100"
    assert dict(timezone["DayLight"])["DSTStart"] == "20240331T020000"


def test_all_day_event_uses_dates_with_an_exclusive_end() -> None:
    sent = {"Subject": "Trip", "AllDayEvent": "1", "Start": "2024-05-01", "End": "2024-05-03"}
    event, stored = _event(_appointment(sent))
    assert event["DTSTART"].dt == date(2024, 5, 1) and event["DTEND"].dt == date(2024, 5, 4)
    back = sif_fields(stored_to_sif("text/calendar", stored, SIFE))
    assert (back["AllDayEvent"], back["Start"], back["End"]) == ("1", "2024-05-01", "2024-05-03")


def test_outlook_all_day_event_sent_as_times_becomes_the_local_dates() -> None:
    sent = {"AllDayEvent": "1", "Start": "20061231T230000Z", "End": "20070101T230000Z", "Subject": "New year"}
    event, _ = _event(_appointment(sent))
    assert event["DTSTART"].dt == date(2007, 1, 1) and event["DTEND"].dt == date(2007, 1, 2)


WEEKLY = {
    "Subject": "Standup",
    "Start": "20240401T090000",
    "End": "20240401T091500",
    "AllDayEvent": "0",
    "IsRecurring": "1",
    "RecurrenceType": "1",
    "Interval": "2",
    "DayOfWeekMask": "10",
    "DayOfMonth": "0",
    "MonthOfYear": "0",
    "Instance": "0",
    "NoEndDate": "0",
    "Occurrences": "0",
    "PatternStartDate": "20240401T090000",
    "PatternEndDate": "20240630T000000",
}
EXCLUDED = "<Exceptions><ExcludeDate>2024-04-03</ExcludeDate></Exceptions>"


def test_weekly_recurrence_with_an_excluded_date() -> None:
    event, _ = _event(_appointment(WEEKLY, EXCLUDED, CET))
    rule = event["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["INTERVAL"] == [2] and rule["BYDAY"] == ["MO", "WE"]
    assert rule["UNTIL"] == [datetime(2024, 6, 30, 21, 59, 59, tzinfo=UTC)]  # the end of June 30th in CEST
    (excluded,) = event["EXDATE"].dts
    assert excluded.dt.astimezone(UTC) == datetime(2024, 4, 3, 7, 0, tzinfo=UTC)


def test_recurrence_patterns_go_back_with_the_same_fields() -> None:
    monthly_nth = {**WEEKLY, "RecurrenceType": "3", "Interval": "1", "DayOfWeekMask": "4", "Instance": "5"}
    yearly = {**WEEKLY, "RecurrenceType": "5", "Interval": "1", "DayOfWeekMask": "0", "DayOfMonth": "1"}
    yearly["MonthOfYear"], yearly["NoEndDate"], yearly["PatternEndDate"] = "4", "1", ""
    counted = {**WEEKLY, "RecurrenceType": "0", "DayOfWeekMask": "0", "Occurrences": "7", "PatternEndDate": ""}
    for sent in (WEEKLY, monthly_nth, yearly, counted):
        stored_type, stored = sif_to_stored(_appointment(sent, CET), SIFE)
        back = sif_fields(stored_to_sif(stored_type, stored, SIFE))
        assert {name: back[name] for name in sent} == sent
    rule = only_component(sif_to_stored(_appointment(monthly_nth, CET), SIFE)[1], "VEVENT")["RRULE"]
    assert rule["FREQ"] == ["MONTHLY"] and rule["BYDAY"] == ["-1TU"]


def test_reminder_importance_sensitivity_and_busy_status() -> None:
    sent = {
        "Subject": "Review",
        "Start": "20240102T100000Z",
        "End": "20240102T110000Z",
        "ReminderSet": "1",
        "ReminderMinutesBeforeStart": "15",
        "Importance": "2",
        "Sensitivity": "2",
        "BusyStatus": "3",
    }
    event, _ = _event(_appointment(sent))
    (alarm,) = event.walk("VALARM")
    assert alarm["TRIGGER"].dt == timedelta(minutes=-15) and str(alarm["ACTION"]) == "DISPLAY"
    assert event["PRIORITY"] == 1 and str(event["CLASS"]) == "PRIVATE"
    assert str(event["TRANSP"]) == "OPAQUE" and str(event["X-MICROSOFT-CDO-BUSYSTATUS"]) == "OOF"


def test_attendees_become_attendee_properties() -> None:
    attendees = (
        "<Attendees><Attendee><AttendeeName>Ann Lee</AttendeeName><AttendeeEmail>ann@example.org</AttendeeEmail>"
        "<AttendeeStatus>3</AttendeeStatus><AttendeeType>1</AttendeeType></Attendee>"
        "<Attendee><AttendeeName>Bo</AttendeeName><AttendeeEmail>bo@example.org</AttendeeEmail>"
        "<AttendeeStatus>4</AttendeeStatus><AttendeeType>2</AttendeeType></Attendee></Attendees>"
    )
    sent = {"Subject": "Meet", "Start": "20240102T100000Z", "End": "20240102T110000Z"}
    event, stored = _event(_appointment(sent, attendees))
    found = {str(a): (a.params["CN"], a.params["PARTSTAT"], a.params["ROLE"]) for a in event["ATTENDEE"]}
    assert found == {
        "mailto:ann@example.org": ("Ann Lee", "ACCEPTED", "REQ-PARTICIPANT"),
        "mailto:bo@example.org": ("Bo", "DECLINED", "OPT-PARTICIPANT"),
    }
    back = sif_fields(stored_to_sif("text/calendar", stored, SIFE))
    names = [dict(attendee)["AttendeeName"] for _, attendee in back["Attendees"]]
    assert names == ["Ann Lee", "Bo"]


def test_completed_task() -> None:
    sent = {
        "Subject": "File taxes",
        "Body": "all of them",
        "StartDate": "2010-03-19",
        "DueDate": "2010-03-20",
        "Status": "2",
        "Complete": "1",
        "PercentComplete": "100",
        "DateCompleted": "20100320T103000Z",
        "ReminderSet": "1",
        "ReminderTime": "20100320T073000Z",
        "Importance": "0",
        "TeamTask": "0",
    }
    stored_type, stored = sif_to_stored(sif_document("task", sent), SIFT)
    task = only_component(stored, "VTODO")
    assert task["DTSTART"].dt == date(2010, 3, 19) and task["DUE"].dt == date(2010, 3, 20)
    assert str(task["STATUS"]) == "COMPLETED" and task["PERCENT-COMPLETE"] == 100
    assert task["COMPLETED"].dt == datetime(2010, 3, 20, 10, 30, tzinfo=UTC)
    assert task["PRIORITY"] == 9
    (alarm,) = task.walk("VALARM")
    assert alarm["TRIGGER"].dt == datetime(2010, 3, 20, 7, 30, tzinfo=UTC)
    back = sif_fields(stored_to_sif(stored_type, stored, SIFT))
    assert {name: back[name] for name in sent} == sent


def test_note_is_a_journal_and_comes_back() -> None:
    sent = {"Subject": "Shopping", "Body": "milk\neggs & <bread>", "Categories": "Home", "Color": "2", "Top": "10"}
    stored_type, stored = sif_to_stored(sif_document("note", sent), SIFN)
    journal = only_component(stored, "VJOURNAL")
    assert str(journal["SUMMARY"]) == "Shopping" and str(journal["DESCRIPTION"]) == "milk\neggs & <bread>"
    assert str(journal["X-SIF-COLOR"]) == "2"
    back = sif_fields(stored_to_sif(stored_type, stored, SIFN))
    assert {name: back[name] for name in sent} == sent


EVOLUTION_EVENT = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Evolution//EN\r
BEGIN:VTIMEZONE\r
TZID:/freeassociation.sourceforge.net/Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZNAME:CET\r
DTSTART:19701025T030000\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:20240101-evolution-1\r
SUMMARY:Team lunch\r
LOCATION:Kantine\r
DESCRIPTION:Bring\\, please\\; a plate\\nand a fork\r
DTSTART;TZID=/freeassociation.sourceforge.net/Europe/Berlin:20240305T120000\r
DTEND;TZID=/freeassociation.sourceforge.net/Europe/Berlin:20240305T130000\r
RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=TU\r
EXDATE;TZID=/freeassociation.sourceforge.net/Europe/Berlin:20240402T120000\r
CATEGORIES:Work,Food\r
CLASS:CONFIDENTIAL\r
PRIORITY:1\r
ATTENDEE;CN=Ann;PARTSTAT=TENTATIVE;ROLE=REQ-PARTICIPANT:mailto:ann@example.org\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
DESCRIPTION:Team lunch\r
TRIGGER:-PT30M\r
END:VALARM\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_icalendar_event_to_sif_and_back_keeps_its_meaning() -> None:
    sif = stored_to_sif("text/calendar", EVOLUTION_EVENT, SIFE)
    fields = sif_fields(sif)
    assert fields["Start"] == "20240305T110000Z" and fields["End"] == "20240305T120000Z"
    assert (fields["RecurrenceType"], fields["DayOfWeekMask"], fields["Occurrences"]) == ("1", "4", "10")
    assert fields["Exceptions"] == (("ExcludeDate", "2024-04-02"),)
    assert fields["Body"] == "Bring, please; a plate\nand a fork"
    timezone = fields["Timezone"]
    assert timezone[0] == ("BasicOffset", "+0100")
    assert timezone[1] == (
        "DayLight",
        (
            ("DSTOffset", "+0200"),
            ("DSTStart", "20240331T020000"),
            ("DSTEnd", "20241027T030000"),
            ("DSTName", "CEST"),
            ("StandardName", "CET"),
        ),
    )
    assert len(timezone) == 2  # ten weekly lunches end in 2024

    _, again = sif_to_stored(sif, SIFE)
    before, after = only_component(EVOLUTION_EVENT, "VEVENT"), only_component(again, "VEVENT")
    for name in ("DTSTART", "DTEND"):
        assert _utc(after, name) == _utc(before, name)
    assert dict(after["RRULE"]) == {"FREQ": ["WEEKLY"], "COUNT": [10], "INTERVAL": [1], "BYDAY": ["TU"]}
    assert [d.dt.astimezone(UTC) for d in after["EXDATE"].dts] == [d.dt.astimezone(UTC) for d in before["EXDATE"].dts]
    for name in ("SUMMARY", "LOCATION", "DESCRIPTION", "CLASS", "UID"):
        assert str(after[name]) == str(before[name])
    assert after["PRIORITY"] == 1
    assert list(after["CATEGORIES"].cats) == list(before["CATEGORIES"].cats)
    assert after.walk("VALARM")[0]["TRIGGER"].dt == timedelta(minutes=-30)
    assert (str(after["ATTENDEE"]), after["ATTENDEE"].params["PARTSTAT"]) == ("mailto:ann@example.org", "TENTATIVE")


def test_a_kept_pattern_start_gives_way_when_the_event_moves() -> None:
    sent = {**WEEKLY, "PatternStartDate": "20240331T220000Z"}
    stored_type, stored = sif_to_stored(_appointment(sent), SIFE)
    assert sif_fields(stored_to_sif(stored_type, stored, SIFE))["PatternStartDate"] == "20240331T220000Z"
    moved = stored.replace(b"DTSTART:20240401T090000", b"DTSTART:20240408T090000")
    assert moved != stored
    back = sif_fields(stored_to_sif(stored_type, moved, SIFE))
    assert back["PatternStartDate"] == back["Start"] == "20240408T090000"


def test_zones_with_the_same_offsets_but_other_rules_do_not_mix() -> None:
    us_rules = CET.replace("20240331T020000", "20240310T020000").replace("20241027T030000", "20241103T020000")
    sent = {"Subject": "Spring", "Start": "20240320T090000", "End": "20240320T100000", "AllDayEvent": "0"}
    eu_event, _ = _event(_appointment(sent, CET))
    us_event, us_stored = _event(_appointment(sent, us_rules))
    assert _utc(eu_event, "DTSTART") == datetime(2024, 3, 20, 8, 0, tzinfo=UTC)  # CET still on standard time
    assert _utc(us_event, "DTSTART") == datetime(2024, 3, 20, 7, 0, tzinfo=UTC)  # these rules: already summer
    moved = us_stored.replace(b"T090000", b"T091500")  # forces Start to be derived from the stored event
    assert sif_fields(stored_to_sif("text/calendar", moved, SIFE))["Start"] == "20240320T071500Z"
