"""``syncmld upstream``: link an account to an external CalDAV/CardDAV server, list, remove, check.

The upstream's password is stored sealed under the server key and never printed.
"""

from pathlib import Path
from urllib.parse import urlsplit

import click

from syncmld.cli import checked_email, data_dir_option, db_option, echo, opened_store, required_account
from syncmld.engine.folders import FolderKind
from syncmld.store.upstreams import UpstreamCollection, UpstreamLink, UpstreamStatus
from syncmld.upstream.client import Unauthorized, UpstreamError, dav_client
from syncmld.upstream.discovery import RemoteCollection, discover
from syncmld.upstream.limits import UpstreamSettings
from syncmld.upstream.mapping import Link, link_collections
from syncmld.upstream.sync import UPSTREAM_DEVICE

DISCOVERY_TIMEOUT = 30.0
"""Seconds each request of ``add`` and ``check`` may take (an administrator is waiting, not a phone)."""

map_option = click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="REMOTE=FOLDER",
    help="Link the collection REMOTE (its last path segment, display name or URL) to FOLDER (contacts, events, "
    "tasks, journal, notes or a user folder); repeatable. Otherwise the first address book is contacts, the "
    "first calendars with events, tasks and journal entries events, tasks and journal.",
)


def _overrides(maps: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for entry in maps:
        remote, equals, folder = entry.partition("=")
        if not equals or not remote.strip() or not folder.strip():
            raise click.BadParameter(f"{entry!r} is not REMOTE=FOLDER", param_hint="--map")
        found[remote.strip()] = folder.strip()
    return found


def _discovered(url: str, user: str, password: str) -> list[RemoteCollection]:
    try:
        with dav_client(user, password, DISCOVERY_TIMEOUT, UpstreamSettings.max_answer) as client:
            return discover(client, url)
    except Unauthorized as error:
        raise click.ClickException(f"the upstream refused user {user}: {error}") from error
    except UpstreamError as error:
        raise click.ClickException(f"no CalDAV/CardDAV collections found at {url}: {error}") from error


def _describe(collection: RemoteCollection) -> str:
    syncs = "sync-collection" if collection.syncs else "ETags"
    holds = ", ".join(collection.components)
    return f"{collection.href} ({collection.kind.value} {collection.display_name!r}: {holds}; {syncs})"


def _show_links(links: list[Link], collections: list[RemoteCollection]) -> None:
    for link in links:
        echo(f"  {link.folder} <- {link.component.value} of {_describe(link.collection)}")
    linked = {link.collection.href for link in links}
    for collection in collections:
        if collection.href not in linked:
            echo(f"  not linked: {_describe(collection)} (link it with --map {collection.name}=FOLDER)")


@click.group()
def upstream() -> None:
    """Back accounts with an external CalDAV/CardDAV server (Nextcloud, Radicale, Baikal), synced both ways."""


@upstream.command("add")
@click.argument("email")
@click.argument("url")
@click.option("--user", required=True, help="The user name on the upstream.")
@click.option("--password", required=True, help="The password on the upstream (stored sealed, never shown).")
@map_option
@data_dir_option
@db_option
def upstream_add(
    email: str, url: str, user: str, password: str, maps: tuple[str, ...], data_dir: Path, db: str | None
) -> None:
    """Link the account EMAIL to the CalDAV/CardDAV server at URL (its root, or any URL discovery starts
    from), replacing the one it had; the collections found are linked to folders."""
    address = checked_email(email)
    overrides = _overrides(maps)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{url!r} is not an http:// or https:// URL", param_hint="URL")
    if parts.username is not None or parts.password is not None:
        raise click.BadParameter("give the user name and password with --user and --password, not in the URL")
    collections = _discovered(url, user, password)
    links = link_collections(collections, overrides)
    if not links:
        raise click.ClickException(f"{url} holds no address book or calendar for user {user}")
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        account = required_account(tx, address)
        tx.set_upstream(UpstreamLink(account.id, url, user, password))
        linked = [
            UpstreamCollection(
                account.id, tx.ensure_folder(account.id, link.folder).id, link.collection.href, link.component,
                link.collection.display_name,
            )
            for link in links
        ]  # fmt: skip
        tx.set_upstream_collections(account.id, linked)
    echo(f"linked {address} to {url} as {user}: {len(links)} folders")
    _show_links(links, collections)


@upstream.command("list")
@click.argument("email")
@data_dir_option
@db_option
def upstream_list(email: str, data_dir: Path, db: str | None) -> None:
    """Show the account's upstream: where, how it stands, its linked folders and how far each is sent up."""
    address = checked_email(email)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        account = required_account(tx, address)
        link = tx.get_upstream(account.id)
        if link is None:
            raise click.ClickException(f"{address} has no upstream; link one with: syncmld upstream add")
        folders = {folder.id: folder.name for folder in tx.list_folders(account.id)}
        collections = tx.upstream_collections(account.id)
        counts = {c.folder_id: len(tx.all_upstream_resources(c.folder_id)) for c in collections}
        upstream = next((d.id for d in tx.list_devices(account.id) if d.device_ref == UPSTREAM_DEVICE), None)
        current = tx.current_seq()
        pending = {
            c.folder_id: len(tx.changes_since(c.folder_id, c.pushed_seq, current, upstream)) for c in collections
        }
    state = link.status.value + (f": {link.note}" if link.note else "")
    echo(f"{address}: {link.url} as {link.username} ({state})")
    for collection in collections:
        left = pending[collection.folder_id]
        behind = f", {left} changes to send" if left else ""
        echo(
            f"  {folders.get(collection.folder_id, '?')} <- {collection.component.value} of {collection.href} "
            f"({counts[collection.folder_id]} linked items{behind})"
        )


@upstream.command("remove")
@click.argument("email")
@data_dir_option
@db_option
def upstream_remove(email: str, data_dir: Path, db: str | None) -> None:
    """Unlink the account from its upstream (its items stay, on both sides)."""
    address = checked_email(email)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        account = required_account(tx, address)
        if tx.get_upstream(account.id) is None:
            raise click.ClickException(f"{address} has no upstream")
        tx.remove_upstream(account.id)
    echo(f"unlinked {address} from its upstream")


@upstream.command("check")
@click.argument("email")
@map_option
@data_dir_option
@db_option
def upstream_check(email: str, maps: tuple[str, ...], data_dir: Path, db: str | None) -> None:
    """Log in to the account's upstream, discover its collections and show how they map; changes nothing."""
    address = checked_email(email)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        account = required_account(tx, address)
        link = tx.get_upstream(account.id)
    if link is None:
        raise click.ClickException(f"{address} has no upstream; link one with: syncmld upstream add")
    if link.status != UpstreamStatus.OK:
        echo(f"{address}: upstream syncing is {link.status.value}: {link.note}")
    collections = _discovered(link.url, link.username, link.password)
    links = link_collections(collections, _overrides(maps))
    echo(f"{link.url} as {link.username}: {len(collections)} collections, {len(links)} folders would be linked")
    _show_links(links, collections)
    if not any(link.folder == FolderKind.CONTACTS.value for link in links):
        echo("  no address book: contacts stay in syncmld only")
