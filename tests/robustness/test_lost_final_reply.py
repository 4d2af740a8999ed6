"""SyncEvolution misses the end of a sync the server completed (the last reply is lost on the way):
its next sync is a normal two-way sync, not a slow one, and nothing is doubled, lost or brought back.
A slow sync does not bring back what another device deleted either, unless the device changed it."""

from pathlib import Path

import pytest

from tests.interop.client import Device, succeeded
from tests.interop.server import Login, SyncmldServer
from tests.interop.sides import assert_same_contacts, device_contacts, server_contacts
from tests.interop.vcard_files import rename_contact

from .round_robin import RoundRobinProxy

pytestmark = pytest.mark.timeout(300)


def the_same_everywhere(server: SyncmldServer, login: Login, *devices: Device) -> list[str]:
    held = server_contacts(server.data_dir, login.email)
    assert len(set(held)) == len(held), "the server holds a contact twice"
    for device in devices:
        assert_same_contacts(device_contacts(device), held, f"{device.name} vs server")
    return held


def formatted_name(path: Path) -> str:
    return next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("FN"))


def test_a_device_that_missed_the_end_of_its_sync_goes_on_with_a_two_way_sync(
    tmp_path: Path, interop_dir: Path, server: SyncmldServer, login: Login
) -> None:
    with RoundRobinProxy([server.url]) as proxy:
        phone = Device(interop_dir, tmp_path / "se", "lost-end-phone", proxy.url, login.email, login.password, "0")
        laptop = Device(interop_dir, tmp_path / "se", "lost-end-laptop", proxy.url, login.email, login.password, "1")
        phone.generate(20)
        succeeded(phone.sync("slow"))
        succeeded(laptop.sync())

        files = sorted(phone.data_dir.iterdir())
        for number, path in enumerate(files[:2]):
            rename_contact(path, f"Phone edit {number}")
        files[2].unlink()
        phone.generate(2, start=21)
        proxy.lose_next_end(f"sc-harness-{phone.name}")
        cut = phone.sync()
        assert not cut.ok, cut.describe()
        assert len(proxy.lost_ends) == 1
        assert len(server_contacts(server.data_dir, login.email)) == 21

        received = succeeded(laptop.sync())
        assert (received.client.added, received.client.updated, received.client.deleted) == (2, 2, 1)
        doomed = sorted(laptop.data_dir.iterdir())[-1]
        doomed.unlink()
        succeeded(laptop.sync())

        again = succeeded(phone.sync())
        assert again.mode == "two-way", again.describe()
        assert again.client.deleted == 1, again.describe()
        held = the_same_everywhere(server, login, phone, laptop)
        assert len(held) == 20
        assert "missed its end" in server.log_tail(400)


def test_a_slow_sync_leaves_deleted_what_the_device_had_not_changed(
    tmp_path: Path, interop_dir: Path, device: Device, server: SyncmldServer, login: Login
) -> None:
    phone, laptop = device("deleted-phone"), device("deleted-laptop")
    phone.generate(10)
    succeeded(phone.sync("slow"))
    succeeded(laptop.sync())
    gone = sorted(laptop.data_dir.iterdir())[:3]
    gone_names = {formatted_name(path) for path in gone}
    for path in gone:
        path.unlink()
    succeeded(laptop.sync())
    changed = next(path for path in sorted(phone.data_dir.iterdir()) if formatted_name(path) in gone_names)
    rename_contact(changed, "Changed on the phone before its slow sync")

    slow = succeeded(phone.sync("slow"))
    assert slow.mode == "slow", slow.describe()
    held = the_same_everywhere(server, login, phone)
    assert len(held) == 8
    assert any("Changed on the phone before its slow sync" in vcard for vcard in held)
    succeeded(laptop.sync())
    the_same_everywhere(server, login, phone, laptop)
