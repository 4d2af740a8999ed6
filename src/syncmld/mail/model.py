"""What the engine knows of mail: how to log in, a folder's listing, the changes a device made (no I/O)."""

import base64
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from syncmld.errors import LocalError
from syncmld.settings import MailRemoval
from syncmld.status import StatusCode
from syncmld.store.base import MailMark


class Security(StrEnum):
    """How a connection to a mail server is protected."""

    PLAIN = "plain"
    """No TLS: loopback only (tests, a server on the same host)."""
    TLS = "tls"
    """TLS from the start (``imaps://``, ``smtps://``)."""
    STARTTLS = "starttls"


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    security: Security


@dataclass(frozen=True)
class MailLogin:
    """Where an account's mail is and how to log in to it; hashable (the engine keys results on it)."""

    imap: Endpoint
    smtp: Endpoint
    user: str
    """The login name: the account's address, or the master user's."""
    password: str = field(repr=False)
    authorize: str | None = None
    """With a master user: the account logged in as (SASL PLAIN authorization identity)."""

    @property
    def account(self) -> str:
        return self.authorize or self.user


class MailFlag(StrEnum):
    """The flags of the e-mail object, by their name there; ``IMAP_FLAGS`` names them in IMAP."""

    READ = "read"
    FORWARDED = "forwarded"
    REPLIED = "replied"
    DELETED = "deleted"
    FLAGGED = "flagged"


IMAP_FLAGS: dict[MailFlag, str] = {
    MailFlag.READ: "\\Seen",
    MailFlag.FORWARDED: "$Forwarded",
    MailFlag.REPLIED: "\\Answered",
    MailFlag.DELETED: "\\Deleted",
    MailFlag.FLAGGED: "\\Flagged",
}


@dataclass(frozen=True)
class MessageSummary:
    """One message of a folder as a listing shows it."""

    uid: int
    flags: frozenset[MailFlag]
    received: str
    """INTERNALDATE, ISO 8601 UTC (``20240131T120000Z``)."""
    size: int


@dataclass(frozen=True)
class Listing:
    """A folder's messages: all of them, or (``complete`` false, CONDSTORE) those changed since a mark."""

    uidvalidity: int
    messages: tuple[MessageSummary, ...]
    modseq: int = 0
    """The folder's HIGHESTMODSEQ (0: the server has no CONDSTORE)."""
    complete: bool = True
    uids: tuple[int, ...] | None = None
    """With ``complete`` false: every UID in the folder, None when nothing changed (none is gone either)."""


class FolderRole(StrEnum):
    """A folder's role in the OMA DS folder object (``role``): the INBOX, SPECIAL-USE folders, the outbox."""

    INBOX = "inbox"
    OUTBOX = "outbox"
    SENT = "sent"
    DRAFTS = "drafts"
    TRASH = "deleted"


@dataclass(frozen=True)
class MailFolder:
    """One IMAP folder as a device's folder tree shows it."""

    path: str
    """Its name with the levels joined by ``/`` whatever the server's delimiter (``INBOX`` for the INBOX)."""
    role: FolderRole | None = None
    selectable: bool = True

    @property
    def parent(self) -> str | None:
        """The path of the folder above it, None at the top."""
        above, slash, _ = self.path.rpartition("/")
        return above if slash else None


@dataclass(frozen=True)
class Mailbox:
    """Every folder of an account's mailbox and the listing of each selectable one."""

    folders: tuple[MailFolder, ...]
    listings: tuple[tuple[str, Listing], ...]
    """Path -> listing (always complete)."""


@dataclass(frozen=True)
class NewMail:
    """A mail a device put in a folder (a draft, or a mail it moved there), to APPEND to it; ``replaces``, the
    UID of the draft it takes the place of (removed once it is appended)."""

    key: str
    """The device's item in the store (its GUID), given the mail's UID once it is in IMAP."""
    message: bytes
    flags: frozenset[MailFlag] = frozenset()
    replaces: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "message": base64.b64encode(self.message).decode("ascii"),
            "flags": sorted(self.flags),
            "replaces": self.replaces,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "NewMail":
        replaces = data.get("replaces")
        return cls(
            str(data["key"]),
            base64.b64decode(data["message"]),
            frozenset(MailFlag(name) for name in data.get("flags", ())),
            int(replaces) if replaces is not None else None,
        )


@dataclass(frozen=True)
class Moved:
    """A message a device put in another folder of its tree: its UID, the folder's path, its item's GUID."""

    uid: int
    to: str
    key: str


@dataclass(frozen=True)
class FolderChanges:
    """What devices changed in one folder: flags to set exactly, messages to remove, to move elsewhere, mails
    to append; ``store_folder``, ``device`` and ``tree`` say where the items of moved and appended mails are,
    so that they take their new place in IMAP as their ID once it is known."""

    folder: str
    uidvalidity: int
    flags: tuple[tuple[int, frozenset[MailFlag]], ...] = ()
    removed: tuple[int, ...] = ()
    removal: MailRemoval = MailRemoval.TRASH
    added: tuple[NewMail, ...] = ()
    moved: tuple[Moved, ...] = ()
    store_folder: int = 0
    device: int = 0
    tree: bool = False

    def to_json(self) -> str:
        """How the store's journal keeps them."""
        flags = [[uid, sorted(flags)] for uid, flags in self.flags]
        return json.dumps(
            {"folder": self.folder, "uidvalidity": self.uidvalidity, "flags": flags, "removed": list(self.removed),
             "removal": self.removal.value, "added": [mail.to_json() for mail in self.added],
             "moved": [[moved.uid, moved.to, moved.key] for moved in self.moved], "store_folder": self.store_folder,
             "device": self.device, "tree": self.tree},
            separators=(",", ":"),
        )  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> "FolderChanges":
        data = json.loads(text)
        return cls(
            data["folder"],
            int(data["uidvalidity"]),
            tuple((int(uid), frozenset(MailFlag(name) for name in names)) for uid, names in data["flags"]),
            tuple(int(uid) for uid in data["removed"]),
            MailRemoval(data["removal"]),
            tuple(NewMail.from_json(mail) for mail in data.get("added", ())),
            tuple(Moved(int(uid), str(to), str(key)) for uid, to, key in data.get("moved", ())),
            int(data.get("store_folder", 0)),
            int(data.get("device", 0)),
            bool(data.get("tree", False)),
        )


@dataclass(frozen=True)
class Placed:
    """Where a mail a device moved or appended now is in IMAP: its item (``key`` in the changes' store folder)
    takes this place as its ID."""

    changes: FolderChanges
    key: str
    path: str
    uidvalidity: int
    message: MessageSummary


@dataclass(frozen=True)
class MailChanges:
    """What a device changed in a mail folder, to apply to IMAP once the message is committed."""

    login: MailLogin
    changes: FolderChanges
    entry: int
    """Its entry in the store's journal, forgotten once the changes are applied."""


@dataclass(frozen=True)
class Fetched:
    """A message as fetched: its bytes (maybe cut), and how many bytes of it were left out."""

    data: bytes
    left_out: int


@dataclass(frozen=True)
class Cut:
    """What of each message is fetched: all of it, its headers only, or at most ``max_bytes``."""

    headers_only: bool = False
    max_bytes: int | None = None


KEEP_SENDS = 30 * 86400.0
"""Seconds the record of a mail sent (or refused) is kept: the same mail brought again within them is not sent
again (a device brings it again when the reply to its message was lost, at its next sync)."""
MAX_SENDS = 10_000
"""Most records of mails given to send an account keeps (the oldest are forgotten first)."""


@dataclass(frozen=True)
class Sent:
    """What sending a mail came to: the item status for the device, and the servers' words."""

    status: StatusCode
    detail: str


@dataclass(frozen=True)
class FolderWrite:
    """A device's changes about to be written to one IMAP folder: the folder's name there, its UIDVALIDITY
    and HIGHESTMODSEQ before the first write."""

    device: int
    mailbox: str
    uidvalidity: int
    modseq: int


class WriteJournal(Protocol):
    """Where the IMAP side records what it writes for devices, before and after the writing (the store)."""

    def begun(self, login: MailLogin, writes: tuple[FolderWrite, ...]) -> tuple[int, ...]:
        """Record the writes as begun; an id for each (0: not recorded)."""
        ...

    def ended(self, ids: tuple[int, ...], modseqs: tuple[int, ...] | None) -> None:
        """Record each write's folder's HIGHESTMODSEQ after the last write; None: the writing failed."""
        ...


class MailError(LocalError):
    """The mail server could not be reached (503), refused the login (401) or has no such folder (404)."""

    status = StatusCode.SERVICE_UNAVAILABLE


class MailGateway(Protocol):
    """The I/O the engine's caller does for it (``syncmld.mail.imap``); every call may raise MailError."""

    def listing(self, login: MailLogin, folder: str, mark: MailMark | None) -> Listing:
        """The folder's UIDVALIDITY and every message's UID, flags, date and size; only what changed since
        ``mark`` when the server has CONDSTORE and the mark's UIDVALIDITY is still the folder's."""
        ...

    def fetch(
        self, login: MailLogin, folder: str, uidvalidity: int, uids: tuple[int, ...], cut: Cut
    ) -> dict[int, Fetched]:
        """The messages (those still there, of that UIDVALIDITY), cut as asked."""
        ...

    def mailbox(self, login: MailLogin) -> Mailbox:
        """Every folder with its role and, for each that holds messages, its whole listing."""
        ...

    def apply(self, login: MailLogin, changes: tuple[FolderChanges, ...]) -> tuple[Placed, ...]:
        """Set flags, remove, move and append messages as devices did (a message removed from one folder and
        added to another, by its Message-ID, is moved); where the moved and appended ones now are."""
        ...

    def send(self, login: MailLogin, key: str, message: bytes, device: int) -> Sent:
        """Send a mail ``device`` put in its outbox, once whatever number of times it is asked under ``key``,
        and put it in the Sent folder (recorded as written for the device, as ``apply`` records)."""
        ...
