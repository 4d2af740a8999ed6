"""Files and a 3-level folder tree round-trip between two SyncML 1.2 devices through a real
``syncmld serve`` over HTTP, in WBXML (issue 4, acceptance 4)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.client import Device
from syncmld.client.http import HttpTransport
from syncmld.protocol.codec import Encoding
from syncmld.store import open_store, sqlite_url
from tests.engine.folder_trees import Tree, round_trip, stored_tree
from tests.interop.server import SyncmldServer, serving_one_account

EMAIL = "tree@example.org"
PASSWORD = "tree-secret"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SyncmldServer]:
    with serving_one_account(tmp_path / "data", EMAIL, PASSWORD) as running:
        yield running


def test_a_three_level_tree_round_trips_over_http_in_wbxml(server: SyncmldServer) -> None:
    with HttpTransport(Encoding.WBXML) as post:

        def make_device(device_id: str, **options: object) -> Device:
            return Device(transport=post, url=server.url, user=EMAIL, password=PASSWORD, device_id=device_id, **options)  # type: ignore[arg-type]

        def server_tree() -> Tree:
            store = open_store(sqlite_url(server.data_dir))
            try:
                return stored_tree(store, EMAIL)
            finally:
                store.close()

        round_trip(make_device, server_tree)
    assert "Traceback" not in server.log_tail(1000)
