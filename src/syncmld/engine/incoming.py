"""Applying a client's Sync: Add, Replace, Delete and Move items, large objects, slow-sync matching,
folder trees (an item's parent named by SourceParent or TargetParent)."""

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import NoReturn

from syncmld import content
from syncmld.engine import session_lists
from syncmld.engine.api import BackupItem
from syncmld.engine.conflicts import Winner, resolve
from syncmld.engine.content_work import ContentWork
from syncmld.engine.formats import adopts_sent_type
from syncmld.engine.identifiers import IdentifierLimits, item_problem
from syncmld.engine.mail_journal import JournalRoom
from syncmld.engine.modes import SyncMode, compares_all, sends_to_client, takes_from_client
from syncmld.engine.replies import ReplyBuilder
from syncmld.engine.session import ChangeKind, DatastoreState, OutChange, PartialItem, SessionState
from syncmld.errors import LocalError, RemoteError, SyncMLError
from syncmld.escape import quoted
from syncmld.protocol.item_format import DecodedData, Encryption, decode_item_data
from syncmld.protocol.messages import (
    Add,
    Atomic,
    Copy,
    Delete,
    Item,
    ItemCommand,
    Meta,
    Move,
    Replace,
    Sequence,
    Sync,
    SyncSubCommand,
    Unsupported,
)
from syncmld.settings import SHOWN_VALUE, ConflictPolicy, SettingsSource
from syncmld.status import StatusCode
from syncmld.store import new_guid
from syncmld.store.base import Folder, HistoryEntry, NewItem, StoredItem, Transaction
from syncmld.store.uids import identity_key

log = logging.getLogger("syncmld.engine")

UNKNOWN_TYPE = "application/octet-stream"
"""The type of an item whose type neither its command nor the data store names."""


@dataclass
class _DuplicateIndex:
    """Server items a slow sync's message has not matched yet, by identity name: those of the identity keys
    the message has looked up."""

    matched: set[str]
    """The GUIDs the device has shown it holds in this session: no duplicates of what it sends."""
    by_name: dict[str, list[tuple[content.Identity, StoredItem]]] = field(default_factory=dict)
    looked_up: set[str] = field(default_factory=set)
    """The identity keys looked up."""
    read: set[str] = field(default_factory=set)
    """The GUIDs of the server items read (in the index, matched already, or not to be matched)."""

    def add(self, item: StoredItem, bare: content.Identity) -> None:
        found = _placed(bare, item.parent)
        self.by_name.setdefault(found.name, []).append((found, item))

    def take(self, wanted: content.Identity) -> StoredItem | None:
        """The first item with the same name that shares a phone or e-mail (or is equal)."""
        candidates = self.by_name.get(wanted.name, [])
        for index, (found, item) in enumerate(candidates):
            if found.contact_points == wanted.contact_points or found.contact_points & wanted.contact_points:
                del candidates[index]
                return item
        return None


def _placed(found: content.Identity, parent: str | None) -> content.Identity:
    """An item's identity within its parent: a folder ``2026`` under ``Reports`` is not one under ``Photos``."""
    if parent is None:
        return found
    return content.Identity(f"{found.name}|in:{parent}", found.contact_points)


class SyncApplier:
    """Applies the commands of one client Sync to one data store of the session."""

    def __init__(
        self,
        tx: Transaction,
        state: SessionState,
        ds: DatastoreState,
        builder: ReplyBuilder,
        backup: list[BackupItem] | None,
        conflict_policy: ConflictPolicy,
        now: float,
        limits: IdentifierLimits,
        work: ContentWork,
        max_obj_size: int,
        outbox: Callable[[str, str, bytes], StatusCode] | None = None,
        outbox_parent: str | None = None,
        journal: JournalRoom | None = None,
    ) -> None:
        self.tx = tx
        self.journal = journal
        """For a mail folder: what the journal of changes waiting for IMAP still takes (a change it has no room
        for is refused with 420 before anything of it is written)."""
        self.outbox = outbox
        """For an outbox: sends what a device adds (LUID, type, data) and gives its status; nothing is kept."""
        self.outbox_parent = outbox_parent
        """In a folder tree, the outbox's folder object: only what a device adds below it is sent."""
        self.work = work
        """Where the item conversions run (large ones outside the store transaction)."""
        self.max_obj_size = max_obj_size
        self.state = state
        self.ds = ds
        self.builder = builder
        self.mode = ds.mode
        self._compares_all = compares_all(ds.mode)
        """The device sends every item it has (a slow sync): what it sends is matched."""
        self._takes = takes_from_client(ds.mode)
        """What the device sends is written (not only answered)."""
        self._notes_only = ds.mode in (SyncMode.SLOW_TO_CLIENT, SyncMode.CLIENT_RESET)
        """What the device sends is only noted: its LUIDs, to be replaced by the server's items."""
        self.backup = backup
        """Where items that arrive are collected for the session's backup archive, if it has one."""
        self._duplicates: _DuplicateIndex | None = None
        self._nothing_to_match = False
        """The folder holds no server item a slow sync's item may duplicate (found at the first need)."""
        self._converted: dict[str, tuple[str, bytes, content.ParsedItem]] = {}
        """The new items of a slow sync's message, converted ahead to look their duplicates up at once: by LUID,
        the type and data converted and the stored form."""
        self._decoded_ahead: dict[int, tuple[str, DecodedData]] = {}
        """The type and decoded data of the items converted ahead, by ``id`` of the item."""
        self._folder: Folder | None = None
        self._within_limits: set[int] = set()
        """The items of this Sync whose identifiers are within their limits (``item_problem``), by ``id``: looked at
        once per item."""
        self._seen_types: set[str] = set()
        """The content types ``_learn_format`` has looked at in this Sync."""
        self._guids: dict[str, str] = {}
        """LUID -> GUID for the items of this Sync, read in one query and kept up to date."""
        self._previous: dict[str, StoredItem] = {}
        """The stored items those GUIDs name, by GUID."""
        self._writes: dict[str, NewItem] = {}
        """Items to write when the Sync has been read, by GUID."""
        self._doomed: dict[str, None] = {}
        """GUIDs to delete when the Sync has been read, in order: before the writes that came after them."""
        self._live: set[str] = set()
        """The GUIDs of this Sync's items that are live once it is written (what a Delete answers from)."""
        self._kept: list[HistoryEntry] = []
        """Earlier versions to keep when the Sync has been read."""
        self._histories: dict[str, list[HistoryEntry]] = {}
        """The kept versions the store holds of the items of this Sync that may need them, by GUID (read at the
        first need, for all of them at once)."""
        self._childless: set[str] = set()
        """Items this Sync deletes that have nothing below them (read for all of them at once)."""
        self._new_maps: dict[str, str] = {}
        self._unmapped: set[str] = set()
        """LUIDs of this Sync that had no map when it was read and have been given none since."""
        self._added: set[str] = set()
        """GUIDs among ``_new_maps`` made in this Sync and mapped to such a LUID: their maps only need adding."""
        self._deleted_with_folder: set[str] = set()
        """GUIDs deleted in this Sync because a folder above them was."""
        self.conflict_policy = conflict_policy
        self.now = now
        self.limits = limits

    def _collection(self) -> str | None:
        """What the folder holds for DAV clients, if one of them made it (for the backup archive)."""
        if self._folder is None:
            self._folder = self.tx.get_folder(self.state.account_id, self.ds.folder_name)
        return self._folder.dav_collection if self._folder is not None else None

    def apply(self, sync: Sync) -> None:
        """Apply every command; the store is read and written in bulk, not item by item."""
        items: list[Item] = []
        deleting: list[str | None] = []
        for owner, item in _command_items(sync.commands):
            if isinstance(owner, Delete):
                deleting.append(_luid(item))
            if item_problem(item, self.limits) is None:
                items.append(item)
        self._within_limits = {id(item) for item in items}
        luids = [ref for item in items for ref in (_luid(item), item.source_parent) if ref is not None]
        self._guids = self.tx.guids_for_luids(self.state.device_id, self.ds.folder_id, luids)
        self._unmapped = {luid for luid in luids if luid not in self._guids}
        parents = [item.target_parent for item in items if item.target_parent is not None]
        deleted = {self._guids[luid] for luid in deleting if luid in self._guids}
        self._previous, self._childless = self._read_items([*self._guids.values(), *parents], deleted)
        self._live = set(self._previous)
        if self._compares_all and self._takes and self.outbox is None:
            self._convert_ahead(sync.commands)
        for command in sync.commands:
            self._apply_command(command)
        self._flush()

    def _flush(self) -> None:
        """Write what the commands read so far did, a few statements for all of their items: the earlier
        versions kept (which the record of the writes refers to), the deletes (which came before any pending
        write), the writes, the maps."""
        if self._kept:
            self.tx.keep_history(self._kept)
            self._kept = []
        if self._doomed:
            self.tx.delete_items(self.ds.folder_id, self._doomed, self.state.device_id)
            self.tx.delete_maps(self.state.device_id, self.ds.folder_id, self._doomed)
            self._doomed = {}
        if self._writes:
            self._childless.difference_update(new.parent for new in self._writes.values())
            self.tx.put_items(self.ds.folder_id, self._writes.values(), self.state.device_id)
            self._writes = {}
        if self._new_maps:
            replacing = {guid: luid for guid, luid in self._new_maps.items() if guid not in self._added}
            if replacing:
                self.tx.set_maps(self.state.device_id, self.ds.folder_id, replacing)
            if len(replacing) < len(self._new_maps):
                added = {guid: luid for guid, luid in self._new_maps.items() if guid in self._added}
                self.tx.set_maps(self.state.device_id, self.ds.folder_id, added, new=True)
            self._new_maps = {}
            self._added = set()

    def _apply_command(self, command: SyncSubCommand) -> None:
        if isinstance(command, Sequence):
            self.builder.status(command, StatusCode.OK)
            for nested in command.commands:
                if isinstance(nested, _SYNC_SUBCOMMANDS):
                    self._apply_command(nested)
                else:
                    self.builder.status(nested, StatusCode.COMMAND_NOT_ALLOWED)
        elif isinstance(command, _NOT_APPLIED):
            log.info("%s inside Sync is not supported: answered 406", type(command).__name__)
            self.builder.status(command, StatusCode.OPTIONAL_FEATURE_NOT_SUPPORTED)
        else:
            for item in command.items:
                self._apply_item(command, item)

    def _apply_item(self, command: ItemCommand, item: Item) -> None:
        problem = None if id(item) in self._within_limits else item_problem(item, self.limits)
        if problem is not None:
            log.warning("device %s: %s refused with 400: %s", self.state.device_ref, type(command).__name__, problem)
            self.builder.status(command, StatusCode.BAD_REQUEST)
            return
        luid = _luid(item)
        source_ref = item.source.uri if item.source else None
        target_ref = item.target.uri if item.target else None
        if luid is None:
            self.builder.status(command, StatusCode.BAD_REQUEST, target_ref=target_ref, source_ref=source_ref)
            return
        if self._notes_only:
            if not isinstance(command, _NOT_NOTED) and not item.more_data:
                self.ds.client_luids.append(luid)
            self.builder.status(command, StatusCode.OK, target_ref=target_ref, source_ref=source_ref)
            return
        if not self._takes:
            self.builder.status(command, StatusCode.FORBIDDEN, target_ref=target_ref, source_ref=source_ref)
            return
        if isinstance(command, Delete):
            self.builder.status(command, self._delete(luid), target_ref=target_ref, source_ref=source_ref)
            return
        try:
            if isinstance(command, Move):
                code = self._move(luid, item) if self._journal_takes(1, 0) else StatusCode.DEVICE_FULL
                self.builder.status(command, code, target_ref=target_ref, source_ref=source_ref)
                return
            assembled = self._assemble(command, item, luid, self._named_parent(item))
            if assembled is None:
                self.builder.status(command, StatusCode.CHUNK_ACCEPTED, target_ref=target_ref, source_ref=source_ref)
                return
            content_type, data, parent = assembled
            if self.backup is not None:
                self.backup.append(BackupItem(self.ds.folder_name, luid, content_type, data, self._collection()))
            code = self._write(command, luid, content_type, data, parent)
        except RemoteError as error:
            log.warning("item %s rejected: %s", luid, error)
            self.ds.received.failed += 1
            code = error.status
        self.builder.status(command, code, target_ref=target_ref, source_ref=source_ref)

    def _assemble(
        self, command: ItemCommand, item: Item, luid: str, parent: str | None
    ) -> tuple[str, bytes, str | None] | None:
        """The item's type, data and named parent once complete; None while a large object is still
        arriving (its parent may come with any of its chunks). Its pieces go to the store as they
        come, so a message costs what its own piece costs."""
        meta = _merged_meta(command.meta, item.meta)
        piece = _item_data(item)
        if self.ds.refused_object == luid:
            self.ds.refused_object = luid if item.more_data else None
            raise RemoteError(
                f"large object {luid} was refused as larger than {self.max_obj_size} bytes", StatusCode.ENTITY_TOO_LARGE
            )
        partial = self.ds.incoming
        if partial is not None and partial.luid != luid:
            log.warning("large object %s abandoned: item %s arrived instead", partial.luid, luid)
            self.tx.drop_chunks(self.state.token, partial.key)
            self.ds.incoming = partial = None
        if partial is None and meta.size is not None and meta.size > self.max_obj_size:
            self._refuse_object(luid, item, f"{meta.size} bytes announced")
        if partial is None and not item.more_data:
            ahead = self._decoded_ahead.pop(id(item), None)
            return *self._decoded(meta.type, meta.format, piece, ahead), parent
        if partial is None:
            partial = PartialItem(
                kind=ChangeKind.REPLACE if isinstance(command, Replace) else ChangeKind.ADD,
                luid=luid,
                guid=None,
                content_type=meta.type or self.ds.wire_type,
                size=meta.size,
                key=f"in:{self.ds.folder_id}",
                format=meta.format,
            )
            self.tx.drop_chunks(self.state.token, partial.key)
            self.ds.incoming = partial
        received = partial.offset + len(piece)
        if received > self.max_obj_size or (partial.size is not None and received > partial.size + partial.unconfirmed):
            self.tx.drop_chunks(self.state.token, partial.key)
            self.ds.incoming = None
            self._refuse_object(luid, item, f"{received} bytes received, {partial.size} announced")
        partial.offset = self.tx.append_chunk(self.state.token, partial.key, piece)
        partial.last_piece = len(piece)
        partial.parent = parent or partial.parent
        if item.more_data:
            return None
        self.ds.incoming = None
        data = _without_resent_piece(partial, self.tx.read_chunks(self.state.token, partial.key))
        self.tx.drop_chunks(self.state.token, partial.key)
        if partial.size is not None and partial.size not in _acceptable_sizes(data):
            raise RemoteError(
                f"large object {luid}: {len(data)} bytes received, {partial.size} announced", StatusCode.SIZE_MISMATCH
            )
        return *self._decoded(partial.content_type, partial.format, data), partial.parent

    def _refuse_object(self, luid: str, item: Item, why: str) -> NoReturn:
        """RemoteError 413 for an object over MaxObjSize or over its announced Size; its further
        chunks are refused too."""
        self.ds.refused_object = luid if item.more_data else None
        raise RemoteError(
            f"large object {luid} refused: {why}, at most {self.max_obj_size} bytes taken", StatusCode.ENTITY_TOO_LARGE
        )

    def _decoded(
        self, content_type: str | None, fmt: str | None, data: bytes, ahead: tuple[str, DecodedData] | None = None
    ) -> tuple[str, bytes]:
        """The item's type and its data with its Format undone (base64, decryption), or what ``_convert_ahead``
        undid of them already; a device that changes between encrypted and plain items gets its items back as
        it now sends them."""
        content_type, decoded = ahead or self._decode(content_type, fmt, data)
        if decoded.data and decoded.encryption != self.ds.encryption:
            self.ds.encryption = decoded.encryption
            key = encryption_setting(self.state.device_id, self.ds.folder_id)
            self.tx.set_setting(key, decoded.encryption or "")
            how = f"{decoded.encryption}-encrypted" if decoded.encryption else "unencrypted"
            log.info(
                "device %s sends its items of %s %s, and gets them so", self.state.device_ref, self.ds.folder_name, how
            )
        return content_type, decoded.data

    def _decode(self, content_type: str | None, fmt: str | None, data: bytes) -> tuple[str, DecodedData]:
        """The item's type, and its data with its Format undone; RemoteError when it cannot be."""
        return (content_type or self.ds.wire_type or UNKNOWN_TYPE).strip(), decode_item_data(
            fmt, data, lambda: self._item_key
        )

    def _convert_ahead(self, commands: Iterable[object]) -> None:
        """Convert the whole items of a slow sync's message that name no item the server has, so that the server
        items they may duplicate are read in one statement (an item that cannot be converted is left to fail
        where it is applied)."""
        for command, item in _whole_items(commands):
            luid = _luid(item)
            partial = self.ds.incoming
            if luid is None or luid in self._guids or (partial is not None and partial.luid == luid):
                continue
            if id(item) not in self._within_limits:
                continue
            meta = _merged_meta(command.meta, item.meta)
            try:
                content_type, decoded = self._decode(meta.type, meta.format, _item_data(item))
                if meta.type:  # not the data store's type, which the Sync may change before the item is applied
                    self._decoded_ahead[id(item)] = content_type, decoded
                new = self._convert(content_type, decoded.data)
            except SyncMLError:
                continue
            self._converted[luid] = content_type, decoded.data, new

    def _convert(self, content_type: str, data: bytes) -> content.ParsedItem:
        """A new item (one the server has no version of) in its stored form."""
        return self.work.run(
            content.from_device, content_type, data, None, self._device_properties, self.ds.folder_kind
        )

    @cached_property
    def _device_properties(self) -> frozenset[str] | None:
        """The properties the device's CTCap names for the data store (None: it supports everything)."""
        return frozenset(self.ds.device_properties) if self.ds.device_properties is not None else None

    @cached_property
    def _item_key(self) -> str | None:
        """The account's item key, from which item encryption keys are derived (read once per Sync)."""
        account = self.tx.get_account(self.state.account_email)
        return account.item_key if account is not None and account.item_key else None

    def _write(
        self, command: ItemCommand, luid: str, content_type: str, data: bytes, named_parent: str | None
    ) -> StatusCode:
        if self.outbox is not None and self.outbox_parent in (None, named_parent):  # an Add (a Replace in a slow sync)
            code = self.outbox(luid, content_type, data)
            return StatusCode.OK if code == StatusCode.ITEM_ADDED and not isinstance(command, Add) else code
        if not self._journal_takes(1, len(data)):
            return StatusCode.DEVICE_FULL
        if content_type not in self._seen_types:
            self._learn_format(content_type)
        known = self._guids.get(luid)
        previous = self._current(known) if known else None
        parent = named_parent or (previous.parent if previous else None)
        if previous is not None and named_parent is not None and named_parent != previous.parent:
            self._check_not_below_itself(previous.guid, named_parent)
        earlier = content.read(previous.content_type, previous.data) if previous else None
        ahead = self._converted.get(luid)
        if earlier is None and ahead is not None and ahead[:2] == (content_type, data):
            new = ahead[2]
        elif earlier is None:
            new = self._convert(content_type, data)
        else:
            new = self.work.run(
                content.from_device, content_type, data, earlier, self._device_properties, self.ds.folder_kind
            )
        if known is not None and previous is None and self._deleted_elsewhere(known, luid, new):
            return StatusCode.OK
        if previous is None and self._compares_all:
            duplicate = self._find_duplicate(new, parent)
            if duplicate is not None:
                self._adopt(duplicate, luid, new)
                return StatusCode.ITEM_ADDED if isinstance(command, Add) else StatusCode.OK
        if previous is not None and earlier is not None and previous.parent == parent and self._same(new, earlier):
            if self._compares_all:
                self.ds.matched.append(previous.guid)
            return StatusCode.OK  # the same object, re-encoded by the device: nothing changed
        if previous is not None and earlier is not None and self._in_conflict(previous):
            return self._resolve(previous, earlier, luid, new, parent)
        if previous is not None:
            if previous.data != new.data or previous.content_type != new.content_type or previous.parent != parent:
                if previous.seq:
                    self._keep(previous.guid, previous.content_type, previous.data, "replaced", previous.seq)
                self._writes[previous.guid] = NewItem(previous.guid, new.content_type, new.data, parent)
                self.ds.received.replaced += 1
            if self._compares_all:
                self.ds.matched.append(previous.guid)
            return StatusCode.OK
        guid = new_guid()
        identity = None if self._duplicates is None else identity_key(self.work.run(content.identity, new))
        self._writes[guid] = NewItem(guid, new.content_type, new.data, parent, fresh=True, identity=identity)
        self._map(guid, luid, fresh=True)
        if self._compares_all:
            self.ds.matched.append(guid)
        self.ds.received.added += 1
        return StatusCode.ITEM_ADDED

    def _same(self, one: content.ParsedItem, other: content.ParsedItem) -> bool:
        """Whether two stored items mean the same: the same bytes, or the same normal form."""
        return content.same_bytes(one, other) or (
            self.work.run(content.normal_form, one) == self.work.run(content.normal_form, other)
        )

    def _learn_format(self, content_type: str) -> None:
        """A device that named no type it takes gets its items back in the type it sends them in (each type is looked
        at once per Sync: what it learns of one does not change)."""
        self._seen_types.add(content_type)
        sent = content.media_type(content_type)
        if not self.ds.format_from_device and sent != self.ds.wire_type and adopts_sent_type(self.ds.folder_kind, sent):
            log.info(
                "device %s sends %s items to %s: it gets them in that type",
                self.state.device_ref,
                sent,
                self.ds.folder_name,
            )
            self.ds.wire_type, self.ds.format_from_device = sent, True

    def _adopt(self, duplicate: StoredItem, luid: str, new: content.ParsedItem) -> None:
        """A slow sync brought an item the server has already: map it, and where the two versions
        differ, merge them and send the result back to the device."""
        self._map(duplicate.guid, luid)
        self.ds.matched.append(duplicate.guid)
        if duplicate.data == new.data:
            return
        server = content.read(duplicate.content_type, duplicate.data)
        merged = self.work.run(content.merge, server, new, Winner.CLIENT)
        if merged is None or merged == duplicate.data:
            return
        self._keep(duplicate.guid, duplicate.content_type, duplicate.data, "merged with a device's copy", duplicate.seq)
        self._writes[duplicate.guid] = NewItem(duplicate.guid, new.content_type, merged, duplicate.parent)
        if merged != new.data and sends_to_client(self.mode):
            self.ds.queue.append(OutChange(ChangeKind.REPLACE, duplicate.guid, luid))

    def _in_conflict(self, previous: StoredItem) -> bool:
        """The server changed the item since this device's last sync (and not through this device)."""
        return (
            self.mode in (SyncMode.TWO_WAY, SyncMode.ONE_WAY_FROM_CLIENT)
            and previous.seq > self.ds.since_seq
            and previous.origin_device_id not in (None, self.state.device_id)
        )

    def _resolve(
        self, previous: StoredItem, earlier: content.ParsedItem, luid: str, new: content.ParsedItem, parent: str | None
    ) -> StatusCode:
        if self._is_echo(previous.guid, new):
            log.info(
                "device %s sent back an earlier version of %s (after an interrupted session): the "
                "server's newer version stays and goes to the device",
                self.state.device_ref,
                previous.guid,
            )
            return StatusCode.OK
        resolution = self.work.run(resolve, self.conflict_policy, earlier, new, self._base(previous.guid))
        log.info(
            "conflict on %s (device %s, folder %s): %s -> %s",
            previous.guid,
            self.state.device_ref,
            self.ds.folder_name,
            self.conflict_policy,
            resolution.outcome,
        )
        guid = previous.guid
        if resolution.outcome == Winner.SERVER:
            self._keep(guid, new.content_type, new.data, "device version lost a conflict")
        elif resolution.outcome == Winner.DUPLICATE:
            guid = new_guid()
            self._writes[guid] = NewItem(guid, new.content_type, new.data, parent, fresh=True)
            self._map(guid, luid, fresh=True)
            self.ds.received.added += 1
        else:
            self._keep(guid, previous.content_type, previous.data, "server version before a conflict", previous.seq)
            data = resolution.data if resolution.data is not None else new.data
            self._writes[guid] = NewItem(guid, new.content_type, data, parent)
            self.ds.received.replaced += 1
            if resolution.outcome == Winner.MERGED and sends_to_client(self.mode):
                self.ds.queue.append(OutChange(ChangeKind.REPLACE, guid, luid))
        return resolution.status

    def _deleted_elsewhere(self, guid: str, luid: str, new: content.ParsedItem) -> bool:
        """The device sent, unchanged, an item deleted on the server since it last had it (a slow
        sync sends everything, an interrupted session may send it again): the delete stands and goes
        to the device. A device that changed the item brings it back instead."""
        if self.mode not in (SyncMode.SLOW, SyncMode.TWO_WAY) or not self._is_echo(guid, new):
            return False
        log.info(
            "device %s sent %s unchanged, which was deleted on the server since: the delete goes to the device",
            self.state.device_ref,
            guid,
        )
        if self._compares_all:
            self.ds.matched.append(guid)
        self.ds.queue.append(OutChange(ChangeKind.DELETE, guid, luid))
        return True

    def _is_echo(self, guid: str, new: content.ParsedItem) -> bool:
        """The device's version equals an earlier server version of the item: a device that did not
        finish a session sends back, as its own change, what the server had sent it. The bytes are compared
        first, the newest versions first: an earlier version is read only when no version has the same bytes."""
        earlier = [content.read(entry.content_type, entry.data) for entry in reversed(self._history(guid))]
        return any(content.same_bytes(new, version) for version in earlier) or any(
            self._same(new, version) for version in earlier
        )

    def _base(self, guid: str) -> content.ParsedItem | None:
        """The version of the item this device had at its last sync, if the history holds it."""
        older = [entry for entry in self._history(guid) if entry.seq <= self.ds.since_seq]
        if not older:
            return None
        base = max(older, key=lambda entry: entry.seq)
        return content.read(base.content_type, base.data)

    def _history(self, guid: str) -> list[HistoryEntry]:
        """The kept versions of an item, oldest first, those this Sync keeps included. The first need reads them
        for every item of the Sync that may need them, in one statement."""
        if guid not in self._histories:
            wanted = {guid, *(known for known in self._guids.values() if self._may_need_history(known))}
            wanted.difference_update(self._histories)
            found = self.tx.list_histories(self.ds.folder_id, wanted)
            self._histories.update((known, found.get(known, [])) for known in wanted)
        return [*self._histories[guid], *(entry for entry in self._kept if entry.guid == guid)]

    def _may_need_history(self, guid: str) -> bool:
        """Whether the item's earlier versions may be asked for: it is in conflict, or no longer on the server."""
        current = self._current(guid)
        return current is None or self._in_conflict(current)

    def _keep(self, guid: str, content_type: str, data: bytes, reason: str, seq: int = 0) -> None:
        self._kept.append(HistoryEntry(self.ds.folder_id, guid, content_type, data, reason, self.now, seq))

    def _current(self, guid: str) -> StoredItem | None:
        """The item as this Sync has left it so far (written or not yet)."""
        pending = self._writes.get(guid)
        if pending is not None:
            return StoredItem(
                self.ds.folder_id, guid, pending.content_type, pending.data, 0, 0, None, parent=pending.parent
            )
        return self._previous.get(guid)

    def _stored(self, guid: str) -> StoredItem | None:
        """The item as the store holds it, None when this Sync deletes it."""
        return None if guid in self._doomed else self.tx.get_items(self.ds.folder_id, [guid]).get(guid)

    def _named_parent(self, item: Item) -> str | None:
        """The GUID of the parent the item names (TargetParent: our GUID; SourceParent: the client's ID
        of an item it sent before, in this Sync or earlier), None when it names none; RemoteError 404
        when the folder holds no such item."""
        if item.target_parent is not None:
            guid: str | None = item.target_parent
        elif item.source_parent is not None:
            guid = self._guids.get(item.source_parent)
        else:
            return None
        if guid is None or self._current(guid) is None:
            raise RemoteError(
                f"parent {item.target_parent or item.source_parent} is not an item of {self.ds.folder_name}",
                StatusCode.NOT_FOUND,
            )
        return guid

    def _check_not_below_itself(self, guid: str, parent: str) -> None:
        """RemoteError 428 when ``parent`` is the item itself or lies below it."""
        seen: set[str] = set()
        above: str | None = parent
        while above is not None and above not in seen:
            if above == guid:
                raise RemoteError(f"{guid} cannot move below itself", StatusCode.MOVE_FAILED)
            seen.add(above)
            current = self._current(above) or self._stored(above)
            above = current.parent if current is not None else None

    def _move(self, luid: str, item: Item) -> StatusCode:
        """A 1.2 Move: the item gets the parent the Move names."""
        guid = self._guids.get(luid)
        current = self._current(guid) if guid else None
        if current is None:
            raise RemoteError(f"Move of {luid}, which is not an item of {self.ds.folder_name}", StatusCode.NOT_FOUND)
        parent = self._named_parent(item)
        if parent is None:
            raise RemoteError(f"Move of {luid} names no parent", StatusCode.BAD_REQUEST)
        if parent != current.parent:
            self._check_not_below_itself(current.guid, parent)
            self._writes[current.guid] = NewItem(current.guid, current.content_type, current.data, parent)
            self.ds.received.replaced += 1
        return StatusCode.OK

    def _map(self, guid: str, luid: str, fresh: bool = False) -> None:
        """Map ``luid`` to ``guid`` (``fresh``: a GUID this Sync made for a new item)."""
        self._guids[luid] = guid
        self._new_maps[guid] = luid
        if fresh and luid in self._unmapped:
            self._added.add(guid)
        self._unmapped.discard(luid)
        self._live.add(guid)

    def _delete(self, luid: str) -> StatusCode:
        guid = self._guids.pop(luid, None)
        if guid is None:
            return StatusCode.ITEM_NOT_DELETED
        if guid in self._deleted_with_folder:
            return StatusCode.OK
        if self._waits_for_writes(guid):
            self._flush()  # what came before the Delete is written first: the items below it among them
            self._histories.clear()  # the writes may have kept versions
        previous = self._previous.get(guid)
        if previous is not None and self._in_conflict(previous):
            log.info(
                "device %s deleted %s, which the server changed since: the change wins, the item "
                "goes back to the device",
                self.state.device_ref,
                guid,
            )
            self.tx.delete_maps(self.state.device_id, self.ds.folder_id, [guid])
            return StatusCode.OK
        below = self._descendants(guid)
        if not self._journal_takes(1 + len(below), 0):
            self._guids[luid] = guid
            return StatusCode.DEVICE_FULL
        if previous is not None:
            self._keep(guid, previous.content_type, previous.data, "deleted", previous.seq)
        for descendant in below:
            self._keep(
                descendant.guid, descendant.content_type, descendant.data, "deleted with its folder", descendant.seq
            )
        doomed = [*(descendant.guid for descendant in below), guid]
        self._doomed.update(dict.fromkeys(doomed))
        live = guid in self._live
        self._live.difference_update(doomed)
        self._deleted_with_folder.update(descendant.guid for descendant in below)
        for gone in doomed:
            self._previous.pop(gone, None)
        if below:
            log.info(
                "device %s deleted %s in %s: %d items below it deleted with it",
                self.state.device_ref,
                guid,
                self.ds.folder_name,
                len(below),
            )
        if not live:
            return StatusCode.ITEM_NOT_DELETED
        self.ds.received.deleted += 1
        return StatusCode.OK

    def _read_items(self, guids: list[str], deleted: set[str]) -> tuple[dict[str, StoredItem], set[str]]:
        """The live items among ``guids``, and those of ``deleted`` with nothing below them: one read (and one more
        for the items below those the folder no longer holds, if the Sync deletes such)."""
        if not deleted:
            return self.tx.get_items(self.ds.folder_id, guids), set()
        found, parents = self.tx.get_items_and_parents(self.ds.folder_id, guids)
        gone = [guid for guid in deleted if guid not in found]
        below_gone = {child.parent for child in self.tx.children_of(self.ds.folder_id, gone)}
        return found, deleted - parents - below_gone

    def _waits_for_writes(self, guid: str) -> bool:
        """Whether deleting ``guid`` needs this Sync's pending writes written first: a write or map of the item
        itself (the flush deletes before it writes), or items that may lie below it (read from the store). The
        deletes of items with nothing below them are written with the rest of the Sync, in one statement."""
        if not self._writes and not self._new_maps:
            return False
        return (
            guid in self._writes
            or guid in self._new_maps
            or guid not in self._childless
            or any(new.parent == guid for new in self._writes.values())
        )

    def _journal_takes(self, changes: int, message_bytes: int) -> bool:
        """Whether a change to a mail folder has room in the journal of changes waiting for IMAP (always true
        elsewhere)."""
        if self.journal is None or self.journal.take(changes, message_bytes):
            return True
        self.ds.received.failed += 1
        return False

    def _descendants(self, guid: str) -> list[StoredItem]:
        """The live items below ``guid``, deepest first (so that they are deleted before their parents);
        those this Sync deletes already are not (nor are the items below them)."""
        found: list[StoredItem] = []
        seen = {guid}
        level = [] if guid in self._childless else [guid]
        while level:
            children = [
                child
                for child in self.tx.children_of(self.ds.folder_id, level)
                if child.guid not in seen and child.guid not in self._doomed
            ]
            seen.update(child.guid for child in children)
            found = children + found
            level = [child.guid for child in children]
        return found

    def _find_duplicate(self, new: content.ParsedItem, parent: str | None) -> StoredItem | None:
        """The server item ``new`` duplicates (and that nothing matched yet), looked up with the items of its message
        the first time."""
        if self._duplicates is None:
            if self._nothing_to_match or not self._may_match():
                self._nothing_to_match = True
                return None
            self._duplicates = _DuplicateIndex(session_lists.matched(self.tx, self.state.token, self.ds))
            ahead = [self.work.run(content.identity, converted) for _, _, converted in self._converted.values()]
            self._look_up(self._duplicates, {identity_key(identity) for identity in ahead})
        bare = self.work.run(content.identity, new)
        self._look_up(self._duplicates, {identity_key(bare)})
        return self._duplicates.take(_placed(bare, parent))

    def _may_match(self) -> bool:
        """Whether the folder holds server items that a slow sync's items may duplicate: those changed since the
        messages before found none (the folder's latest change is read first: no change up to it can come later)."""
        writer, since = self._own_writes()
        latest = self.tx.folder_seq(self.ds.folder_id)
        if self.tx.has_items_besides(self.ds.folder_id, writer, since, self.ds.unmatched_upto or 0):
            return True
        self.ds.unmatched_upto = latest
        return False

    def _own_writes(self) -> tuple[int | None, int]:
        """The device and the sequence number after which what it wrote is no duplicate of what it sends now
        (what it wrote in this session)."""
        return (None if self.ds.start_seq is None else self.state.device_id), self.ds.start_seq or 0

    def _look_up(self, index: _DuplicateIndex, identities: set[str]) -> None:
        """Put into ``index`` the server items of these identity keys, and those whose key nobody worked out yet
        (it is worked out now, and kept)."""
        wanted = identities - index.looked_up
        if not wanted:
            return
        index.looked_up.update(wanted)
        writer, since = self._own_writes()
        worked_out: dict[str, tuple[int, str]] = {}
        for stored, key in self.tx.duplicate_candidates(self.ds.folder_id, wanted, writer, since):
            if stored.guid in index.read or stored.guid in self._doomed:
                continue
            index.read.add(stored.guid)
            bare = self.work.run(content.identity, content.read(stored.content_type, stored.data))
            if key is None:
                worked_out[stored.guid] = stored.seq, identity_key(bare)
            if stored.guid not in index.matched:
                index.add(stored, bare)
        self.tx.set_identities(self.ds.folder_id, worked_out)


_SYNC_SUBCOMMANDS = (Add, Replace, Delete, Copy, Move, Atomic, Sequence, Unsupported)
_NESTING = (Sequence, Atomic)
_NOT_APPLIED = (Atomic, Copy, Unsupported)
"""What a Sync may hold and is answered 406."""
_NOT_NOTED = (Delete, Move)
"""What names no item a device holds after it."""
_WHOLE = (Add, Replace)
"""What brings an item's whole content."""


def encryption_setting(device_id: int, folder_id: int) -> str:
    """The setting remembering how a device encrypts the items of a folder (empty: it does not)."""
    return f"item-encryption:{device_id}:{folder_id}"


def stored_encryption(tx: SettingsSource, device_id: int, folder_id: int) -> Encryption | None:
    """How the device encrypted the items of the folder it sent last (None: it did not); LocalError when
    the store holds an encryption we do not know."""
    key = encryption_setting(device_id, folder_id)
    stored = tx.get_setting(key)
    if not stored:
        return None
    try:
        return Encryption(stored)
    except ValueError as error:
        raise LocalError(f"the stored setting {key} = '{quoted(stored, SHOWN_VALUE)}' is no item encryption") from error


def _command_items(commands: Iterable[object]) -> list[tuple[ItemCommand, Item]]:
    """The items of these commands and of the commands nested in them, each with its command."""
    found: list[tuple[ItemCommand, Item]] = []
    for command in commands:
        if isinstance(command, _NESTING):
            found += _command_items(nested for nested in command.commands if isinstance(nested, _SYNC_SUBCOMMANDS))
        elif isinstance(command, ItemCommand):
            found += [(command, item) for item in command.items]
    return found


def _whole_items(commands: Iterable[object]) -> Iterator[tuple[Add | Replace, Item]]:
    """The Add and Replace items of these commands (and of the Sequences among them) that came whole."""
    for command in commands:
        if isinstance(command, Sequence):
            yield from _whole_items(command.commands)
        elif isinstance(command, _WHOLE):
            yield from ((command, item) for item in command.items if not item.more_data)


def _luid(item: Item) -> str | None:
    """The client's ID of the item: its Source, or its Target when it has no Source."""
    ref = item.source or item.target
    return ref.uri if ref is not None else None


def _acceptable_sizes(data: bytes) -> set[int]:
    """Sizes a sender may have announced for what arrived: the bytes themselves, the bytes before
    XML parsing turned each CR LF into LF, and either one larger (some Nokia phones add one)."""
    received = len(data)
    before_xml = received + data.count(b"\n") - data.count(b"\r\n")
    return {received, received + 1, before_xml, before_xml + 1}


def _without_resent_piece(partial: PartialItem, data: bytes) -> bytes:
    """A resumed large object without the copy of the piece the client sent again: it had not seen
    the 213 for its last piece before the interruption. Dropped only when the sizes say a piece is
    doubled and the two copies agree byte for byte."""
    end, length = partial.resumed_at, partial.unconfirmed
    if not length or partial.size is None or partial.size in _acceptable_sizes(data):
        return data
    if data[end - length : end] != data[end : end + length]:
        return data
    trimmed = data[:end] + data[end + length :]
    if partial.size not in _acceptable_sizes(trimmed):
        return data
    log.info("large object %s: the piece sent again after the resume was dropped (%d bytes)", partial.luid, length)
    return trimmed


def _merged_meta(command_meta: Meta | None, item_meta: Meta | None) -> Meta:
    """Item Meta overrides the command's Meta, element by element."""
    base = command_meta or Meta()
    if item_meta is None:
        return base
    return Meta(
        type=item_meta.type or base.type,
        format=item_meta.format or base.format,
        size=item_meta.size if item_meta.size is not None else base.size,
    )


def _item_data(item: Item) -> bytes:
    """The item's octets as they came (the content layer knows their charset); none is empty."""
    data = item.data
    if data is None:
        return b""
    if isinstance(data, bytes):
        return data
    raise RemoteError("item data is not text", StatusCode.UNSUPPORTED_MEDIA_TYPE)
