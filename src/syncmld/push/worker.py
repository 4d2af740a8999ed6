"""The delivery worker each server process runs: claim due notifications in the store, send them, and
record how it went (delivered; retried later with back-off; given up and the device marked failing).

Claims are leases in the store, so with ``--workers N`` each notification goes out once, and one claimed
by a process that died goes out from another after the lease. Between looks the worker sleeps until the
earliest waiting notification is due, this process commits one (the store's ``push_bell``), or
``recheck_interval`` has passed."""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
import httpx
from starlette.concurrency import run_in_threadpool

from syncmld.errors import LocalError
from syncmld.process import worker_name
from syncmld.protocol.san import NotificationTooLarge
from syncmld.push.channels import DeliveryFailed, deliver
from syncmld.push.notification import Outgoing, outgoing
from syncmld.push.settings import PushSettings
from syncmld.store.base import Store
from syncmld.store.pushes import PendingPush, PushChannel

logger = logging.getLogger("syncmld.push")


@dataclass(frozen=True)
class Claimed:
    pending: PendingPush
    account: str
    secret: str
    """The account's B64(MD5(login ":" password)), "" when it keeps none (basic only)."""


def claim(store: Store, settings: PushSettings, worker: str, now: float) -> list[Claimed]:
    """Claim the due notifications; with none due (the usual case) nothing is written, so a look takes no write
    turn of the store."""
    due = next_due(store, settings)
    if due is None or due > now:
        return []
    with store.transaction() as tx:
        claimed = []
        for pending in tx.claim_pushes(worker, now, settings.timing, settings.batch):
            account = tx.get_account_by_id(pending.account_id)
            email, secret = ("", "") if account is None else (account.email, account.md5_credential)
            claimed.append(Claimed(pending, email, secret))
        return claimed


def deliver_due(
    store: Store, settings: PushSettings, client: httpx.Client, worker: str, clock: Callable[[], float] = time.time
) -> int:
    """Deliver the notifications due now; returns how many were handled (sent or not)."""
    claimed = claim(store, settings, worker, clock())
    for item in claimed:
        _deliver_one(store, settings, client, item, clock)
    return len(claimed)


def _deliver_one(
    store: Store, settings: PushSettings, client: httpx.Client, item: Claimed, clock: Callable[[], float]
) -> None:
    pending = item.pending
    folders = ",".join(folder.remote_uri for folder in pending.folders) or "-"
    who = f"account={item.account} device={pending.device_ref} channel={pending.device.channel} folders={folders}"
    try:
        sent: Outgoing = outgoing(pending, settings.server_id, item.secret, pending.device.channel == PushChannel.SMS)
        deliver(pending, sent, settings, client)
    except (DeliveryFailed, NotificationTooLarge) as error:
        retry = isinstance(error, DeliveryFailed) and error.retry
        retry_at = settings.retry_at(pending.attempts + 1, clock()) if retry else None
        with store.transaction() as tx:
            tx.push_failed(pending.claim, str(error), retry_at)
        if retry_at is not None:
            logger.warning(
                "push %s failed (attempt %d): %s; next attempt in %.0f s",
                who,
                pending.attempts + 1,
                error,
                retry_at - clock(),
            )
        else:
            logger.error("push %s not delivered after %d attempts: %s", who, pending.attempts + 1, error)
        return
    now = clock()
    with store.transaction() as tx:
        tx.push_delivered(pending.claim, now)
    logger.info(
        "push %s sent %s (%d bytes) %.0f ms after the first change",
        who,
        sent.content_type,
        len(sent.body),
        (now - pending.first_at) * 1000,
    )


def next_due(store: Store, settings: PushSettings) -> float | None:
    """When the earliest waiting notification is due (None: none waits), read without a write turn."""
    with store.reading() as tx:
        return tx.next_push_due(settings.timing)


def deliver_all_due(store: Store, settings: PushSettings, client: httpx.Client, worker: str) -> float | None:
    """Deliver the notifications due now, a batch at a time; returns when the next one waiting is due."""
    while deliver_due(store, settings, client, worker) == settings.batch:
        pass
    return next_due(store, settings)


def pause_before_look(due: float | None, settings: PushSettings, now: float) -> float:
    """How long the worker waits (unless this process leaves a notification first) before it looks again:
    until the earliest notification is due, at least ``poll_interval`` and at most ``recheck_interval`` (other
    processes leave notifications too)."""
    if due is None:
        return settings.recheck_interval
    return min(max(due - now, settings.poll_interval), settings.recheck_interval)


async def deliver_periodically(store: Store, settings: PushSettings) -> None:
    """Deliver what is due (each server process runs one): when the earliest waiting notification is due, when
    this process leaves one, or after ``recheck_interval``; never twice within ``poll_interval``."""
    worker = worker_name()
    rung = asyncio.Event()
    loop = asyncio.get_running_loop()
    due: float | None = time.time()
    with (
        httpx.Client(timeout=settings.timeout) as client,
        store.push_bell.listening(lambda: loop.call_soon_threadsafe(rung.set)),
    ):
        while True:
            looked = time.monotonic()
            with anyio.move_on_after(pause_before_look(due, settings, time.time())):
                await rung.wait()
            await anyio.sleep(max(0.0, looked + settings.poll_interval - time.monotonic()))
            rung.clear()
            try:
                due = await run_in_threadpool(deliver_all_due, store, settings, client, worker)
            except LocalError as error:
                logger.error("delivering push notifications failed: %s", error)
