"""The ``syncmld history``, ``undo``, ``preview`` and ``dedupe`` commands: what was done to an account's
items, taking it back, what a sync would do, merging duplicates."""

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from syncmld.cli import (
    checked_email,
    data_dir_option,
    db_option,
    echo,
    items_count,
    opened_store,
    required_account,
)
from syncmld.engine.modes import SyncMode
from syncmld.history.dedupe import find_duplicates, merge_duplicates
from syncmld.history.listing import (
    by_session,
    folder_counts,
    folder_names,
    plan_counts,
    shown_changes,
    shown_reversal,
)
from syncmld.history.names import item_name
from syncmld.history.preview import Preview, preview_sync
from syncmld.history.undo import UndoPlan, apply_undo, plan_undo
from syncmld.shown import shown_time
from syncmld.store.base import ChangeSession, Transaction

_AGO = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def since_time(value: str | None) -> float:
    """``--since``: an ISO date or time (UTC unless it names a zone), or an age such as ``7d``, ``12h``, ``30m``."""
    if value is None:
        return 0.0
    ago = _AGO.fullmatch(value.strip())
    if ago:
        return time.time() - timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))}).total_seconds()
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise click.BadParameter(
            f"{value!r} is no date, time or age (2026-01-31, 7d, 12h)", param_hint="--since"
        ) from error
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def shown_session(session: ChangeSession) -> str:
    moment = shown_time(datetime.fromtimestamp(session.started_at, UTC))
    return f"session {session.id}  {moment}  {session.source.value}  {session.label}"


def required_session(tx: Transaction, session_id: int) -> ChangeSession:
    session = tx.get_change_session(session_id)
    if session is None:
        raise click.ClickException(f"no session {session_id} in the history (it may be older than history_days)")
    return session


class _HistoryGroup(click.Group):
    """``history EMAIL`` lists, ``history show SESSION`` shows: a first word that is no command is an e-mail."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_HistoryGroup)
def history() -> None:
    """What each sync, undo, dedupe and restore changed (kept for history_days): history EMAIL lists the
    sessions, history show SESSION their items."""


@history.command("list")
@click.argument("email")
@click.option("--folder", help="Only sessions that changed this folder.")
@click.option("--since", help="Only sessions from then on: a date or time (UTC), or an age such as 7d, 12h.")
@data_dir_option
@db_option
def history_list(email: str, folder: str | None, since: str | None, data_dir: Path, db: str | None) -> None:
    """List an account's change sessions with what each added, replaced and deleted per folder."""
    address = checked_email(email)
    start = since_time(since)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        account_id = required_account(tx, address).id
        folder_id = None
        if folder is not None:
            found = tx.get_folder(account_id, folder)
            if found is None:
                raise click.ClickException(f"{address} has no folder {folder}")
            folder_id = found.id
        listed = tx.list_change_sessions(account_id, folder_id, start)
        names = folder_names(tx, account_id)
    sessions = by_session(listed)
    for entries in sessions:
        echo(f"{shown_session(entries[0].session)}  {folder_counts(entries, names)}")
    if not sessions:
        echo(f"no changes recorded for {address}", err=True)


@history.command("show")
@click.argument("session_id", metavar="SESSION", type=click.IntRange(min=1))
@data_dir_option
@db_option
def history_show(session_id: int, data_dir: Path, db: str | None) -> None:
    """Show the items a session changed: what it did, the versions before and after, the item's name."""
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        session = required_session(tx, session_id)
        account = tx.get_account_by_id(session.account_id)
        changes = shown_changes(tx, session)
    echo(shown_session(session) + (f"  ({account.email})" if account else ""))
    for shown in changes:
        change = shown.change
        echo(
            f"  {shown.folder}  {change.change.value:8}  {shown.name}  "
            f"({change.guid}, version {change.version_before} -> {change.version_after})"
        )
    if not changes:
        echo("no item changes")


def shown_plan(plan: UndoPlan, names: dict[int, str], force: bool) -> list[str]:
    """The lines that say what an undo does: counts per folder, then each conflict."""
    lines = [f"  {counts}" for counts in plan_counts(plan, names, force)]
    conflicts = plan.conflicts
    if conflicts:
        what = "undone anyway (--force)" if force else "left alone (--force undoes them too)"
        lines.append(f"  {len(conflicts)} items were changed after the session: {what}")
        lines.extend(f"    conflict: {shown_reversal(r, names)}" for r in conflicts)
    return lines


@click.command()
@click.argument("session_id", metavar="SESSION", type=click.IntRange(min=1))
@click.option("--dry-run", is_flag=True, help="Say what would be done, change nothing.")
@click.option("--force", is_flag=True, help="Undo the items changed after the session too.")
@data_dir_option
@db_option
def undo(session_id: int, dry_run: bool, force: bool, data_dir: Path, db: str | None) -> None:
    """Put every item a session changed back to its version before it, as new changes that every device
    gets at its next sync; items changed after the session are conflicts, left alone unless --force."""
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        session = required_session(tx, session_id)
        plan = plan_undo(tx, session)
        names = folder_names(tx, session.account_id)
        recorded = None if dry_run else apply_undo(tx, plan, force, time.time())
    done = len(plan.to_apply(force))
    verb = "would put back" if dry_run else "put back"
    echo(f"undo of {shown_session(session)}: {verb} {done} items")
    for line in shown_plan(plan, names, force):
        echo(line)
    if recorded is not None:
        echo(f"recorded as session {recorded}: 'syncmld undo {recorded}' takes this undo back")


@click.command()
@click.argument("email")
@click.argument("device_ref", metavar="DEVICE")
@click.option(
    "--mode", type=click.IntRange(1, 9), help="The sync= of the device's URL (1-9); without it, none [default]."
)
@click.option("--folder", help="Only this folder [default: every folder the device has synced].")
@data_dir_option
@db_option
def preview(email: str, device_ref: str, mode: int | None, folder: str | None, data_dir: Path, db: str | None) -> None:
    """What a sync of a device would do on the server, item by item, when it asks for a two-way sync as usual
    and its URL says sync=MODE: which mode runs, which server items are deleted, what the device gets.
    Nothing is changed."""
    address = checked_email(email)
    with opened_store(data_dir, db) as store:
        with store.transaction() as tx:
            account_id = required_account(tx, address).id
            device = next((d for d in tx.list_devices(account_id) if d.device_ref == device_ref), None)
            if device is None:
                raise click.ClickException(f"{address} has no device {device_ref}")
            names = [folder] if folder is not None else [s.folder_name for s in tx.list_device_syncs(device.id)]
            folders = [tx.get_folder(account_id, name) for name in names]
        if not folders:
            raise click.ClickException(f"device {device_ref} has synced no folder yet: name one with --folder")
        missing = [name for name, found in zip(names, folders, strict=True) if found is None]
        if missing:
            raise click.ClickException(f"{address} has no folder {missing[0]}")
        previews = [preview_sync(store, account_id, device, f, SyncMode(mode) if mode else None) for f in folders if f]
    for shown in previews:
        for line in shown_preview(shown):
            echo(line)


def shown_preview(shown: Preview) -> list[str]:
    lines = [f"{shown.folder}: {shown.mode.label} ({shown.reason})"]
    if shown.deleted:
        lines.append(f"  the server deletes {items_count(len(shown.deleted))} (every other device gets the deletes):")
        lines.extend(f"    delete {item_name(item)} ({item.guid})" for item in shown.deleted)
    lines.append(f"  the device gets {items_count(len(shown.sent))}:")
    lines.extend(f"    {kind.value} {item_name(item)} ({item.guid})" for kind, item in shown.sent)
    if shown.takes_from_device:
        lines.append("  then the server takes what the device sends")
    else:
        lines.append("  what the device sends is not taken")
    return lines


@click.command()
@click.argument("email")
@click.option("--folder", help="Only this folder [default: every folder of the account].")
@click.option("--apply", "apply_merge", is_flag=True, help="Merge each group into one item (undoable).")
@data_dir_option
@db_option
def dedupe(email: str, folder: str | None, apply_merge: bool, data_dir: Path, db: str | None) -> None:
    """Find duplicate contacts (alike names sharing a phone or e-mail, or the same card), events (same UID,
    or summary and start) and notes, and with --apply merge each group into one item (every phone and
    e-mail kept) as changes every device gets; the merge is a session that syncmld undo takes back."""
    address = checked_email(email)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        account_id = required_account(tx, address).id
        folders = tx.list_folders(account_id)
        if folder is not None:
            folders = [f for f in folders if f.name.casefold() == folder.casefold()]
            if not folders:
                raise click.ClickException(f"{address} has no folder {folder}")
        found = [(f, find_duplicates(tx, f.id)) for f in folders]
        recorded = [
            merge_duplicates(tx, account_id, f, groups, time.time()) for f, groups in found if apply_merge and groups
        ]
    for shown_folder, groups in found:
        for group in groups:
            others = ", ".join(other.guid for other in group.others)
            echo(f"{shown_folder.name}: {item_name(group.kept)}: keep {group.kept.guid}, merge {others}")
    duplicates = sum(len(group.others) for _, groups in found for group in groups)
    group_count = sum(len(groups) for _, groups in found)
    if apply_merge:
        echo(f"merged {group_count} groups: {items_count(duplicates)} fewer")
        for session in recorded:
            echo(f"recorded as session {session}: 'syncmld undo {session}' takes it back")
    else:
        echo(f"{group_count} groups, {items_count(duplicates)} to merge away (--apply merges them)")


COMMANDS = (history, undo, preview, dedupe)
"""The commands of this module, registered in ``syncmld.cli``."""
