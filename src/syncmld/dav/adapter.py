"""``DavBackend`` on today's store and content layer: an account's folders as collections, items as
resources.

DAV clients write as one pseudo-device of the account (``DAV_DEVICE``), so their changes enter the change
log like a phone's: every SyncML device gets them at its next sync, and a phone's change made after a DAV
write is a conflict like any other. The pseudo-device's LUID maps hold the resource names clients chose
(``NAME.vcf`` -> GUID); an item without one is named after its GUID. Deleted items keep their name, for
sync-collection to report. ETags and sync tokens are the items' and folders' sequence numbers.
"""

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from syncmld import content
from syncmld.content import ParsedItem
from syncmld.dav.backend import Change, Changes, Collection, CollectionKind, Component, Refused, Resource
from syncmld.dav.items import shown
from syncmld.engine.auth import SERVER_DEVICE_PREFIX
from syncmld.engine.folders import FolderKind, folder_kind, is_valid_user_folder_name
from syncmld.store import new_guid
from syncmld.store.base import Account, Devices, Folder, HistoryEntry, Items, NewItem, StoredItem, SyncMaps

DAV_DEVICE = SERVER_DEVICE_PREFIX + "dav"
"""The device reference DAV clients' changes are attributed to."""
STANDARD = {
    FolderKind.CONTACTS: (CollectionKind.ADDRESSBOOK, "Contacts", ()),
    FolderKind.EVENTS: (CollectionKind.CALENDAR, "Events", (Component.VEVENT,)),
    FolderKind.TASKS: (CollectionKind.CALENDAR, "Tasks", (Component.VTODO,)),
    FolderKind.JOURNAL: (CollectionKind.CALENDAR, "Journal", (Component.VJOURNAL,)),
    FolderKind.NOTES: (CollectionKind.CALENDAR, "Notes", (Component.VJOURNAL,)),
}
"""The standard folders that are DAV collections (Files and opaque folders are not)."""
EXTENSIONS = {CollectionKind.ADDRESSBOOK: ".vcf", CollectionKind.CALENDAR: ".ics"}


class DavStore(Devices, Items, SyncMaps, Protocol):
    """What the adapter uses of a store transaction: folders (with what a folder made over DAV holds)
    and items with their change log, and the pseudo-device and its name maps."""


class StoreBackend:
    """The collections of ``account`` in one store transaction."""

    def __init__(self, tx: DavStore, account: Account, now: float) -> None:
        self.tx = tx
        self.account = account
        self.now = now
        self._folders: dict[str, Folder] = {}
        self._device_id: int | None = None

    @property
    def owner(self) -> str:
        return self.account.email

    # ------------------------------------------------------------------------------- collections

    def collections(self) -> list[Collection]:
        for kind in STANDARD:
            self.tx.ensure_folder(self.account.id, kind.value)
        found = (self._described(folder) for folder in self.tx.list_folders(self.account.id))
        return [collection for collection in found if collection is not None]

    def collection(self, name: str) -> Collection | None:
        folder = self.tx.get_folder(self.account.id, name)
        if folder is None and folder_kind(name.casefold()) in STANDARD and name == name.casefold():
            folder = self.tx.ensure_folder(self.account.id, name)
        return self._described(folder) if folder is not None and folder.name == name else None

    def _described(self, folder: Folder) -> Collection | None:
        kind = folder_kind(folder.name)
        if kind in STANDARD:
            collection_kind, display_name, components = STANDARD[kind]
            return self._collection(folder, collection_kind, display_name, components)
        made = _read_described(folder.dav_collection) if folder.dav_collection is not None else None
        if made is None:
            return None
        collection_kind, components = made
        return self._collection(folder, collection_kind, folder.name, components)

    def _collection(
        self, folder: Folder, kind: CollectionKind, display_name: str, components: tuple[Component, ...]
    ) -> Collection:
        self._folders[folder.name] = folder
        return Collection(folder.name, kind, display_name, components, self.tx.folder_seq(folder.id))

    def create_collection(self, name: str, kind: CollectionKind, components: tuple[Component, ...]) -> Collection:
        if not is_valid_user_folder_name(name) or self.tx.get_folder(self.account.id, name) is not None:
            raise Refused(f"{name[:80]!r} cannot be a new folder's name")
        folder = self.tx.ensure_folder(self.account.id, name)
        described = kind.value + (":" + ",".join(components) if components else "")
        self.tx.set_dav_collection(folder.id, described)
        return self._collection(folder, kind, name, components)

    # ------------------------------------------------------------------------------- reading

    def resources(self, collection: Collection) -> Iterator[Resource]:
        folder = self._folders[collection.name]
        names = self.tx.all_maps(self._device(), folder.id)
        for item in self.tx.iter_items(folder.id):
            resource = self._resource(collection, item, names.get(item.guid))
            if shown(collection, resource.stored):
                yield resource

    def get(self, collection: Collection, names: Sequence[str]) -> dict[str, Resource]:
        folder = self._folders[collection.name]
        guids = self._guids(collection, folder, names)
        items = self.tx.get_items(folder.id, guids.values())
        found = (self._resource(collection, items[guid], name) for name, guid in guids.items() if guid in items)
        return {resource.name: resource for resource in found if shown(collection, resource.stored)}

    def changes(self, collection: Collection, since: int, limit: int) -> Changes:
        folder = self._folders[collection.name]
        changed = self.tx.changes_since(folder.id, since, self.tx.current_seq(), None)
        read = [(item, None if item.deleted else content.read(item.content_type, item.data)) for item in changed]
        kept = [
            (item, parsed)
            for item, parsed in read
            if (since and item.deleted) or (parsed is not None and shown(collection, parsed))
        ]
        listed, truncated = kept[:limit], len(kept) > limit
        names = self.tx.luids_for_guids(self._device(), folder.id, [item.guid for item, _ in listed])
        last = listed[-1][0].seq if listed else 0
        token = last if truncated else max(collection.token, last)
        changes = []
        for item, parsed in listed:
            name = names.get(item.guid) or _default_name(collection, item.guid)
            changes.append(Change(name, None if parsed is None else Resource(name, _etag(item), parsed, item.guid)))
        return Changes(changes, token, truncated)

    def name_of_uid(self, collection: Collection, uid: str) -> str | None:
        """One read of the items' UID index (and of the item whose GUID is ``uid``, served with it as UID
        when it has none of its own), whatever the folder size."""
        folder = self._folders[collection.name]
        by_guid = self.tx.get_items(folder.id, [uid]).get(uid) if uid.isprintable() else None
        if by_guid is not None and content.read(by_guid.content_type, by_guid.data).uid is None:
            holder: str | None = uid
        else:
            holder = next(iter(self.tx.guids_with_uid(folder.id, uid)), None)
        if holder is None:
            return None
        return self._names(folder, [holder]).get(holder) or _default_name(collection, holder)

    # ------------------------------------------------------------------------------- writing

    def put(self, collection: Collection, name: str, item: ParsedItem, previous: Resource | None) -> Resource:
        folder = self._folders[collection.name]
        guid = previous.guid if previous is not None else self._guids(collection, folder, [name]).get(name)
        stored_before = self.tx.get_items(folder.id, [guid]).get(guid) if guid is not None else None
        if stored_before is not None:
            before = (
                previous.stored
                if previous is not None
                else content.read(stored_before.content_type, stored_before.data)
            )
            if item.normal_form == before.normal_form:
                return Resource(name, _etag(stored_before), before, stored_before.guid)
            self._keep(stored_before, "replaced")
        new = guid is None
        guid = guid or new_guid()
        (written,) = self.tx.put_items(folder.id, [NewItem(guid, item.content_type, item.data)], self._device())
        if new:
            self.tx.set_maps(self._device(), folder.id, {guid: name})
        return Resource(name, _etag(written), item, written.guid)

    def delete(self, collection: Collection, name: str) -> None:
        folder = self._folders[collection.name]
        guid = self._guids(collection, folder, [name]).get(name)
        stored = self.tx.get_items(folder.id, [guid]).get(guid) if guid is not None else None
        if stored is None:
            return
        self._keep(stored, "deleted")
        self.tx.delete_items(folder.id, [stored.guid], self._device())

    # ------------------------------------------------------------------------------- names

    def _device(self) -> int:
        if self._device_id is None:
            self._device_id = self.tx.ensure_device(self.account.id, DAV_DEVICE).id
        return self._device_id

    def _names(self, folder: Folder, guids: Iterable[str]) -> dict[str, str]:
        return self.tx.luids_for_guids(self._device(), folder.id, guids)

    def _guids(self, collection: Collection, folder: Folder, names: Sequence[str]) -> dict[str, str]:
        """The GUIDs resource names stand for: a name a client gave (a deleted item's too: a PUT brings
        it back under its name), else ``GUID.ext`` for a live item that has no name of a client's."""
        found = self.tx.guids_for_luids(self._device(), folder.id, names)
        extension = EXTENSIONS[collection.kind]
        stems = {name.removesuffix(extension): name for name in names if name not in found and name.endswith(extension)}
        if stems:
            named_otherwise = self._names(folder, stems)
            live = self.tx.get_items(folder.id, [stem for stem in stems if stem not in named_otherwise])
            found.update((stems[guid], guid) for guid in live)
        return found

    def _resource(self, collection: Collection, item: StoredItem, name: str | None) -> Resource:
        """The resource of a stored item, read when first needed."""
        parsed = content.read(item.content_type, item.data)
        return Resource(name or _default_name(collection, item.guid), _etag(item), parsed, item.guid)

    def _keep(self, item: StoredItem, reason: str) -> None:
        self.tx.keep_history(
            [HistoryEntry(item.folder_id, item.guid, item.content_type, item.data, reason, self.now, item.seq)]
        )


def _read_described(described: str) -> tuple[CollectionKind, tuple[Component, ...]] | None:
    """What ``Folder.dav_collection`` says a folder holds (``calendar:VEVENT,VTODO``); None for a text
    that says nothing DAV serves (one restored from a hand-made backup)."""
    kind, _, parts = described.partition(":")
    components = [part for part in parts.split(",") if part]
    if kind not in CollectionKind.__members__.values() or not all(
        part in Component.__members__.values() for part in components
    ):
        return None
    return CollectionKind(kind), tuple(Component(part) for part in components)


def _default_name(collection: Collection, guid: str) -> str:
    return guid + EXTENSIONS[collection.kind]


def _etag(item: StoredItem) -> str:
    return f'"{item.seq}"'
