"""What goes into the engine and what comes out of it."""

import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from syncmld.engine.identifiers import IdentifierLimits
from syncmld.errors import RemoteError
from syncmld.escape import quoted
from syncmld.mail.model import KEEP_SENDS, MAX_SENDS, MailChanges, MailGateway
from syncmld.protocol.codec import Encoding, decode
from syncmld.protocol.hmac_header import MacCredentials
from syncmld.protocol.messages import SyncML
from syncmld.status import StatusCode
from syncmld.store.base import Transaction

SESSION_PARAM = "sid"
"""The URL query parameter that carries our session token in the RespURI we hand out."""
SESSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What a session token may look like (``EngineContext.new_token`` makes 24 of these characters); other
values of ``sid`` are refused without a look into the store."""
SHOWN_TOKEN = 40
"""Characters of a refused session token quoted in the reason."""


def session_url(url: str, token: str) -> str:
    """``url`` with the session token added: the RespURI of a session."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{SESSION_PARAM}={token}"


def split_session_url(url: str) -> tuple[str, str | None]:
    """The URL without our session parameter, and the token it carried (if any); RemoteError (400) when
    that is no token we could have handed out, or the URL names two."""
    base, question, query = url.partition("?")
    if not question:
        return url, None
    token = None
    kept = []
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name != SESSION_PARAM:
            kept.append(part)
        elif not SESSION_TOKEN.fullmatch(value):
            raise RemoteError(
                f"no session token of ours: '{quoted(value, SHOWN_TOKEN)}' is not 1 to 64 letters, digits, '-' or '_'",
                StatusCode.BAD_REQUEST,
            )
        elif token not in (None, value):
            raise RemoteError(f"the URL names two sessions, {token} and {value}", StatusCode.BAD_REQUEST)
        else:
            token = value
    rest = "&".join(kept)
    return (f"{base}?{rest}" if rest else base), token


@dataclass(frozen=True)
class ThrottleSettings:
    """Failed logins counted per (account, client address) and per client address (``engine.throttle``)."""

    delay_after: int = 5
    """Recent failed logins of one account from one address after which its logins from there are delayed."""
    lock_after: int = 10
    """Recent failed logins of one account from one address after which its logins from there are refused
    without checking credentials."""
    address_delay_after: int = 10
    """Recent failed logins from one address, whatever the account, after which its logins are delayed."""
    address_lock_after: int = 30
    """Recent failed logins from one address after which all its logins are refused: high, since many
    devices may share one address behind NAT."""
    delay: float = 2.0
    """Seconds a throttled login's reply waits (in the HTTP shell, never in the engine)."""
    period: float = 900.0
    """Seconds a key's failed logins are remembered after the latest one: the window they are
    counted in, and how long a locked key stays locked."""
    max_keys: int = 100_000
    """Most keys (account and address pairs, addresses) whose failed logins are remembered at once; past
    that, expired ones are dropped, and failures of new keys go uncounted (logged) until there is room."""


@dataclass(frozen=True)
class EngineSettings:
    server_id: str = "syncmld"
    """The server's DevInf DevID."""
    max_msg_size: int = 1_000_000
    """The largest message the server accepts (announced to clients)."""
    max_obj_size: int = 10_000_000
    session_timeout: float = 3600.0
    """Seconds after which an idle session is forgotten."""
    throttle: ThrottleSettings = field(default_factory=ThrottleSettings)
    identifiers: IdentifierLimits = field(default_factory=IdentifierLimits)
    challenge_window: float = 300.0
    """Seconds a signed challenge nonce (first contact) is good for: between one and two windows."""
    nonce_lifetime: float = 30 * 86400.0
    """Seconds a stored nonce (issued with a successful login) stays good for the device's next login."""
    mail_journal_max_changes: int = 10_000
    """Devices' mail changes (one a mail) an account may have waiting for IMAP; further ones are refused (420)."""
    mail_journal_max_bytes: int = 50 * 1024 * 1024
    """Bytes of messages (drafts, moved mail) an account may have waiting for IMAP; further ones are refused (420)."""
    mail_sends_keep: float = KEEP_SENDS
    """Seconds the record of a mail sent (or refused) is kept: the same mail brought again within them is not sent
    again."""
    mail_sends_max: int = MAX_SENDS
    """Most records of mails given to send an account keeps (the oldest are forgotten first)."""
    max_session_items: int = 500_000
    """Items one data store of a session may take in a slow sync, a refresh from the device or a reset of the
    device (each is noted until the device's changes are planned); a message beyond them is refused."""


BACKUP_PREFIX_MAX = 64
"""The longest name of a backup (``backup=NAME``, the prefix of its archives' names): file names are
limited to 255 bytes on common file systems, a long name helps no one, and 16 more characters follow it."""
BACKUP_PREFIX = re.compile(rf"[A-Za-z0-9_-]{{0,{BACKUP_PREFIX_MAX}}}")
"""A backup's name: letters, digits, ``_`` and ``-``, possibly none."""


@dataclass(frozen=True)
class BackupItem:
    folder: str
    luid: str | None
    """The item's ID on the device, None for items that did not come from a device."""
    content_type: str
    data: bytes
    collection: str | None = None
    """What its folder holds for CardDAV and CalDAV clients when one of them made it (``Folder.dav_collection``)."""


class BackupSink(Protocol):
    """Where the engine writes backup archives (``backup`` URL parameter, and before mode 7 erases
    a folder). Archives are files; a session may add to its archive from several processes."""

    def start(self, account: str, prefix: str, now: float) -> str:
        """Create a new archive for ``account`` named prefix + YYYYMMDD + counter + ``.wot``;
        returns its name. LocalError when none can be made (no name left for the day, no room)."""
        ...

    def add_items(self, archive: str, items: Iterable[BackupItem]) -> None:
        """Append items to an archive (one call per batch: each call rewrites the archive index)."""
        ...


@dataclass(frozen=True)
class EngineContext:
    settings: EngineSettings = field(default_factory=EngineSettings)
    backups: BackupSink | None = None
    """None: backups are refused (the ``backup`` parameter is logged and ignored)."""
    clock: Callable[[], float] = time.time
    new_token: Callable[[], str] = lambda: secrets.token_urlsafe(18)
    nonce_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    """Signs challenge nonces: every process serving one store needs the same (derived from the server key)."""
    mail: MailGateway | None = None
    """The mail servers' I/O, done outside the store transaction; None: mail folders answer 503."""


@dataclass(frozen=True)
class Request:
    message: SyncML
    encoding: Encoding
    url: str
    """The URL the message was posted to, without the session parameter: the base of RespURI."""
    session_token: str | None = None
    """The session token the client sent back in the URL (from our RespURI), if any."""
    client_address: str = ""
    mac: MacCredentials | None = None
    """The message's x-syncml-hmac header, if it had one."""
    keep: "Callable[[Transaction, Outcome], None] | None" = None
    """What the caller keeps of the message and its answer (the web admin's timeline), written in the
    message's own transaction once it is answered; a message that fails is rolled back without it."""


@dataclass(frozen=True)
class SyncSummary:
    """One finished sync of one folder, for the log."""

    account: str
    device: str
    folder: str
    mode: str
    reason: str
    received: dict[str, int]
    sent: dict[str, int]
    duration_ms: float
    ok: bool = True


@dataclass(frozen=True)
class Outcome:
    reply: SyncML | None
    """What the reply holds; None for the stored reply to a resent message, which is kept as ``body`` only."""
    body: bytes
    """The reply as it goes on the wire, encoded once."""
    encoding: Encoding
    account: str | None = None
    device: str | None = None
    summaries: tuple[SyncSummary, ...] = ()
    resent: bool = False
    """True when the reply is the stored answer to a resent message."""
    delay: float = 0.0
    """Seconds to wait before sending the reply: a throttled login (see ``engine.throttle``)."""
    challenge: bool = False
    """The reply refuses a login only to challenge it (the normal first step of MD5 or HMAC), no failure."""
    mail_changes: tuple[MailChanges, ...] = ()
    """Devices' changes to mail folders, applied to IMAP once the message is committed."""
    sign_reply: Callable[[bytes], MacCredentials] | None = None
    """For a session logged in with HMAC: the x-syncml-hmac header of the reply, given its encoded body."""
    account_id: int | None = None
    """The store's id of ``account``."""

    def message(self) -> SyncML:
        """What the reply holds, read back from ``body`` for a stored reply sent again."""
        return self.reply if self.reply is not None else decode(self.body, self.encoding.content_type).message
