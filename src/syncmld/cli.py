"""The ``syncmld`` command line: parse, call one function, report.

User mistakes end with one line on stderr, ``error: ...``, and a non-zero exit status (2 for a
misused command line, 1 otherwise); ``main`` is the one place that turns errors into that line.
"""

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from syncmld import __version__
from syncmld.accounts import hash_password, md5_credential, normalise_email
from syncmld.config import (
    AUTH_POLICIES,
    DEFAULT_HOST,
    DEFAULT_PATH,
    DEFAULT_PORT,
    LOG_LEVELS,
    ConfigError,
    ServerConfig,
    default_data_dir,
    prepare_data_dir,
)
from syncmld.log import setup_logging
from syncmld.server.serve import ServeError, run_server
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import AlreadyExists, NotFound, Store, StoreError

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=default_data_dir,
    show_default="$SYNCMLD_DATA_DIR or ./syncmld-data",
    help="Directory holding syncmld.db (created if missing).",
)
password_option = click.option("--password", required=True, help="The account's password.")


@contextmanager
def opened_store(data_dir: Path) -> Iterator[Store]:
    """The SQLite store in ``data_dir``, closed afterwards."""
    store = open_store(sqlite_url(prepare_data_dir(data_dir)))
    try:
        yield store
    finally:
        store.close()


def checked_email(email: str) -> str:
    try:
        return normalise_email(email)
    except ValueError as error:
        raise click.ClickException(str(error)) from error


def checked_password(password: str) -> str:
    if not password:
        raise click.ClickException("the password must not be empty")
    return password


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syncmld")
def cli() -> None:
    """syncmld: a SyncML (OMA Data Synchronization) server."""


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
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True)
@click.option("--log-messages", is_flag=True, help="Log every SyncML message (credentials masked).")
@click.option("--path", default=DEFAULT_PATH, show_default=True, help="URL path of the SyncML endpoint.")
@click.option(
    "--auth",
    type=click.Choice(AUTH_POLICIES),
    default="any",
    show_default=True,
    help="Client authentication to accept: basic or MD5, basic only, MD5 only.",
)
def serve(
    host: str, port: int, data_dir: Path, log_level: str, log_messages: bool, path: str, auth: str
) -> None:
    """Serve SyncML over HTTP until stopped (SIGTERM or Ctrl-C)."""
    config = ServerConfig(
        data_dir=prepare_data_dir(data_dir),
        host=host,
        port=port,
        path=path,
        log_level=log_level,
        log_messages=log_messages,
        auth=auth,
    )
    setup_logging(config.log_level)
    run_server(config)


@cli.group()
def account() -> None:
    """Manage the accounts that may sync (the login is the full e-mail address)."""


@account.command("add")
@click.argument("email")
@password_option
@data_dir_option
def account_add(email: str, password: str, data_dir: Path) -> None:
    """Create an account."""
    address, secret = checked_email(email), checked_password(password)
    with opened_store(data_dir) as store, store.transaction() as tx:
        try:
            tx.add_account(address, md5_credential(address, secret), hash_password(secret))
        except AlreadyExists as error:
            raise click.ClickException(f"account {address} exists already") from error
    click.echo(f"added account {address}")


@account.command("list")
@data_dir_option
def account_list(data_dir: Path) -> None:
    """List the accounts, one e-mail address a line."""
    with opened_store(data_dir) as store, store.transaction() as tx:
        accounts = tx.list_accounts()
    for entry in accounts:
        click.echo(entry.email if entry.enabled else f"{entry.email} (disabled)")
    if not accounts:
        click.echo("no accounts; add one with: syncmld account add EMAIL --password PW", err=True)


@account.command("remove")
@click.argument("email")
@data_dir_option
def account_remove(email: str, data_dir: Path) -> None:
    """Remove an account and everything it owns."""
    address = checked_email(email)
    with opened_store(data_dir) as store, store.transaction() as tx:
        try:
            tx.remove_account(address)
        except NotFound as error:
            raise click.ClickException(f"no account {address}") from error
    click.echo(f"removed account {address}")


@account.command("passwd")
@click.argument("email")
@password_option
@data_dir_option
def account_passwd(email: str, password: str, data_dir: Path) -> None:
    """Change an account's password."""
    address, secret = checked_email(email), checked_password(password)
    with opened_store(data_dir) as store, store.transaction() as tx:
        try:
            tx.set_credentials(address, md5_credential(address, secret), hash_password(secret))
        except NotFound as error:
            raise click.ClickException(f"no account {address}") from error
    click.echo(f"changed the password of {address}")


def fail(message: str, exit_code: int = 1) -> NoReturn:
    """Report a mistake on one line of stderr and exit."""
    click.echo("error: " + " ".join(message.split()), err=True)
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
    except (ConfigError, ServeError, StoreError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"{error.strerror or error}: {error.filename}" if error.filename else str(error))
    sys.exit(result if isinstance(result, int) else 0)
