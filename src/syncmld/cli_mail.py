"""``syncmld mail``: where each domain's or account's mail lives (IMAP and SMTP), and checking it."""

from pathlib import Path

import click

from syncmld.cli import checked_domain, checked_email, data_dir_option, db_option, echo, opened_store, required_account
from syncmld.config import DEFAULT_MAIL_TIMEOUT
from syncmld.errors import RemoteError
from syncmld.mail.imap import ImapGateway
from syncmld.mail.model import MailError
from syncmld.mail.servers import SAME_LOGIN, checked, mail_login
from syncmld.store.base import MailServer, NotFound


@click.group()
def mail() -> None:
    """Where accounts' mail lives: their IMAP server (read) and SMTP server (send); syncmld keeps no mail."""


def _scope(name: str) -> str:
    return checked_email(name) if "@" in name else checked_domain(name)


@mail.command("set")
@click.argument("scope", metavar="DOMAIN-OR-EMAIL")
@click.option("--imap", "imap_url", required=True, metavar="URL", help="imap://HOST[:PORT] or imaps://HOST[:PORT].")
@click.option("--smtp", "smtp_url", required=True, metavar="URL", help="smtp://HOST[:PORT] or smtps://HOST[:PORT].")
@click.option("--starttls", is_flag=True, help="Upgrade plain imap:// and smtp:// connections with STARTTLS.")
@click.option(
    "--login",
    default=SAME_LOGIN,
    show_default=True,
    metavar="same|USER",
    help="same: each account logs in with its own address and password (kept from its basic logins); USER: "
    "this master user logs in for every account (SASL PLAIN authorization, e.g. Dovecot master users).",
)
@click.option("--master-password", help="The master user's password (with --login USER).")
@data_dir_option
@db_option
def mail_set(
    scope: str,
    imap_url: str,
    smtp_url: str,
    starttls: bool,
    login: str,
    master_password: str | None,
    data_dir: Path,
    db: str | None,
) -> None:
    """Set the mail servers of a domain, or of one account (which wins over its domain's)."""
    master = "" if login == SAME_LOGIN else login
    if master and not master_password:
        raise click.BadParameter("a master user needs --master-password", param_hint="--login")
    if not master and master_password:
        raise click.BadParameter("--master-password goes with --login USER", param_hint="--master-password")
    try:
        server = checked(MailServer(_scope(scope), imap_url, smtp_url, starttls, master, master_password or ""))
    except RemoteError as error:
        raise click.ClickException(str(error)) from error
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        if "@" in server.scope:
            required_account(tx, server.scope)
        tx.set_mail_server(server)
    echo(f"{server.scope}: {_described(server)}")


@mail.command("remove")
@click.argument("scope", metavar="DOMAIN-OR-EMAIL")
@data_dir_option
@db_option
def mail_remove(scope: str, data_dir: Path, db: str | None) -> None:
    """Forget the mail servers of a domain or an account."""
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        try:
            tx.remove_mail_server(_scope(scope))
        except NotFound as error:
            raise click.ClickException(str(error)) from error
    echo(f"{_scope(scope)}: no mail server of its own")


@mail.command("show")
@data_dir_option
@db_option
def mail_show(data_dir: Path, db: str | None) -> None:
    """List the mail servers of domains and accounts (never a password)."""
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        servers = tx.list_mail_servers()
    if not servers:
        echo("no mail server set: mail folders answer 404 (syncmld mail set DOMAIN-OR-EMAIL --imap ... --smtp ...)")
    for server in servers:
        echo(f"{server.scope}: {_described(server)}")


def _described(server: MailServer) -> str:
    login = f"master user {server.login}" if server.login else "each account's own login"
    tls = " with STARTTLS" if server.starttls else ""
    return f"IMAP {server.imap}, SMTP {server.smtp}{tls}, {login}"


@mail.command("check")
@click.argument("email")
@click.option("--password", help="The account's password, when syncmld has not kept it from a basic login yet.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_MAIL_TIMEOUT, show_default=True)
@data_dir_option
@db_option
def mail_check(email: str, password: str | None, timeout: float, data_dir: Path, db: str | None) -> None:
    """Log in to the account's IMAP server and list its folders and their counts, after the devices' changes
    waiting to be applied there, if any; changes nothing."""
    email = checked_email(email)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        account = required_account(tx, email)
        server = tx.mail_server_for(email)
        kept = tx.mail_password(account.id)
        waiting = tx.mail_journal_load(account.id)
    if waiting.changes:
        echo(
            f"{email}: {waiting.changes} devices' mail changes ({waiting.message_bytes} bytes of messages) wait to be"
            " applied to IMAP (bounded by serve --mail-journal-max-changes and --mail-journal-max-bytes)"
        )
    if server is None:
        raise click.ClickException(f"no mail server is set for {email} or its domain")
    login = mail_login(server, email, password or kept)
    if login is None:
        raise click.ClickException(f"no password of {email} is kept yet: give it with --password")
    try:
        folders = ImapGateway(timeout).folders(login)
    except MailError as error:
        raise click.ClickException(f"{error} (status {error.status})") from error
    echo(f"{email}: logged in to {login.imap.host}:{login.imap.port} as {login.user}")
    for name, role, count in folders:
        echo(f"  {name}{f' ({role})' if role else ''}: {count} messages")
