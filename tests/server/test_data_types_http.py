"""Issue 4 acceptance 3 and 5 through a real ``syncmld serve`` over HTTP: a SIF client and Versit devices
share data (XML), unknown types round-trip byte-exact in a user folder made with ``syncmld folder add``
and an unknown remote name gets 404 (WBXML)."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from syncmld.client import Device
from syncmld.client.http import HttpTransport
from syncmld.protocol.codec import Encoding
from tests.engine.data_type_scenarios import sif_and_versit_devices_share, versit_edit_reaches_the_sif_client
from tests.engine.data_types import KINDS
from tests.interop.server import SyncmldServer, serving_one_account, syncmld

EMAIL = "types@example.org"
PASSWORD = "types-secret"
SMS_BACKUP = bytes(range(256)) * 4 + b"\x00\xff\r"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SyncmldServer]:
    with serving_one_account(tmp_path / "data", EMAIL, PASSWORD) as running:
        yield running
    assert "Traceback" not in running.log_tail(2000)


def devices(server: SyncmldServer, http: HttpTransport) -> Callable[..., Device]:
    def make_device(device_id: str, **options: object) -> Device:
        options.setdefault("url", server.url)
        return Device(transport=http, user=EMAIL, password=PASSWORD, device_id=device_id, **options)  # type: ignore[arg-type]

    return make_device


def test_a_sif_client_and_versit_devices_share_events_and_a_versit_edit_reaches_it_over_http(
    server: SyncmldServer,
) -> None:
    events = next(kind for kind in KINDS if kind.name == "events")
    contacts = next(kind for kind in KINDS if kind.name == "contacts")
    with HttpTransport(Encoding.XML) as http:
        new_device = devices(server, http)
        versit_edit_reaches_the_sif_client(new_device, events, server.url)
        sif_and_versit_devices_share(new_device, contacts, server.url)


def test_unknown_types_round_trip_and_an_unknown_name_gets_404_over_http_in_wbxml(server: SyncmldServer) -> None:
    done = syncmld("folder", "add", EMAIL, "Bookmarks", "--data-dir", str(server.data_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    bookmark = "BEGIN:VBKM\r\nVERSION:1.0\r\nTITLE:Fähre\r\nURL:http://example.org/f\r\nEND:VBKM\r\n".encode()
    with HttpTransport(Encoding.WBXML) as http:
        new_device = devices(server, http)
        phone = new_device("IMEI:1", server_db="Bookmarks", local_uri="./bkm", content_type="text/x-vbookmark")
        phone.add(bookmark)
        phone.add(SMS_BACKUP, content_type="application/x-sms-backup")
        assert sorted(phone.sync().codes_for("Replace")) == [201, 201]

        tablet = new_device("IMEI:2", server_db="bookmarks", local_uri="./bkm", content_type="text/x-vbookmark")
        assert tablet.sync().received["add"] == 2
        assert sorted((tablet.type_of(luid), data) for luid, data in tablet.items.items()) == sorted(
            [("text/x-vbookmark", bookmark), ("application/x-sms-backup", SMS_BACKUP)]
        )

        lost = new_device("IMEI:3", server_db="Lesezeichen", local_uri="./bkm")
        report = lost.sync()
        assert report.header_status in (200, 212)
        assert report.codes_for("Alert") == [404]
