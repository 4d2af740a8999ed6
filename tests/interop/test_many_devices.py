"""Three SyncEvolution devices of one account, each with its own data and its own changes, converge
within two rounds of syncs, without duplicates."""

import pytest

from .client import Device, DeviceFactory, succeeded
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts
from .vcard_files import rename_contact

pytestmark = pytest.mark.timeout(300)


def _two_rounds(devices: list[Device]) -> None:
    for _ in range(2):
        for device in devices:
            succeeded(device.sync())


def _assert_converged(devices: list[Device], server: SyncmldServer, login: Login, count: int, when: str) -> None:
    on_server = server_contacts(server.data_dir, login.email)
    assert len(on_server) == count, f"{when}: {len(on_server)} contacts on the server, {count} expected"
    assert len(set(on_server)) == count, f"{when}: duplicates on the server"
    for device in devices:
        assert_same_contacts(device_contacts(device), on_server, f"{when}: {device.name} vs server")


def test_three_devices_with_their_own_changes_converge_in_two_rounds(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    devices = [device(name) for name in ("a", "b", "c")]
    a, b = devices[:2]
    shared = [phone.generate(3, start=1) for phone in devices]
    own = [phone.generate(3, start=100 * number) for number, phone in enumerate(devices, start=1)]

    _two_rounds(devices)
    _assert_converged(devices, server, login, 3 + 3 * 3, "first syncs: the 3 shared contacts once, 3 own each")

    rename_contact(own[0][0], "Renamed on A")
    a.generate(1, start=1001)
    shared[1][1].unlink()
    b.generate(2, start=2001)
    rename_contact(shared[2][2], "Renamed on C")
    own[2][0].unlink()

    _two_rounds(devices)
    _assert_converged(devices, server, login, 12 + 1 + 2 - 1 - 1, "after each device's own changes")
    names = "\n".join(device_contacts(a))
    assert "Renamed on A" in names and "Renamed on C" in names
