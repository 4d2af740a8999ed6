"""Every standard sync mode leaves the device's files and the server's store as the protocol says."""

from pathlib import Path

import pytest

from .client import Device, DeviceFactory, SyncResult
from .conftest import BOTH_WIRES
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, normalised, server_contacts

pytestmark = [pytest.mark.timeout(420), BOTH_WIRES]


def _contents(paths: list[Path]) -> list[str]:
    return normalised(path.read_bytes() for path in paths)


def _sync(device: Device, mode: str, reported_mode: str) -> SyncResult:
    result = device.sync(mode)
    assert result.ok, f"{mode}: {result.describe()}"
    assert result.mode == reported_mode, f"{mode}: {result.describe()}"
    return result


def test_each_standard_mode_moves_what_it_should(device: DeviceFactory, server: SyncmldServer, login: Login) -> None:
    seeder, phone = device("seeder"), device("phone")

    def on_server() -> list[str]:
        return server_contacts(server.data_dir, login.email)

    seeded = _contents(seeder.generate(3, start=1))
    _sync(seeder, "slow", "slow")
    own = _contents(phone.generate(2, start=101))
    _sync(phone, "slow", "slow")
    assert_same_contacts(on_server(), seeded + own, "slow: server holds both sides")
    assert_same_contacts(device_contacts(phone), seeded + own, "slow: device holds both sides")

    phone_before, server_before = device_contacts(phone), on_server()
    from_seeder = _contents(seeder.generate(1, start=4))
    _sync(seeder, "two-way", "two-way")
    from_phone = _contents(phone.generate(1, start=103))
    _sync(phone, "one-way-from-client", "one-way-from-local")
    assert_same_contacts(on_server(), server_before + from_seeder + from_phone, "one-way-from-client: server")
    assert_same_contacts(device_contacts(phone), phone_before + from_phone, "one-way-from-client: device")

    _sync(phone, "two-way", "two-way")
    assert_same_contacts(device_contacts(phone), on_server(), "two-way after one-way-from-client")

    phone_before, server_before = device_contacts(phone), on_server()
    from_phone = _contents(phone.generate(1, start=104))
    from_seeder = _contents(seeder.generate(1, start=5))
    _sync(seeder, "two-way", "two-way")
    _sync(phone, "one-way-from-server", "one-way-from-remote")
    assert_same_contacts(on_server(), server_before + from_seeder, "one-way-from-server: server")
    assert_same_contacts(device_contacts(phone), phone_before + from_seeder + from_phone, "one-way-from-server: device")

    sorted(phone.data_dir.iterdir())[0].unlink()
    phone.generate(1, start=105)
    _sync(phone, "refresh-from-client", "refresh-from-local")
    assert_same_contacts(on_server(), device_contacts(phone), "refresh-from-client: server equals device")

    _sync(seeder, "two-way", "two-way")
    seeder.generate(1, start=6)
    _sync(seeder, "two-way", "two-way")
    phone.generate(1, start=106)
    _sync(phone, "refresh-from-server", "refresh-from-remote")
    assert_same_contacts(device_contacts(phone), on_server(), "refresh-from-server: device equals server")
    assert_same_contacts(device_contacts(seeder), on_server(), "seeder converged")
