"""Several SyncEvolution devices of one account sync at the same moment, round after round: every
sync succeeds, none loses or doubles another's changes, and they all converge."""

import dataclasses
import random
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.interop.client import DeviceFactory, SyncResult
from tests.interop.server import Login, SyncmldServer
from tests.interop.sides import assert_same_contacts, device_contacts, server_contacts

from .own_contacts import Owner

pytestmark = pytest.mark.timeout(300)

DEVICES = 4
CONTACTS = 15
ROUNDS = 4


def _sync_together(owners: Sequence[Owner]) -> list[SyncResult]:
    """One sync per device, all started at the same moment."""
    start = threading.Barrier(len(owners))

    def run(owner: Owner) -> SyncResult:
        start.wait()
        return owner.device.sync()

    with ThreadPoolExecutor(len(owners)) as pool:
        return list(pool.map(run, owners))


def test_devices_syncing_at_the_same_moment_all_succeed_and_converge(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    owners = [
        Owner(dataclasses.replace(device(f"c{index}"), wbxml=str(index % 2)), index, random.Random(index))
        for index in range(DEVICES)
    ]
    for owner in owners:
        owner.create(CONTACTS)

    for round_number in range(ROUNDS + 1):
        if round_number:
            for owner in owners:
                owner.edit(f"round {round_number}")
        results = _sync_together(owners)
        for result in results:
            assert result.ok, f"round {round_number}: {result.describe()}\n{server.log_tail()}"
        on_server = server_contacts(server.data_dir, login.email)
        for owner, result in zip(owners, results, strict=True):
            wrong = owner.check_acknowledged(result.mode, on_server)
            assert not wrong, f"round {round_number}: {wrong}"

    everything = sorted(vcard for owner in owners for vcard in owner.expected())
    for owner in owners:
        caught_up = owner.device.sync()
        assert caught_up.ok and caught_up.server.moved == 0, caught_up.describe()
    for owner in owners:
        quiet = owner.device.sync()
        assert quiet.ok and (quiet.client.moved, quiet.server.moved) == (0, 0), quiet.describe()
        assert_same_contacts(device_contacts(owner.device), everything, f"device {owner.device.name} vs all")
    assert_same_contacts(server_contacts(server.data_dir, login.email), everything, "server vs all devices")
