"""The SQL store's folders, items and their change log, and the earlier versions of items.

New sequence numbers come from the one-row counter, whose update also serialises the writers of
sequence numbers until they commit.
"""

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import fields
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, bindparam, delete, exists, func, or_, select, update

from syncmld.store import new_guid
from syncmld.store.base import Candidate, Folder, HistoryEntry, ItemToSend, NewItem, NotFound, StoredItem
from syncmld.store.schema import SEQUENCE_ROW_ID, folders, item_history, sequence_counter
from syncmld.store.schema import items as item_table
from syncmld.store.sql.common import CHUNK_SIZE, SqlRole, chunks, insert_many
from syncmld.store.sql.in_lists import WithInList
from syncmld.store.sql.prepared import Prepared, run_sql
from syncmld.store.sql.pushes import PushTargets
from syncmld.store.uids import indexed_uid, uid_key

if TYPE_CHECKING:
    from syncmld.store.sql.history import SqlJournal


def _folder(row: Row[Any]) -> Folder:
    return Folder(row.id, row.account_id, row.name, row.dav_collection)


_FOLDER = Prepared(
    select(folders).where(folders.c.account_id == bindparam("account_id"), folders.c.name_key == bindparam("key"))
)
_FOLDERS = Prepared(
    select(folders).where(folders.c.account_id == bindparam("account_id")).order_by(folders.c.name_key, folders.c.id)
)
_FOLDER_KEY = ("account_id", "name_key")
_SEQ = Prepared(select(sequence_counter.c.value).where(sequence_counter.c.id == SEQUENCE_ROW_ID))
"""Made once: every session reads them (building a statement costs more than running it)."""
_FOLDER_SEQ = Prepared(select(func.max(item_table.c.seq)).where(item_table.c.folder_id == bindparam("folder_id")))
_LIVE_AFTER = (
    item_table.c.folder_id == bindparam("folder_id"),
    item_table.c.deleted.is_(False),
    item_table.c.seq > bindparam("after"),
)
_NOT_BY = or_(item_table.c.origin_device_id.is_(None), item_table.c.origin_device_id != bindparam("device_id"))
_BESIDES = {
    "any": Prepared(select(exists().where(*_LIVE_AFTER))),
    "newer": Prepared(select(exists().where(*_LIVE_AFTER, item_table.c.seq > bindparam("since"), _NOT_BY))),
    "older or newer": Prepared(
        select(
            or_(
                exists().where(*_LIVE_AFTER, item_table.c.seq <= bindparam("since")),
                exists().where(*_LIVE_AFTER, item_table.c.seq > bindparam("since"), _NOT_BY),
            )
        )
    ),
}
"""Whether a folder holds live items changed after ``after``: any, or besides those ``device_id`` changed after
``since`` (with ``after`` at least ``since``, the newer ones only). Made once: a slow sync asks with every message."""
_ITEM_COLUMNS = tuple(item_table.c[field.name] for field in fields(StoredItem))
"""The item columns in the order of StoredItem's fields, so that a row is built without looking names up."""
_CHANGES_SELECT = (
    select(*_ITEM_COLUMNS)
    .where(
        item_table.c.folder_id == bindparam("folder_id"),
        item_table.c.seq > bindparam("seq"),
        item_table.c.seq <= bindparam("upto"),
    )
    .order_by(item_table.c.seq)
)
_CHANGES = Prepared(_CHANGES_SELECT)
_CHANGES_NOT_BY = Prepared(
    _CHANGES_SELECT.where(
        item_table.c.origin_device_id.is_(None) | (item_table.c.origin_device_id != bindparam("device_id"))
    )
)
"""Made once, as ``changes_since`` reads them with every session (building a statement costs more than running it)."""


HISTORY_COLUMNS = ("folder_id", "guid", "content_type", "data", "reason", "saved_at", "seq")
"""The columns of a kept version's row, in the order of ``HistoryEntry``'s fields."""

_IN_FOLDER = item_table.c.folder_id == bindparam("folder_id")
_LIVE = item_table.c.deleted.is_(False)
_GET_ITEMS = WithInList(lambda guids: select(*_ITEM_COLUMNS).where(_IN_FOLDER, item_table.c.guid.in_(guids), _LIVE))
"""The live items of a folder among some GUIDs (items are read in batches with every message a device sends or
receives)."""
_CHILD = item_table.alias("child")
_HAS_CHILDREN = exists().where(
    _CHILD.c.folder_id == item_table.c.folder_id, _CHILD.c.parent == item_table.c.guid, _CHILD.c.deleted.is_(False)
)
_GET_ITEMS_AND_PARENTHOOD = WithInList(
    lambda guids: select(*_ITEM_COLUMNS, _HAS_CHILDREN).where(_IN_FOLDER, item_table.c.guid.in_(guids), _LIVE)
)
"""``_GET_ITEMS`` with whether each item has live items below it (a Sync that deletes reads its items so)."""
_CHILDREN = WithInList(
    lambda parents: select(*_ITEM_COLUMNS).where(_IN_FOLDER, item_table.c.parent.in_(parents), _LIVE)
)
"""The live items of a folder below some parents (what a Delete reads for the items it deletes)."""
_VERSIONS = WithInList(
    lambda guids: select(item_table.c.guid, item_table.c.version).where(_IN_FOLDER, item_table.c.guid.in_(guids))
)
"""The versions of the items of a folder among some GUIDs, tombstones too."""
_COUNT = Prepared(select(func.count()).where(_IN_FOLDER, _LIVE))
_WITH_UID = Prepared(select(item_table.c.guid).where(_IN_FOLDER, item_table.c.uid == bindparam("uid"), _LIVE))
_HISTORY = Prepared(
    select(
        item_history.c.content_type,
        item_history.c.data,
        item_history.c.reason,
        item_history.c.saved_at,
        item_history.c.seq,
    )
    .where(item_history.c.folder_id == bindparam("folder_id"), item_history.c.guid == bindparam("guid"))
    .order_by(item_history.c.saved_at, item_history.c.id)
)
"""The kept versions of an item, oldest first."""
_HISTORIES = WithInList(
    lambda guids: (
        select(
            item_history.c.guid,
            item_history.c.content_type,
            item_history.c.data,
            item_history.c.reason,
            item_history.c.saved_at,
            item_history.c.seq,
        )
        .where(item_history.c.folder_id == bindparam("folder_id"), item_history.c.guid.in_(guids))
        .order_by(item_history.c.saved_at, item_history.c.id)
    )
)
"""The kept versions of some items, oldest first."""
_ALLOCATE = Prepared(
    update(sequence_counter)
    .where(sequence_counter.c.id == SEQUENCE_ROW_ID)
    .values(value=sequence_counter.c.value + bindparam("count"))
    .returning(sequence_counter.c.value)
)
"""Sequence numbers reserved (with every write of items)."""
_STATES = WithInList(lambda guids: select(*_ITEM_COLUMNS).where(_IN_FOLDER, item_table.c.guid.in_(guids)))
"""The items of a folder among some GUIDs, tombstones too (what a write finds)."""


@lru_cache(maxsize=32)
def _items_to_send_sql(paramstyle: str, count: int) -> str:
    """The live items of a folder among ``count`` GUIDs, with the columns of ``ItemToSend`` only: the driver's SQL,
    made once per count (a device receiving a folder reads its items in batches of the same size), its rows
    fetched at once."""
    placeholder = "?" if paramstyle == "qmark" else "%s"
    return (
        f"SELECT guid, content_type, data, parent FROM {item_table.name} "
        f"WHERE folder_id = {placeholder} AND NOT deleted AND guid IN ({', '.join([placeholder] * count)})"
    )


@cache
def _item_parents_sql(paramstyle: str) -> str:
    """Every live item of a folder with its parent, by GUID: the driver's SQL, its rows fetched at once (a new
    device's refresh reads the whole folder)."""
    placeholder = "?" if paramstyle == "qmark" else "%s"
    return f"SELECT guid, parent FROM {item_table.name} WHERE folder_id = {placeholder} AND NOT deleted ORDER BY guid"


def _item(row: Sequence[Any]) -> StoredItem:
    folder_id, guid, content_type, data, version, seq, origin_device_id, deleted, parent = row
    return StoredItem(folder_id, guid, content_type, data, version, seq, origin_device_id, deleted, parent)


_ROW_COLUMNS = (
    "folder_id",
    "guid",
    "content_type",
    "data",
    "version",
    "seq",
    "origin_device_id",
    "deleted",
    "parent",
    "uid",
    "identity",
)
"""The columns of ``_item_row``'s values."""


def _item_row(item: StoredItem, identity: str | None) -> tuple[Any, ...]:
    return (
        item.folder_id,
        item.guid,
        item.content_type,
        item.data,
        item.version,
        item.seq,
        item.origin_device_id,
        item.deleted,
        item.parent,
        indexed_uid(item.content_type, item.data),
        identity,
    )


_CANDIDATES_SELECT = select(*_ITEM_COLUMNS, item_table.c.identity)
_CANDIDATES = WithInList(
    lambda identities: _CANDIDATES_SELECT.where(_IN_FOLDER, item_table.c.identity.in_(identities), _LIVE)
)
"""The live items of a folder with some identities (with every message of a slow sync)."""
_UNKNOWN_CANDIDATES = Prepared(_CANDIDATES_SELECT.where(_IN_FOLDER, item_table.c.identity.is_(None), _LIVE))
"""The live items of a folder whose identity nobody worked out yet. Apart from ``_CANDIDATES``: SQLite reads
``identity IN (...) OR identity IS NULL`` by scanning the folder's rows, data and all, not through the index."""
_SET_IDENTITY = Prepared(
    update(item_table)
    .where(
        item_table.c.folder_id == bindparam("b_folder_id"),
        item_table.c.guid == bindparam("b_guid"),
        item_table.c.seq == bindparam("b_seq"),
    )
    .values(identity=bindparam("b_identity"))
)


_DELETE_ITEM = Prepared(
    update(item_table)
    .where(item_table.c.folder_id == bindparam("b_folder_id"), item_table.c.guid == bindparam("b_guid"))
    .values(
        deleted=True,
        data=b"",
        uid=None,
        identity=None,
        version=bindparam("b_version"),
        seq=bindparam("b_seq"),
        origin_device_id=bindparam("b_origin"),
    )
)
"""An item made a tombstone, with its new version and sequence number (for a batch of deletes)."""


@lru_cache(maxsize=32)
def _keep_sql(paramstyle: str, count: int) -> str:
    """``count`` kept versions in one INSERT that gives their ids: the driver's SQL, made once per count."""
    placeholder = "?" if paramstyle == "qmark" else "%s"
    row = f"({', '.join([placeholder] * len(HISTORY_COLUMNS))})"
    return (
        f"INSERT INTO {item_history.name} ({', '.join(HISTORY_COLUMNS)}) VALUES {', '.join([row] * count)} "
        "RETURNING id, folder_id, guid, seq"
    )


def insert_history(connection: Connection, rows: Sequence[tuple[Any, ...]]) -> dict[tuple[int, str, int], int]:
    """Keep these versions (values in the order of ``HISTORY_COLUMNS``): the id of each by (folder, GUID, seq),
    the latest where two share them."""
    ids: dict[tuple[int, str, int], int] = {}
    for chunk in chunks(rows):
        sql = _keep_sql(connection.dialect.paramstyle, len(chunk))
        with closing(run_sql(connection, sql, tuple(v for row in chunk for v in row))) as cursor:
            for row_id, folder_id, guid, seq in cursor.fetchall():
                ids[folder_id, guid, seq] = max(row_id, ids.get((folder_id, guid, seq), row_id))
    return ids


def read_states(connection: Connection, folder_id: int, guids: Sequence[str]) -> dict[str, StoredItem]:
    """The items of the folder among ``guids`` as they are, tombstones too, by GUID."""
    found: dict[str, StoredItem] = {}
    for chunk in chunks(guids):
        found.update((row[1], _item(row)) for row in _STATES.rows(connection, chunk, {"folder_id": folder_id}))
    return found


class SqlItems(SqlRole):
    """See ``syncmld.store.base.Items``."""

    _journal: "SqlJournal | None" = None
    """Where this transaction's item writes are recorded (``SyncHistory.record_changes_as``)."""
    _push_targets: PushTargets
    """Who is told of this transaction's item writes (``SqlTransaction`` makes it)."""

    # --- folders ----------------------------------------------------------------------------
    def get_folder(self, account_id: int, name: str) -> Folder | None:
        row = _FOLDER.first(self._connection, {"account_id": account_id, "key": name.casefold()})
        return None if row is None else _folder(row)

    def ensure_folder(self, account_id: int, name: str) -> Folder:
        folder = self.get_folder(account_id, name)
        if folder is not None:
            return folder
        row = self._add_owned(
            folders, {"account_id": account_id, "name": name, "name_key": name.casefold()}, _FOLDER_KEY
        )
        if row is not None:
            return _folder(row)
        folder = self.get_folder(account_id, name)  # made meanwhile by another transaction
        if folder is None:
            raise NotFound(f"no account with id {account_id}")
        return folder

    def list_folders(self, account_id: int) -> list[Folder]:
        return [_folder(row) for row in _FOLDERS.rows(self._connection, {"account_id": account_id})]

    def set_dav_collection(self, folder_id: int, collection: str | None) -> None:
        statement = update(folders).where(folders.c.id == folder_id).values(dav_collection=collection)
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no folder with id {folder_id}")

    # --- items and the change log -----------------------------------------------------------
    def _allocate_seqs(self, count: int) -> int:
        """Reserve ``count`` new sequence numbers; returns the first (a negative ``count`` gives back the last
        numbers this transaction reserved)."""
        last: int = _ALLOCATE.scalar(self._connection, {"count": count})
        return last - count + 1

    def _versions(self, folder_id: int, guids: Sequence[str]) -> dict[str, int]:
        """The current version of those of ``guids`` that exist, tombstones too."""
        versions: dict[str, int] = {}
        for chunk in chunks(guids):
            versions.update(_VERSIONS.rows(self._connection, chunk, {"folder_id": folder_id}))
        return versions

    def get_items(self, folder_id: int, guids: Iterable[str]) -> dict[str, StoredItem]:
        found: dict[str, StoredItem] = {}
        for chunk in chunks(list(guids)):
            rows = _GET_ITEMS.rows(self._connection, chunk, {"folder_id": folder_id})
            found.update((row[1], _item(row)) for row in rows)
        return found

    def get_items_and_parents(self, folder_id: int, guids: Iterable[str]) -> tuple[dict[str, StoredItem], set[str]]:
        found: dict[str, StoredItem] = {}
        parents: set[str] = set()
        for chunk in chunks(list(guids)):
            for row in _GET_ITEMS_AND_PARENTHOOD.rows(self._connection, chunk, {"folder_id": folder_id}):
                found[row[1]] = _item(row[:-1])
                if row[-1]:
                    parents.add(row[1])
        return found, parents

    def items_to_send(self, folder_id: int, guids: Iterable[str]) -> dict[str, ItemToSend]:
        found: dict[str, ItemToSend] = {}
        paramstyle = self._connection.dialect.paramstyle
        for chunk in chunks(list(guids)):
            sql = _items_to_send_sql(paramstyle, len(chunk))
            with closing(run_sql(self._connection, sql, (folder_id, *chunk))) as cursor:
                found.update((row[0], ItemToSend._make(row)) for row in cursor.fetchall())
        return found

    def item_parents(self, folder_id: int) -> list[tuple[str, str | None]]:
        sql = _item_parents_sql(self._connection.dialect.paramstyle)
        with closing(run_sql(self._connection, sql, (folder_id,))) as cursor:
            return list(cursor.fetchall())

    def iter_items(self, folder_id: int) -> Iterator[StoredItem]:
        statement = select(*_ITEM_COLUMNS).where(item_table.c.folder_id == folder_id, item_table.c.deleted.is_(False))
        statement = statement.order_by(item_table.c.guid).execution_options(yield_per=CHUNK_SIZE)
        for row in self._connection.execute(statement):
            yield _item(row)

    def has_items_besides(self, folder_id: int, skip_changed_by: int | None, since: int, after: int = 0) -> bool:
        # Ranges of the index by sequence number, whose device column leaves the rows that device wrote after
        # ``since`` unread; those after ``after`` only (a slow sync's own writes grow with every message).
        which = "any" if skip_changed_by is None else "newer" if after >= since else "older or newer"
        values = {"folder_id": folder_id, "after": after, "since": since, "device_id": skip_changed_by}
        return bool(_BESIDES[which].scalar(self._connection, values))

    def duplicate_candidates(
        self, folder_id: int, identities: Iterable[str], skip_changed_by: int | None, since: int
    ) -> list[Candidate]:
        found: dict[str, Candidate] = {}
        wanted = sorted(set(identities))
        folder = {"folder_id": folder_id}
        rows = _UNKNOWN_CANDIDATES.rows(self._connection, folder)
        for chunk in chunks(wanted):
            rows += _CANDIDATES.rows(self._connection, chunk, folder)
        for row in rows:
            item = _item(row[:-1])
            if skip_changed_by is None or item.seq <= since or item.origin_device_id != skip_changed_by:
                found[item.guid] = Candidate(item, row[-1])
        return [found[guid] for guid in sorted(found)]

    def set_identities(self, folder_id: int, identities: Mapping[str, tuple[int, str]]) -> None:
        # The version read is named by its sequence number: on PostgreSQL another transaction may have written
        # the item since this one read it, and that version's identity is not this one.
        rows = [
            {"b_folder_id": folder_id, "b_guid": guid, "b_seq": seq, "b_identity": key}
            for guid, (seq, key) in identities.items()
        ]
        if rows:
            # The counter's row lock first, as every writer of items takes it before their rows: a transaction
            # that writes items after this cannot wait for a writer that waits for these rows (PostgreSQL).
            self._allocate_seqs(0)
            _SET_IDENTITY.run_many(self._connection, rows)

    def count_items(self, folder_id: int) -> int:
        count: int = _COUNT.scalar(self._connection, {"folder_id": folder_id})
        return count

    def children_of(self, folder_id: int, parents: Iterable[str]) -> list[StoredItem]:
        found: list[StoredItem] = []
        for chunk in chunks(list(parents)):
            found.extend(_item(row) for row in _CHILDREN.rows(self._connection, chunk, {"folder_id": folder_id}))
        return sorted(found, key=lambda item: item.guid)

    def guids_with_uid(self, folder_id: int, uid: str) -> list[str]:
        return sorted(row[0] for row in _WITH_UID.rows(self._connection, {"folder_id": folder_id, "uid": uid_key(uid)}))

    def put_items(self, folder_id: int, items: Iterable[NewItem], origin_device_id: int | None) -> list[StoredItem]:
        batch = list(items)
        if not batch:
            return []
        # Sequence numbers first: the counter's row lock orders concurrent writers (PostgreSQL), so
        # the versions read next are the committed ones.
        first_seq = self._allocate_seqs(len(batch))
        named = [i.guid for i in batch if i.guid is not None and not i.fresh]
        if self._journal:
            before = self._journal.before(folder_id, named)
            versions = {guid: item.version for guid, item in before.items()}
        else:
            before, versions = {}, self._versions(folder_id, named)
        written: list[StoredItem] = []
        rows: dict[str, tuple[Any, ...]] = {}  # the row of each item: its last write's where the batch writes one twice
        for seq, new in enumerate(batch, first_seq):
            guid = new_guid() if new.guid is None else new.guid
            version = versions[guid] = versions.get(guid, 0) + 1
            item = StoredItem(
                folder_id, guid, new.content_type, new.data, version, seq, origin_device_id, False, new.parent
            )
            written.append(item)
            rows[guid] = _item_row(item, new.identity)
        insert_many(self._connection, item_table, _ROW_COLUMNS, list(rows.values()), ("folder_id", "guid"))
        if self._journal:
            self._journal.record(folder_id, before, written)
        self._push_targets.record_change(folder_id, origin_device_id, time.time())
        return written

    def delete_items(self, folder_id: int, guids: Iterable[str], origin_device_id: int | None) -> list[str]:
        wanted = list(dict.fromkeys(guids))
        if not wanted:
            return []
        # Sequence numbers first, for every item named: the counter's row lock orders concurrent writers
        # (PostgreSQL), so the items read next are the committed ones; those not live give theirs back.
        first_seq = self._allocate_seqs(len(wanted))
        before = read_states(self._connection, folder_id, wanted)
        deleted = [guid for guid in wanted if guid in before and not before[guid].deleted]
        if len(deleted) < len(wanted):
            self._allocate_seqs(len(deleted) - len(wanted))
        if not deleted:
            return []
        gone = [(guid, before[guid].version + 1, first_seq + offset) for offset, guid in enumerate(deleted)]
        rows = [
            {"b_folder_id": folder_id, "b_guid": guid, "b_version": version, "b_seq": seq, "b_origin": origin_device_id}
            for guid, version, seq in gone
        ]
        _DELETE_ITEM.run_many(self._connection, rows)
        if self._journal:
            self._journal.record_deletes(folder_id, before, gone, origin_device_id)
        self._push_targets.record_change(folder_id, origin_device_id, time.time())
        return deleted

    def changes_since(self, folder_id: int, seq: int, upto: int, exclude_device_id: int | None) -> list[StoredItem]:
        bounds = {"folder_id": folder_id, "seq": seq, "upto": upto}
        if exclude_device_id is None:
            rows = _CHANGES.rows(self._connection, bounds)
        else:
            rows = _CHANGES_NOT_BY.rows(self._connection, {**bounds, "device_id": exclude_device_id})
        return [_item(row) for row in rows]

    def current_seq(self) -> int:
        value: int = _SEQ.scalar(self._connection)
        return value

    def folder_seq(self, folder_id: int) -> int:
        latest: int | None = _FOLDER_SEQ.scalar(self._connection, {"folder_id": folder_id})
        return latest or 0

    # --- earlier versions -------------------------------------------------------------------
    def keep_history(self, entries: Iterable[HistoryEntry]) -> None:
        rows = [
            (entry.folder_id, entry.guid, entry.content_type, entry.data, entry.reason, entry.saved_at, entry.seq)
            for entry in entries
        ]
        kept = insert_history(self._connection, rows)
        if self._journal:
            self._journal.note_kept(kept)

    def list_history(self, folder_id: int, guid: str) -> list[HistoryEntry]:
        rows = _HISTORY.rows(self._connection, {"folder_id": folder_id, "guid": guid})
        return [HistoryEntry(folder_id, guid, row[0], row[1], row[2], row[3], row[4]) for row in rows]

    def list_histories(self, folder_id: int, guids: Iterable[str]) -> dict[str, list[HistoryEntry]]:
        found: dict[str, list[HistoryEntry]] = {}
        for chunk in chunks(sorted(set(guids))):
            for guid, *row in _HISTORIES.rows(self._connection, chunk, {"folder_id": folder_id}):
                found.setdefault(guid, []).append(HistoryEntry(folder_id, guid, *row))
        return found

    def purge_history(self, saved_before: float) -> int:
        result = self._connection.execute(delete(item_history).where(item_history.c.saved_at < saved_before))
        return int(result.rowcount)
