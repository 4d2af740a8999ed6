"""What a normal sync costs the SQL store over HTTP, the timeline and the upstream check included: a no-change
two-way sync of a device that sends its DevInf writes in one transaction per message and nothing else, sweeps
nothing at its login, does not store its unchanged DevInf again, and does not read the account for the
timeline (on PostgreSQL each statement is a round trip; on SQLite each write transaction waits its turn)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from syncmld.accounts import hash_password, item_key, md5_credential
from syncmld.client import Device
from syncmld.client.device import Signer
from syncmld.config import ServerConfig
from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.messages import SyncML
from syncmld.server.app import create_app
from syncmld.store import open_store
from syncmld.store.base import Store
from tests.engine.data_types import devinf
from tests.store.backends import empty_store_url

EMAIL, PASSWORD, URL = "alice@example.org", "secret", "http://sync.example.org/syncml"
CARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\nEND:VCARD\r\n"
SESSION_DELETES = (
    "DELETE FROM device_sessions WHERE",
    "DELETE FROM timeline_messages WHERE timeline_messages.session =",
)
"""What a session deletes of its own: the device's previous session token, its timeline beyond its size."""


@pytest.fixture(params=["sqlite", "postgres"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with empty_store_url(request.param, tmp_path) as url:
        store = open_store(url)
        with store.transaction() as tx:
            tx.add_account(EMAIL, md5_credential(EMAIL, PASSWORD), hash_password(PASSWORD), item_key(PASSWORD))
        yield store
        store.close()


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement run while the test runs, its whitespace made single spaces."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", note)
    yield seen
    event.remove(Engine, "before_cursor_execute", note)


def http_device(store: Store, tmp_path: Path, messages: list[str]) -> Device:
    """A device that sends its DevInf and syncs contacts with the app over HTTP (in process); each message it
    sends is noted in ``messages``."""
    client = TestClient(create_app(store, ServerConfig(data_dir=tmp_path)), base_url="http://sync.example.org")

    def post(message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        body = encode(message, Encoding.XML)
        answered = client.post(url, content=body, headers={"content-type": Encoding.XML.content_type})
        assert answered.status_code == 200, answered.text
        messages.append(message.header.msg_id)
        return decode(answered.content, answered.headers["content-type"]).message

    info = devinf("IMEI:1", "./contacts", "text/vcard", "3.0")
    return Device(transport=post, url=URL, user=EMAIL, password=PASSWORD, device_id="IMEI:1", devinf=info)


def test_a_no_change_sync_writes_once_per_message_and_sweeps_nothing(
    sql_store: Store, statements: list[str], tmp_path: Path
) -> None:
    messages: list[str] = []
    device = http_device(sql_store, tmp_path, messages)
    device.add(CARD)
    device.sync()
    messages.clear()
    statements.clear()

    assert device.sync().received == {"add": 0, "replace": 0, "delete": 0}

    deletes = [s for s in statements if s.startswith("DELETE") and not s.startswith(SESSION_DELETES)]
    assert deletes == []
    writes = [s for s in statements if s.startswith("BEGIN IMMEDIATE")]
    if "BEGIN" in statements:  # SQLite: the transactions that read say so
        assert len(writes) == len(messages)
    assert [s for s in statements if s.startswith("UPDATE devices SET devinf")] == []
    assert len([s for s in statements if s.startswith("SELECT accounts.id")]) <= 3


def test_a_no_change_sync_reads_the_account_once_at_its_login(
    sql_store: Store, statements: list[str], tmp_path: Path
) -> None:
    messages: list[str] = []
    device = http_device(sql_store, tmp_path, messages)
    device.sync()
    statements.clear()

    device.sync()

    assert len(messages) >= 2
    assert len([s for s in statements if s.startswith("SELECT accounts.id")]) == 1
