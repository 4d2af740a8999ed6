"""Sessions expire: a message of a session idle for longer than the timeout is refused (HTTP 404, nothing
applied), and the server drops expired sessions by itself, with nobody logging in."""

import logging
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from syncmld.config import ServerConfig
from syncmld.server import create_app
from syncmld.store import SQLITE_FILE_NAME
from syncmld.store.base import Store
from tests.hostile.test_sessions import open_session, post
from tests.hostile.wire import (
    ALICE,
    assert_plain_refusal,
    basic_cred,
    item_command,
    items_of,
    message,
    server_messages,
    store_rows,
    sync,
    vcard,
)

TWO_DAYS = 48 * 3600.0


def age_sessions(data_dir: Path, seconds: float) -> None:
    """Make every session look idle for ``seconds`` longer than it has been."""
    database = sqlite3.connect(data_dir / SQLITE_FILE_NAME)
    with database:
        database.execute("UPDATE sessions SET updated_at = updated_at - ?", (seconds,))
    database.close()


def session_count(data_dir: Path) -> int:
    return len(store_rows(data_dir).tables["sessions"])


@pytest.mark.anyio
async def test_a_message_of_a_48_hour_old_session_is_404_and_applies_nothing(
    client: httpx.AsyncClient,
    store: Store,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = await open_session(client, ALICE, "alice-phone", "1")
    age_sessions(tmp_path, TWO_DAYS)
    before = store_rows(tmp_path)
    add = sync(1, item_command("Add", 2, "late-1", vcard("Late")))
    with caplog.at_level(logging.WARNING, logger="syncmld"):
        answered = await post(client, url, message(add, device="alice-phone", msg_id="2"))
    assert_plain_refusal(answered, 404)
    assert answered.text.startswith("unknown or expired session")
    assert server_messages(caplog.records) == [f"refused a message from 127.0.0.1: {answered.text.strip()}"]
    assert store_rows(tmp_path) == before
    assert items_of(store, ALICE) == {}


@pytest.mark.anyio
async def test_a_session_within_the_timeout_goes_on(client: httpx.AsyncClient, tmp_path: Path) -> None:
    url = await open_session(client, ALICE, "alice-phone", "1")
    age_sessions(tmp_path, 3000.0)
    answered = await post(
        client, url, message(sync(1, item_command("Add", 2, "a1", vcard("A"))), device="alice-phone", msg_id="2")
    )
    assert answered.status_code == 200


def test_the_server_drops_expired_sessions_in_the_background(store: Store, tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path, session_timeout=3600.0, session_sweep_interval=0.05)
    with TestClient(create_app(store, config), base_url="http://sync.example.org") as client:
        body = message("", device="alice-phone", cred=basic_cred(ALICE))
        assert client.post("/syncml", content=body, headers={"Content-Type": "application/vnd.syncml+xml"}).is_success
        assert session_count(tmp_path) == 1
        age_sessions(tmp_path, TWO_DAYS)
        deadline = time.monotonic() + 30
        while session_count(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session_count(tmp_path) == 0, "swept without any login"
