"""What a history shows of change sessions, their items and an undo's plan, the same in ``syncmld history``
and ``undo`` and in the web admin."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from syncmld.history.names import item_name
from syncmld.history.undo import Reversal, UndoPlan, UndoStore
from syncmld.store.base import Change, ChangeSession, ItemChange, SessionCounts

ACTION_NAMES = {Change.ADDED: "re-add", Change.REPLACED: "restore", Change.DELETED: "remove"}
"""What undoing a session does to an item, by ``Reversal.action``."""


def folder_names(tx: UndoStore, account_id: int) -> dict[int, str]:
    return {folder.id: folder.name for folder in tx.list_folders(account_id)}


def by_session(listed: Iterable[SessionCounts]) -> list[list[SessionCounts]]:
    """``list_change_sessions``'s counts per folder, grouped by session in the order they come."""
    sessions: dict[int, list[SessionCounts]] = {}
    for entry in listed:
        sessions.setdefault(entry.session.id, []).append(entry)
    return list(sessions.values())


def folder_counts(entries: Iterable[SessionCounts], names: dict[int, str]) -> str:
    """``contacts: added 2 replaced 0 deleted 1; notes: ...``"""
    return "; ".join(
        f"{names.get(e.folder_id, '?')}: added {e.added} replaced {e.replaced} deleted {e.deleted}" for e in entries
    )


@dataclass(frozen=True)
class ShownChange:
    """One write of a session, with its folder's name and the item's."""

    folder: str
    change: ItemChange
    name: str


def shown_changes(tx: UndoStore, session: ChangeSession) -> list[ShownChange]:
    """The writes of ``session`` in order, each named by the item as it was before (or is now, for one added)."""
    changes = tx.session_changes(session.id)
    names = folder_names(tx, session.account_id)
    now = {
        folder_id: tx.item_states(folder_id, [c.guid for c in changes if c.folder_id == folder_id])
        for folder_id in {c.folder_id for c in changes}
    }
    return [
        ShownChange(names.get(c.folder_id, "?"), c, item_name(c.before or now[c.folder_id].get(c.guid)))
        for c in changes
    ]


def plan_counts(plan: UndoPlan, names: dict[int, str], force: bool) -> list[str]:
    """What the undo does in each folder it changes: ``contacts: re-add 0, restore 1, remove 2``."""
    applied = Counter((r.folder_id, r.action) for r in plan.to_apply(force))
    folders = sorted({folder_id for folder_id, _ in applied}, key=lambda f: names.get(f, ""))
    return [
        f"{names.get(folder_id, '?')}: "
        + ", ".join(f"{name} {applied[folder_id, action]}" for action, name in ACTION_NAMES.items())
        for folder_id in folders
    ]


def shown_reversal(reversal: Reversal, names: dict[int, str]) -> str:
    """One item of an undo: its folder, what is done, its name, GUID and version now."""
    shown = reversal.restored or reversal.now
    return (
        f"{names.get(reversal.folder_id, '?')}  {ACTION_NAMES[reversal.action]}  {item_name(shown)}  "
        f"({reversal.guid}, now version {reversal.now.version}{', deleted' if reversal.now.deleted else ''})"
    )
