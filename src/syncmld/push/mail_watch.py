"""Push e-mail: each server process watches the mailboxes of accounts with a push device syncing a mail
folder (``syncmld.mail.idle``: IMAP IDLE on the INBOX, STATUS on the others; every folder for a device syncing
the folder tree) and tells push when one changed (``folder_changed``, so the usual coalescing applies).

Every ``watch_interval`` seconds the process reads which accounts need watching (push registrations and the
folders their devices sync), starts and stops its watches to match, and leases the accounts it watches in
the store: with ``--workers N`` one process watches an account, and another takes it over when that one
has been gone for a lease. At most ``idle_max`` watches a process."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from starlette.concurrency import run_in_threadpool

from syncmld.engine.folders import MAIL_TREE, FolderKind, folder_kind
from syncmld.engine.mail import account_login, imap_folder
from syncmld.errors import LocalError
from syncmld.mail.idle import EVERY_FOLDER, MailboxWatch, ModseqSpan, WatchStart
from syncmld.mail.imap import ImapGateway
from syncmld.process import worker_name
from syncmld.push.mail_origin import writer_of
from syncmld.push.settings import PushSettings
from syncmld.push.triggers import folder_changed
from syncmld.store.base import Store
from syncmld.store.pushes import WatchedFolder

logger = logging.getLogger("syncmld.push")

STOP_WAIT = 5.0
"""Seconds the watches of a stopping process are given to log out, all together."""
CONNECTING = 8
"""Watches of a process connecting and logging in at once: a start with 1,000 accounts to watch does not
send 1,000 logins to the mail server together (which timed out on Dovecot's login processes)."""


@dataclass(frozen=True)
class Mailbox:
    """An account's mail folders to watch: folder id and name in the store -> the IMAP path (``EVERY_FOLDER`` for
    the folder tree)."""

    account_id: int
    email: str
    folders: tuple[tuple[int, str, str], ...]


def mailboxes(watched: list[WatchedFolder]) -> dict[int, Mailbox]:
    """The mail folders among ``watched``, by account."""
    found: dict[int, list[WatchedFolder]] = {}
    for folder in watched:
        if folder_kind(folder.name) == FolderKind.MAIL:
            found.setdefault(folder.account_id, []).append(folder)
    return {
        account_id: Mailbox(account_id, folders[0].email, tuple((f.folder_id, f.name, _path(f.name)) for f in folders))
        for account_id, folders in found.items()
    }


def _path(folder_name: str) -> str:
    """The IMAP path a mail folder of the store mirrors, ``EVERY_FOLDER`` for the folder tree."""
    return EVERY_FOLDER if folder_name == MAIL_TREE else imap_folder(folder_name)


class MailWatcher:
    """The watches of one server process, kept equal to what the store says needs watching."""

    def __init__(
        self,
        store: Store,
        settings: PushSettings,
        gateway: ImapGateway,
        worker: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.gateway = gateway
        self.worker = worker
        self.clock = clock
        self.watches: dict[int, tuple[Mailbox, MailboxWatch]] = {}
        self._left_to_others = 0
        self._connecting = threading.Semaphore(CONNECTING)

    def refresh(self) -> None:
        """Start, stop and lease watches to match the store's push registrations; with nothing watched and
        nothing to watch, read only (no write turn of the store every ``watch_interval``)."""
        with self.store.reading() as tx:
            wanted = mailboxes(tx.watched_folders())
        if not wanted and not self.watches:
            return
        gone = [
            account_id
            for account_id, (mailbox, watch) in self.watches.items()
            if wanted.get(account_id) != mailbox or not watch.alive
        ]
        for account_id in gone:
            mailbox, watch = self.watches.pop(account_id)
            if not watch.alive and wanted.get(account_id) == mailbox:
                logger.error("push e-mail: the watch of %s's mailbox ended; starting it again", mailbox.email)
            watch.stop()
        kept = [account_id for account_id in wanted if account_id in self.watches]
        new = [account_id for account_id in wanted if account_id not in self.watches]
        now = self.clock()
        with self.store.transaction() as tx:
            tx.release_watches(self.worker, [account_id for account_id in gone if account_id not in wanted])
            held = tx.claim_watches(self.worker, kept, now, now + self.settings.watch_lease)
            room = self.settings.idle_max - len(held)
            while room > 0 and new:
                part, new = new[:room], new[room:]
                taken = tx.claim_watches(self.worker, part, now, now + self.settings.watch_lease)
                held |= taken
                room -= len(taken)
        for account_id in kept:
            if account_id not in held:
                mailbox, watch = self.watches.pop(account_id)
                logger.warning("push e-mail: another server process watches %s's mailbox now", mailbox.email)
                watch.stop()
        for account_id in wanted:
            if account_id in held and account_id not in self.watches:
                self._start(wanted[account_id])
        self._note_limit(len(new) if room <= 0 else 0)

    def _note_limit(self, left: int) -> None:
        """Log (once a number) how many mailboxes this process left to others because it has no room."""
        if left and left != self._left_to_others:
            logger.warning(
                "push e-mail: this process watches %d mailboxes, as many as --push-idle-max allows; %d more are "
                "left to other server processes",
                self.settings.idle_max,
                left,
            )
        self._left_to_others = left

    def _start(self, mailbox: Mailbox) -> None:
        def begin() -> WatchStart:
            with self.store.transaction() as tx:
                login = account_login(tx, mailbox.account_id, mailbox.email)
                marks = {name: mark for folder_id, name, _ in mailbox.folders if (mark := tx.mail_mark(folder_id))}
            return WatchStart(login, marks)

        def changed(name: str, span: ModseqSpan | None) -> None:
            try:
                origin = None if span is None else self._writer(mailbox, span)
                if origin is not None:
                    logger.info(
                        "push e-mail: %s of %s: the change is what device %s changed: not told to it",
                        name,
                        mailbox.email,
                        origin,
                    )
                folder_changed(self.store, mailbox.email, name, origin)
            except LocalError as error:
                logger.error("push e-mail: %s of %s changed, but push was not told: %s", name, mailbox.email, error)

        watch = MailboxWatch(
            mailbox.email,
            {name: path for _, name, path in mailbox.folders},
            begin,
            changed,
            self.gateway,
            self.settings.idle_timing,
            self._connecting,
        )
        self.watches[mailbox.account_id] = (mailbox, watch)
        watch.start()

    def _writer(self, mailbox: Mailbox, span: ModseqSpan) -> str | None:
        """The device whose changes syncmld wrote to IMAP make up the whole ``span``, or None."""
        now = self.clock()
        with self.store.transaction() as tx:
            writes = tx.mail_writes(
                mailbox.account_id, span.mailbox, span.uidvalidity, now - self.settings.mail_writes_keep
            )
            device_id = writer_of(writes, span.since, span.until, now)
            if device_id is None:
                return None
            return next((d.device_ref for d in tx.list_devices(mailbox.account_id) if d.id == device_id), None)

    def close(self) -> None:
        """Stop every watch and give up their leases."""
        for _, watch in self.watches.values():
            watch.stop()
        deadline = time.monotonic() + STOP_WAIT
        for _, watch in self.watches.values():
            watch.join(max(0.0, deadline - time.monotonic()))
        if not self.watches:
            return
        with self.store.transaction() as tx:
            tx.release_watches(self.worker, list(self.watches))
        self.watches.clear()


async def watch_mail_periodically(store: Store, settings: PushSettings, mail_timeout: float) -> None:
    """Keep this process's mailbox watches up to date every ``watch_interval`` seconds (each server
    process runs one); they stop when this is cancelled."""
    watcher = MailWatcher(store, settings, ImapGateway(mail_timeout), worker_name())
    try:
        while True:
            try:
                await run_in_threadpool(watcher.refresh)
            except LocalError as error:
                logger.error("push e-mail: reading which mailboxes to watch failed: %s", error)
            await anyio.sleep(settings.watch_interval)
    finally:
        with anyio.CancelScope(shield=True):
            try:
                await run_in_threadpool(watcher.close)
            except LocalError as error:
                logger.error("push e-mail: giving up the mailbox watches failed: %s", error)
