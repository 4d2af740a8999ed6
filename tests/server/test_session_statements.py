"""What a normal sync costs the SQL store over HTTP, the timeline and the upstream check included: a no-change
two-way sync of a device that sends its DevInf writes in one transaction per message and nothing else, sweeps
nothing at its login, does not store its unchanged DevInf again, and does not read the account for the
timeline (on PostgreSQL each statement is a round trip; on SQLite each write transaction waits its turn)."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import anyio.to_thread
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from syncmld.client import Device
from syncmld.client.device import Signer
from syncmld.config import ServerConfig, WireLimits
from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.messages import SyncML
from syncmld.server.app import create_app
from syncmld.store.base import Store
from tests.engine.data_types import devinf
from tests.statements import recorded_statements, writing

EMAIL, PASSWORD, URL = "alice@example.org", "secret", "http://sync.example.org/syncml"
CARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\nEND:VCARD\r\n"
SESSION_DELETES = ("DELETE FROM timeline_messages WHERE timeline_messages.session =",)
"""What a session deletes of its own: its timeline beyond its size."""


DEFAULT_WIRE = WireLimits()


class Sent(NamedTuple):
    """A message as the device posted it."""

    client: TestClient
    url: str
    body: bytes


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement run while the test runs, its whitespace made single spaces."""
    with recorded_statements() as seen:
        yield seen


@pytest.fixture
def commits() -> Iterator[list[object]]:
    """Every transaction committed while the test runs (SQLite's read transactions included)."""
    seen: list[object] = []

    def note(connection: object) -> None:
        seen.append(connection)

    event.listen(Engine, "commit", note)
    yield seen
    event.remove(Engine, "commit", note)


def http_device(
    store: Store, tmp_path: Path, messages: list[str], wire: WireLimits = DEFAULT_WIRE, sent: list[Sent] | None = None
) -> Device:
    """A device that sends its DevInf and syncs contacts with the app over HTTP (in process); each message it
    sends is noted in ``messages`` (and with its body and URL in ``sent``)."""
    config = ServerConfig(data_dir=tmp_path, wire=wire)
    client = TestClient(create_app(store, config), base_url="http://sync.example.org")

    def post(message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        body = encode(message, Encoding.XML)
        answered = client.post(url, content=body, headers={"content-type": Encoding.XML.content_type})
        assert answered.status_code == 200, answered.text
        messages.append(message.header.msg_id)
        if sent is not None:
            sent.append(Sent(client, url, body))
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


def test_a_no_change_sync_commits_one_transaction_a_message_and_reads_in_none_of_its_own(
    sql_store: Store, commits: list[object], tmp_path: Path
) -> None:
    messages: list[str] = []
    device = http_device(sql_store, tmp_path, messages)
    device.sync()
    messages.clear()
    commits.clear()

    device.sync()

    assert len(messages) >= 2
    assert len(commits) == len(messages)


def test_without_live_sessions_remembered_each_message_in_session_is_looked_for_first(
    sql_store: Store, commits: list[object], tmp_path: Path
) -> None:
    messages: list[str] = []
    device = http_device(sql_store, tmp_path, messages, WireLimits(live_sessions=0))
    device.sync()
    messages.clear()
    commits.clear()

    device.sync()

    assert len(commits) == 2 * len(messages) - 1


def test_a_remembered_session_the_store_no_longer_holds_is_refused_404(sql_store: Store, tmp_path: Path) -> None:
    sent: list[Sent] = []
    device = http_device(sql_store, tmp_path, [], sent=sent)
    device.sync()
    with sql_store.transaction() as tx:
        assert tx.delete_sessions_before(time.time() + 1) == 1
    last = sent[-1]

    for _ in range(2):
        answered = last.client.post(last.url, content=last.body, headers={"content-type": Encoding.XML.content_type})
        assert answered.status_code == 404
        assert "unknown or expired session" in answered.text


def test_a_message_in_session_takes_one_turn_of_a_worker_thread(
    sql_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages: list[str] = []
    device = http_device(sql_store, tmp_path, messages)
    device.sync()
    messages.clear()
    turns: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Callable[..., object], *args: object, **kwargs: Any) -> object:
        turns.append(getattr(func, "__name__", repr(func)))
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)

    device.sync()

    assert len(turns) == len(messages), turns


def test_a_login_sending_its_devinf_reads_its_device_once(
    sql_store: Store, statements: list[str], tmp_path: Path
) -> None:
    device = http_device(sql_store, tmp_path, [])
    device.sync()
    statements.clear()

    device.sync()

    assert len([s for s in statements if s.startswith("SELECT devices.id")]) == 1


def test_a_login_reads_its_folders_once_and_notes_its_session_in_one_write(
    sql_store: Store, statements: list[str], tmp_path: Path
) -> None:
    """A session of a device that has synced before: the account's folders are read once (the Alert's folder is
    one of them), the device's latest session is read with the device and replaced in one statement, and the push
    registration of a device that has none is not written."""
    device = http_device(sql_store, tmp_path, [])
    device.sync()
    statements.clear()

    device.sync()

    assert len([s for s in statements if s.startswith("SELECT folders.")]) == 1
    reads = [s for s in statements if s.startswith("SELECT") and "device_sessions" in s.split(" WHERE ")[0]]
    assert len(reads) == 1 and reads[0].startswith("SELECT devices.id")
    assert len([s for s in writing(statements) if "device_sessions" in s.split(" WHERE ")[0]]) == 1
    assert [s for s in statements if s.startswith("UPDATE push_devices SET version")] == []


def test_a_session_reads_how_many_messages_its_timeline_keeps_once(sql_store: Store, tmp_path: Path) -> None:
    """``timeline_messages`` is read with the session's first message, not with each."""
    messages: list[str] = []
    device = http_device(sql_store, tmp_path, messages)
    device.sync()
    messages.clear()
    asked: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, parameters: object, *_args: object) -> None:
        if statement.startswith("SELECT settings.") and "timeline_messages" in str(parameters):
            asked.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        device.sync()
    finally:
        event.remove(Engine, "before_cursor_execute", note)

    assert len(messages) >= 2
    assert len(asked) == 1, asked
