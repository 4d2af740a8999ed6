"""Server configuration: one frozen, validated ``ServerConfig`` built from CLI flags and the environment.

Only the server, the admin tools and the CLI see this object; the engine gets plain
``EngineSettings`` derived from it (see ``syncmld.server.app.engine_settings``).
"""

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from syncmld.caches import CacheLimits
from syncmld.dav.api import DavLimits
from syncmld.engine.api import EngineSettings, ThrottleSettings
from syncmld.engine.identifiers import IdentifierLimits
from syncmld.errors import ConfigError
from syncmld.log import LogFormat
from syncmld.push.settings import PushSettings
from syncmld.server_key import key_file_path, restrict_mode
from syncmld.store import masked_password, sqlite_url
from syncmld.upstream.limits import UpstreamSettings

DATA_DIR_ENV = "SYNCMLD_DATA_DIR"
"""Environment variable naming the data directory when ``--data-dir`` is not given."""
DB_ENV = "SYNCMLD_DB"
"""Environment variable holding the store's URL when ``--db`` is not given."""
DEFAULT_DATA_DIR = Path("syncmld-data")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_PATH = "/syncml"
DEFAULT_DAV_PATH = "/dav"
DEFAULT_SESSION_TIMEOUT = 3600.0
DEFAULT_SESSION_SWEEP_INTERVAL = 300.0
DEFAULT_MAIL_TIMEOUT = 30.0
"""Seconds a mail server may take to connect or answer."""
"""Seconds between two sweeps of expired sessions, nonces and failed logins while serving."""

BACKUPS_DIR_NAME = "backups"
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""Where prometheus_client keeps each server process's metrics (set by ``syncmld serve``)."""


class LogLevel(StrEnum):
    """How much the server logs (``--log-level``)."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class HttpImplementation(StrEnum):
    """Which HTTP/1.1 parser serves the requests (``--http``): httptools (C, llhttp) costs less CPU a request."""

    HTTPTOOLS = "httptools"
    H11 = "h11"


class EventLoop(StrEnum):
    """Which event loop runs the server (``--loop``): uvloop (libuv) costs less CPU a request."""

    UVLOOP = "uvloop"
    ASYNCIO = "asyncio"


MSG_SIZE_ALLOWANCE = 10
"""Percent above the announced MaxMsgSize a body may have: some clients count MaxMsgSize without
their own envelope, or overshoot by a few hundred bytes."""


@dataclass(frozen=True)
class WireLimits:
    """What a client may cost the server on the wire, before and after it has logged in."""

    login_message_size: int = 128 * 1024
    """The largest message without a session (a login: credentials, Alerts, a DevInf with long
    CTCaps); real first messages are 2-25 kB."""
    decoded_ratio: int = 4
    """A WBXML message may decode to this many times the body limit (text, data, 8 bytes an element)."""
    login_concurrency: int = 4
    """Messages without a session decoded and answered at once."""
    login_queue: int = 32
    """Messages without a session waiting for one of those places; beyond them: 503 with Retry-After."""
    message_threads: int = 4
    """Worker threads answering messages at once; the other messages wait, the earliest arrival first."""
    log_login_bytes: int = 2048
    """With ``--log-messages``: characters logged of a message that did not log in (the rest is cut)."""
    read_timeout: float = 30.0
    """Seconds a connection has to send a request's headers, counted from its start or the last reply;
    a body gets as long again before ``min_body_rate`` is asked of it."""
    min_body_rate: int = 1000
    """Bytes per second a body must have arrived at on average after ``read_timeout`` seconds (a 64
    kbit/s link sends 8,000)."""
    max_connections: int = 1000
    """Open connections; beyond them every request is answered 503."""
    max_head_size: int = 16 * 1024
    """Bytes of a request's line and headers; a longer head is answered 431 and its connection closed."""
    live_sessions: int = 10_000
    """Sessions a process remembers having answered (about 100 bytes each), so that their next message is not
    looked for in the store before its body is read; 0 looks for every one."""

    def __post_init__(self) -> None:
        positive = (
            self.login_message_size,
            self.decoded_ratio,
            self.login_concurrency,
            self.message_threads,
            self.min_body_rate,
            self.max_connections,
            self.max_head_size,
            self.read_timeout,
        )
        if min(positive) <= 0:
            raise ConfigError(
                "the login message size, decoded ratio, login concurrency, message threads, body rate, "
                "connections, head size and read timeout must be positive"
            )
        if min(self.login_queue, self.log_login_bytes, self.live_sessions) < 0:
            raise ConfigError(
                "the login queue, the logged characters of a login and the live sessions must not be negative"
            )


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    db: str | None = None
    """The store's URL (``--db``, ``$SYNCMLD_DB``); None keeps the SQLite file in ``data_dir``."""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    path: str = DEFAULT_PATH
    """URL path of the SyncML endpoint; ``path + "/index.html"`` answers as well."""
    log_level: LogLevel = LogLevel.INFO
    log_messages: bool = False
    """Log every SyncML message in and out (credentials masked)."""
    log_format: LogFormat = LogFormat.TEXT
    max_msg_size: int = EngineSettings.max_msg_size
    """The MaxMsgSize the server announces; bodies a little larger are read too (``WireLimits``)."""
    max_obj_size: int = EngineSettings.max_obj_size
    """The MaxObjSize the server announces and enforces: the largest item, chunks added up."""
    wire: WireLimits = field(default_factory=WireLimits)
    """What a client may cost on the wire: login messages, decoding, slow connections."""
    session_timeout: float = DEFAULT_SESSION_TIMEOUT
    login_throttle: ThrottleSettings = field(default_factory=ThrottleSettings)
    """When failed logins per account and address and per address slow down and lock further logins."""
    identifiers: IdentifierLimits = field(default_factory=IdentifierLimits)
    """The longest identifiers a message may carry."""
    nonce_lifetime: float = EngineSettings.nonce_lifetime
    """Seconds a device's stored nonce stays good for its next MD5 or HMAC login."""
    challenge_window: float = EngineSettings.challenge_window
    """Seconds a signed challenge nonce is good for (between one and two windows)."""
    session_sweep_interval: float = DEFAULT_SESSION_SWEEP_INTERVAL
    mail_timeout: float = DEFAULT_MAIL_TIMEOUT
    """Seconds a mail server (IMAP, SMTP) may take to connect or answer before its folder gets 503."""
    mail_journal_max_changes: int = EngineSettings.mail_journal_max_changes
    """Devices' mail changes an account may have waiting for its IMAP server; further ones get 420."""
    mail_journal_max_bytes: int = EngineSettings.mail_journal_max_bytes
    """Bytes of messages (drafts, moved mail) an account may have waiting for its IMAP server; further ones get 420."""
    mail_sends_keep: float = EngineSettings.mail_sends_keep
    """Seconds a mail sent is remembered, so that a device bringing it again does not send it twice."""
    mail_sends_max: int = EngineSettings.mail_sends_max
    """Most mails given to send remembered per account (the oldest are forgotten first)."""
    max_session_items: int = EngineSettings.max_session_items
    """Items one data store of a session may take in a slow sync or reset; a message beyond them is refused."""
    forwarded_allow_ips: str | None = None
    """Proxies (addresses or networks, comma-separated, ``*`` for any) whose X-Forwarded-For and
    X-Forwarded-Proto name the client; None: no proxy, those headers are ignored from everyone."""
    tls_cert: Path | None = None
    """PEM certificate chain to serve HTTPS with (``tls_key`` holds its private key); None: plain HTTP."""
    tls_key: Path | None = None
    upstream: UpstreamSettings = field(default_factory=UpstreamSettings)
    """Syncing accounts with their CalDAV/CardDAV upstreams: timeouts, answer sizes, retries."""
    admin_allow_ips: str = "127.0.0.1,::1"
    """The client addresses and networks (comma-separated, ``*`` for any) the web admin answers; others get 403."""
    admin_form_size: int = 64 * 1024
    """The largest form body the web admin reads (its login form's included); larger: 413."""
    admin_session_lifetime: int = 8 * 3600
    """Seconds an admin stays logged in to the web admin."""
    timeline_dump_size: int = 64 * 1024
    """Characters kept of each message (and of its reply) in a session's timeline while ``log_messages`` is on."""
    push: PushSettings = field(default_factory=PushSettings)
    """Push: the server identifier, when notifications are due, retries, the SMS gateway."""
    dav_path: str = DEFAULT_DAV_PATH
    """URL path of the CardDAV and CalDAV tree."""
    dav: DavLimits = field(default_factory=DavLimits)
    """What one DAV request may ask: body size, multiget hrefs, sync-collection results, name length."""
    caches: CacheLimits = field(default_factory=CacheLimits)
    """Entries (and the largest entry) each cache of what clients send keeps, in each server process."""
    http: HttpImplementation = HttpImplementation.HTTPTOOLS
    """The HTTP/1.1 parser (both keep every limit of ``wire``)."""
    loop: EventLoop = EventLoop.UVLOOP
    gc_threshold: int = 10_000
    """New container objects (less those freed) after which the garbage collector looks at the youngest ones,
    once start-up is done (Python's own is 700: at that rate a loaded server collected 600 times a minute)."""

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is not between 0 and 65535")
        if not self.path.startswith("/"):
            raise ConfigError(f"path {self.path!r} must start with '/'")
        if not self.dav_path.startswith("/") or self.dav_path.strip("/") in ("", self.path.strip("/")):
            raise ConfigError(
                f"DAV path {self.dav_path!r} must start with '/', name a directory and differ from the SyncML path"
            )
        if self.log_level not in set(LogLevel):
            raise ConfigError(f"log level {self.log_level!r} is not one of {', '.join(LogLevel)}")
        if min(self.max_msg_size, self.max_obj_size) <= 0:
            raise ConfigError("the maximum message and object sizes must be positive")
        if (
            min(
                self.session_timeout,
                self.session_sweep_interval,
                self.nonce_lifetime,
                self.challenge_window,
                self.mail_timeout,
                self.mail_sends_keep,
            )
            <= 0
        ):
            raise ConfigError(
                "the session timeout, the sweep interval, the nonce lifetime, the challenge window, the mail"
                " timeout and the time mails sent are remembered must be positive"
            )
        if min(self.mail_journal_max_changes, self.mail_journal_max_bytes) < 1:
            raise ConfigError("the mail changes and their messages' bytes waiting for IMAP must be at least 1")
        if self.mail_sends_max < 1:
            raise ConfigError("the mails sent remembered per account must be at least 1")
        if min(self.identifiers.max_id_length, self.identifiers.max_uri_length) < 1:
            raise ConfigError("the longest identifier and URI must be at least 1 character")
        throttle = self.login_throttle
        if (
            min(
                throttle.delay_after,
                throttle.lock_after,
                throttle.address_delay_after,
                throttle.address_lock_after,
                throttle.max_keys,
            )
            < 1
        ):
            raise ConfigError(
                "the failed logins before a delay and before a lock, and the keys remembered, must be at least 1"
            )
        if throttle.delay < 0 or throttle.period <= 0:
            raise ConfigError("the login delay must not be negative and the lock period must be positive")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ConfigError("TLS needs both a certificate (--tls-cert) and its key (--tls-key)")
        if self.forwarded_allow_ips is not None:
            check_proxies(self.forwarded_allow_ips)
        check_proxies(self.admin_allow_ips)
        if min(self.admin_form_size, self.admin_session_lifetime, self.timeline_dump_size) <= 0:
            raise ConfigError("the web admin's form size, session lifetime and timeline dump size must be positive")
        if self.gc_threshold < 1:
            raise ConfigError("the garbage collector's threshold must be at least 1")
        object.__setattr__(self, "path", "/" + self.path.strip("/"))
        object.__setattr__(self, "dav_path", "/" + self.dav_path.strip("/"))

    @property
    def scheme(self) -> str:
        return "http" if self.tls_cert is None else "https"

    @property
    def body_limit(self) -> int:
        """The largest body read in a session: the announced MaxMsgSize and the allowance above it."""
        return self.max_msg_size + self.max_msg_size * MSG_SIZE_ALLOWANCE // 100

    @property
    def login_body_limit(self) -> int:
        """The largest body read without a session."""
        return min(self.wire.login_message_size, self.body_limit)

    @property
    def store_url(self) -> str:
        return self.db or sqlite_url(self.data_dir)

    @property
    def key_file(self) -> Path:
        """The server key's file (``secret.key`` in the data directory, or ``$SYNCMLD_KEY_FILE``)."""
        return key_file_path(self.data_dir)

    @property
    def store_option(self) -> str:
        """The command-line option that names this store, password masked."""
        return f"--data-dir {self.data_dir}" if self.db is None else f"--db {masked_password(self.db)}"

    @property
    def endpoint_paths(self) -> tuple[str, ...]:
        """The URL paths SyncML clients may post to."""
        base = self.path.rstrip("/")
        return tuple(dict.fromkeys((self.path, base + "/", base + "/index.html")))


def check_proxies(proxies: str) -> None:
    """ConfigError unless ``proxies`` is ``*`` or comma-separated IP addresses and networks."""
    for entry in proxies.split(","):
        if entry.strip() == "*":
            continue
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError as error:
            raise ConfigError(f"proxy {entry.strip()!r} is not an IP address or network (nor *)") from error


def default_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$SYNCMLD_DATA_DIR`` if set, else ``./syncmld-data``."""
    configured = environ.get(DATA_DIR_ENV, "").strip()
    return Path(configured) if configured else DEFAULT_DATA_DIR


def backups_dir(data_dir: Path) -> Path:
    """Where backup archives are kept: ``DATA_DIR/backups``."""
    return data_dir / BACKUPS_DIR_NAME


DATA_DIR_MODE = 0o700
"""The data directory is its owner's only: it holds the database, the server key and the backups."""


def prepare_data_dir(data_dir: Path) -> Path:
    """Create the data directory (mode 0700) if missing, take other users' access away from an existing
    one (logged), and check that it is writable."""
    try:
        data_dir.mkdir(mode=DATA_DIR_MODE, parents=True, exist_ok=True)
        restrict_mode(data_dir, DATA_DIR_MODE)
    except OSError as error:
        raise ConfigError(f"cannot use data directory {data_dir}: {error.strerror}") from error
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise ConfigError(f"data directory {data_dir} is not writable")
    return data_dir
