"""One account's mailbox watched for push e-mail: an IMAP IDLE connection on its INBOX, its other folders looked
at with STATUS (HIGHESTMODSEQ) between two IDLEs, connected again with back-off after any failure. A folder
that changed is reported by calling ``changed`` with its name in the store and, with CONDSTORE, the span of
HIGHESTMODSEQ the change took (an IDLE that reports a change is ended and the INBOX selected again to read it).

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
from syncmld.mail.imap import ImapGateway, resolve
from syncmld.mail.model import MailError, MailLogin
from syncmld.store.base import MailMark

log = logging.getLogger("syncmld.push")

INBOX = "INBOX"
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
        """``folders``: each folder's name in the store -> its IMAP path (``INBOX`` is watched by IDLE, the
        others looked at every ``timing.poll_interval``); ``begin`` is called before each connection;
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
        self._mailboxes: dict[str, str] = {}
        """Each watched folder's name on the IMAP server, by its name in the store."""
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
        names: dict[str, str] = {}
        for name, path in self.folders.items():
            try:
                names[name] = resolve(client, path)
            except MailError as error:
                log.warning("push e-mail: %s of %s is not watched: %s", name, self.account, error)
        if not names:
            raise MailError("none of the folders its push devices sync is on the IMAP server")
        self._mailboxes = names
        idled = next((name for name, found in names.items() if found == INBOX), None)
        idled = idled if client.has_capability("IDLE") else None
        polled = {name: found for name, found in names.items() if name != idled}
        if idled is not None:
            self._compare(idled, _selected(client.select_folder(INBOX, readonly=True)), marks)
        self._look(client, polled, condstore, marks)
        log.info(
            "push e-mail: watching the mailbox of %s (%s, %d other folders every %.0f s)",
            self.account,
            "INBOX by IDLE" if idled is not None else "no IDLE",
            len(polled),
            self._timing.poll_interval,
        )
        self._failures = 0
        self._set_up()
        next_look = time.monotonic() + self._timing.poll_interval
        while not self._stopped.is_set():
            if idled is None:
                self._stopped.wait(max(0.0, next_look - time.monotonic()))
            else:
                renew_at = time.monotonic() + self._timing.renew
                if self._idle(client, min(renew_at, next_look) if polled else renew_at):
                    selected = _selected(client.select_folder(INBOX, readonly=True))
                    self._compare(idled, selected, {}, reported=True)
            if polled and time.monotonic() >= next_look and not self._stopped.is_set():
                self._look(client, polled, condstore, {})
                next_look = time.monotonic() + self._timing.poll_interval

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

    def _look(self, client: IMAPClient, polled: dict[str, str], condstore: bool, marks: dict[str, MailMark]) -> None:
        """STATUS of each polled folder; a change since the last look (or since ``marks``) is told."""
        wanted = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES", *([b"HIGHESTMODSEQ"] if condstore else [])]
        for name, found in polled.items():
            status = client.folder_status(found, wanted)
            state = FolderState(
                int(status[b"UIDVALIDITY"]),
                int(status.get(b"HIGHESTMODSEQ", 0)),
                int(status.get(b"UIDNEXT", 0)),
                int(status.get(b"MESSAGES", 0)),
            )
            self._compare(name, state, marks)

    def _compare(self, name: str, state: FolderState, marks: dict[str, MailMark], reported: bool = False) -> None:
        """Tell a change of the folder since it was last seen (or since ``marks``), or one the server
        ``reported`` (without CONDSTORE, a change of flags shows in no state)."""
        seen = self._seen.get(name) or marks.get(name)
        self._seen[name] = state
        if reported or state.differs(seen):
            log.info("push e-mail: %s of %s changed in IMAP", name, self.account)
            self._changed(name, state.since(self._mailboxes[name], seen))


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


def _changes(responses: list[Any]) -> bool:
    return any(isinstance(response, tuple) and response[1:2] and response[1] in CHANGES for response in responses)
