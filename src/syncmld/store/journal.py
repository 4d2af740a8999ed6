"""What both backends record of an item write: the change it made, from the items before and after."""

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeGuard

from syncmld.store.base import Change, StoredItem


def live(prior: StoredItem | None) -> TypeGuard[StoredItem]:
    """Whether a write found a live item (whose content before is kept)."""
    return prior is not None and not prior.deleted


def written_changes(
    before: dict[str, StoredItem], written: Sequence[StoredItem]
) -> Iterator[tuple[Change, StoredItem | None, StoredItem]]:
    """Each write with what it did and the item it found (a batch may write one item twice)."""
    current = dict(before)
    for item in written:
        prior = current.get(item.guid)
        change = Change.DELETED if item.deleted else Change.REPLACED if live(prior) else Change.ADDED
        yield change, prior, item
        current[item.guid] = item


def tombstones(
    before: dict[str, StoredItem], rows: Iterable[tuple[str, int, int]], origin: int | None
) -> list[StoredItem]:
    """The tombstones ``delete_items`` left, from (GUID, version, seq)."""
    return [
        dataclasses.replace(before[guid], data=b"", version=version, seq=seq, origin_device_id=origin, deleted=True)
        for guid, version, seq in rows
    ]
