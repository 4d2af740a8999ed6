"""The in-memory store's folders, items and their change log, and the earlier versions of items."""

import dataclasses
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from syncmld.store import new_guid
from syncmld.store.base import Candidate, Folder, HistoryEntry, ItemToSend, NewItem, NotFound, StoredItem
from syncmld.store.journal import tombstones
from syncmld.store.memory.push_tables import record_change
from syncmld.store.memory.tables import MemoryRole
from syncmld.store.uids import indexed_uid, uid_key

if TYPE_CHECKING:
    from syncmld.store.memory.history import MemoryJournal


class MemoryItems(MemoryRole):
    """See ``syncmld.store.base.Items``."""

    _journal: "MemoryJournal | None" = None
    """Where this transaction's item writes are recorded (``SyncHistory.record_changes_as``)."""

    # --- folders ----------------------------------------------------------------------------
    def get_folder(self, account_id: int, name: str) -> Folder | None:
        key = name.casefold()
        return next(
            (f for f in self._t.folders.values() if f.account_id == account_id and f.name.casefold() == key),
            None,
        )

    def ensure_folder(self, account_id: int, name: str) -> Folder:
        folder = self.get_folder(account_id, name)
        if folder is None:
            self._require_account(account_id)
            folder = Folder(self._new_id(), account_id, name)
            self._t.folders[folder.id] = folder
        return folder

    def list_folders(self, account_id: int) -> list[Folder]:
        owned = [f for f in self._t.folders.values() if f.account_id == account_id]
        return sorted(owned, key=lambda folder: (folder.name.casefold(), folder.id))

    def set_dav_collection(self, folder_id: int, collection: str | None) -> None:
        folder = self._t.folders.get(folder_id)
        if folder is None:
            raise NotFound(f"no folder with id {folder_id}")
        self._t.folders[folder_id] = dataclasses.replace(folder, dav_collection=collection)

    # --- items and the change log -----------------------------------------------------------
    def _folder_items(self, folder_id: int) -> dict[str, StoredItem]:
        return self._t.items.get(folder_id, {})

    def _writable_items(self, folder_id: int) -> dict[str, StoredItem]:
        if folder_id not in self._t.folders:
            raise NotFound(f"no folder with id {folder_id}")
        if folder_id not in self._copied_items or folder_id not in self._t.items:
            self._t.items[folder_id] = dict(self._folder_items(folder_id))
            self._t.item_uids[folder_id] = dict(self._t.item_uids.get(folder_id, {}))
            self._t.item_identities[folder_id] = dict(self._t.item_identities.get(folder_id, {}))
            self._copied_items.add(folder_id)
        return self._t.items[folder_id]

    def _index(self, folder_id: int, item: StoredItem, identity: str | None) -> None:
        """Keep the folder's UID and identity indexes up to date for ``item`` (its folder copied for writing)."""
        identities = self._t.item_identities[folder_id]
        if item.deleted:
            identities.pop(item.guid, None)
        else:
            identities[item.guid] = identity
        uids = self._t.item_uids[folder_id]
        uid = None if item.deleted else indexed_uid(item.content_type, item.data)
        if uid is None:
            uids.pop(item.guid, None)
        else:
            uids[item.guid] = uid

    def _live_items(self, folder_id: int) -> list[StoredItem]:
        return [item for item in self._folder_items(folder_id).values() if not item.deleted]

    def get_items(self, folder_id: int, guids: Iterable[str]) -> dict[str, StoredItem]:
        stored = self._folder_items(folder_id)
        found = {guid: stored.get(guid) for guid in guids}
        return {guid: item for guid, item in found.items() if item is not None and not item.deleted}

    def get_items_and_parents(self, folder_id: int, guids: Iterable[str]) -> tuple[dict[str, StoredItem], set[str]]:
        found = self.get_items(folder_id, guids)
        return found, {child.parent for child in self.children_of(folder_id, found) if child.parent is not None}

    def items_to_send(self, folder_id: int, guids: Iterable[str]) -> dict[str, ItemToSend]:
        return {
            guid: ItemToSend(guid, item.content_type, item.data, item.parent)
            for guid, item in self.get_items(folder_id, guids).items()
        }

    def iter_items(self, folder_id: int) -> Iterator[StoredItem]:
        return iter(sorted(self._live_items(folder_id), key=lambda item: item.guid))

    def _besides(self, folder_id: int, skip_changed_by: int | None, since: int) -> list[StoredItem]:
        """The live items of the folder but those whose latest change ``skip_changed_by`` made after ``since``."""
        return [
            item
            for item in self._live_items(folder_id)
            if skip_changed_by is None or item.seq <= since or item.origin_device_id != skip_changed_by
        ]

    def has_items_besides(self, folder_id: int, skip_changed_by: int | None, since: int, after: int = 0) -> bool:
        return any(item.seq > after for item in self._besides(folder_id, skip_changed_by, since))

    def duplicate_candidates(
        self, folder_id: int, identities: Iterable[str], skip_changed_by: int | None, since: int
    ) -> list[Candidate]:
        wanted = set(identities)
        held = self._t.item_identities.get(folder_id, {})
        found = [
            Candidate(item, held.get(item.guid))
            for item in self._besides(folder_id, skip_changed_by, since)
            if held.get(item.guid) is None or held.get(item.guid) in wanted
        ]
        return sorted(found, key=lambda candidate: candidate.item.guid)

    def set_identities(self, folder_id: int, identities: Mapping[str, tuple[int, str]]) -> None:
        stored = self._writable_items(folder_id)
        held = self._t.item_identities[folder_id]
        held.update(
            (guid, key)
            for guid, (seq, key) in identities.items()
            if guid in stored and not stored[guid].deleted and stored[guid].seq == seq
        )

    def item_parents(self, folder_id: int) -> list[tuple[str, str | None]]:
        return sorted((item.guid, item.parent) for item in self._live_items(folder_id))

    def count_items(self, folder_id: int) -> int:
        return len(self._live_items(folder_id))

    def children_of(self, folder_id: int, parents: Iterable[str]) -> list[StoredItem]:
        wanted = set(parents)
        return sorted(
            (item for item in self._live_items(folder_id) if item.parent in wanted), key=lambda item: item.guid
        )

    def guids_with_uid(self, folder_id: int, uid: str) -> list[str]:
        key = uid_key(uid)
        return sorted(guid for guid, held in self._t.item_uids.get(folder_id, {}).items() if held == key)

    def _next_seq(self) -> int:
        self._t.seq += 1
        return self._t.seq

    def put_items(self, folder_id: int, items: Iterable[NewItem], origin_device_id: int | None) -> list[StoredItem]:
        stored = self._writable_items(folder_id)
        batch = list(items)
        # What the record of the writes compares with: the items the batch names, as they were before it.
        before = {new.guid: stored[new.guid] for new in batch if new.guid in stored} if self._journal else {}
        written: list[StoredItem] = []
        for new in batch:
            guid = new_guid() if new.guid is None else new.guid
            previous = stored.get(guid)
            version = 1 if previous is None else previous.version + 1
            item = StoredItem(
                folder_id,
                guid,
                new.content_type,
                new.data,
                version,
                self._next_seq(),
                origin_device_id,
                parent=new.parent,
            )
            self._index(folder_id, item, new.identity)
            stored[guid] = item
            written.append(item)
        if self._journal:
            self._journal.record(folder_id, before, written)
        if written:
            record_change(self._t.pushes, self._t.seq, folder_id, origin_device_id, time.time())
        return written

    def delete_items(self, folder_id: int, guids: Iterable[str], origin_device_id: int | None) -> list[str]:
        stored = self._writable_items(folder_id)
        wanted = list(dict.fromkeys(guids))
        before = {guid: stored[guid] for guid in wanted if guid in stored} if self._journal else {}
        deleted: list[str] = []
        for guid in wanted:
            item = stored.get(guid)
            if item is None or item.deleted:
                continue
            stored[guid] = dataclasses.replace(
                item,
                data=b"",
                version=item.version + 1,
                seq=self._next_seq(),
                origin_device_id=origin_device_id,
                deleted=True,
            )
            self._index(folder_id, stored[guid], None)
            deleted.append(guid)
        if self._journal:
            gone = [(guid, stored[guid].version, stored[guid].seq) for guid in deleted]
            self._journal.record(folder_id, before, tombstones(before, gone, origin_device_id))
        if deleted:
            record_change(self._t.pushes, self._t.seq, folder_id, origin_device_id, time.time())
        return deleted

    def changes_since(self, folder_id: int, seq: int, upto: int, exclude_device_id: int | None) -> list[StoredItem]:
        changed = [
            item
            for item in self._folder_items(folder_id).values()
            if seq < item.seq <= upto and (exclude_device_id is None or item.origin_device_id != exclude_device_id)
        ]
        return sorted(changed, key=lambda item: item.seq)

    def current_seq(self) -> int:
        return self._t.seq

    def folder_seq(self, folder_id: int) -> int:
        return max((item.seq for item in self._folder_items(folder_id).values()), default=0)

    # --- earlier versions -------------------------------------------------------------------
    def keep_history(self, entries: Iterable[HistoryEntry]) -> None:
        self._t.history.extend(entries)

    def list_history(self, folder_id: int, guid: str) -> list[HistoryEntry]:
        kept = [entry for entry in self._t.history if entry.folder_id == folder_id and entry.guid == guid]
        return sorted(kept, key=lambda entry: entry.saved_at)

    def list_histories(self, folder_id: int, guids: Iterable[str]) -> dict[str, list[HistoryEntry]]:
        found = {guid: self.list_history(folder_id, guid) for guid in set(guids)}
        return {guid: kept for guid, kept in found.items() if kept}

    def purge_history(self, saved_before: float) -> int:
        kept = [entry for entry in self._t.history if entry.saved_at >= saved_before]
        purged = len(self._t.history) - len(kept)
        self._t.history = kept
        return purged
