"""A device that sends more items in one slow sync than ``--max-session-items`` allows: the message that
goes beyond is answered 400 with its reason and logged; the server keeps what came before it."""

from pathlib import Path

import pytest

from syncmld.client import Device
from syncmld.client.http import HttpTransport, TransportError
from tests.engine.conftest import vcard
from tests.hostile.served import served
from tests.hostile.wire import ALICE, PASSWORD


def test_a_slow_sync_beyond_the_items_a_session_may_hold_is_answered_400_and_logged(tmp_path: Path) -> None:
    with served(tmp_path, "--max-session-items", "60") as server, HttpTransport() as transport:
        phone = Device(
            transport=transport,
            url=server.url,
            user=ALICE,
            password=PASSWORD,
            device_id="IMEI:many",
            items_per_message=50,
        )
        for n in range(100):
            phone.add(vcard(n))
        with pytest.raises(TransportError, match="400"):
            phone.sync(201)
        log = server.log
    assert "a session may hold 60 items of a data store in a slow sync or reset; this message brings it to 100" in log
