"""The delivery loop each server process runs: how often it looks at the store, and how soon what this
process writes goes out."""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import replace

from syncmld.client import Device
from syncmld.protocol.san import decode_san
from syncmld.push.settings import PushSettings
from syncmld.push.worker import deliver_periodically
from syncmld.store.base import Store, Transaction
from syncmld.store.pushes import PushChannel
from tests.engine.conftest import vcard
from tests.push.conftest import SETTINGS, Hook
from tests.push.test_push_flow import pair, set_channel

LOOPING = replace(SETTINGS, quiet=0.2, poll_interval=0.05, recheck_interval=3600.0)
WAIT_S = 30.0
"""The longest a test waits for a notification (it comes after the quiet time, 0.2 s)."""


class ReadCounting:
    """A store that counts the read-only transactions begun on it (the worker's looks)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.push_bell = store.push_bell
        self.reads = 0

    def transaction(self) -> AbstractContextManager[Transaction]:
        return self.store.transaction()

    def reading(self) -> AbstractContextManager[Transaction]:
        self.reads += 1
        return self.store.reading()

    def close(self) -> None:
        self.store.close()


@contextmanager
def delivering(store: Store, settings: PushSettings = LOOPING) -> Iterator[None]:
    """``deliver_periodically`` on ``store`` in a thread of its own, as ``syncmld serve`` runs it."""
    loop = asyncio.new_event_loop()
    task = loop.create_task(deliver_periodically(store, settings))

    def run() -> None:
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(task)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(WAIT_S)
        loop.close()


def test_with_nothing_waiting_the_worker_does_not_poll_and_a_change_of_this_process_goes_out_after_the_quiet_time(
    store: Store, new_device: Callable[..., Device], webhook: Hook
) -> None:
    laptop, _ = pair(new_device)
    set_channel(store, "phone", PushChannel.WEBHOOK, webhook.url)
    counting = ReadCounting(store)
    with delivering(counting):
        time.sleep(20 * LOOPING.poll_interval)
        assert counting.reads <= 2, "looked at the store every poll interval with nothing waiting"
        laptop.add(vcard(1))
        laptop.sync()
        deadline = time.monotonic() + WAIT_S
        while not webhook.received and time.monotonic() < deadline:
            time.sleep(LOOPING.poll_interval)
        assert len(webhook.received) == 1, "the change was not told before the recheck interval"
        time.sleep(20 * LOOPING.poll_interval)
        reads = counting.reads
        time.sleep(20 * LOOPING.poll_interval)
        assert counting.reads == reads, "went on polling once the notification was delivered"


def test_a_notification_not_due_for_a_day_is_not_looked_for_every_poll_interval(
    store: Store, new_device: Callable[..., Device], webhook: Hook
) -> None:
    """A device told of a change and not synced since is told again only after ``resend_after`` (a day): the
    worker sleeps until then (or the recheck interval), instead of reading the store every poll interval."""
    laptop, _ = pair(new_device)
    set_channel(store, "phone", PushChannel.WEBHOOK, webhook.url)
    counting = ReadCounting(store)
    with delivering(counting):
        laptop.add(vcard(1))
        laptop.sync()
        deadline = time.monotonic() + WAIT_S
        while not webhook.received and time.monotonic() < deadline:
            time.sleep(LOOPING.poll_interval)
        assert len(webhook.received) == 1
        laptop.add(vcard(2))
        laptop.sync()
        time.sleep(5 * LOOPING.poll_interval)
        reads = counting.reads
        time.sleep(20 * LOOPING.poll_interval)
        assert counting.reads - reads <= 1, "looked every poll interval for a notification due in a day"
    assert pending_pushes(store) == 1, "the second change waits for the phone's next sync"
    assert len(webhook.received) == 1


def pending_pushes(store: Store) -> int:
    with store.reading() as tx:
        return tx.count_pending_pushes()


def test_a_change_made_while_a_notification_is_on_its_way_is_told_by_the_next_one(
    store: Store, new_device: Callable[..., Device], webhook: Hook
) -> None:
    """The laptop syncs a change while the phone's notification of its first one is being delivered (the webhook
    has it and has not answered yet): the phone, which may be told again soon here, is told of it next."""
    laptop, _ = pair(new_device)
    set_channel(store, "phone", PushChannel.WEBHOOK, webhook.url)

    def change_while_the_first_is_on_its_way() -> None:
        if len(webhook.received) == 1:
            laptop.add(vcard(2))
            laptop.sync()

    webhook.before_answer = change_while_the_first_is_on_its_way
    with delivering(store, replace(LOOPING, resend_after=LOOPING.quiet)):
        laptop.add(vcard(1))
        laptop.sync()
        assert webhook.wait_for(2, WAIT_S), "the change made while the first notification was on its way was lost"
        deadline = time.monotonic() + WAIT_S
        while pending_pushes(store) and time.monotonic() < deadline:  # recorded once the hook has answered
            time.sleep(LOOPING.poll_interval)
    assert [decode_san(body).notification.syncs[0].server_uri for _, body in webhook.received] == ["contacts"] * 2
    assert pending_pushes(store) == 0
