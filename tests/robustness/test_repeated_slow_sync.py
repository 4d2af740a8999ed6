"""Repeated slow syncs of the same 200 contacts, from one device and from a second one with the
same data, never double anything: the server and both devices keep exactly 200.

In a slow sync SyncEvolution sends every item as an Add and counts each acknowledged one as added
on the server, whether the server stored it or matched it to an item it had: only the contents of
both sides tell whether something was doubled."""

import pytest

from tests.interop.client import Device, DeviceFactory, SyncResult
from tests.interop.server import Login, SyncmldServer
from tests.interop.sides import assert_same_contacts, device_contacts, server_contacts

pytestmark = pytest.mark.timeout(300)

CONTACTS = 200


def _slow(device: Device) -> SyncResult:
    result = device.sync("slow")
    assert result.ok, result.describe()
    assert result.mode == "slow", result.describe()
    return result


def _assert_200_everywhere(server: SyncmldServer, login: Login, originals: list[str], *devices: Device) -> None:
    on_server = server_contacts(server.data_dir, login.email)
    assert len(on_server) == CONTACTS
    assert_same_contacts(on_server, originals, "server vs the generated contacts")
    for device in devices:
        assert len(device.files()) == CONTACTS, device.name
        assert_same_contacts(device_contacts(device), originals, f"device {device.name} vs the generated contacts")


def test_slow_syncs_of_the_same_data_from_two_devices_keep_exactly_200(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    first, second = device("first"), device("second")
    first.generate(CONTACTS)
    originals = device_contacts(first)

    initial = _slow(first)
    assert initial.server.added == CONTACTS, initial.describe()
    _assert_200_everywhere(server, login, originals, first)

    for _ in range(2):
        again = _slow(first)
        assert again.client.moved == 0, again.describe()
        _assert_200_everywhere(server, login, originals, first)

    second.generate(CONTACTS)
    assert_same_contacts(device_contacts(second), originals, "the second device's data vs the first's")
    for _ in range(3):
        same_data = _slow(second)
        assert same_data.client.moved == 0, same_data.describe()
        _assert_200_everywhere(server, login, originals, first, second)

    for quiet in (first, second):
        after = quiet.sync()
        assert after.ok and after.mode == "two-way", after.describe()
        assert (after.client.moved, after.server.moved) == (0, 0), after.describe()
    _assert_200_everywhere(server, login, originals, first, second)
