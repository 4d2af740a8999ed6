"""Undoing a change session: every item it changed goes back to its version before the session, as new
changes (so every device gets them at its next sync); items changed again since are conflicts, left
alone unless forced."""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Protocol

from syncmld.store.base import (
    Change,
    ChangeSession,
    ChangeSessionSpec,
    ChangeSource,
    ItemChange,
    Items,
    NewItem,
    StoredItem,
    SyncHistory,
)


class UndoStore(Items, SyncHistory, Protocol):
    """What an undo reads and writes."""


@dataclass(frozen=True)
class Reversal:
    """What undoing a session does to one item."""

    folder_id: int
    guid: str
    action: Change
    """ADDED: a deleted item comes back; REPLACED: its earlier version is put back; DELETED: an added one goes."""
    restored: StoredItem | None
    """The version put back (None when the item is deleted)."""
    now: StoredItem
    """The item as it is now (a tombstone for a deleted one)."""
    changed_since: bool
    """The item was changed again after the session: a conflict."""


@dataclass(frozen=True)
class UndoPlan:
    session: ChangeSession
    reversals: tuple[Reversal, ...]

    @property
    def conflicts(self) -> tuple[Reversal, ...]:
        return tuple(reversal for reversal in self.reversals if reversal.changed_since)

    def to_apply(self, force: bool) -> tuple[Reversal, ...]:
        return tuple(reversal for reversal in self.reversals if force or not reversal.changed_since)


def plan_undo(tx: UndoStore, session: ChangeSession) -> UndoPlan:
    """What undoing ``session`` would do, item by item (nothing is changed)."""
    changes = sorted(
        tx.session_changes(session.id), key=lambda change: (change.folder_id, change.guid, change.seq_after)
    )
    reversals: list[Reversal] = []
    for folder_id, in_folder in groupby(changes, key=lambda change: change.folder_id):
        by_item = [list(item_changes) for _, item_changes in groupby(in_folder, key=lambda change: change.guid)]
        states = tx.item_states(folder_id, [item_changes[0].guid for item_changes in by_item])
        for item_changes in by_item:
            reversal = _reversal(item_changes[0], item_changes[-1], states.get(item_changes[0].guid))
            if reversal is not None:
                reversals.append(reversal)
    return UndoPlan(session, tuple(reversals))


def _reversal(first: ItemChange, last: ItemChange, now: StoredItem | None) -> Reversal | None:
    """Undoing what a session did to one item, from its first and last change in it; None when the item
    is as it was before the session (or is gone from the store, or its content before was forgotten)."""
    if now is None:
        return None
    changed_since = now.seq != last.seq_after
    if first.change == Change.ADDED:
        if now.deleted:
            return None
        return Reversal(first.folder_id, first.guid, Change.DELETED, None, now, changed_since)
    before = first.before
    if before is None:
        return None
    if not now.deleted and (now.content_type, now.data, now.parent) == (
        before.content_type,
        before.data,
        before.parent,
    ):
        return None
    action = Change.ADDED if now.deleted else Change.REPLACED
    return Reversal(first.folder_id, first.guid, action, before, now, changed_since)


def apply_undo(tx: UndoStore, plan: UndoPlan, force: bool, at: float) -> int | None:
    """Apply the plan as new changes of a change session of its own (which can be undone in turn); items
    changed since the session only with ``force``. Returns the new session's id (None: nothing to do)."""
    session = plan.session
    tx.record_changes_as(ChangeSessionSpec(session.account_id, ChangeSource.UNDO, f"undo of session {session.id}", at))
    applied = sorted(plan.to_apply(force), key=lambda reversal: reversal.folder_id)
    for folder_id, in_folder in groupby(applied, key=lambda reversal: reversal.folder_id):
        reversals = list(in_folder)
        tx.delete_items(folder_id, _guids(r for r in reversals if r.restored is None), None)
        tx.put_items(
            folder_id,
            [
                NewItem(r.guid, r.restored.content_type, r.restored.data, r.restored.parent)
                for r in reversals
                if r.restored is not None
            ],
            None,
        )
    recorded = tx.recording_session()
    tx.record_changes_as(None)
    return recorded


def _guids(reversals: Iterable[Reversal]) -> list[str]:
    return [reversal.guid for reversal in reversals]
