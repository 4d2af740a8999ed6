"""One account's mailbox watched for push e-mail: an IMAP IDLE connection on its INBOX, its other folders looked
at with STATUS (HIGHESTMODSEQ) between two IDLEs, connected again with back-off after any failure. A folder
that changed is reported by calling ``changed`` with its name in the store and, with CONDSTORE, the span of
HIGHESTMODSEQ the change took (an IDLE that reports a change is ended and the INBOX selected again to read it).
A folder of the store that mirrors the whole mailbox (``EVERY_FOLDER``) is reported for a change of any of its
folders, and when folders are made or removed (the list is read again at each look).

Each watch runs in a thread of its own, blocked in poll() on its connection: an idle mailbox costs no CPU
between two renewals of its IDLE or two looks at its other folders.
"""

import contextlib
import logging
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient

from syncmld.errors import LocalError
from syncmld.mail.imap import ImapGateway, resolve, selectable
from syncmld.mail.model import MailError, MailLogin
from syncmld.store.base import MailMark

log = logging.getLogger("syncmld.push")

INBOX = "INBOX"
EVERY_FOLDER = "*"
"""The IMAP path of a folder of the store that mirrors every folder of the mailbox (a device's folder tree)."""
SLOT_WAIT = 1.0
"""Seconds a watch waits for its turn to connect before it looks whether it was stopped."""
CHANGES = frozenset({b"EXISTS", b"EXPUNGE", b"FETCH"})
"""Untagged responses during an IDLE that say the mailbox changed (new mail, mail gone, flags)."""


@dataclass(frozen=True)
class IdleTiming:
    renew: float
    """Seconds an IDLE lasts before it is ended and started again."""
    poll_interval: float
    """Seconds between two looks at the folders other than the INBOX."""
    retry_delay: float
    """Seconds before connecting again after a failure; doubling with each failure in a row."""
    retry_max_delay: float

    def retry(self, failures: int) -> float:
        """Seconds to wait before connecting again after ``failures`` failures in a row."""
        return min(self.retry_max_delay, self.retry_delay * 2.0 ** (failures - 1))


@dataclass(frozen=True)
class WatchStart:
    """What a watch reads before each connection: how to log in, and how far devices have followed each
    folder (by the folder's name in the store)."""

    login: MailLogin
    marks: dict[str, MailMark]


@dataclass(frozen=True)
class ModseqSpan:
    """A change a watch saw: the folder's IMAP name, UIDVALIDITY, and HIGHESTMODSEQ before and after."""

    mailbox: str
    uidvalidity: int
    since: int
    until: int


@dataclass(frozen=True)
class FolderState:
    """A folder as SELECT or STATUS shows it; any other value than the one seen before: it changed."""

    uidvalidity: int
    modseq: int
    """HIGHESTMODSEQ (0: the server has no CONDSTORE)."""
    uidnext: int
    messages: int

    def differs(self, seen: "FolderState | MailMark | None") -> bool:
        if isinstance(seen, FolderState):
            return self != seen
        if seen is None or not seen.modseq or not self.modseq:
            return False
        return (seen.uidvalidity, seen.modseq) != (self.uidvalidity, self.modseq)

    def since(self, mailbox: str, seen: "FolderState | MailMark | None") -> ModseqSpan | None:
        """The span of HIGHESTMODSEQ from ``seen`` to this state; None when it is not known (no CONDSTORE,
        nothing seen before, another UIDVALIDITY)."""
        if seen is None or not seen.modseq or seen.uidvalidity != self.uidvalidity or self.modseq <= seen.modseq:
            return None
        return ModseqSpan(mailbox, self.uidvalidity, seen.modseq, self.modseq)


class MailboxWatch:
    """Watches one account's mail folders, in a thread of its own, until ``stop``."""

    def __init__(
        self,
        account: str,
        folders: dict[str, str],
        begin: Callable[[], WatchStart],
        changed: Callable[[str, ModseqSpan | None], None],
        gateway: ImapGateway,
        timing: IdleTiming,
        connecting: threading.Semaphore,
    ) -> None:
        """``folders``: each folder's name in the store -> its IMAP path, or ``EVERY_FOLDER`` (``INBOX`` is
        watched by IDLE, the others looked at every ``timing.poll_interval``); ``begin`` is called before each
        connection;
        ``connecting`` is held from then until the watch is set up (the watches of a process share it, so
        that a server start does not log every account in at once)."""
        self.account = account
        self.folders = folders
        self._begin = begin
        self._changed = changed
        self._gateway = gateway
        self._timing = timing
        self._stopped = threading.Event()
        self._client: IMAPClient | None = None
        self._seen: dict[str, FolderState] = {}
        """Each watched IMAP folder as last seen, by its name on the IMAP server."""
        self._named: dict[str, tuple[str, ...]] = {}
        """The IMAP folders named by a path, each with the names in the store of the folders that mirror it."""
        self._whole: tuple[str, ...] = tuple(name for name, path in folders.items() if path == EVERY_FOLDER)
        """The folders of the store that mirror every folder of the mailbox."""
        self._listed: frozenset[str] = frozenset()
        """The mailbox's selectable folders when its list was last read (with ``_whole`` only)."""
        self._watched: dict[str, tuple[str, ...]] = {}
        """Each watched IMAP folder, with the names in the store of the folders that mirror it."""
        self._failures = 0
        self._connecting = connecting
        self._holds_slot = False
        self._thread = threading.Thread(target=self._run, name=f"mail watch {account}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """Ask the watch to end: its connection is shut down, which wakes it."""
        self._stopped.set()
        client = self._client
        if client is not None:
            with contextlib.suppress(OSError):
                client.socket().shutdown(socket.SHUT_RDWR)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopped.is_set():
            if not self._connecting.acquire(timeout=SLOT_WAIT):
                continue
            self._holds_slot = True
            try:
                begun = self._begin()
                with self._gateway.session(begun.login) as client:
                    self._client = client
                    if not self._stopped.is_set():
                        self._watch(client, begun.marks)
            except LocalError as error:
                self._set_up()
                if self._stopped.is_set():
                    return
                self._failures += 1
                delay = self._timing.retry(self._failures)
                log.warning(
                    "push e-mail: watching the mailbox of %s failed: %s; connecting again in %.1f s",
                    self.account,
                    error,
                    delay,
                )
                self._stopped.wait(delay)
            finally:
                self._client = None
                self._set_up()

    def _set_up(self) -> None:
        """The watch is set up (or failed to be): another may connect."""
        if self._holds_slot:
            self._holds_slot = False
            self._connecting.release()

    def _watch(self, client: IMAPClient, marks: dict[str, MailMark]) -> None:
        condstore = client.has_capability("CONDSTORE")
        if condstore:
            client.enable("CONDSTORE")
        listed = client.list_folders()
        named: dict[str, list[str]] = {}
        for name, path in self.folders.items():
            if path == EVERY_FOLDER:
                continue
            try:
                named.setdefault(resolve(client, path, listed), []).append(name)
            except MailError as error:
                log.warning("push e-mail: %s of %s is not watched: %s", name, self.account, error)
        self._named = {mailbox: tuple(names) for mailbox, names in named.items()}
        self._set_watched(listed)
        if not self._watched:
            raise MailError("none of the folders its push devices sync is on the IMAP server")
        marks_by_mailbox = {
            mailbox: mark
            for mailbox, names in self._watched.items()
            if (mark := next((marks[name] for name in names if name in marks), None)) is not None
        }
        idled = INBOX if INBOX in self._watched and client.has_capability("IDLE") else None
        if idled is not None:
            self._compare(idled, _selected(client.select_folder(INBOX, readonly=True)), marks_by_mailbox)
        self._look(client, idled, condstore, marks_by_mailbox)
        log.info(
            "push e-mail: watching the mailbox of %s (%s, %d other folders every %.0f s)",
            self.account,
            "INBOX by IDLE" if idled is not None else "no IDLE",
            len(self._watched) - (idled is not None),
            self._timing.poll_interval,
        )
        self._failures = 0
        self._set_up()
        next_look = time.monotonic() + self._timing.poll_interval
        while not self._stopped.is_set():
            polled = bool(self._whole) or len(self._watched) > (idled is not None)
            if idled is None:
                self._stopped.wait(max(0.0, next_look - time.monotonic()))
            else:
                renew_at = time.monotonic() + self._timing.renew
                if self._idle(client, min(renew_at, next_look) if polled else renew_at):
                    selected = _selected(client.select_folder(INBOX, readonly=True))
                    self._compare(idled, selected, {}, reported=True)
            if polled and time.monotonic() >= next_look and not self._stopped.is_set():
                if self._whole:
                    self._list_again(client)
                self._look(client, idled, condstore, {})
                next_look = time.monotonic() + self._timing.poll_interval

    def _set_watched(self, listed: list[tuple[Any, Any, Any]]) -> None:
        """Watch the folders named by a path, and with ``_whole`` every selectable folder of ``listed``."""
        self._listed = frozenset(_names(listed)) if self._whole else frozenset()
        watched = {mailbox: list(names) for mailbox, names in self._named.items()}
        for mailbox in sorted(self._listed):
            watched.setdefault(mailbox, []).extend(self._whole)
        self._watched = {mailbox: tuple(names) for mailbox, names in watched.items()}

    def _list_again(self, client: IMAPClient) -> None:
        """Read the mailbox's folders again: one made or removed is a change of the folders mirroring them all."""
        listed = client.list_folders()
        if frozenset(_names(listed)) == self._listed:
            return
        self._set_watched(listed)
        self._seen = {mailbox: state for mailbox, state in self._seen.items() if mailbox in self._watched}
        for name in self._whole:
            log.info("push e-mail: %s of %s changed in IMAP (its folders)", name, self.account)
            self._changed(name, None)

    def _look(self, client: IMAPClient, idled: str | None, condstore: bool, marks: dict[str, MailMark]) -> None:
        """STATUS of each watched folder but ``idled``; a change since the last look (or since ``marks``) is told."""
        wanted = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES", *([b"HIGHESTMODSEQ"] if condstore else [])]
        for mailbox in list(self._watched):
            if mailbox == idled:
                continue
            status = client.folder_status(mailbox, wanted)
            state = FolderState(
                int(status[b"UIDVALIDITY"]),
                int(status.get(b"HIGHESTMODSEQ", 0)),
                int(status.get(b"UIDNEXT", 0)),
                int(status.get(b"MESSAGES", 0)),
            )
            self._compare(mailbox, state, marks)

    def _compare(self, mailbox: str, state: FolderState, marks: dict[str, MailMark], reported: bool = False) -> None:
        """Tell a change of the IMAP folder since it was last seen (or since ``marks``), or one the server
        ``reported`` (without CONDSTORE, a change of flags shows in no state), to each folder of the store
        mirroring it."""
        seen = self._seen.get(mailbox) or marks.get(mailbox)
        self._seen[mailbox] = state
        if reported or state.differs(seen):
            for name in self._watched[mailbox]:
                log.info("push e-mail: %s of %s changed in IMAP", name, self.account)
                self._changed(name, state.since(mailbox, seen))

    def _idle(self, client: IMAPClient, until: float) -> bool:
        """One IDLE on the selected INBOX until ``until`` (monotonic) or until the server reports a change;
        whether it did."""
        client.idle()
        sock = client.socket()
        reported = False
        while not reported and (left := until - time.monotonic()) > 0:
            readable = _readable(sock, left)
            if self._stopped.is_set():
                return False
            if not readable:
                continue
            responses = client.idle_check(timeout=0)
            if not responses:
                break  # readable with nothing to read: the server may have closed; ending the IDLE tells
            reported = _changes(responses)
        _, responses = client.idle_done()
        return reported or _changes(responses)


def _selected(selected: dict[bytes, Any]) -> FolderState:
    return FolderState(
        int(selected[b"UIDVALIDITY"]),
        int(selected.get(b"HIGHESTMODSEQ", 0)),
        int(selected.get(b"UIDNEXT", 0)),
        int(selected.get(b"EXISTS", 0)),
    )


def _readable(sock: socket.socket, timeout: float) -> bool:
    """Whether the connection has something to read (or was closed) within ``timeout`` seconds."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(timeout * 1000))


def _names(listed: list[tuple[Any, Any, Any]]) -> list[str]:
    """The IMAP names of the selectable folders among ``listed`` (the INBOX as ``INBOX``)."""
    return [INBOX if str(name).upper() == INBOX else str(name) for flags, _, name in listed if selectable(flags)]


def _changes(responses: list[Any]) -> bool:
    return any(isinstance(response, tuple) and response[1:2] and response[1] in CHANGES for response in responses)
