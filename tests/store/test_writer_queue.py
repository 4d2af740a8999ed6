"""The writers of a SQLite store take turns in the order they came (SQLite's own busy wait lets in whoever asks
first once the lock is free, the newest waiter as often as the oldest): under load no write transaction waits
behind writers that came after it; one that does not get its turn within the busy timeout fails with a
StoreError, and those behind it still get theirs."""

import logging
import re
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from syncmld.store import open_store, sqlite_url
from syncmld.store.base import StoreError
from syncmld.store.sql import SqlStore
from syncmld.store.writers import WriterQueue

WRITERS = 8


def wait_for(condition: Callable[[], bool]) -> None:
    """Wait until ``condition`` holds (failing after a minute, for a test that would otherwise hang)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the writers did not start waiting"
        time.sleep(0.005)


def test_writers_of_a_sqlite_store_commit_in_the_order_they_came(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path))
    assert isinstance(store, SqlStore) and store.writers is not None
    queue = store.writers
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with store.transaction() as tx:
            tx.set_setting("order", "first")
            holding.set()
            release.wait()

    def writer(n: int) -> None:
        with store.transaction() as tx:
            tx.set_setting("order", f"{tx.get_setting('order')},{n}")

    threads = [threading.Thread(target=first)]
    threads[0].start()
    holding.wait()
    for n in range(WRITERS):
        threads.append(threading.Thread(target=writer, args=(n,)))
        threads[-1].start()
        wait_for(partial(lambda waiting: queue.waiting() == waiting, n + 1))
    release.set()
    for thread in threads:
        thread.join()
    with store.reading() as tx:
        assert tx.get_setting("order") == ",".join(["first", *map(str, range(WRITERS))])
    store.close()


def test_a_writer_that_waits_longer_than_the_timeout_fails_and_the_next_one_gets_its_turn() -> None:
    queue = WriterQueue(timeout=0.05)
    got: list[str] = []
    with queue.turn():
        with pytest.raises(StoreError, match=r"busy writing for 0\.05 s"), queue.turn():
            got.append("late")
        assert queue.waiting() == 0
    with queue.turn():
        got.append("next")
    assert got == ["next"]


def test_at_debug_each_write_turn_is_logged_with_its_wait_and_hold(caplog: pytest.LogCaptureFixture) -> None:
    """The figures that show, per transaction, whether a writer's time went to waiting for its turn or to
    the work done holding it (``serve --log-level debug``)."""
    queue = WriterQueue(timeout=5)
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with queue.turn():
            holding.set()
            release.wait()

    thread = threading.Thread(target=first)
    with caplog.at_level(logging.DEBUG, logger="syncmld.store.writers"):
        thread.start()
        holding.wait()
        threading.Timer(0.05, release.set).start()
        with queue.turn():
            time.sleep(0.02)
        thread.join()
    turns = [
        re.fullmatch(r"write turn: waited ([\d.]+) ms behind (\d+), held ([\d.]+) ms", r.message)
        for r in caplog.records
    ]
    assert all(turns) and len(turns) == 2
    waited, ahead, held = turns[1].groups()  # type: ignore[union-attr]
    assert float(waited) >= 40 and ahead == "1" and float(held) >= 15
