"""The server stops on SIGTERM between two syncs and carries on from the same data directory."""

import pytest

from .client import DeviceFactory
from .conftest import BOTH_WIRES
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts

pytestmark = [pytest.mark.timeout(240), BOTH_WIRES]


def test_sync_after_restart_is_a_normal_two_way_sync(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    phone = device("phone")
    phone.generate(10)
    first = phone.sync("slow")
    assert first.ok, first.describe()

    assert server.stop() == 0, server.log_tail()
    server.start()
    phone.generate(1, start=11)

    second = phone.sync()
    assert second.ok, second.describe()
    assert second.mode == "two-way", second.describe()
    assert second.server.added == 1 and second.client.moved == 0, second.describe()
    on_server = server_contacts(server.data_dir, login.email)
    assert_same_contacts(on_server, device_contacts(phone), "server vs device after the restart")
    assert len(phone.files()) == 11
