"""Undo and preview with SyncEvolution over HTTP against syncmld serve: a device's ?sync=7 that left the
server with its 3 contacts instead of 100 is undone, both devices end with the 100 after their next syncs,
in both directions; a preview of the mode 7 names exactly the items the sync then deletes."""

import dataclasses
import re

import pytest

from .admin import admin
from .client import Device, DeviceFactory, succeeded
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]

_GUID = re.compile(r"\(([^,()]+)[,)]")


def _last_session(server: SyncmldServer, email: str) -> str:
    listed = admin(server, "history", email, "--folder", "contacts").splitlines()
    return listed[-1].split()[1]


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
