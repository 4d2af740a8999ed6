"""The delivery worker each server process runs: claim due notifications in the store, send them, and
record how it went (delivered; retried later with back-off; given up and the device marked failing).

Claims are leases in the store, so with ``--workers N`` each notification goes out once, and one claimed
by a process that died goes out from another after the lease. While none is waiting, the worker sleeps
until this process commits one (the store's ``push_bell``) or ``recheck_interval`` has passed."""

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
    """Claim the due notifications; without any waiting (the usual case) nothing is written, so the look every
    ``poll_interval`` takes no write turn of the store."""
    with store.reading() as tx:
        if tx.count_pending_pushes() == 0:
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
            tx.push_failed(pending.device.device_id, str(error), retry_at)
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
        tx.push_delivered(pending.device.device_id, now)
    logger.info(
        "push %s sent %s (%d bytes) %.0f ms after the first change",
        who,
        sent.content_type,
        len(sent.body),
        (now - pending.first_at) * 1000,
    )


def waiting(store: Store) -> bool:
    """Whether any notification is waiting (due or not), read without a write turn of the store."""
    with store.reading() as tx:
        return tx.count_pending_pushes() > 0


async def deliver_periodically(store: Store, settings: PushSettings) -> None:
    """Deliver what is due (each server process runs one): every ``poll_interval`` seconds while notifications
    are waiting; while none is, when this process leaves one, or after ``recheck_interval``."""
    worker = worker_name()
    rung = asyncio.Event()
    loop = asyncio.get_running_loop()
    pending = True
    with (
        httpx.Client(timeout=settings.timeout) as client,
        store.push_bell.listening(lambda: loop.call_soon_threadsafe(rung.set)),
    ):
        while True:
            if pending:
                await anyio.sleep(settings.poll_interval)
            else:
                with anyio.move_on_after(settings.recheck_interval):
                    await rung.wait()
            rung.clear()
            try:
                pending = await run_in_threadpool(waiting, store)
                while (
                    pending and await run_in_threadpool(deliver_due, store, settings, client, worker) == settings.batch
                ):
                    pass
            except LocalError as error:
                logger.error("delivering push notifications failed: %s", error)
