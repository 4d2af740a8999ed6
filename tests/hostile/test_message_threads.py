"""Messages are answered by a few worker threads (``--message-threads``), the message that arrived first served
first: many messages at once take no more threads than that, and a message under way is not put behind
messages that arrived after it."""

import logging
import re
import threading
import time
from collections.abc import Callable

import anyio
import httpx
import pytest

from syncmld.config import WireLimits
from syncmld.server.threads import MessageThreads
from syncmld.store.base import Store
from syncmld.store.sql import SqlStore
from tests.hostile.conftest import MakeClient
from tests.hostile.wire import ALICE, XML, alert, basic_cred, message

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

LOGINS = 6


async def test_logins_at_once_wait_for_the_message_threads_and_are_all_answered(
    make_client: MakeClient, store: Store
) -> None:
    """Two message threads, six logins at once while another writer holds the store: two of them are
    inside the store (one writing, one waiting for its turn), the other four wait for a thread; once the
    store is free, all six are answered."""
    assert isinstance(store, SqlStore) and store.writers is not None
    client = await make_client(wire=WireLimits(login_concurrency=LOGINS, message_threads=2))
    answers: list[httpx.Response] = []
    body = message(alert(1, 200), cred=basic_cred(ALICE))
    holding, release = threading.Event(), threading.Event()

    def hold_the_store() -> None:
        with store.transaction():
            holding.set()
            release.wait()

    async def login(number: int) -> None:
        device = f"IMEI:{number}".encode()
        answers.append(
            await client.post("/syncml", content=body.replace(b"IMEI:hostile", device), headers={"Content-Type": XML})
        )

    holder = threading.Thread(target=hold_the_store)
    holder.start()
    holding.wait()
    try:
        async with anyio.create_task_group() as group:
            for number in range(LOGINS):
                group.start_soon(login, number)
            with anyio.fail_after(20):
                while store.writers.waiting() < 2:
                    await anyio.sleep(0.01)
            await anyio.sleep(0.5)  # time for any further message to reach the store
            assert store.writers.waiting() == 2
            release.set()
    finally:
        release.set()
        holder.join()
    assert [answer.status_code for answer in answers] == [200] * LOGINS


def blocker() -> tuple[threading.Event, threading.Event, Callable[[], None]]:
    """A call that holds its thread until ``free`` is set; ``busy`` is set once it runs."""
    busy, free = threading.Event(), threading.Event()

    def block() -> None:
        busy.set()
        free.wait()

    return busy, free, block


async def wait_until(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(10):
        while not condition():
            await anyio.sleep(0.001)


async def test_waiting_calls_are_served_in_the_order_their_messages_arrived() -> None:
    """One thread, busy: calls asked for by messages that arrived at 3, 1 and 2 (in that order) run as 1, 2, 3."""
    threads = MessageThreads(1)
    ran: list[float] = []
    busy, free, block = blocker()
    async with anyio.create_task_group() as group:
        group.start_soon(threads.run, 0.0, block)
        await anyio.to_thread.run_sync(busy.wait)
        for asked, arrived in enumerate((3.0, 1.0, 2.0), start=1):
            group.start_soon(threads.run, arrived, ran.append, arrived)
            await wait_until(lambda asked=asked: threads.waiting() == asked)
        free.set()
    assert ran == [1.0, 2.0, 3.0]


async def test_no_more_calls_run_at_once_than_there_are_threads() -> None:
    threads = MessageThreads(2)
    running, most = 0, 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(threads.run, time.perf_counter(), work)
    assert most == 2


async def test_a_call_given_up_while_waiting_leaves_its_place_to_the_next() -> None:
    threads = MessageThreads(1)
    busy, free, block = blocker()
    async with anyio.create_task_group() as group:
        group.start_soon(threads.run, 0.0, block)
        await anyio.to_thread.run_sync(busy.wait)
        async with anyio.create_task_group() as waiters:
            waiters.start_soon(threads.run, 1.0, time.sleep, 0)
            await wait_until(lambda: threads.waiting() == 1)
            waiters.cancel_scope.cancel()
        assert threads.waiting() == 0
        free.set()
    with anyio.fail_after(10):
        assert await threads.run(2.0, sum, (1, 2)) == 3


async def test_at_debug_each_call_is_logged_with_its_wait_and_run(caplog: pytest.LogCaptureFixture) -> None:
    """Where a message's time went before and in its thread (``serve --log-level debug``): a call asked for 30 ms
    after its message arrived waits behind a busy thread, then runs 20 ms."""
    threads = MessageThreads(1)
    busy, free, block = blocker()
    with caplog.at_level(logging.DEBUG, logger="syncmld.server.threads"):
        async with anyio.create_task_group() as group:
            group.start_soon(threads.run, time.perf_counter(), block)
            await anyio.to_thread.run_sync(busy.wait)
            group.start_soon(threads.run, time.perf_counter() - 0.03, time.sleep, 0.02)
            await wait_until(lambda: threads.waiting() == 1)
            await anyio.sleep(0.04)
            free.set()
    calls = [
        re.fullmatch(
            r"message thread: asked ([\d.]+) ms after arrival, "
            r"waited ([\d.]+) ms \((\d+) calls waiting\), ran ([\d.]+) ms",
            r.message,
        )
        for r in caplog.records
    ]
    assert all(calls) and len(calls) == 2
    after_arrival, waited, waiting, ran = calls[1].groups()  # type: ignore[union-attr]
    assert float(after_arrival) >= 30 and float(waited) >= 40 and waiting == "0" and float(ran) >= 15
