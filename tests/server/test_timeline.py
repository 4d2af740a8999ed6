# ruff: noqa: F811 (the fixtures of test_http_endpoint, imported)
"""The timeline the web admin shows of a session, kept while the server answers a real recorded session
(in-process, on a real SQLite store): each message with its commands, statuses, sizes and duration, the
messages themselves only with --log-messages (without the session token), bounded per session, each written
in its message's own transaction, and a message that failed kept with its error; and the syncs and refused
logins of each hour."""

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from syncmld.engine.api import EngineSettings
from syncmld.engine.housekeeping import DAY, sweep_store
from syncmld.log import log_session_id
from syncmld.protocol.codec import decode
from syncmld.store.base import HourCounts, Store, hour_of
from tests.server.test_http_endpoint import (  # noqa: F401 (its fixtures)
    CAPTURE,
    XML,
    MakeClient,
    alice,
    anyio_backend,
    first_message,
    make_client,
    store,
)

pytestmark = pytest.mark.anyio


async def slow_sync(client: httpx.AsyncClient, email: str) -> tuple[str, list[bytes], list[bytes]]:
    """SyncEvolution's recorded slow sync of 5 contacts; the session's token, the bodies sent and replies."""
    recorded = CAPTURE / "xml-slow-contacts-5"
    bodies = [first_message(email, "secret"), *((recorded / f"00{n}-c2s.xml").read_bytes() for n in (2, 3))]
    url, replies = "/syncml", []
    for body in bodies:
        answered = await client.post(url, content=body, headers={"Content-Type": XML})
        assert answered.status_code == 200, answered.text
        replies.append(answered.content)
        resp_uri = decode(answered.content, XML).message.header.resp_uri
        assert resp_uri is not None
        url = resp_uri
    return url.rpartition("sid=")[2], bodies, replies


async def test_each_message_of_a_session_is_kept_with_its_commands_statuses_and_sizes(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    before = time.time()
    token, bodies, replies = await slow_sync(await make_client(), alice)
    with store.transaction() as tx:
        kept = tx.session_timeline(log_session_id(token))
        account = tx.get_account(alice)
        sessions = tx.list_timeline_sessions(None, 10)
        hours = tx.hour_counts(hour_of(before))
    assert account is not None
    assert [entry.msg_id for entry in kept] == ["1", "2", "3"]
    assert [(entry.size_in, entry.size_out) for entry in kept] == [
        (len(body), len(reply)) for body, reply in zip(bodies, replies, strict=True)
    ]
    assert {(entry.account_id, entry.device_ref, entry.encoding) for entry in kept} == {
        (account.id, "sc-harness-cap1", "xml")
    }
    first = kept[0]
    assert first.commands_in == "Put:1 Get:1 Alert:1"
    assert first.commands_out == "Results:1 Alert:1"
    assert first.statuses_out == "212:1 200:3"
    assert "Sync:1" in kept[1].commands_in and "Add:5" in kept[1].commands_in
    assert "201:5" in kept[1].statuses_out
    assert all(entry.duration_ms > 0 and before <= entry.at <= time.time() for entry in kept)
    assert all(entry.dump_in is None and entry.dump_out is None for entry in kept)
    assert [(found.session, found.messages) for found in sessions] == [(log_session_id(token), 3)]
    assert sum(hour.syncs for hour in hours) == 1 and sum(hour.failed + hour.refused_logins for hour in hours) == 0


async def test_with_log_messages_the_messages_are_kept_without_the_session_token_and_cut(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    token, _, _ = await slow_sync(await make_client(log_messages=True, timeline_dump_size=3000), alice)
    with store.transaction() as tx:
        kept = tx.session_timeline(log_session_id(token))
    dumps = [dump for entry in kept for dump in (entry.dump_in, entry.dump_out)]
    assert all(dump is not None and token not in dump for dump in dumps)
    assert "<DevID>sc-harness-cap1</DevID>" in (kept[0].dump_in or "")
    assert "sid=***</RespURI>" in (kept[0].dump_out or "")
    assert "[cut: " in (kept[1].dump_in or "")
    assert max(len(dump or "") for dump in dumps) < 3000 + 100


async def test_a_session_keeps_only_its_latest_messages_as_set(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    with store.transaction() as tx:
        tx.set_setting("timeline_messages", "2")
    token, _, _ = await slow_sync(await make_client(), alice)
    with store.transaction() as tx:
        assert [entry.msg_id for entry in tx.session_timeline(log_session_id(token))] == ["2", "3"]
        tx.set_setting("timeline_messages", "0")
    token, _, _ = await slow_sync(await make_client(), alice)
    with store.transaction() as tx:
        assert tx.session_timeline(log_session_id(token)) == []


async def test_a_refused_login_is_counted_in_its_hour_and_kept_in_no_timeline(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    before = time.time()
    client = await make_client()
    for _ in range(3):
        refused = await client.post("/syncml", content=first_message(alice, "wrong"), headers={"Content-Type": XML})
        assert refused.status_code == 200
    with store.transaction() as tx:
        assert tx.list_timeline_sessions(None, 10) == []
        hours = tx.hour_counts(hour_of(before))
    assert [HourCounts(hour.hour, refused_logins=3) for hour in hours] == hours


async def test_the_sweep_forgets_timelines_and_hour_counts_after_history_days(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    token, _, _ = await slow_sync(await make_client(), alice)
    with store.transaction() as tx:
        tx.set_setting("history_days", "2")
    swept = sweep_store(store, EngineSettings(), time.time() + 1.5 * DAY)
    assert (swept.timeline, swept.hours) == (0, 0)
    swept = sweep_store(store, EngineSettings(), time.time() + 2.5 * DAY)
    assert (swept.timeline, swept.hours) == (3, 1)
    with store.transaction() as tx:
        assert tx.session_timeline(log_session_id(token)) == [] and tx.hour_counts(0) == []


class Transactions:
    """The statements of each transaction begun on any engine while ``listening``, in order."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def begin(self, _conn: object) -> None:
        self.seen.append([])

    def statement(self, _conn: object, _cursor: object, statement: str, *_args: Any) -> None:
        if self.seen:
            self.seen[-1].append(" ".join(statement.split()[:3]))


@pytest.fixture
def transactions() -> Iterator[Transactions]:
    found = Transactions()
    event.listen(Engine, "begin", found.begin)
    event.listen(Engine, "before_cursor_execute", found.statement)
    yield found
    event.remove(Engine, "before_cursor_execute", found.statement)
    event.remove(Engine, "begin", found.begin)


async def logged_in_session(client: httpx.AsyncClient, email: str) -> str:
    """The URL of a session SyncEvolution's recorded slow sync opened with its first message."""
    answered = await client.post("/syncml", content=first_message(email, "secret"), headers={"Content-Type": XML})
    assert answered.status_code == 200, answered.text
    resp_uri = decode(answered.content, XML).message.header.resp_uri
    assert resp_uri is not None
    return resp_uri


async def test_a_message_and_its_timeline_record_are_written_in_one_transaction(
    make_client: MakeClient, alice: str, store: Store, transactions: Transactions
) -> None:
    client = await make_client()
    url = await logged_in_session(client, alice)
    transactions.seen.clear()
    answered = await client.post(url, content=ADDS.read_bytes(), headers={"Content-Type": XML})
    assert answered.status_code == 200, answered.text
    [message] = [statements for statements in transactions.seen if "INSERT INTO items" in statements]
    assert "INSERT INTO timeline_messages" in message, "the timeline's record is written with the message"
    assert not [
        statements
        for statements in transactions.seen
        if "INSERT INTO timeline_messages" in statements and statements is not message
    ]
    assert len(transactions.seen) == 1, "the message answered in one transaction, its session not looked up first"
    with store.transaction() as tx:
        kept = tx.session_timeline(log_session_id(url.rpartition("sid=")[2]))
    assert [(entry.msg_id, entry.error) for entry in kept] == [("1", None), ("2", None)]


ADDS = CAPTURE / "xml-slow-contacts-5" / "002-c2s.xml"
"""The recorded slow sync's second message: a Sync adding 5 contacts."""


async def failed_message(client: httpx.AsyncClient, store: Store, email: str) -> tuple[str, httpx.Response]:
    """A session whose second message fails: ``email``'s conflict policy is stored unusable (a 500, rolled
    back); the session's URL and the failed answer."""
    url = await logged_in_session(client, email)
    with store.transaction() as tx:
        tx.set_setting(f"conflict:{email}", "sever-wins")
    return url, await client.post(url, content=ADDS.read_bytes(), headers={"Content-Type": XML})


def contacts_of(store: Store, email: str) -> int:
    with store.transaction() as tx:
        account = tx.get_account(email)
        folder = None if account is None else tx.get_folder(account.id, "contacts")
        assert folder is not None
        return tx.count_items(folder.id)


async def test_a_message_that_fails_is_rolled_back_and_kept_in_the_timeline_with_its_error(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    client = await make_client()
    url, failed = await failed_message(client, store, alice)
    assert failed.status_code == 500
    assert contacts_of(store, alice) == 0, "nothing the failed message carried is kept"
    session = log_session_id(url.rpartition("sid=")[2])
    with store.transaction() as tx:
        kept = tx.session_timeline(session)
    assert [entry.msg_id for entry in kept] == ["1", "2"]
    error = kept[1].error
    assert error is not None and error.startswith(
        f"HTTP 500: the stored setting conflict:{alice} is unusable: 'sever-wins' is not "
    ), error
    assert "Add:5" in kept[1].commands_in and (kept[1].commands_out, kept[1].statuses_out) == ("", "")
    assert (kept[1].size_in, kept[1].size_out) == (len(ADDS.read_bytes()), len(failed.content))

    with store.transaction() as tx:
        tx.set_setting(f"conflict:{alice}", "merge")
    again = await client.post(url, content=ADDS.read_bytes(), headers={"Content-Type": XML})
    assert again.status_code == 200, again.text
    assert contacts_of(store, alice) == 5
    with store.transaction() as tx:
        kept = tx.session_timeline(session)
    assert [(entry.msg_id, entry.error is None) for entry in kept] == [("1", True), ("2", False), ("2", True)]
