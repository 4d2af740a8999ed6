"""Both sides changed the same event: the conflict matrix for calendar items, policy by policy, with
one device speaking iCalendar 2.0 and the other vCalendar 1.0."""

from collections.abc import Callable

import pytest

from syncmld.client import Device
from syncmld.content import normal_form, read, to_stored
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL

ICAL = "text/calendar"
VCAL = "text/x-vcalendar"


def event(summary: str = "Review", location: str = "Room 1", stamp: str = "20250101T000000Z") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
        "BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
        "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
        "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
        "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
        "BEGIN:VEVENT\r\nUID:review-1@example.org\r\n"
        f"DTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\n"
        "DTSTART;TZID=Europe/Berlin:20250310T100000\r\nDTEND;TZID=Europe/Berlin:20250310T110000\r\n"
        f"SUMMARY:{summary}\r\nLOCATION:{location}\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=5\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Review\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def meaning(content_type: str, data: bytes) -> str:
    return normal_form(read(*to_stored(content_type, data, None, None, "events")))


def server_events(store: Store) -> list[str]:
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        folder = tx.get_folder(account.id, "events")
        assert folder is not None
        return sorted(normal_form(read(item.content_type, item.data)) for item in tx.iter_items(folder.id))


def device_events(device: Device) -> list[str]:
    return sorted(meaning(device.content_type, data) for data in device.items.values())


def expected(*events: bytes) -> list[str]:
    return sorted(meaning(ICAL, data) for data in events)


def with_summary(device: Device, luid: str, summary: str) -> bytes:
    """The device's copy of the event with another SUMMARY, in the device's own format."""
    lines = device.items[luid].decode().split("\r\n")
    return "\r\n".join(f"SUMMARY:{summary}" if line.startswith("SUMMARY") else line for line in lines).encode()


def paired(store: Store, new_device: Callable[..., Device], policy: str) -> tuple[Device, Device, str, str]:
    """An iCalendar device and a vCalendar device holding the same event; returns them and its LUIDs."""
    with store.transaction() as tx:
        tx.set_setting(f"conflict:{EMAIL}", policy)
    phone = new_device("IMEI:A", content_type=ICAL, server_db="Calendar", local_uri="./cal")
    legacy = new_device("IMEI:B", content_type=VCAL, server_db="Calendar", local_uri="./cal")
    phone_luid = phone.add(event())
    phone.sync()
    legacy.sync()
    [legacy_luid] = legacy.items
    assert legacy.items[legacy_luid].startswith(b"BEGIN:VCALENDAR\r\nVERSION:1.0")
    return phone, legacy, phone_luid, legacy_luid


@pytest.mark.parametrize(
    ("policy", "status", "server_has"),
    [
        ("merge", 207, [event(summary="Design review", location="Room 2")]),
        ("server-wins", 419, [event(location="Room 2")]),
        ("client-wins", 208, [event(summary="Design review")]),
        ("duplicate", 209, [event(location="Room 2"), event(summary="Design review")]),
    ],
)
def test_edits_to_one_event_on_two_devices(
    store: Store, new_device: Callable[..., Device], policy: str, status: int, server_has: list[bytes]
) -> None:
    phone, legacy, phone_luid, legacy_luid = paired(store, new_device, policy)
    phone.replace(phone_luid, event(location="Room 2", stamp="20250102T000000Z"))
    phone.sync()
    legacy.replace(legacy_luid, with_summary(legacy, legacy_luid, "Design review"))
    report = legacy.sync()
    assert report.codes_for("Replace") == [status]
    assert server_events(store) == expected(*server_has)
    phone.sync()
    assert device_events(phone) == device_events(legacy) == expected(*server_has)


def test_newest_wins_goes_by_last_modified(store: Store, new_device: Callable[..., Device]) -> None:
    phone, legacy, phone_luid, _ = paired(store, new_device, "newest-wins")
    phone.replace(phone_luid, event(location="Room 2", stamp="20250105T000000Z"))
    phone.sync()
    [legacy_luid] = legacy.items
    older = with_summary(legacy, legacy_luid, "Design review").replace(
        b"LAST-MODIFIED:20250101T000000Z", b"LAST-MODIFIED:20250103T000000Z"
    )
    legacy.replace(legacy_luid, older)
    assert legacy.sync().codes_for("Replace") == [419]
    assert server_events(store) == expected(event(location="Room 2"))


@pytest.mark.parametrize("policy", ["merge", "server-wins", "client-wins", "duplicate"])
def test_delete_against_change_of_an_event_the_change_wins(
    store: Store, new_device: Callable[..., Device], policy: str
) -> None:
    phone, legacy, phone_luid, legacy_luid = paired(store, new_device, policy)
    phone.replace(phone_luid, event(location="Kept"))
    phone.sync()
    legacy.delete(legacy_luid)
    legacy.sync()
    assert device_events(legacy) == server_events(store) == expected(event(location="Kept"))
