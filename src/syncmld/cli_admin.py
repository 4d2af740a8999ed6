"""``syncmld admin``: the people who may use the web admin at ``/admin`` (off while there is none)."""

import re
from pathlib import Path

import click

from syncmld.accounts import hash_password
from syncmld.cli import checked_password, data_dir_option, db_option, echo, opened_store, password_option
from syncmld.store.base import AlreadyExists, NotFound

ADMIN_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""An admin user's name: 1 to 64 letters, digits, '.', '_' and '-' (no e-mail address: no account is one)."""


def checked_name(name: str) -> str:
    if not ADMIN_NAME.fullmatch(name):
        raise click.BadParameter(f"{name!r} is not 1 to 64 letters, digits, '.', '_' or '-'", param_hint="NAME")
    return name


@click.group("admin")
def admin() -> None:
    """Manage who may use the web admin at /admin (it is off while there is no admin user)."""


@admin.command("add")
@click.argument("name")
@password_option
@data_dir_option
@db_option
def admin_add(name: str, password: str, data_dir: Path, db: str | None) -> None:
    """Create an admin user for the web admin."""
    checked, secret = checked_name(name), checked_password(password)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        try:
            tx.add_admin_user(checked, hash_password(secret))
        except AlreadyExists as error:
            raise click.ClickException(f"admin user {checked} exists already") from error
    echo(f"added admin user {checked}; the web admin is at /admin on the server's port")


@admin.command("passwd")
@click.argument("name")
@password_option
@data_dir_option
@db_option
def admin_passwd(name: str, password: str, data_dir: Path, db: str | None) -> None:
    """Change an admin user's password."""
    checked, secret = checked_name(name), checked_password(password)
    with opened_store(data_dir, db, existing=True) as store, store.transaction() as tx:
        try:
            tx.set_admin_password(checked, hash_password(secret))
        except NotFound as error:
            raise click.ClickException(f"no admin user {checked}") from error
    echo(f"changed the password of admin user {checked}")


@admin.command("remove")
@click.argument("name")
@data_dir_option
@db_option
def admin_remove(name: str, data_dir: Path, db: str | None) -> None:
    """Remove an admin user (the last one removed turns the web admin off)."""
    checked = checked_name(name)
    with opened_store(data_dir, db, existing=True) as store, store.transaction() as tx:
        try:
            tx.remove_admin_user(checked)
        except NotFound as error:
            raise click.ClickException(f"no admin user {checked}") from error
    echo(f"removed admin user {checked}")


@admin.command("list")
@data_dir_option
@db_option
def admin_list(data_dir: Path, db: str | None) -> None:
    """List the admin users, one a line."""
    with opened_store(data_dir, db, existing=True) as store, store.transaction() as tx:
        names = tx.list_admin_users()
    for name in names:
        echo(name)
    if not names:
        echo("no admin users: the web admin is off; add one with: syncmld admin add NAME --password PW", err=True)
