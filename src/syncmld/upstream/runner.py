"""What the server does with upstreams: pull when a device logs in, push after its session, retry failures.

One account's upstream is synced by one thread of one process at a time, whichever worker a device reaches:
the thread claims it in the store (a lease it renews while it syncs). Another attempt meanwhile is left out
(the one under way does its work), except a login's pull, which waits for it within the upstream timeout.
Failures are logged, remembered in the store (``upstream list`` shows them) and retried; a refusal of the
credentials (401) stops syncing that upstream until it is added again with the right ones.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import anyio
from starlette.concurrency import run_in_threadpool

from syncmld.errors import LocalError
from syncmld.history.recording import upstream_session
from syncmld.process import worker_name
from syncmld.store.base import Store, Transaction
from syncmld.store.upstreams import UpstreamLink, UpstreamStatus
from syncmld.upstream.client import Unauthorized, dav_client
from syncmld.upstream.limits import UpstreamSettings
from syncmld.upstream.sync import UPSTREAM_DEVICE, FolderSync

log = logging.getLogger("syncmld.upstream")


@dataclass(frozen=True)
class Work:
    pull: bool
    push: bool

    @property
    def label(self) -> str:
        return "+".join(name for name, wanted in (("pull", self.pull), ("push", self.push)) if wanted)


PULL, PUSH, BOTH = Work(True, False), Work(False, True), Work(True, True)

CLAIM_LEASE = 60.0
"""Seconds a thread holds an account's upstream, renewed every third of that while it syncs: a process that
dies lets it go after this."""
CLAIM_POLL = 0.2
"""Seconds between two tries to claim an upstream another thread or process holds, while a login waits."""


def _working(link: UpstreamLink | None) -> UpstreamLink | None:
    """``link``, unless its credentials were refused."""
    return None if link is None or link.status == UpstreamStatus.UNAUTHORIZED else link


class UpstreamRunner:
    """Syncs accounts with their upstreams for one server process."""

    def __init__(self, store: Store, settings: UpstreamSettings, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    def run(self, email: str, work: Work, wait: float = 0.0) -> bool:
        """Sync the account with its upstream, if it has one that works; False when it has none, or another
        thread or process is at it (waited for ``wait`` seconds at most). Failures are logged and remembered,
        never raised."""
        link = self._link(email)
        if link is None:
            return False
        with self._claimed(link.account_id, wait) as held:
            if not held:
                return False
            with self.store.transaction() as tx:
                link = tx.get_upstream(link.account_id)  # as it stands once held (another may have just synced)
            if link is None or link.status == UpstreamStatus.UNAUTHORIZED:
                return False
            self._run(email, link, work)
        return True

    @staticmethod
    def linked(tx: Transaction, account_id: int) -> bool:
        """Whether the account has an upstream to sync with (one read, in ``tx``)."""
        return _working(tx.get_upstream(account_id)) is not None

    def _link(self, email: str) -> UpstreamLink | None:
        """The account's upstream, unless it has none or its credentials were refused."""
        with self.store.reading() as tx:
            account = tx.get_account(email)
            return _working(tx.get_upstream(account.id)) if account is not None else None

    @contextmanager
    def _claimed(self, account_id: int, wait: float) -> Iterator[bool]:
        """Hold the account's upstream while the block runs (trying for ``wait`` seconds at most), renewing the
        claim in the background; whether it is held."""
        holder = f"{worker_name()}:{uuid.uuid4().hex[:12]}"
        deadline = time.monotonic() + wait
        while not self._claim(account_id, holder):
            if time.monotonic() >= deadline:
                yield False
                return
            time.sleep(CLAIM_POLL)
        stop = threading.Event()
        renewing = threading.Thread(target=self._renew, args=(account_id, holder, stop), daemon=True)
        renewing.start()
        try:
            yield True
        finally:
            stop.set()
            renewing.join()
            try:
                with self.store.transaction() as tx:
                    tx.release_upstream(account_id, holder)
            except LocalError as error:
                log.error("upstream of account %d: its claim could not be given up: %s", account_id, error)

    def _claim(self, account_id: int, holder: str) -> bool:
        with self.store.transaction() as tx:
            now = self.clock()
            return tx.claim_upstream(account_id, holder, now, now + CLAIM_LEASE)

    def _renew(self, account_id: int, holder: str, stop: threading.Event) -> None:
        while not stop.wait(CLAIM_LEASE / 3):
            try:
                if not self._claim(account_id, holder):
                    log.warning("upstream of account %d: another process took it over during a long sync", account_id)
            except LocalError as error:
                log.error("upstream of account %d: its claim could not be renewed: %s", account_id, error)

    def _run(self, email: str, link: UpstreamLink, work: Work) -> None:
        started = time.perf_counter()
        done = []
        try:
            with self.store.transaction() as tx:
                collections = tx.upstream_collections(link.account_id)
                folders = {folder.id: folder.name for folder in tx.list_folders(link.account_id)}
                device = tx.ensure_device(link.account_id, UPSTREAM_DEVICE)
            recording = upstream_session(link.account_id, device.id, link.url, self.clock())
            with dav_client(link.username, link.password, self.settings.timeout, self.settings.max_answer) as client:
                for collection in collections:
                    folder = FolderSync(self.store, client, email, collection, self.clock(), recording)
                    if work.pull:
                        folder.pull()
                    if work.push:
                        folder.push()
                    if folder.counts.done:
                        done.append(f"{folders.get(collection.folder_id, '?')} {folder.counts}")
        except Unauthorized as error:
            log.error(
                "upstream of %s refused its credentials: upstream syncing of this account stops until "
                "'syncmld upstream add' sets them again (%s)",
                email,
                error,
            )
            self._note(link, UpstreamStatus.UNAUTHORIZED, str(error), 0.0)
            return
        except LocalError as error:
            retry_at = self.clock() + self.settings.retry_interval
            log.log(
                logging.INFO if link.status == UpstreamStatus.FAILING else logging.WARNING,
                "upstream of %s: %s failed, tried again in %g s: %s",
                email,
                work.label,
                self.settings.retry_interval,
                error,
            )
            self._note(link, UpstreamStatus.FAILING, str(error), retry_at)
            return
        if link.status != UpstreamStatus.OK:
            log.info("upstream of %s works again", email)
            self._note(link, UpstreamStatus.OK, "", 0.0)
        log.log(
            logging.INFO if done or work.pull else logging.DEBUG,
            "upstream of %s: %s in %.0f ms: %s",
            email,
            work.label,
            (time.perf_counter() - started) * 1000,
            ", ".join(done) or "no change",
        )

    def _note(self, link: UpstreamLink, status: UpstreamStatus, note: str, retry_at: float) -> None:
        try:
            with self.store.transaction() as tx:
                if tx.get_upstream(link.account_id) is not None:
                    tx.set_upstream_status(link.account_id, status, " ".join(note.split())[:500], retry_at)
        except LocalError as error:
            log.error("upstream of account %d: its state could not be kept: %s", link.account_id, error)

    # ------------------------------------------------------------------------------- in the server

    async def before_session(self, email: str) -> None:
        """Pull the upstream's changes for a device that has just logged in, waiting at most the timeout (for a
        sync of the account's upstream under way elsewhere too): a slow upstream finishes in the background while
        the device syncs with what syncmld holds."""
        with anyio.move_on_after(self.settings.timeout) as waited:
            await anyio.to_thread.run_sync(self.run, email, PULL, self.settings.timeout, abandon_on_cancel=True)
        if waited.cancelled_caught:
            log.warning(
                "upstream of %s: its changes did not arrive within %.1f s; the device syncs with what syncmld holds",
                email,
                self.settings.timeout,
            )

    async def after_session(self, email: str) -> None:
        """Send the changes a device's session made up to the upstream."""
        await run_in_threadpool(self.run, email, PUSH)

    async def retry_periodically(self) -> None:
        """Every retry interval: upstreams that failed and are due are synced again, and the others are pushed
        what is left to send (after a kill, or written by another worker)."""
        while True:
            await anyio.sleep(self.settings.retry_interval)
            try:
                await run_in_threadpool(self.retry_due)
            except LocalError as error:
                log.error("looking for upstream work failed: %s", error)

    def retry_due(self) -> None:
        now = self.clock()
        with self.store.transaction() as tx:
            links = [(link, tx.get_account_by_id(link.account_id)) for link in tx.list_upstreams()]
        for link, account in links:
            if account is None or link.status == UpstreamStatus.UNAUTHORIZED:
                continue
            if link.status == UpstreamStatus.FAILING and link.retry_at > now:
                continue
            self.run(account.email, BOTH if link.status == UpstreamStatus.FAILING else PUSH)
