"""The server's modifications (pkg 4): which changes a device gets, and packing them into messages
that respect the device's MaxMsgSize, splitting an item too large for one message (large object).
Items of a folder tree go parents first, each naming its parent (SyncML 1.2)."""

import base64
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple, Protocol

from syncmld import content
from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map, by_names
from syncmld.engine import session_lists
from syncmld.engine.backlog import BATCH, park, refill
from syncmld.engine.modes import SyncMode
from syncmld.engine.session import ChangeKind, DatastoreState, OutChange, PartialItem, SessionState
from syncmld.errors import WrongKind
from syncmld.protocol.constants import FORMAT_B64, SyncMLVersion
from syncmld.protocol.encoder import MessageEncoder
from syncmld.protocol.item_format import Encryption, encrypted_text
from syncmld.protocol.item_templates import item_shape
from syncmld.protocol.messages import Add, Delete, Item, LocRef, Meta, Replace, Sync
from syncmld.store.base import Accounts, Items, ItemToSend, Sessions, SyncMaps, Transaction

log = logging.getLogger("syncmld.engine")

COMMAND_OVERHEAD = 260
"""Bytes an Add/Replace/Delete around its data and ids costs in XML, generously counted: less room than
that is not worth reading another change for."""
MIN_PIECE = 512
"""The smallest piece of a large object a message carries."""

STORED_PIECE = 65536
"""Bytes of a large object being sent per stored piece: a message reads one or two of them."""

_ADD, _REPLACE, _DELETE = ChangeKind.ADD, ChangeKind.REPLACE, ChangeKind.DELETE
"""The change kinds as the per-item code compares them (reading an enumeration's member from its class costs
150 ns in Python 3.11, several times a comparison, and a reply compares a few per item)."""


Expand = Callable[
    [DatastoreState, list[OutChange], dict[str, ItemToSend], int], tuple[list[OutChange], dict[str, ItemToSend]]
]
"""Given a data store, its next queued changes, their stored items and the room left in the message: the
first of those changes to send now and their items as they are sent (``engine.mail`` puts the messages in)."""


class PlanStore(Items, SyncMaps, Sessions, Protocol):
    """What planning a device's changes reads and writes: the folder's items, the device's maps, the
    session's backlog."""


def plan_changes(tx: PlanStore, state: SessionState, ds: DatastoreState) -> None:
    """Fill the data store's queue with what the device must receive, when the client's package
    is complete (beyond a window it waits in the store); for refresh from client, erase what the
    client no longer has."""
    _plan(tx, state, ds)
    park(tx, state.token, ds)


def _plan(tx: PlanStore, state: SessionState, ds: DatastoreState) -> None:
    mode = ds.mode
    ds.planned = True
    ds.upto_seq = tx.current_seq()
    if mode == SyncMode.ONE_WAY_FROM_CLIENT:
        ds.upto_seq = None
        return
    if mode in (SyncMode.SLOW_TO_CLIENT, SyncMode.CLIENT_RESET):
        ds.queue = [OutChange(ChangeKind.DELETE, "", luid) for luid in session_lists.client_luids(tx, state.token, ds)]
        tx.clear_sync_state(state.device_id, ds.folder_id)
        if mode == SyncMode.CLIENT_RESET:
            return
    if mode == SyncMode.REFRESH_FROM_CLIENT:
        matched = session_lists.matched(tx, state.token, ds)
        gone = [guid for guid, _ in tx.item_parents(ds.folder_id) if guid not in matched]
        deleted = tx.delete_items(ds.folder_id, gone, state.device_id)
        tx.delete_maps(state.device_id, ds.folder_id, deleted)
        ds.upto_seq = tx.current_seq()
        return
    if mode in (SyncMode.SLOW, SyncMode.REFRESH_FROM_SERVER, SyncMode.SLOW_TO_SERVER, SyncMode.SLOW_TO_CLIENT):
        matched = session_lists.matched(tx, state.token, ds)
        parents: dict[str, str] = {}
        for guid, parent in tx.item_parents(ds.folder_id):
            if guid not in matched:
                ds.queue.append(OutChange(ChangeKind.ADD, guid))
                if parent is not None:
                    parents[guid] = parent
        ds.queue = _parents_first(ds.queue, parents)
        return
    queued = {change.guid for change in ds.queue}
    changes = [
        change
        for change in tx.changes_since(ds.folder_id, ds.since_seq, ds.upto_seq, state.device_id)
        if change.guid not in queued
    ]
    luids = tx.luids_for_guids(state.device_id, ds.folder_id, [change.guid for change in changes])
    for change in changes:
        luid = luids.get(change.guid)
        if change.deleted:
            if luid is not None:
                ds.queue.append(OutChange(ChangeKind.DELETE, change.guid, luid))
        else:
            ds.queue.append(OutChange(ChangeKind.REPLACE if luid else ChangeKind.ADD, change.guid, luid))
    ds.queue = _parents_first(ds.queue, {item.guid: item.parent for item in changes if item.parent is not None})


def _parents_first(queue: list[OutChange], parents: dict[str, str]) -> list[OutChange]:
    """The queue with every add or replace after that of its parent (``parents``: GUID -> parent GUID;
    items of a folder tree go by depth, counted among the queued items); otherwise in the order it had."""
    if not parents:
        return queue
    queued = {change.guid for change in queue if change.kind != ChangeKind.DELETE}
    depths: dict[str, int] = {}

    def depth(guid: str) -> int:
        chain: list[str] = []
        above: str | None = guid
        while above is not None and above in queued and above not in depths and above not in chain:
            chain.append(above)
            above = parents.get(above)
        known = depths.get(above, -1) if above is not None else -1
        for offset, member in enumerate(reversed(chain), start=1):
            depths[member] = known + offset
        return depths.get(guid, 0)

    return sorted(queue, key=lambda change: 0 if change.kind == ChangeKind.DELETE else depth(change.guid))


@dataclass(frozen=True)
class Room:
    """How large the message being built may grow, in encoded bytes."""

    limit: int
    fresh: int
    """Room an empty next message (header and a few statuses) would offer: a change larger than that
    goes as a large object, in pieces."""


def fill_sync(
    tx: Transaction,
    state: SessionState,
    ds: DatastoreState,
    encoder: MessageEncoder,
    room: Room,
    always: bool,
    expand: Expand | None = None,
) -> Sync | None:
    """Write a Sync with as many queued changes as fit in the message, each measured as it is written;
    the Sync written (None, and nothing written, if nothing is to be sent and ``always`` is false).
    ``expand`` may shorten each batch and give its items as they are sent (mail)."""
    commands: list[Add | Replace | Delete] = []
    sync = Sync(target=LocRef(ds.client_uri), source=LocRef(ds.server_uri))
    before = encoder.mark()
    encoder.start_sync(sync)
    tree = state.version == SyncMLVersion.V1_2
    sealing = _sealing(tx, state, ds)
    wire_is_sif = content.is_sif_type(ds.wire_type)
    if ds.outgoing is not None:
        parent_luids = _parent_luids(tx, state, ds, [ds.outgoing.parent] if tree else [])
        commands.append(_next_chunk(tx, state, ds, ds.outgoing, encoder, room.limit, parent_luids))
    opened, pieces = encoder.size(), len(commands)
    while ds.outgoing is None and encoder.size() < room.limit:
        refill(tx, state.token, ds)
        if not ds.queue:
            break
        wanted = _batch_size(encoder.size() - opened, len(commands) - pieces, room.limit - encoder.size())
        batch = ds.queue[:wanted]
        items = tx.items_to_send(ds.folder_id, [change.guid for change in batch if change.kind is not _DELETE])
        if expand is not None:
            batch, items = expand(ds, batch, items, room.limit - encoder.size())
        parent_luids = _parent_luids(tx, state, ds, [item.parent for item in items.values()] if tree else [])
        full = False
        for change in batch:
            stored = items.get(change.guid)
            wire = _NO_DATA
            if change.kind is not _DELETE:
                found = _wire_item(state, ds, stored, sealing, wire_is_sif) if stored is not None else None
                if found is None:
                    ds.queue.pop(0)
                    continue
                wire = found
            parent = stored.parent if stored is not None and tree else None
            mark = encoder.mark()
            command = None
            if not _written_in_shape(encoder, change, wire, parent, parent_luids):
                command = _item_command(change, wire, parent, parent_luids)
                encoder.add(command)
            if encoder.size() > room.limit:
                alone = encoder.size() - mark.size
                encoder.undo(mark)
                if alone > room.fresh:
                    ds.queue.pop(0)
                    ds.outgoing = _start_large_object(tx, state, ds, change, wire, parent)
                    if room.limit - encoder.size() > 2 * COMMAND_OVERHEAD:
                        commands.append(_next_chunk(tx, state, ds, ds.outgoing, encoder, room.limit, parent_luids))
                full = True
                break
            ds.queue.pop(0)
            commands.append(command or _item_command(change, wire, parent, parent_luids))
            _count(ds, change.kind)
        if full:
            break
    if not commands and not always:
        encoder.undo(before)
        return None
    encoder.end_sync()
    return replace(sync, commands=tuple(commands))


def _batch_size(written: int, sent: int, left: int) -> int:
    """How many queued changes to read for a message with ``left`` bytes of room once ``sent`` changes took
    ``written`` bytes: about as many as fit and one more (which tells that the message is full), at most a batch.
    The items read and left out of a message are read again for the next one."""
    if not sent or written <= 0:
        return BATCH
    return max(1, min(BATCH, left * sent // written + 1))


def _count(ds: DatastoreState, kind: ChangeKind) -> None:
    if kind is _ADD:
        ds.sent.added += 1
    elif kind is _REPLACE:
        ds.sent.replaced += 1
    else:
        ds.sent.deleted += 1


class WireItem(NamedTuple):
    """An item as it travels: its type, its octets (UTF-8 text, or base64 when ``format`` says so),
    made once and measured as they are."""

    content_type: str
    data: bytes
    format: str | None


_NO_DATA = WireItem("", b"", None)
"""What a Delete carries."""


def _parent_luids(
    tx: SyncMaps, state: SessionState, ds: DatastoreState, parents: Iterable[str | None]
) -> dict[str, str]:
    """The device's IDs of those ``parents`` it has mapped, GUID -> LUID."""
    wanted = {parent for parent in parents if parent is not None}
    return tx.luids_for_guids(state.device_id, ds.folder_id, wanted) if wanted else {}


def _with_parent(item: Item, parent: str | None, parent_luids: Mapping[str, str]) -> Item:
    """The item naming its parent: by the device's ID (TargetParent) when the device has mapped it,
    else by ours (SourceParent: a folder added earlier in this package)."""
    if parent is None:
        return item
    luid = parent_luids.get(parent)
    if luid is not None:
        return replace(item, target_parent=luid)
    return replace(item, source_parent=parent)


def _written_in_shape(
    encoder: MessageEncoder, change: OutChange, wire: WireItem, parent: str | None, parent_luids: Mapping[str, str]
) -> bool:
    """Write an Add or Replace from its shape's template, without building the command (see
    ``protocol.item_templates``); False, with nothing written, for a Delete or a command no template writes."""
    if change.kind is _DELETE or not wire.content_type:
        return False
    replacing = change.kind is _REPLACE
    item_id = (change.luid or "") if replacing else change.guid
    command = Replace if replacing else Add
    if parent is None:
        return encoder.add_in_shape(
            item_shape(command, wire.content_type, wire.format, replacing, None), (item_id, wire.data)
        )
    luid = parent_luids.get(parent)
    shape = item_shape(command, wire.content_type, wire.format, replacing, luid is not None)
    return encoder.add_in_shape(shape, (item_id, parent if luid is None else luid, wire.data))


def _item_command(
    change: OutChange, wire: WireItem, parent: str | None, parent_luids: Mapping[str, str]
) -> Add | Replace | Delete:
    if change.kind is _DELETE:
        return Delete(items=(Item(target=LocRef(change.luid or "")),))
    key = (wire.content_type, wire.format)
    meta = _FIND_META(key) or _METAS.put(key, _meta(*key), len(wire.content_type) + len(wire.format or ""))
    if change.kind is _REPLACE:
        item = Item(target=LocRef(change.luid or ""), data=wire.data)
        return Replace(meta=meta, items=(_with_parent(item, parent, parent_luids),))
    item = Item(source=LocRef(change.guid), data=wire.data)
    return Add(meta=meta, items=(_with_parent(item, parent, parent_luids),))


def _meta(content_type: str, item_format: str | None) -> Meta:
    return Meta(type=content_type, format=item_format)


_METAS: BoundedMap[tuple[str, str | None], Meta] = bounded_map("item_metas", by_names(lambda limits: limits.item_metas))
"""The Meta of an Add or Replace, made once per type and format (a reply carries many of one)."""
_FIND_META = _METAS.peek


@dataclass(frozen=True)
class Sealing:
    """How a device's items are encrypted on their way: the encryption and the account's item key."""

    encryption: Encryption
    item_key: str


def _sealing(tx: Accounts, state: SessionState, ds: DatastoreState) -> Sealing | None:
    """The encryption the device uses for the data store, if any, with the key's source."""
    if not ds.encryption:
        return None
    account = tx.get_account(state.account_email)
    if account is None or not account.item_key:
        log.warning(
            "device %s encrypts its items of %s, but the account has no item key: items go unencrypted",
            state.device_ref,
            ds.folder_name,
        )
        return None
    return Sealing(ds.encryption, account.item_key)


def _wire_item(
    state: SessionState, ds: DatastoreState, stored: ItemToSend, sealing: Sealing | None, wire_is_sif: bool
) -> WireItem | None:
    """The item in the data store's type (SIF when ``wire_is_sif``), else in the first other type the device
    takes that carries it (a task for a SIF-E calendar as SIF-T); None, and a log line, when none of them does.
    An item stored in the data store's type goes as its stored bytes, unread."""
    if content.goes_as_stored(stored.content_type, ds.wire_type):
        return _on_the_wire(ds.wire_type, stored.data, sealing, wire_is_sif)
    item = content.read(stored.content_type, stored.data)
    try:
        return _in_type(item, ds.wire_type, sealing)
    except WrongKind as error:
        reason = str(error)
    for other in ds.other_types:
        if content.is_convertible(item.content_type, other):
            try:
                return _in_type(item, other, sealing)
            except WrongKind:
                continue
    log.warning(
        "device %s folder %s: item %s is not sent: %s, and the device takes no other type that carries it",
        state.device_ref,
        ds.folder_name,
        stored.guid,
        reason,
    )
    return None


def _in_type(item: content.ParsedItem, wire_type: str, sealing: Sealing | None) -> WireItem:
    """The item in ``wire_type``; encrypted for a device that encrypts its own (``des;b64``), otherwise
    SIF (as Funambol clients send it) and bytes that are not UTF-8 text (opaque items) travel as base64,
    so they arrive byte for byte."""
    content_type, data = content.for_device(item, wire_type)
    return _on_the_wire(content_type, data, sealing, content.is_sif_type(content_type))


def _on_the_wire(content_type: str, data: bytes, sealing: Sealing | None, sif: bool) -> WireItem:
    """Octets of ``content_type`` (a SIF type when ``sif``) as they travel (see ``_in_type``)."""
    if sealing is not None:
        sealed, sealed_format = encrypted_text(sealing.encryption, sealing.item_key, data)
        return WireItem(content_type, sealed.encode("ascii"), sealed_format)
    if not sif and _is_utf8(data):
        return WireItem(content_type, data, None)
    return WireItem(content_type, base64.b64encode(data), FORMAT_B64)


def _is_utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _start_large_object(
    tx: Sessions,
    state: SessionState,
    ds: DatastoreState,
    change: OutChange,
    wire: WireItem,
    parent: str | None,
) -> PartialItem:
    """Write the item's wire octets to the store once, in pieces; each message then reads its slice."""
    key = f"out:{ds.folder_id}"
    data = wire.data
    tx.drop_chunks(state.token, key)
    for start in range(0, len(data), STORED_PIECE):
        tx.append_chunk(state.token, key, data[start : start + STORED_PIECE])
    return PartialItem(
        kind=change.kind,
        luid=change.luid,
        guid=change.guid,
        content_type=wire.content_type,
        size=len(data),
        key=key,
        format=wire.format,
        parent=parent,
    )


def _next_chunk(
    tx: Sessions,
    state: SessionState,
    ds: DatastoreState,
    partial: PartialItem,
    encoder: MessageEncoder,
    limit: int,
    parent_luids: Mapping[str, str],
) -> Add | Replace:
    """Write the next piece of a large object being sent, as large as fits in ``limit`` (at least
    ``MIN_PIECE`` bytes), naming the item's parent in every piece; only that piece is read from the store."""
    size = partial.size or 0
    room = max(limit - encoder.size() - COMMAND_OVERHEAD, MIN_PIECE)
    window = tx.read_chunks(state.token, partial.key, partial.offset, room + 1)
    while True:
        more = partial.offset + room < size
        piece = window[: _clean_cut(window, room)] if more else window[:room]
        command = _chunk_command(partial, piece, more, parent_luids)
        mark = encoder.mark()
        encoder.add(command)
        over = encoder.size() - limit
        if over <= 0 or room == MIN_PIECE:
            break
        encoder.undo(mark)
        room = max(min(room, len(piece)) - over, MIN_PIECE)
    partial.offset += len(piece)
    if not more:
        tx.drop_chunks(state.token, partial.key)
        ds.outgoing = None
        _count(ds, partial.kind)
    return command


def _chunk_command(partial: PartialItem, piece: bytes, more: bool, parent_luids: Mapping[str, str]) -> Add | Replace:
    """The Add or Replace that carries ``piece`` of a large object (the first says the object's size)."""
    meta = Meta(size=partial.size or 0) if partial.offset == 0 else None
    command_meta = Meta(type=partial.content_type, format=partial.format)
    if partial.kind == ChangeKind.REPLACE:
        item = Item(target=LocRef(partial.luid or ""), meta=meta, data=piece, more_data=more)
        return Replace(meta=command_meta, items=(_with_parent(item, partial.parent, parent_luids),))
    item = Item(source=LocRef(partial.guid or ""), meta=meta, data=piece, more_data=more)
    return Add(meta=command_meta, items=(_with_parent(item, partial.parent, parent_luids),))


_WHITE = frozenset(b" \t\r\n")


def _clean_cut(text: bytes, end: int) -> int:
    """Where to end a piece of ``text`` at or before ``end``: not inside a UTF-8 character, and if
    possible not next to white space, which an XML reader may trim from either end of a piece (a
    folded vCard line would lose its CR, LF or folding space)."""
    cut = end
    while cut > 1 and (text[cut] & 0xC0 == 0x80 or text[cut] in _WHITE or text[cut - 1] in _WHITE):
        cut -= 1
    if cut > 1:
        return cut
    cut = end
    while cut > 1 and text[cut] & 0xC0 == 0x80:
        cut -= 1
    return cut
