"""Calendar, tasks and notes with SyncEvolution, in each format it speaks, and across formats: a
device of one format edits, a device of another receives exactly that edit and keeps the rest."""

import re
from dataclasses import replace

import pytest
from icalendar import Calendar

from syncmld.content import normalise_vcard

from .calendar_meaning import Meaning, meaning_of, meanings
from .client import Device, DeviceFactory
from .conftest import BOTH_WIRES
from .server import Login, SyncmldServer
from .sides import server_items

pytestmark = BOTH_WIRES

GENERATOR_OPTIONS = {
    ("calendar", "ical20"): ("--format", "ical20", "--exceptions", "separate"),
    ("calendar", "vcal10"): ("--format", "vcal10", "--exceptions", "separate"),
    ("tasks", "ical20"): ("--format", "ical20"),
    ("tasks", "vcal10"): ("--format", "vcal10"),
    ("memos", "text"): (),
}
REMOTE_NAMES = {"calendar": "Calendar", "tasks": "Tasks", "memos": "Notes"}
ITEMS = 12

_SUMMARY = re.compile(rb"^SUMMARY[;:][^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*", re.MULTILINE)


def with_summary(data: bytes, summary: str) -> bytes:
    """A calendar file whose SUMMARY (folded or not, any parameters) says ``summary``."""
    line = f"SUMMARY:{summary}" if b"VERSION:2.0" in data else f"SUMMARY;CHARSET=UTF-8:{summary}"
    edited, count = _SUMMARY.subn(f"{line}\r\n".encode(), data, count=1)
    assert count == 1, data
    return edited


def memo_texts(phone: Device) -> list[str]:
    return sorted(data.decode("utf-8").replace("\r\n", "\n").rstrip("\n") for data in phone.files().values())


def same_content(kind: str, one: Device, other: Device) -> None:
    if kind == "memos":
        assert memo_texts(one) == memo_texts(other)
    else:
        assert meanings(one.files()) == meanings(other.files())


def synced(phone: Device, mode: str = "two-way") -> None:
    result = phone.sync(mode)
    assert result.ok, result.describe()


@pytest.mark.parametrize(("kind", "sync_format"), list(GENERATOR_OPTIONS))
def test_two_devices_of_one_format_converge(device: DeviceFactory, kind: str, sync_format: str) -> None:
    first = device("first").of_kind(kind, REMOTE_NAMES[kind], sync_format)
    second = device("second").of_kind(kind, REMOTE_NAMES[kind], sync_format)
    first.generate_items(ITEMS, *GENERATOR_OPTIONS[kind, sync_format])
    sent = len(first.files())
    result = first.sync("slow")
    assert result.ok and result.server.added == sent, result.describe()
    result = second.sync("slow")
    assert result.ok and result.client.added == sent, result.describe()
    same_content(kind, first, second)

    names = sorted(second.files())
    edited, removed = second.data_dir / names[0], second.data_dir / names[1]
    if kind == "memos":
        edited.write_bytes("Edited on the second device ✓\n".encode() + edited.read_bytes())
    else:
        edited.write_bytes(with_summary(edited.read_bytes(), "Edited on the second device ✓"))
    removed.unlink()
    synced(second)
    result = first.sync()
    assert result.ok and (result.client.updated, result.client.deleted) == (1, 1), result.describe()
    same_content(kind, first, second)


UNCOMPARED = ("DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "PRODID")


def properties(data: bytes, *, names_only: bool = False) -> list[str]:
    """Every property of every component (``VEVENT/SUMMARY:...``), or only their names."""
    calendar = Calendar.from_ical(data)
    return sorted(
        f"{component.name}/{name}" + ("" if names_only else f":{value!r}")
        for component in calendar.walk()
        for name, value in component.property_items(recursive=False)
        if name not in UNCOMPARED
    )


def item_properties(data: bytes) -> list[str]:
    """The names of the event's and its alarms' properties (the client writes time zone definitions
    its own way, so those are compared by meaning only)."""
    return [name for name in properties(data, names_only=True) if name.startswith(("VEVENT/", "VALARM/"))]


def loosened(entries: list[Meaning], flattened: set[str]) -> list[Meaning]:
    """SyncEvolution's vCalendar 1.0 file store writes ``DAYLIGHT:FALSE`` for some zones the server
    sent summer-time rules for (Australia/Sydney: southern-hemisphere rules), so the hour of later
    occurrences moves on that device; for those items the first occurrence and the count are compared."""
    return [
        replace(entry, occurrences=(*entry.occurrences[:1], str(len(entry.occurrences))))
        if entry.uid in flattened
        else entry
        for entry in entries
    ]


def uid_of(data: bytes) -> str:
    return str(next(component for component in Calendar.from_ical(data).walk("VEVENT"))["UID"])


def test_icalendar_and_vcalendar_devices_share_events(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    """A edits nothing; B (vCalendar 1.0) edits two summaries: the server's items change in SUMMARY
    only (time zones, alarms, attendees kept), and A gets those two items with the same meaning."""
    modern = device("ical").of_kind("calendar", "Calendar", "ical20")
    legacy = device("vcal").of_kind("calendar", "Calendar", "vcal10")
    modern.generate_items(ITEMS, "--format", "ical20", "--exceptions", "separate")
    synced(modern, "slow")
    synced(legacy, "slow")
    assert len(legacy.files()) == len(modern.files())
    flattened = {uid_of(data) for data in legacy.files().values() if b"DAYLIGHT:FALSE" in data}
    assert loosened(meanings(legacy.files()), flattened) == loosened(meanings(modern.files()), flattened)

    stored_before = {item.guid: item.data for item in server_items(server.data_dir, login.email, "events")}
    before = {name: data for name, data in modern.files().items()}
    # the client writes a vCalendar DESCRIPTION equal to the SUMMARY as a copy of it, so the edited
    # events are ones whose description says something else
    masters = [
        name
        for name, data in sorted(legacy.files().items())
        if b"RECURRENCE-ID" not in data and meaning_of(data)[0].description not in ("", meaning_of(data)[0].summary)
    ][:2]
    for name in masters:
        path = legacy.data_dir / name
        path.write_bytes(with_summary(path.read_bytes(), f"Geändert {name}"))
    edited = {uid_of((legacy.data_dir / name).read_bytes()) for name in masters}
    synced(legacy)

    stored_after = {item.guid: item.data for item in server_items(server.data_dir, login.email, "events")}
    assert stored_after.keys() == stored_before.keys()
    for guid, data in stored_after.items():
        if uid_of(data) not in edited or b"RECURRENCE-ID" in data:
            assert data == stored_before[guid]
            continue
        changed = set(properties(data)) ^ set(properties(stored_before[guid]))
        assert {line.split(":", 1)[0] for line in changed} == {"VEVENT/SUMMARY"}, changed

    result = modern.sync()
    assert result.ok and result.client.updated == 2, result.describe()
    after = modern.files()
    assert after.keys() == before.keys()
    for name, data in after.items():
        if uid_of(data) not in edited or b"RECURRENCE-ID" in data:
            assert data == before[name]
            continue
        assert item_properties(data) == item_properties(before[name])
        [now], [then] = meaning_of(data), meaning_of(before[name])
        assert now.summary.startswith("Geändert") and replace(now, summary="") == replace(then, summary="")


def card_lines(data: bytes) -> set[str]:
    return set(normalise_vcard(data).splitlines())


def test_vcard21_and_vcard30_devices_share_contacts(device: DeviceFactory, server: SyncmldServer, login: Login) -> None:
    """A vCard 2.1 device edits two contacts: the server's contacts change in that field only, and the
    vCard 3.0 device gets exactly those edits and keeps everything else it had."""
    modern = device("v30").of_kind("contacts", "Contacts", "vcard30")
    legacy = device("v21").of_kind("contacts", "Contacts", "vcard21")
    modern.generate(ITEMS)
    synced(modern, "slow")
    synced(legacy, "slow")
    assert len(legacy.files()) == ITEMS
    stored_before = {item.guid: item.data for item in server_items(server.data_dir, login.email)}
    before = modern.files()

    edited = sorted(legacy.files())[:2]
    for name in edited:
        path = legacy.data_dir / name
        path.write_bytes(path.read_bytes().replace(b"END:VCARD", "TITLE:Directrice générale\r\nEND:VCARD".encode()))
    synced(legacy)
    stored_after = {item.guid: item.data for item in server_items(server.data_dir, login.email)}
    changed = {guid for guid, data in stored_after.items() if data != stored_before[guid]}
    assert len(changed) == 2
    for guid in changed:
        difference = card_lines(stored_after[guid]) ^ card_lines(stored_before[guid])
        assert {line.split(":", 1)[0].split(";", 1)[0] for line in difference} == {"TITLE"}, difference

    result = modern.sync()
    assert result.ok and result.client.updated == 2, result.describe()
    after = modern.files()
    updated = [name for name in after if after[name] != before[name]]
    assert len(updated) == 2
    for name in updated:
        difference = card_lines(after[name]) ^ card_lines(before[name])
        assert {line.split(":", 1)[0].split(";", 1)[0] for line in difference} == {"TITLE"}, difference
