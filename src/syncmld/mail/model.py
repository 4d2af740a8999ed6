"""What the engine knows of mail: how to log in, a folder's listing, the changes a device made (no I/O)."""

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

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


@dataclass(frozen=True)
class FolderChanges:
    """What devices changed in one folder: flags to set exactly, messages to remove."""

    folder: str
    uidvalidity: int
    flags: tuple[tuple[int, frozenset[MailFlag]], ...] = ()
    removed: tuple[int, ...] = ()
    removal: MailRemoval = MailRemoval.TRASH

    def to_json(self) -> str:
        """How the store's journal keeps them."""
        flags = [[uid, sorted(flags)] for uid, flags in self.flags]
        return json.dumps(
            {"folder": self.folder, "uidvalidity": self.uidvalidity, "flags": flags, "removed": list(self.removed),
             "removal": self.removal.value},
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
        )


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


@dataclass(frozen=True)
class Sent:
    """What sending a mail came to: the item status for the device, and the servers' words."""

    status: StatusCode
    detail: str


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

    def apply(self, login: MailLogin, changes: FolderChanges) -> None:
        """Set flags and remove messages as devices did."""
        ...

    def send(self, login: MailLogin, key: str, message: bytes) -> Sent:
        """Send a mail a device put in its outbox, once whatever number of times it is asked under ``key``,
        and put it in the Sent folder."""
        ...
