"""Finding the duplicates of a folder (the same person, event or note more than once) and merging each
group into one item, as normal changes of a change session of its own (which can be undone)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from syncmld import content
from syncmld.store.base import ChangeSessionSpec, ChangeSource, Folder, Items, NewItem, StoredItem, SyncHistory

_NAMED = "name:"
"""The prefix of a contact identity built from its name (see ``content.identity``)."""
SHARERS_COMPARED = 64
"""Contacts with a phone or e-mail compared with each new one that has it too, at most (the latest ones):
a switchboard number on thousands of cards costs no more than this per card."""


class DedupeStore(Items, SyncHistory, Protocol):
    """What finding and merging duplicates reads and writes."""


@dataclass(frozen=True)
class DuplicateGroup:
    kept: StoredItem
    """The item that stays, the one that holds the most (the others are merged into it)."""
    others: tuple[StoredItem, ...]
    merged: bytes
    """The kept item's data once the others are merged into it."""


class _Groups:
    """Union-find over item positions."""

    def __init__(self, size: int) -> None:
        self._parent = list(range(size))

    def find(self, at: int) -> int:
        while self._parent[at] != at:
            self._parent[at] = self._parent[self._parent[at]]
            at = self._parent[at]
        return at

    def join(self, first: int, second: int) -> None:
        self._parent[self.find(first)] = self.find(second)


def _words(name: str) -> frozenset[str]:
    return frozenset(name.removeprefix(_NAMED).split())


def _same_person(first: content.Identity, second: content.Identity) -> bool:
    """Names alike (one's words all in the other's: a middle name more or less) and a phone or e-mail shared."""
    if not first.name.startswith(_NAMED) or not second.name.startswith(_NAMED):
        return False
    ours, theirs = _words(first.name), _words(second.name)
    return (ours <= theirs or theirs <= ours) and bool(first.contact_points & second.contact_points)


def duplicate_sets(items: Iterable[StoredItem]) -> list[list[str]]:
    """The GUIDs of each set of duplicates among ``items``, each set in the order the items came: contacts
    with alike names sharing a phone or e-mail, other items (and contacts without either) of the same
    identity (an event's UID, or summary and start; a note's text); only within one parent."""
    guids: list[str] = []
    identities: list[content.Identity] = []
    by_point: dict[str, list[int]] = {}
    by_name: dict[str, int] = {}
    candidates: list[tuple[int, int]] = []
    for item in items:
        at = len(guids)
        found = content.identity(content.read(item.content_type, item.data))
        placed = f"{item.parent or ''}|"
        guids.append(item.guid)
        identities.append(found)
        if found.contact_points and found.name.startswith(_NAMED):
            for point in found.contact_points:
                sharers = by_point.setdefault(placed + point, [])
                candidates.extend((other, at) for other in sharers[-SHARERS_COMPARED:])
                sharers.append(at)
        else:
            first = by_name.setdefault(placed + found.name, at)
            if first != at:
                candidates.append((first, at))
    groups = _Groups(len(guids))
    for first, second in candidates:
        if identities[first].name == identities[second].name or _same_person(identities[first], identities[second]):
            groups.join(first, second)
    sets: dict[int, list[str]] = {}
    for at, guid in enumerate(guids):
        sets.setdefault(groups.find(at), []).append(guid)
    return [members for members in sets.values() if len(members) > 1]


def find_duplicates(tx: DedupeStore, folder_id: int) -> list[DuplicateGroup]:
    """The folder's groups of duplicates, each with the merged form of its kept item (nothing is changed)."""
    found = []
    for members in duplicate_sets(tx.iter_items(folder_id)):
        items = sorted(tx.get_items(folder_id, members).values(), key=lambda item: (-len(item.data), item.guid))
        kept, others = items[0], tuple(items[1:])
        merged = content.read(kept.content_type, kept.data)
        for other in others:
            if other.data != merged.data:
                both = content.merge_duplicates(merged, content.read(other.content_type, other.data))
                merged = merged if both is None else content.read(kept.content_type, both)
        found.append(DuplicateGroup(kept, others, merged.data))
    return found


def merge_duplicates(
    tx: DedupeStore, account_id: int, folder: Folder, groups: list[DuplicateGroup], at: float
) -> int | None:
    """Merge each group into its kept item and delete the others, as changes every device gets, in a change
    session of its own; returns its id (None: nothing to merge)."""
    tx.record_changes_as(ChangeSessionSpec(account_id, ChangeSource.DEDUPE, f"dedupe of {folder.name}", at))
    changed = [group.kept for group in groups if group.merged != group.kept.data]
    merged = {group.kept.guid: group.merged for group in groups}
    tx.put_items(
        folder.id, [NewItem(kept.guid, kept.content_type, merged[kept.guid], kept.parent) for kept in changed], None
    )
    tx.delete_items(folder.id, [other.guid for group in groups for other in group.others], None)
    recorded = tx.recording_session()
    tx.record_changes_as(None)
    return recorded
