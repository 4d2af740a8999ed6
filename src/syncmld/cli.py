"""The ``syncmld`` command line: parse, call one function, report.

User mistakes end with one line on stderr, ``error: ...``, and a non-zero exit status (2 for a
misused command line, 1 otherwise); ``main`` is the one place that turns errors into that line.
"""

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click
from click.decorators import FC

from syncmld import __version__
from syncmld.accounts import (
    hash_password,
    item_key,
    md5_secret,
    normalise_access_entry,
    normalise_domain,
    normalise_email,
)
from syncmld.backup import DEFAULT_MAX_ITEM_SIZE, Backup, BackupStore, read_archive, restore_backup
from syncmld.cache_options import cache_options
from syncmld.caches import CacheLimits
from syncmld.config import (
    DATA_DIR_ENV,
    DB_ENV,
    DEFAULT_HOST,
    DEFAULT_MAIL_TIMEOUT,
    DEFAULT_PATH,
    DEFAULT_PORT,
    DEFAULT_SESSION_SWEEP_INTERVAL,
    DEFAULT_SESSION_TIMEOUT,
    EventLoop,
    HttpImplementation,
    LogLevel,
    ServerConfig,
    WireLimits,
    backups_dir,
    default_data_dir,
    prepare_data_dir,
)
from syncmld.dav.api import DavLimits
from syncmld.dav_options import dav_options
from syncmld.engine.api import EngineSettings, ThrottleSettings
from syncmld.engine.folders import is_folder_name, is_valid_user_folder_name
from syncmld.engine.identifiers import IdentifierLimits
from syncmld.errors import InvalidEmail, SettingError, SyncMLError
from syncmld.escape import escape_control
from syncmld.history.dry_run import rolled_back
from syncmld.history.recording import restore_session
from syncmld.load import DEFAULT_PASSWORD, LOAD_AUTH, LoadSettings, create_accounts, run_load
from syncmld.log import LogFormat, setup_logging
from syncmld.push.options import push_options
from syncmld.push.settings import PushSettings
from syncmld.push.summary import push_summary
from syncmld.server.serve import run_server
from syncmld.server_key import KEY_FILE_ENV, key_file_path
from syncmld.settings import AUTH, STORED_SETTINGS, AnySetting, AuthPolicy
from syncmld.shown import shown_time
from syncmld.store import SQLITE_FILE_NAME, open_store, sqlite_url
from syncmld.store.base import (
    Account,
    Accounts,
    AlreadyExists,
    DeviceSync,
    NotFound,
    Store,
)
from syncmld.upstream.limits import UpstreamSettings
from syncmld.upstream.options import upstream_options
from syncmld.wire_options import wire_limit_options

data_dir_option: Callable[[FC], FC] = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=default_data_dir,
    show_default="$SYNCMLD_DATA_DIR or ./syncmld-data",
    help="Directory holding syncmld.db (created if missing).",
)
db_option: Callable[[FC], FC] = click.option(
    "--db",
    envvar=DB_ENV,
    metavar="URL",
    help=f"The store, e.g. postgresql://USER:PASSWORD@HOST/DB (${DB_ENV}; default: syncmld.db in --data-dir).",
)
password_option: Callable[[FC], FC] = click.option("--password", required=True, help="The account's password.")


@contextmanager
def opened_store(data_dir: Path, db: str | None, adopt_key: bool = False, existing: bool = False) -> Iterator[Store]:
    """The store at the URL ``db``, else the SQLite store in ``data_dir``; closed afterwards. With
    ``existing`` (commands that only read), a store that is not there is an error naming where it was
    looked for, and nothing is created."""
    if existing:
        key_file = existing_key_file(existing_data_dir(data_dir) if db is None else data_dir)
        store = open_store(db or sqlite_url(data_dir), key_file, adopt_key, create=False)
    else:
        prepared = prepare_data_dir(data_dir)
        store = open_store(db or sqlite_url(prepared), key_file_path(prepared), adopt_key)
    try:
        yield store
    finally:
        store.close()


def existing_data_dir(data_dir: Path) -> Path:
    """``data_dir`` if it holds a store; else an error naming the file looked for (nothing is created)."""
    database = (data_dir / SQLITE_FILE_NAME).absolute()
    if not database.is_file():
        raise click.ClickException(
            f"no store at {database}: give the server's --data-dir (or ${DATA_DIR_ENV}) or --db; "
            "'syncmld account add' creates a store"
        )
    return data_dir


def existing_key_file(data_dir: Path) -> Path:
    """The server key of ``data_dir`` (or ``$SYNCMLD_KEY_FILE``) if it is there; else an error naming it."""
    key_file = key_file_path(data_dir).absolute()
    if not key_file.is_file():
        raise click.ClickException(
            f"no server key at {key_file}: give the server's --data-dir (or ${DATA_DIR_ENV}) or ${KEY_FILE_ENV}"
        )
    return key_file


def echo(line: str, err: bool = False) -> None:
    """Print one line; its control characters (names from devices and archives may hold escape
    sequences and line breaks) are escaped."""
    click.echo(escape_control(line), err=err)


def checked_email(email: str) -> str:
    try:
        return normalise_email(email)
    except InvalidEmail as error:
        raise click.ClickException(str(error)) from error


def checked_domain(name: str) -> str:
    try:
        return normalise_domain(name)
    except InvalidEmail as error:
        raise click.ClickException(str(error)) from error


def checked_access_entry(entry: str) -> str:
    """An account (``user@domain``) or a whole domain, in the form the access list keeps."""
    try:
        return normalise_access_entry(entry)
    except InvalidEmail as error:
        raise click.ClickException(str(error)) from error


def required_account(tx: Accounts, email: str) -> Account:
    account = tx.get_account(email)
    if account is None:
        raise click.ClickException(f"no account {email}")
    return account


def items_count(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def checked_password(password: str) -> str:
    if not password:
        raise click.ClickException("the password must not be empty")
    return password


def report_md5_secrets(tx: Accounts, policy: AuthPolicy) -> None:
    """After a change of the auth setting: ``basic`` drops every MD5 secret; the others name the accounts
    that have none, which log in with MD5 or HMAC only once their password is set again."""
    if policy == AuthPolicy.BASIC:
        dropped = tx.drop_md5_credentials()
        echo(
            f"dropped the MD5 secrets of {dropped} accounts: they log in with basic only (their item keys "
            "stay: DES item encryption keeps working)"
        )
        return
    without = [account.email for account in tx.list_accounts() if not account.md5_credential]
    if without:
        echo(
            f"{len(without)} accounts have no MD5 secret (made under auth basic) and log in with basic "
            f"only until their password is set again (syncmld account passwd): {', '.join(without)}"
        )


class ReadableGroup(click.Group):
    """A command group whose help lists each command with its whole first sentence, wrapped, not cut
    at the width of the terminal; its groups are of this kind too."""

    group_class = type

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, command.get_short_help_str(limit=1000))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=ReadableGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syncmld")
def cli() -> None:
    """syncmld: a SyncML (OMA Data Synchronization) server.

    Every command takes --help; 'syncmld serve --help' lists the server's options (address, TLS,
    logging, limits). Commands that change or read the store take --data-dir DIR (the server's data
    directory) or --db URL."""


@cli.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="TCP port to listen on (0: any free port).",
)
@data_dir_option
@db_option
@click.option(
    "--log-level",
    type=click.Choice([level.value for level in LogLevel]),
    default=LogLevel.INFO.value,
    show_default=True,
)
@click.option(
    "--log-format",
    type=click.Choice([form.value for form in LogFormat]),
    default=LogFormat.TEXT.value,
    show_default=True,
    help="Log lines as text, or as one JSON object each (time, level, logger, sid, message).",
)
@click.option("--log-messages", is_flag=True, help="Log every SyncML message (credentials masked).")
@click.option("--path", default=DEFAULT_PATH, show_default=True, help="URL path of the SyncML endpoint.")
@click.option(
    "--login-delay-after",
    type=click.IntRange(min=1),
    default=ThrottleSettings.delay_after,
    show_default=True,
    help="Failed logins of an account from one client address after which replies to "
    "its logins from there are delayed.",
)
@click.option(
    "--login-delay",
    type=click.FloatRange(min=0),
    default=ThrottleSettings.delay,
    show_default=True,
    help="Seconds a delayed login waits for its reply.",
)
@click.option(
    "--login-lock-after",
    type=click.IntRange(min=1),
    default=ThrottleSettings.lock_after,
    show_default=True,
    help="Failed logins of an account from one client address after which its logins "
    "from there are refused (403) until the lock period has passed.",
)
@click.option(
    "--login-address-delay-after",
    type=click.IntRange(min=1),
    default=ThrottleSettings.address_delay_after,
    show_default=True,
    help="Failed logins from one client address (any account; IPv6: its /64) after which its logins are delayed.",
)
@click.option(
    "--login-address-lock-after",
    type=click.IntRange(min=1),
    default=ThrottleSettings.address_lock_after,
    show_default=True,
    help="Failed logins from one client address after which all its logins are refused "
    "until the lock period has passed.",
)
@click.option(
    "--login-lock-period",
    type=click.FloatRange(min=0, min_open=True),
    default=ThrottleSettings.period,
    show_default=True,
    help="Seconds failed logins are remembered after the latest one: how long a lock lasts.",
)
@click.option(
    "--login-max-keys",
    type=click.IntRange(min=1),
    default=ThrottleSettings.max_keys,
    show_default=True,
    help="Most accounts-and-addresses and addresses whose failed logins are remembered at once.",
)
@click.option(
    "--max-id-length",
    type=click.IntRange(min=1),
    default=IdentifierLimits.max_id_length,
    show_default=True,
    help="Longest device ID, user name, SessionID, MsgID or CmdID a message may carry (longer: HTTP 400).",
)
@click.option(
    "--max-uri-length",
    type=click.IntRange(min=1),
    default=IdentifierLimits.max_uri_length,
    show_default=True,
    help="Longest server URI, database name or item ID a message may carry (longer: "
    "HTTP 400, or status 400 on the item).",
)
@click.option(
    "--nonce-lifetime",
    type=click.FloatRange(min=0, min_open=True),
    default=EngineSettings.nonce_lifetime,
    show_default=True,
    help="Seconds the nonce a device gets with a successful MD5 or HMAC login stays good for its next one.",
)
@click.option(
    "--challenge-window",
    type=click.FloatRange(min=0, min_open=True),
    default=EngineSettings.challenge_window,
    show_default=True,
    help="Seconds a challenge nonce sent to a device that has not logged in is good for (between one and two of them).",
)
@click.option(
    "--session-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_SESSION_TIMEOUT,
    show_default=True,
    help="Seconds after which an idle session has expired (its next message: HTTP 404).",
)
@click.option(
    "--session-sweep-interval",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_SESSION_SWEEP_INTERVAL,
    show_default=True,
    help="Seconds between two sweeps of expired sessions, nonces and failed logins.",
)
@click.option(
    "--mail-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_MAIL_TIMEOUT,
    show_default=True,
    help="Seconds an IMAP or SMTP server may take to connect or answer (then the mail folder gets 503).",
)
@click.option(
    "--mail-journal-max-changes",
    type=click.IntRange(min=1),
    default=ServerConfig.mail_journal_max_changes,
    show_default=True,
    help="Devices' mail changes (flags, deletes, moves, drafts) an account may have waiting while its IMAP server "
    "is down; further ones are refused with 420 until it takes them.",
)
@click.option(
    "--mail-journal-max-bytes",
    type=click.IntRange(min=1),
    default=ServerConfig.mail_journal_max_bytes,
    show_default=True,
    help="Bytes of messages (drafts, moved mail) an account may have waiting while its IMAP server is down; "
    "further ones are refused with 420 until it takes them.",
)
@click.option(
    "--mail-sends-keep",
    type=click.FloatRange(min=0, min_open=True),
    default=ServerConfig.mail_sends_keep,
    show_default=True,
    help="Seconds a mail a device sent is remembered, so that the device bringing it again (its reply was lost) "
    "does not send it twice.",
)
@click.option(
    "--mail-sends-max",
    type=click.IntRange(min=1),
    default=ServerConfig.mail_sends_max,
    show_default=True,
    help="Most mails given to send remembered per account (the oldest are forgotten first).",
)
@click.option(
    "--max-session-items",
    type=click.IntRange(min=1),
    default=ServerConfig.max_session_items,
    show_default=True,
    help="Items a device may send to one data store in a slow sync, a refresh or a reset (the server notes "
    "each until the sync ends); a message beyond them is answered 400.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Server processes sharing the port; any of them may answer any message of a session.",
)
@click.option(
    "--forwarded-allow-ips",
    metavar="IPS",
    help="The reverse proxies (addresses or networks, comma-separated, * for any) whose "
    "X-Forwarded-For and X-Forwarded-Proto name the client. Without it those headers are ignored.",
)
@click.option(
    "--tls-cert",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Serve HTTPS with this PEM certificate (chain); needs --tls-key.",
)
@click.option(
    "--tls-key",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The PEM private key of --tls-cert.",
)
@click.option(
    "--admin-allow-ips",
    metavar="IPS",
    default="127.0.0.1,::1",
    show_default=True,
    help="The client addresses or networks (comma-separated, * for any) the web admin at /admin answers; "
    "others get 403. It is off while there is no admin user (syncmld admin add).",
)
@click.option(
    "--max-admin-form-size",
    type=click.IntRange(min=1),
    default=ServerConfig.admin_form_size,
    show_default=True,
    help="Bytes of the largest form the web admin reads, its login included (larger: HTTP 413).",
)
@click.option(
    "--admin-session-lifetime",
    type=click.IntRange(min=1),
    default=ServerConfig.admin_session_lifetime,
    show_default=True,
    help="Seconds an admin stays logged in to the web admin.",
)
@click.option(
    "--max-timeline-dump",
    type=click.IntRange(min=1),
    default=ServerConfig.timeline_dump_size,
    show_default=True,
    help="Characters kept of each message and reply in a session's timeline in the web admin (with --log-messages).",
)
@click.option(
    "--http",
    "http_implementation",
    type=click.Choice([choice.value for choice in HttpImplementation]),
    default=ServerConfig.http.value,
    show_default=True,
    help="The HTTP/1.1 parser: httptools (C, less CPU a request) or h11 (pure Python); both keep every limit.",
)
@click.option(
    "--loop",
    "event_loop",
    type=click.Choice([choice.value for choice in EventLoop]),
    default=ServerConfig.loop.value,
    show_default=True,
    help="The event loop: uvloop (libuv, less CPU a request) or Python's asyncio.",
)
@click.option(
    "--gc-threshold",
    type=click.IntRange(min=1),
    default=ServerConfig.gc_threshold,
    show_default=True,
    help="New objects after which Python's garbage collector looks at the youngest ones, once start-up is done "
    "(Python's default is 700); higher costs less CPU and holds a little more memory between collections.",
)
@wire_limit_options
@cache_options
@upstream_options
@push_options
@dav_options
def serve(
    host: str,
    port: int,
    data_dir: Path,
    db: str | None,
    log_level: str,
    log_format: str,
    log_messages: bool,
    path: str,
    login_delay_after: int,
    login_delay: float,
    login_lock_after: int,
    login_address_delay_after: int,
    login_address_lock_after: int,
    login_lock_period: float,
    login_max_keys: int,
    max_id_length: int,
    max_uri_length: int,
    nonce_lifetime: float,
    challenge_window: float,
    session_timeout: float,
    session_sweep_interval: float,
    mail_timeout: float,
    mail_journal_max_changes: int,
    mail_journal_max_bytes: int,
    mail_sends_keep: float,
    mail_sends_max: int,
    max_session_items: int,
    workers: int,
    forwarded_allow_ips: str | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    admin_allow_ips: str,
    max_admin_form_size: int,
    admin_session_lifetime: int,
    max_timeline_dump: int,
    http_implementation: str,
    event_loop: str,
    gc_threshold: int,
    max_msg_size: int,
    max_obj_size: int,
    wire: WireLimits,
    upstream: UpstreamSettings,
    push: PushSettings,
    dav_path: str,
    dav: DavLimits,
    caches: CacheLimits,
) -> None:
    """Serve SyncML, CardDAV and CalDAV over HTTP until stopped (SIGTERM or Ctrl-C)."""
    config = ServerConfig(
        data_dir=prepare_data_dir(data_dir),
        db=db,
        host=host,
        port=port,
        path=path,
        log_level=LogLevel(log_level),
        log_messages=log_messages,
        log_format=LogFormat(log_format),
        login_throttle=ThrottleSettings(
            delay_after=login_delay_after,
            lock_after=login_lock_after,
            address_delay_after=login_address_delay_after,
            address_lock_after=login_address_lock_after,
            delay=login_delay,
            period=login_lock_period,
            max_keys=login_max_keys,
        ),
        identifiers=IdentifierLimits(max_id_length=max_id_length, max_uri_length=max_uri_length),
        nonce_lifetime=nonce_lifetime,
        challenge_window=challenge_window,
        session_timeout=session_timeout,
        session_sweep_interval=session_sweep_interval,
        mail_timeout=mail_timeout,
        mail_journal_max_changes=mail_journal_max_changes,
        mail_journal_max_bytes=mail_journal_max_bytes,
        mail_sends_keep=mail_sends_keep,
        mail_sends_max=mail_sends_max,
        max_session_items=max_session_items,
        forwarded_allow_ips=forwarded_allow_ips,
        tls_cert=tls_cert,
        tls_key=tls_key,
        admin_allow_ips=admin_allow_ips,
        admin_form_size=max_admin_form_size,
        admin_session_lifetime=admin_session_lifetime,
        timeline_dump_size=max_timeline_dump,
        http=HttpImplementation(http_implementation),
        loop=EventLoop(event_loop),
        gc_threshold=gc_threshold,
        max_msg_size=max_msg_size,
        max_obj_size=max_obj_size,
        wire=wire,
        upstream=upstream,
        push=push,
        dav_path=dav_path,
        dav=dav,
        caches=caches,
    )
    setup_logging(config.log_level, config.log_format)
    run_server(config, workers)


@cli.group()
def account() -> None:
    """Manage the accounts that may sync (the login is the full e-mail address)."""


@account.command("add")
@click.argument("email")
@password_option
@data_dir_option
@db_option
def account_add(email: str, password: str, data_dir: Path, db: str | None) -> None:
    """Create an account."""
    address, secret = checked_email(email), checked_password(password)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        try:
            tx.add_account(address, md5_secret(tx, address, secret), hash_password(secret), item_key(secret))
        except AlreadyExists as error:
            raise click.ClickException(f"account {address} exists already") from error
    echo(f"added account {address}")


@account.command("list")
@data_dir_option
@db_option
def account_list(data_dir: Path, db: str | None) -> None:
    """List the accounts, one e-mail address a line."""
    with opened_store(data_dir, db, existing=True) as store, store.transaction() as tx:
        accounts = tx.list_accounts()
    for entry in accounts:
        echo(entry.email if entry.enabled else f"{entry.email} (disabled)")
    if not accounts:
        echo("no accounts; add one with: syncmld account add EMAIL --password PW", err=True)


@account.command("remove")
@click.argument("email")
@data_dir_option
@db_option
def account_remove(email: str, data_dir: Path, db: str | None) -> None:
    """Remove an account and everything it owns."""
    address = checked_email(email)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        try:
            tx.remove_account(address)
        except NotFound as error:
            raise click.ClickException(f"no account {address}") from error
    echo(f"removed account {address}")


@account.command("passwd")
@click.argument("email")
@password_option
@data_dir_option
@db_option
def account_passwd(email: str, password: str, data_dir: Path, db: str | None) -> None:
    """Change an account's password."""
    address, secret = checked_email(email), checked_password(password)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        try:
            tx.set_credentials(address, md5_secret(tx, address, secret), hash_password(secret), item_key(secret))
        except NotFound as error:
            raise click.ClickException(f"no account {address}") from error
    echo(f"changed the password of {address}")


def set_account_enabled(email: str, data_dir: Path, db: str | None, enabled: bool) -> None:
    address = checked_email(email)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        try:
            tx.set_account_enabled(address, enabled)
        except NotFound as error:
            raise click.ClickException(f"no account {address}") from error
    echo(f"SyncML {'enabled' if enabled else 'disabled'} for account {address}")


@account.command("enable")
@click.argument("email")
@data_dir_option
@db_option
def account_enable(email: str, data_dir: Path, db: str | None) -> None:
    """Let an account use SyncML again."""
    set_account_enabled(email, data_dir, db, True)


@account.command("disable")
@click.argument("email")
@data_dir_option
@db_option
def account_disable(email: str, data_dir: Path, db: str | None) -> None:
    """Refuse SyncML to an account (its data is kept)."""
    set_account_enabled(email, data_dir, db, False)


@cli.group()
def domain() -> None:
    """Manage domains: SyncML can be disabled for every account of a domain.

    A domain that is not registered counts as enabled."""


@domain.command("add")
@click.argument("name")
@data_dir_option
@db_option
def domain_add(name: str, data_dir: Path, db: str | None) -> None:
    """Register a domain (enabled)."""
    checked = checked_domain(name)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        try:
            tx.add_domain(checked)
        except AlreadyExists as error:
            raise click.ClickException(f"domain {checked} exists already") from error
    echo(f"added domain {checked}")


@domain.command("list")
@data_dir_option
@db_option
def domain_list(data_dir: Path, db: str | None) -> None:
    """List the registered domains, one a line."""
    with opened_store(data_dir, db, existing=True) as store, store.transaction() as tx:
        domains = tx.list_domains()
    for entry in domains:
        echo(entry.name if entry.enabled else f"{entry.name} (disabled)")
    if not domains:
        echo("no domains registered; every domain counts as enabled", err=True)


def set_domain_enabled(name: str, data_dir: Path, db: str | None, enabled: bool) -> None:
    checked = checked_domain(name)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        try:
            tx.set_domain_enabled(checked, enabled)
        except NotFound as error:
            raise click.ClickException(f"no domain {checked}; add it with: syncmld domain add {checked}") from error
    echo(f"SyncML {'enabled' if enabled else 'disabled'} for domain {checked}")


@domain.command("enable")
@click.argument("name")
@data_dir_option
@db_option
def domain_enable(name: str, data_dir: Path, db: str | None) -> None:
    """Let the accounts of a domain use SyncML again."""
    set_domain_enabled(name, data_dir, db, True)


@domain.command("disable")
@click.argument("name")
@data_dir_option
@db_option
def domain_disable(name: str, data_dir: Path, db: str | None) -> None:
    """Refuse SyncML to every account of a domain."""
    set_domain_enabled(name, data_dir, db, False)


EMPTY_ACCESS_LIST = "the access list is empty: every account may use SyncML"


@cli.group()
def access() -> None:
    """Manage the access list: when it is not empty, only the accounts and domains on it may sync."""


@access.command("allow")
@click.argument("entry")
@data_dir_option
@db_option
def access_allow(entry: str, data_dir: Path, db: str | None) -> None:
    """Put an account (user@domain) or a whole domain on the access list."""
    checked = checked_access_entry(entry)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        tx.access_allow(checked)
    echo(f"{checked} is on the access list")


@access.command("deny")
@click.argument("entry")
@data_dir_option
@db_option
def access_deny(entry: str, data_dir: Path, db: str | None) -> None:
    """Take an account or a domain off the access list."""
    checked = checked_access_entry(entry)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        try:
            tx.access_deny(checked)
        except NotFound as error:
            raise click.ClickException(f"{checked} is not on the access list") from error
        now_empty = not tx.list_access()
    echo(f"took {checked} off the access list")
    if now_empty:
        echo(EMPTY_ACCESS_LIST)


@access.command("list")
@data_dir_option
@db_option
def access_list(data_dir: Path, db: str | None) -> None:
    """List the access list, one account or domain a line."""
    with opened_store(data_dir, db, existing=True) as store, store.transaction() as tx:
        entries = tx.list_access()
    for entry in entries:
        echo(entry)
    if not entries:
        echo(EMPTY_ACCESS_LIST, err=True)


SETTINGS_BY_NAME = {setting.name: setting for setting in STORED_SETTINGS}


@cli.group()
def config() -> None:
    """Show and change the server settings kept in the store."""


@config.command(
    "set",
    help="Change a setting.\n\n\b\n" + "\n".join(f"{s.name} {s.values_text}: {s.description}" for s in STORED_SETTINGS),
    short_help="Change a setting: " + ", ".join(f"{s.name} {s.values_text}" for s in STORED_SETTINGS) + ".",
)
@click.argument("name", type=click.Choice(list(SETTINGS_BY_NAME)))
@click.argument("value")
@click.option("--account", "email", help="Set it for this account only (conflict, mail_*).")
@click.option("--domain", help="Set it for the accounts of this domain that have no value of their own (mail_*).")
@data_dir_option
@db_option
def config_set(name: str, value: str, email: str | None, domain: str | None, data_dir: Path, db: str | None) -> None:
    setting = SETTINGS_BY_NAME[name]
    try:
        stored = setting.checked(value)
    except SettingError as error:
        raise click.BadParameter(str(error), param_hint=f"{name} VALUE") from error
    key = name
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        if email is not None:
            if not setting.per_account:
                raise click.BadParameter(f"{name} cannot be set per account", param_hint="--account")
            key = setting.key(required_account(tx, checked_email(email)).email)
        if domain is not None:
            if email is not None or not setting.per_domain:
                raise click.BadParameter(
                    f"{name} cannot be set per domain" if email is None else "--account or --domain"
                )
            key = setting.key(checked_domain(domain))
        tx.set_setting(key, stored)
        echo(f"{key} = {stored}")
        if key == AUTH.name:
            report_md5_secrets(tx, AUTH.parse(stored))


@config.command("show")
@data_dir_option
@db_option
def config_show(data_dir: Path, db: str | None) -> None:
    """Show every setting with its value in effect, defaults included; an unusable stored value is
    shown as it is, with what is wrong with it."""
    with opened_store(data_dir, db, existing=True) as store, store.transaction() as tx:
        stored = tx.list_settings()
    for setting in STORED_SETTINGS:
        value = stored.get(setting.name)
        shown = f"{setting.default_text} (default)" if value is None else shown_setting(setting, value)
        echo(f"{setting.name} = {shown}")
        for key in sorted(key for key in stored if key.startswith(f"{setting.name}:")):
            echo(f"{key} = {shown_setting(setting, stored[key])}")


def shown_setting(setting: AnySetting, value: str) -> str:
    """A stored value as ``config show`` lists it: as it is, and why it is unusable when it is."""
    try:
        setting.parse(value)
    except SettingError as error:
        return f"{value} (unusable: {error})"
    return value


@cli.group()
def key() -> None:
    """The server key that seals the accounts' secrets (docs/security.md)."""


@key.command("adopt")
@data_dir_option
@db_option
def key_adopt(data_dir: Path, db: str | None) -> None:
    """Make the key file of --data-dir (or $SYNCMLD_KEY_FILE) the store's key, when the one its secrets
    were sealed with is lost: those accounts log in with basic only until their password is set again."""
    with opened_store(data_dir, db, adopt_key=True):
        pass
    echo(
        "this key file is now the store's key; accounts whose secrets were sealed with the lost key log in with "
        "basic only, and their DES items are refused, until their password is set again (syncmld account passwd)"
    )


@cli.group()
def folder() -> None:
    """An account's folders: the standard ones and folders of its own (bookmarks, SMS, ...)."""


@folder.command("add")
@click.argument("email")
@click.argument("name")
@data_dir_option
@db_option
def folder_add(email: str, name: str, data_dir: Path, db: str | None) -> None:
    """Create a folder of the account's own, which devices then sync by its name."""
    if not is_valid_user_folder_name(name):
        raise click.BadParameter(
            f"{name!r} is a standard folder's name or holds '/', '?', '#' or blanks at its ends", param_hint="NAME"
        )
    address = checked_email(email)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        account_id = required_account(tx, address).id
        if tx.get_folder(account_id, name) is not None:
            raise click.ClickException(f"{address} already has a folder {name}")
        tx.ensure_folder(account_id, name)
    echo(f"added folder {name} to {address}")


@folder.command("list")
@click.argument("email")
@data_dir_option
@db_option
def folder_list(email: str, data_dir: Path, db: str | None) -> None:
    """List the account's folders with their item counts."""
    address = checked_email(email)
    with opened_store(data_dir, db, existing=True) as store, store.transaction() as tx:
        account_id = required_account(tx, address).id
        shown = [(entry.name, tx.count_items(entry.id)) for entry in tx.list_folders(account_id)]
    for name, count in shown:
        echo(f"{name}: {items_count(count)}")
    if not shown:
        echo(f"{address} has no folders yet (they appear with the first sync)", err=True)


@cli.group()
def device() -> None:
    """The devices of an account and their last syncs."""


def shown_sync(record: DeviceSync) -> str:
    moment = shown_time(datetime.fromtimestamp(record.finished_at, UTC))
    counts = f" received {record.received or '0'} sent {record.sent or '0'}"
    used = f" in {record.format}" if record.format else ""
    return f"{record.folder_name}: {moment} mode {record.mode} result {record.result}{counts}{used}"


@device.command("list")
@click.argument("email")
@data_dir_option
@db_option
def device_list(email: str, data_dir: Path, db: str | None) -> None:
    """List an account's devices, each with the last sync of every folder and the format it used."""
    address = checked_email(email)
    with opened_store(data_dir, db, existing=True) as store, store.transaction() as tx:
        account_id = required_account(tx, address).id
        pushes = tx.list_pushes(account_id)
        devices = [
            (entry.device_ref, tx.list_device_syncs(entry.id), pushes.get(entry.id))
            for entry in tx.list_devices(account_id)
        ]
    for device_ref, syncs, push in devices:
        echo(device_ref)
        if push is not None:
            echo("  " + push_summary(push))
        for record in syncs:
            echo("  " + shown_sync(record))
        if not syncs:
            echo("  no sync recorded")
    if not devices:
        echo(f"{address} has no devices yet", err=True)


@device.command("forget")
@click.argument("email")
@click.argument("device_ref", metavar="DEVICE")
@data_dir_option
@db_option
def device_forget(email: str, device_ref: str, data_dir: Path, db: str | None) -> None:
    """Forget a device's anchors, item maps and history: its next sync is slow."""
    address = checked_email(email)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        account_id = required_account(tx, address).id
        try:
            tx.forget_device(account_id, device_ref)
        except NotFound as error:
            raise click.ClickException(f"{address} has no device {device_ref}") from error
    echo(f"forgot device {device_ref} of {address}; its next sync is slow")


@cli.group()
def backup() -> None:
    """List, inspect and restore backup archives (DATA_DIR/backups)."""


def read_backup_file(data_dir: Path, file: str, max_item_size: int) -> Backup:
    """An archive given by its name in the backups directory, or by a path to it."""
    if "/" in file:
        return read_archive(Path(file), max_item_size)
    return BackupStore(backups_dir(existing_data_dir(data_dir))).read_backup(file, max_item_size)


max_item_size_option = click.option(
    "--max-item-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_ITEM_SIZE,
    show_default=True,
    help="Bytes an item of the archive may hold; a larger one is refused before it is read.",
)


@backup.command("list")
@click.argument("email", required=False)
@data_dir_option
def backup_list(email: str | None, data_dir: Path) -> None:
    """List the backup archives, all or those of one account."""
    backups = BackupStore(backups_dir(existing_data_dir(data_dir)))
    infos = backups.list_backups(None if email is None else checked_email(email))
    for info in infos:
        if info.created is None:
            echo(f"{info.name}  damaged: {info.problem}")
        else:
            echo(f"{info.name}  {info.account}  {shown_time(info.created)}  {items_count(info.item_count)}")
    if not infos:
        echo(f"no backups in {backups.directory}", err=True)


@backup.command("show")
@click.argument("file")
@max_item_size_option
@data_dir_option
def backup_show(file: str, max_item_size: int, data_dir: Path) -> None:
    """Show an archive: account, date, and per folder its items' content types and LUIDs."""
    archive = read_backup_file(data_dir, file, max_item_size)
    echo(f"backup {archive.name}")
    echo(f"account {archive.account}")
    echo(f"created {shown_time(archive.created)}")
    folders = dict.fromkeys(entry.folder for entry in archive.entries)
    for folder in folders:
        entries = [entry for entry in archive.entries if entry.folder == folder]
        types = Counter(entry.content_type for entry in entries)
        echo(f"folder {folder}: {items_count(len(entries))} ({', '.join(f'{t} {n}' for t, n in types.items())})")
        echo("  LUIDs: " + " ".join(entry.luid or "-" for entry in entries))
    if not folders:
        echo("no items")


@backup.command("restore")
@click.argument("file")
@click.option("--to", "email", required=True, help="The account that gets the items.")
@click.option("--folder", help="Put every item into this folder instead of its own.")
@click.option("--dry-run", is_flag=True, help="Say what would be restored, change nothing.")
@max_item_size_option
@data_dir_option
@db_option
def backup_restore(
    file: str, email: str, folder: str | None, dry_run: bool, max_item_size: int, data_dir: Path, db: str | None
) -> None:
    """Put an archive's items into an account's folders, as new items (all of them or, when the archive
    cannot be read whole, none); recorded as a session that syncmld undo takes back."""
    address = checked_email(email)
    if folder is not None and not is_folder_name(folder):
        raise click.BadParameter(
            f"{folder!r} is not a folder name (a standard folder's, or one without '/', "
            "'?', '#' and blanks at its ends)",
            param_hint="--folder",
        )
    archive = read_backup_file(data_dir, file, max_item_size)
    with opened_store(data_dir, db) as store, rolled_back(store) if dry_run else store.transaction() as tx:
        account_id = required_account(tx, address).id
        tx.record_changes_as(restore_session(account_id, archive.name, time.time()))
        counts = restore_backup(archive, tx, account_id, folder)
        recorded = tx.recording_session()
    per_folder = ", ".join(f"{name} {count}" for name, count in counts.items())
    echo(
        f"{'would restore' if dry_run else 'restored'} {items_count(sum(counts.values()))} from {archive.name} "
        f"to {address}" + (f": {per_folder}" if counts else "")
    )
    if recorded is not None and not dry_run:
        echo(f"recorded as session {recorded}: 'syncmld undo {recorded}' takes this restore back")


@cli.command()
@click.option("--url", required=True, help="The server's SyncML URL, e.g. http://127.0.0.1:8080/syncml.")
@click.option("--devices", type=click.IntRange(min=1), default=10, show_default=True, help="Devices syncing at once.")
@click.option("--items", type=click.IntRange(min=0), default=100, show_default=True, help="Contacts per device.")
@click.option("--events", type=click.IntRange(min=0), default=0, show_default=True, help="Events per device.")
@click.option(
    "--rounds",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Two-way syncs with changes per device after its first (slow) sync.",
)
@click.option(
    "--changes",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Changes per device and round: adds, replaces and deletes in turn.",
)
@click.option(
    "--minutes",
    type=click.FloatRange(min=0, min_open=True),
    help="Run rounds until this many minutes have passed (instead of --rounds).",
)
@click.option(
    "--pause",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds each device waits before each round.",
)
@click.option(
    "--ramp",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds over which the devices' first syncs are spread (device i starts at i x RAMP / devices); "
    "0: all at once.",
)
@click.option("--wbxml", is_flag=True, help="Speak WBXML instead of XML.")
@click.option(
    "--accounts",
    type=click.IntRange(min=1),
    help="Accounts load1@load.example.. the devices share, in turn [default: one per device].",
)
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True, help="The load accounts' password.")
@click.option(
    "--auth", type=click.Choice(["basic", "md5"]), default="basic", show_default=True, help="How the devices log in."
)
@click.option(
    "--server-pid", type=click.IntRange(min=1), help="Measure this server process's CPU and RSS (its workers included)."
)
@click.option(
    "--sample-every",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds between samples of the server's RSS.",
)
@click.option(
    "--create-accounts",
    "fresh_accounts",
    is_flag=True,
    help="Create the load accounts first, empty (in --data-dir or --db).",
)
@data_dir_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def load(
    url: str,
    devices: int,
    items: int,
    events: int,
    rounds: int,
    changes: int,
    minutes: float | None,
    pause: float,
    ramp: float,
    wbxml: bool,
    accounts: int | None,
    password: str,
    auth: str,
    server_pid: int | None,
    sample_every: float,
    fresh_accounts: bool,
    data_dir: Path,
    db: str | None,
    as_json: bool,
) -> int:
    """Emulate devices syncing with a server at once; print throughput, latency, errors and server usage.

    Each device slow-syncs its own generated items, then syncs --rounds rounds of changes; at the end every
    device syncs once more and must hold exactly what the devices of its account made. Exit status 1
    when there were errors."""
    settings = LoadSettings(
        url=url,
        devices=devices,
        items=items,
        events=events,
        rounds=rounds,
        changes=changes,
        accounts=accounts,
        wbxml=wbxml,
        password=password,
        auth=LOAD_AUTH[auth],
        minutes=minutes,
        pause=pause,
        ramp=ramp,
        server_pid=server_pid,
        sample_every=sample_every,
    )
    if fresh_accounts:
        with opened_store(data_dir, db) as store:
            create_accounts(store, settings.account_count, password)
    report = run_load(settings)
    click.echo(report.as_json() if as_json else report.as_text())
    return 1 if report.errors else 0


def _add_upstream_commands() -> None:
    from syncmld.cli_upstream import upstream  # it imports this module's helpers

    cli.add_command(upstream)


_add_upstream_commands()


def fail(message: str, exit_code: int = 1) -> NoReturn:
    """Report a mistake on one line of stderr and exit."""
    click.echo("error: " + escape_control(" ".join(message.split())), err=True)
    sys.exit(exit_code)


def main(args: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the ``syncmld`` console script."""
    try:
        result = cli.main(args=args, prog_name="syncmld", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as help_request:
        help_request.show()
        sys.exit(help_request.exit_code)
    except click.UsageError as error:
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        fail(error.format_message() + hint, error.exit_code)
    except click.ClickException as error:
        fail(error.format_message(), error.exit_code)
    except click.Abort:
        fail("interrupted")
    except SyncMLError as error:
        fail(str(error))
    except OSError as error:
        fail(f"{error.strerror or error}: {error.filename}" if error.filename else str(error))
    sys.exit(result if isinstance(result, int) else 0)


from syncmld.cli_admin import admin  # noqa: E402  (they use the helpers above)
from syncmld.cli_check import check  # noqa: E402
from syncmld.cli_history import COMMANDS as HISTORY_COMMANDS  # noqa: E402
from syncmld.cli_mail import mail  # noqa: E402
from syncmld.cli_push import device_push, push_group  # noqa: E402

cli.add_command(mail)
cli.add_command(check)
cli.add_command(admin)
cli.add_command(push_group)
device.add_command(device_push)
for command in HISTORY_COMMANDS:
    cli.add_command(command)
