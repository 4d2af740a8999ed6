"""Through a real ``syncmld serve`` over HTTP, XML and basic auth: a notes client that sends its DevInf
alone in message 1 and its Alert in message 2 syncs notes both ways, in SyncML 1.1 and 1.2."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.client import Device
from syncmld.client.http import HttpTransport
from syncmld.protocol.codec import Encoding
from syncmld.protocol.constants import AUTH_BASIC, SyncMLVersion
from tests.engine.test_devinf_alone import notes_sync_both_ways
from tests.interop.server import SyncmldServer, serving_one_account

EMAIL = "notes@example.org"
PASSWORD = "notes-secret"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SyncmldServer]:
    with serving_one_account(tmp_path / "data", EMAIL, PASSWORD) as running:
        yield running
    assert "Traceback" not in running.log_tail(2000)


@pytest.mark.parametrize("version", [SyncMLVersion.V1_1, SyncMLVersion.V1_2], ids=["1.1", "1.2"])
def test_a_devinf_first_client_syncs_notes_both_ways_over_http(server: SyncmldServer, version: SyncMLVersion) -> None:
    with HttpTransport(Encoding.XML) as http:

        def new_device(device_id: str, **options: object) -> Device:
            return Device(
                transport=http, user=EMAIL, password=PASSWORD, device_id=device_id, auth=AUTH_BASIC, **options
            )  # type: ignore[arg-type]

        notes_sync_both_ways(new_device, version, server.url)
