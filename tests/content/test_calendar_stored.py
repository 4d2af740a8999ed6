"""The stored form of calendar objects sent as iCalendar 2.0, and what the engine reads from it."""

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from syncmld.content.calendar import (
    STORED_CALENDAR_TYPE,
    VCALENDAR_TYPE,
    calendar_from_stored,
    calendar_identity,
    calendar_normal_form,
    calendar_revision,
    calendar_to_stored,
    merge_calendar,
)
from syncmld.errors import RemoteError
from syncmld.status import StatusCode
from tests.content.calendar_samples import (
    ALL_DAY_EVENT,
    DETACHED_INSTANCE,
    FLOATING_TASK,
    ICAL20_CTCAP,
    MASTER_AND_INSTANCE,
    ZONED_EVENT,
    crlf,
)


def parsed(stored: bytes) -> Calendar:
    return Calendar.from_ical(stored)


def event_of(stored: bytes) -> Calendar:
    return parsed(stored).walk("VEVENT")[0]


def test_media_types() -> None:
    assert (STORED_CALENDAR_TYPE, VCALENDAR_TYPE) == ("text/calendar", "text/x-vcalendar")


def test_stored_form_is_one_utf8_crlf_vcalendar_with_our_prodid() -> None:
    stored = calendar_to_stored(crlf(ZONED_EVENT), None, None)
    text = stored.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//syncmld//syncmld//EN\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert text.count("BEGIN:VCALENDAR") == 1
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))


def test_everything_received_is_kept() -> None:
    event = event_of(calendar_to_stored(crlf(ZONED_EVENT), None, None))
    assert event["X-CUSTOM"] == "kept as it is"
    assert event["X-CUSTOM"].params["X-FLAVOUR"] == "mint"
    attendee = event["ATTENDEE"]
    assert attendee.params["CUTYPE"] == "INDIVIDUAL" and attendee.params["CN"] == "Zoë Müller"
    assert event["DESCRIPTION"] == "Agenda:\nitem one, item two; done"
    assert event.walk("VALARM")[0]["X-EVOLUTION-ALARM-UID"] == "alarm-1"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"


def test_only_referenced_timezones_are_kept_and_a_missing_known_one_is_added() -> None:
    unused = ZONED_EVENT.replace("BEGIN:VTIMEZONE", "BEGIN:VTIMEZONE\nX-DUMMY:1", 1)
    unused = unused.replace(";TZID=Europe/Berlin", "")
    stored = calendar_to_stored(crlf(unused), None, None)
    assert b"VTIMEZONE" not in stored

    without = ZONED_EVENT.replace(
        ZONED_EVENT[ZONED_EVENT.index("BEGIN:VTIMEZONE") : ZONED_EVENT.index("BEGIN:VEVENT")], ""
    )
    calendar = parsed(calendar_to_stored(crlf(without), None, None))
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_floating_times_stay_floating_and_dates_stay_dates() -> None:
    task = parsed(calendar_to_stored(crlf(FLOATING_TASK), None, None)).walk("VTODO")[0]
    assert task["DUE"].dt == datetime(2024, 5, 10, 17, 0) and task["DUE"].dt.tzinfo is None
    event = event_of(calendar_to_stored(crlf(ALL_DAY_EVENT), None, None))
    assert event["DTSTART"].dt == date(2024, 4, 22)


def test_master_and_detached_instance_sent_together_stay_together() -> None:
    stored = calendar_to_stored(crlf(MASTER_AND_INSTANCE), None, None)
    events = parsed(stored).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["Weekly sync", "Weekly sync (moved)"]
    assert calendar_identity(stored) == "uid:zoned-1@example.org"


def test_a_detached_instance_alone_is_its_own_object() -> None:
    stored = calendar_to_stored(crlf(DETACHED_INSTANCE), None, None)
    assert calendar_identity(stored) == "uid:zoned-1@example.org|rid:20240314T090000Z"
    master = calendar_to_stored(crlf(ZONED_EVENT), None, None)
    assert calendar_identity(master) != calendar_identity(stored)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world",
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:2024xx\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nno colon here\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\n",
        b"\xff\xfe\x00\x01garbage",
        b"BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nRRULE:Q9 nonsense\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nDTSTART:2024-13-45\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VTODO\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:1.0\r\nSUMMARY:no component\r\nEND:VCALENDAR\r\n",
    ],
)
def test_data_that_is_not_a_calendar_object_is_a_bad_request(data: bytes) -> None:
    with pytest.raises(RemoteError) as raised:
        calendar_to_stored(data, None, None)
    assert raised.value.status == StatusCode.BAD_REQUEST


def test_an_unreadable_previous_version_is_replaced_not_merged() -> None:
    stored = calendar_to_stored(crlf(ALL_DAY_EVENT), b"BEGIN:VCARD\r\nEND:VCARD\r\n", None)
    assert calendar_normal_form(stored) == calendar_normal_form(calendar_to_stored(crlf(ALL_DAY_EVENT), None, None))


def test_latin1_data_is_read() -> None:
    data = ALL_DAY_EVENT.replace("Conference", "Réunion").encode("latin-1").replace(b"\n", b"\r\n")
    assert event_of(calendar_to_stored(data, None, None))["SUMMARY"] == "Réunion"


def test_stored_form_is_served_unchanged_to_ical20_devices() -> None:
    stored = calendar_to_stored(crlf(ZONED_EVENT), None, None)
    assert calendar_from_stored(stored, "2.0") == stored
    assert calendar_to_stored(stored, stored, None) == stored


# ---------------------------------------------------------------------------------------- 2.0 updates


def test_ical20_device_that_renamed_the_timezone_changes_only_what_it_changed() -> None:
    """Synthesis renames Olson zones and rewrites RRULE COUNT; same instants keep the stored form."""
    stored = calendar_to_stored(crlf(ZONED_EVENT), None, None)
    renamed = ZONED_EVENT.replace("TZID:Europe/Berlin", "TZID:Berlin").replace("TZID=Europe/Berlin", "TZID=Berlin")
    renamed = renamed.replace("19700329T020000", "19670326T020000").replace("SUMMARY:Weekly sync", "SUMMARY:Jour fixe")
    renamed = renamed.replace("RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=TH", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;COUNT=10")
    updated = calendar_to_stored(crlf(renamed), stored, ICAL20_CTCAP)
    assert updated == stored.replace(b"SUMMARY:Weekly sync\r\n", b"SUMMARY:Jour fixe\r\n")


def test_ical20_device_keeps_what_its_ctcap_does_not_list() -> None:
    stored = calendar_to_stored(crlf(ZONED_EVENT), None, None)
    stripped = "\n".join(
        line for line in ZONED_EVENT.split("\n") if not line.startswith(("X-CUSTOM", "LOCATION", "SUMMARY"))
    )
    updated = event_of(calendar_to_stored(crlf(stripped), stored, ICAL20_CTCAP))
    assert updated["X-CUSTOM"] == "kept as it is"  # not in the CTCap: kept
    assert "SUMMARY" not in updated and "LOCATION" not in updated  # listed and left out: deleted on the device
    assert updated["DESCRIPTION"] == "Agenda:\nitem one, item two; done"


def test_ical20_device_moving_an_event_in_utc_is_taken() -> None:
    stored = calendar_to_stored(crlf(ALL_DAY_EVENT), None, None)
    moved = ALL_DAY_EVENT.replace("DTSTART;VALUE=DATE:20240422", "DTSTART:20240423T080000Z")
    moved = moved.replace("DTEND;VALUE=DATE:20240424", "DTEND:20240423T090000Z")
    event = event_of(calendar_to_stored(crlf(moved), stored, None))
    assert event["DTSTART"].dt == datetime(2024, 4, 23, 8, tzinfo=UTC)


# ------------------------------------------------------------------------------- identity, normal form


def test_identity_without_uid_uses_kind_summary_and_start() -> None:
    def without_uid(text: str) -> bytes:
        return calendar_to_stored(crlf("\n".join(line for line in text.split("\n") if not line.startswith("UID"))),
                                  None, None)  # fmt: skip

    event = without_uid(ALL_DAY_EVENT.replace("SUMMARY:Conference", "SUMMARY:  Big   CONFERENCE "))
    assert calendar_identity(event) == "VEVENT:big conference|20240422"
    utc_event = without_uid(ZONED_EVENT)
    assert calendar_identity(utc_event) == "VEVENT:weekly sync|20240307T090000Z"
    assert calendar_identity(without_uid(FLOATING_TASK)) == "VTODO:write report"
    journal = FLOATING_TASK.replace("VTODO", "VJOURNAL").replace("DUE:20240510T170000\n", "DESCRIPTION:Body\n")
    assert calendar_identity(without_uid(journal)) == "VJOURNAL:write report|body"


def test_normal_form_ignores_stamps_and_representation() -> None:
    stored = calendar_to_stored(crlf(ZONED_EVENT), None, None)
    restamped = ZONED_EVENT.replace("DTSTAMP:20240115T120000Z", "DTSTAMP:20250101T000000Z")
    restamped = restamped.replace("SEQUENCE:2", "SEQUENCE:7").replace("PRODID:-//test//EN", "PRODID:-//other//EN")
    restamped = restamped.replace("LAST-MODIFIED:20240115T120000Z", "LAST-MODIFIED:20250101T000000Z\nX-LIC-ERROR:x")
    utc = restamped.replace("DTSTART;TZID=Europe/Berlin:20240307T100000", "DTSTART:20240307T090000Z")
    assert calendar_normal_form(calendar_to_stored(crlf(utc), None, None)) == calendar_normal_form(stored)
    changed = restamped.replace("SUMMARY:Weekly sync", "SUMMARY:Weekly sync!")
    assert calendar_normal_form(calendar_to_stored(crlf(changed), None, None)) != calendar_normal_form(stored)


def test_revision_is_last_modified_else_dtstamp_in_utc() -> None:
    assert calendar_revision(calendar_to_stored(crlf(ZONED_EVENT), None, None)) == "20240115T120000Z"
    task = calendar_to_stored(crlf(FLOATING_TASK.replace("DTSTAMP:20240115T120000Z", "DTSTAMP:20240301T101010Z")),
                              None, None)  # fmt: skip
    assert calendar_revision(task) == "20240301T101010Z"
    bare = FLOATING_TASK.replace("DTSTAMP:20240115T120000Z\n", "")
    assert calendar_revision(calendar_to_stored(crlf(bare), None, None)) is None


# ------------------------------------------------------------------------------------------ conflicts


def stored_with(*replacements: tuple[str, str]) -> bytes:
    text = ZONED_EVENT
    for old, new in replacements:
        text = text.replace(old, new)
    return calendar_to_stored(crlf(text), None, None)


def test_three_way_merge_takes_each_sides_own_changes() -> None:
    base = stored_with()
    server = stored_with(("LOCATION:Raum Ü3", "LOCATION:Raum 4"))
    client = stored_with(
        ("SUMMARY:Weekly sync", "SUMMARY:Jour fixe"), ("TRIGGER;VALUE=DURATION:-PT15M", "TRIGGER:-PT5M")
    )
    merged = event_of(merge_calendar(server, client, prefer_client=False, base=base))
    assert (merged["LOCATION"], merged["SUMMARY"]) == ("Raum 4", "Jour fixe")
    assert merged.walk("VALARM")[0]["TRIGGER"].dt.total_seconds() == -300


@pytest.mark.parametrize(("prefer_client", "expected"), [(True, "Client"), (False, "Server")])
def test_three_way_merge_conflicting_field_goes_to_the_preferred_side(prefer_client: bool, expected: str) -> None:
    base = stored_with()
    server = stored_with(("SUMMARY:Weekly sync", "SUMMARY:Server"))
    client = stored_with(("SUMMARY:Weekly sync", "SUMMARY:Client"))
    assert event_of(merge_calendar(server, client, prefer_client, base))["SUMMARY"] == expected


def test_merge_without_base_is_a_union_with_conflicts_to_the_preferred_side() -> None:
    server = stored_with(("SUMMARY:Weekly sync", "SUMMARY:Server"), ("X-CUSTOM;X-FLAVOUR=mint:kept as it is\n", ""))
    client = stored_with(("SUMMARY:Weekly sync", "SUMMARY:Client"), ("LOCATION:Raum Ü3\n", ""))
    merged = event_of(merge_calendar(server, client, prefer_client=False, base=None))
    assert merged["SUMMARY"] == "Server"
    assert merged["LOCATION"] == "Raum Ü3" and merged["X-CUSTOM"] == "kept as it is"


def test_merge_keeps_the_timezone_a_kept_field_uses() -> None:
    server = stored_with(("SUMMARY:Weekly sync", "SUMMARY:Server"))
    client = calendar_to_stored(crlf(ALL_DAY_EVENT.replace("allday-1", "zoned-1")), None, None)
    merged = parsed(merge_calendar(server, client, prefer_client=True, base=None))
    event = merged.walk("VEVENT")[0]
    assert (event["DTSTART"].dt, event["SUMMARY"]) == (date(2024, 4, 22), "Conference")
    assert event["EXDATE"].params["TZID"] == "Europe/Berlin"
    assert [str(zone["TZID"]) for zone in merged.walk("VTIMEZONE")] == ["Europe/Berlin"]
