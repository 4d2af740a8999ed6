"""Undo, preview and dedupe with SyncEvolution over HTTP against syncmld serve: a device's ?sync=7 that left
the server with its 3 contacts instead of 100 is undone, both devices end with the 100 after their next
syncs, in both directions; a preview of the mode 7 names exactly the items the sync then deletes; an undo
reports exactly the items another device edited later as conflicts; two devices' copies of 50 contacts are
merged into 50 that both devices get, and the undo of the merge gives both the 100 again."""

import dataclasses
import re

import pytest

from .admin import admin
from .client import Device, DeviceFactory, succeeded
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts, server_items
from .vcard_files import rename_contact, write_contact

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]

_GUID = re.compile(r"\(([^,()]+)[,)]")


def _last_session(server: SyncmldServer, email: str) -> str:
    listed = admin(server, "history", email, "--folder", "contacts").splitlines()
    return listed[-1].split()[1]


def _shown_guids(server: SyncmldServer, session: str, change: str) -> set[str]:
    """The GUIDs ``history show SESSION`` lists with this change."""
    shown = admin(server, "history", "show", session).splitlines()
    return {_GUID.findall(line)[-1] for line in shown[1:] if f"  {change} " in line}


def _same_everywhere(server: SyncmldServer, email: str, devices: list[Device], count: int) -> None:
    """Each device syncs, then holds the server's ``count`` contacts."""
    on_server = server_contacts(server.data_dir, email)
    assert len(on_server) == count
    for each in devices:
        succeeded(each.sync())
    for each in devices:
        assert_same_contacts(device_contacts(each), on_server, f"{each.name} and the server")


def _wipe_and_undo(server: SyncmldServer, email: str, wiper: Device, other: Device, original: list[str]) -> None:
    """``wiper`` holds 3 contacts of its own and runs ?sync=7; the preview before it names what it deletes,
    the undo after it brings the original contacts back to both devices."""
    previewed = admin(server, "preview", email, f"sc-harness-{wiper.name}", "--mode", "7").splitlines()
    assert previewed[1].startswith(f"  the server deletes {len(original)} items"), previewed[:3]
    to_delete = {_GUID.findall(line)[-1] for line in previewed if line.startswith("    delete ")}
    assert len(to_delete) == len(original)
    assert_same_contacts(server_contacts(server.data_dir, email), original, "the preview changed nothing")

    succeeded(dataclasses.replace(wiper, url=server.url + "?sync=7").sync())
    assert len(server_contacts(server.data_dir, email)) == 3
    session = _last_session(server, email)
    shown = admin(server, "history", "show", session).splitlines()
    deleted = {_GUID.findall(line)[0] for line in shown[1:] if "  deleted " in line}
    assert deleted == to_delete, "the preview and the sync disagree"

    undone = admin(server, "undo", session)
    assert f"put back {len(original) + 3} items" in undone.splitlines()[0], undone
    assert_same_contacts(server_contacts(server.data_dir, email), original, "server after the undo")
    succeeded(other.sync())
    succeeded(wiper.sync())
    assert_same_contacts(device_contacts(other), original, "the other device after the undo")
    assert_same_contacts(device_contacts(wiper), original, "the wiping device after the undo")


def test_an_undone_slow_to_server_gives_both_devices_their_contacts_back_both_ways(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    laptop, phone = device("laptop"), device("phone")
    laptop.generate(100, start=1)
    succeeded(laptop.sync())
    succeeded(phone.sync())
    original = server_contacts(server.data_dir, login.email)
    assert len(original) == 100 and len(device_contacts(phone)) == 100

    for path in phone.data_dir.iterdir():
        path.unlink()
    phone.generate(3, start=1001)
    _wipe_and_undo(server, login.email, phone, laptop, original)

    for path in laptop.data_dir.iterdir():
        path.unlink()
    laptop.generate(3, start=2001)
    _wipe_and_undo(server, login.email, laptop, phone, original)


def test_an_undo_reports_exactly_the_items_another_device_edited_later_as_conflicts(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    laptop, phone = device("laptop"), device("phone")
    laptop.generate(20, start=1)
    succeeded(laptop.sync())
    succeeded(phone.sync())
    original = {item.guid: item.data for item in server_items(server.data_dir, login.email)}

    names = sorted(laptop.files())
    for number, name in enumerate(names[:10]):
        rename_contact(laptop.data_dir / name, f"Renamed On Laptop {number}")
    for name in names[10:12]:
        (laptop.data_dir / name).unlink()
    succeeded(laptop.sync())
    edit = _last_session(server, login.email)
    replaced = _shown_guids(server, edit, "replaced")
    assert len(replaced) == 10 and len(_shown_guids(server, edit, "deleted")) == 2

    succeeded(phone.sync())
    renamed = sorted(name for name, data in phone.files().items() if b"Renamed On Laptop" in data)
    assert len(renamed) == 10
    for number, name in enumerate(renamed[:3]):
        rename_contact(phone.data_dir / name, f"Edited Again On Phone {number}")
    succeeded(phone.sync())
    edited_later = _shown_guids(server, _last_session(server, login.email), "replaced")
    assert len(edited_later) == 3 and edited_later <= replaced

    undone = admin(server, "undo", edit).splitlines()
    assert "put back 9 items" in undone[0], undone
    assert "  3 items were changed after the session: left alone (--force undoes them too)" in undone, undone
    conflicts = {_GUID.findall(line)[-1] for line in undone if line.startswith("    conflict: ")}
    assert conflicts == edited_later, undone

    now = {item.guid: item.data for item in server_items(server.data_dir, login.email)}
    assert set(now) == set(original)
    assert {guid for guid, data in now.items() if data != original[guid]} == edited_later
    assert all(b"Edited Again On Phone" in now[guid] for guid in edited_later)
    _same_everywhere(server, login.email, [laptop, phone], 20)


def _copies(target: Device, *, middle: str, phone: str, emails: tuple[str, ...]) -> None:
    """50 contacts of the same 50 people, as one address book or the other holds them."""
    for n in range(1, 51):
        given = f"Given{n}"
        write_contact(
            target.data_dir / f"contact-{n:06d}.vcf",
            [
                "VERSION:3.0",
                f"N:Family{n};{given};{middle};;",
                f"FN:{given} {middle + ' ' if middle else ''}Family{n}",
                "TEL;TYPE=CELL:" + phone.format(n=n),
                *(f"EMAIL;TYPE=INTERNET:{email.format(n=n)}" for email in emails),
            ],
        )


def _points(card: bytes) -> tuple[set[str], set[str]]:
    """A stored contact's phone numbers (last nine digits) and e-mail addresses (case-folded)."""
    lines = card.decode().splitlines()
    phones = {re.sub(r"\D", "", line.split(":", 1)[1])[-9:] for line in lines if line.startswith("TEL")}
    emails = {line.split(":", 1)[1].casefold() for line in lines if line.startswith("EMAIL")}
    return phones, emails


def test_dedupe_merges_two_devices_copies_both_converge_and_the_undo_gives_both_back(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    laptop, phone = device("laptop"), device("phone")
    laptop.data_dir.mkdir(parents=True)
    phone.data_dir.mkdir(parents=True)
    _copies(laptop, middle="", phone="+49 170 {n:07d}", emails=("given{n}@example.org", "given{n}@home.example"))
    _copies(phone, middle="Paul", phone="+49170{n:07d}", emails=("Given{n}@Example.org",))
    succeeded(laptop.sync())
    succeeded(phone.sync())
    _same_everywhere(server, login.email, [laptop, phone], 100)
    apart = server_contacts(server.data_dir, login.email)
    expected = {n: ({f"70{n:07d}"}, {f"given{n}@example.org", f"given{n}@home.example"}) for n in range(1, 51)}

    found = admin(server, "dedupe", login.email, "--folder", "contacts").splitlines()
    assert found[-1] == "50 groups, 50 items to merge away (--apply merges them)", found[-3:]
    assert len(server_contacts(server.data_dir, login.email)) == 100
    merged = admin(server, "dedupe", login.email, "--folder", "contacts", "--apply").splitlines()
    assert "merged 50 groups: 50 items fewer" in merged, merged[-3:]
    session = merged[-1].split()[3].rstrip(":")

    kept = server_items(server.data_dir, login.email)
    assert len(kept) == 50
    for n, points in expected.items():
        (card,) = [item.data for item in kept if f"N:Family{n};".encode() in item.data]
        assert _points(card) == points, card
        assert f"N:Family{n};Given{n};Paul;;".encode() in card
    _same_everywhere(server, login.email, [laptop, phone], 50)

    undone = admin(server, "undo", session).splitlines()
    assert "put back 100 items" in undone[0], undone
    assert_same_contacts(server_contacts(server.data_dir, login.email), apart, "the server after the undo")
    _same_everywhere(server, login.email, [laptop, phone], 100)
