"""The SQL store's change sessions: every item write recorded with the item's version before and after."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select

from syncmld.store.base import (
    Change,
    ChangeSession,
    ChangeSessionSpec,
    ChangeSource,
    ItemChange,
    SessionCounts,
    StoredItem,
)
from syncmld.store.journal import live, tombstones, written_changes
from syncmld.store.schema import change_sessions, item_changes, item_history
from syncmld.store.sql.common import SqlRole, chunks, insert_many
from syncmld.store.sql.items import insert_history, read_states
from syncmld.store.sql.prepared import Prepared


def _session(row: Any) -> ChangeSession:
    return ChangeSession(row.id, row.account_id, ChangeSource(row.source), row.label, row.started_at, row.device_id)


_CHANGE_COLUMNS = (
    "session_id", "folder_id", "guid", "change", "version_before", "version_after", "seq_before", "seq_after",
    "history_id", "before_parent",
)  # fmt: skip


_NEW_SESSION_COLUMNS = ("account_id", "source", "label", "started_at", "device_id", "session_key")

_KEPT_IDS = select(item_history.c.id, item_history.c.guid, item_history.c.seq).where(
    item_history.c.folder_id == bindparam("folder_id"), item_history.c.guid.in_(bindparam("guids", expanding=True))
)


_SESSION_OF_KEY = Prepared(select(change_sessions.c.id).where(change_sessions.c.session_key == bindparam("key")))
"""Made once: every message of a sync session that writes items reads its change session."""
_CHANGE_VALUES = {change: change.value for change in Change}
"""What the change column holds of each change (an enumeration's ``value`` is a property, read per row)."""
_NEW_SESSION = Prepared(
    insert(change_sessions)
    .values({name: bindparam(name) for name in _NEW_SESSION_COLUMNS})
    .returning(change_sessions.c.id)
)
"""Made once: a sync session that writes items makes its change session."""


class SqlJournal:
    """Records the item writes of one transaction under one change session, made on the first write."""

    def __init__(self, connection: Connection, spec: ChangeSessionSpec) -> None:
        self._connection = connection
        self.spec = spec
        self.session_id: int | None = None
        self._kept: dict[tuple[int, str, int], int] = {}

    def before(self, folder_id: int, guids: Sequence[str]) -> dict[str, StoredItem]:
        """The items about to be written, as they are (tombstones too)."""
        return read_states(self._connection, folder_id, guids)

    def record(self, folder_id: int, before: dict[str, StoredItem], written: Sequence[StoredItem]) -> None:
        changes = list(written_changes(before, written))
        if not changes:
            return
        session_id = self._session_id()
        kept = self._kept_versions(folder_id, [(change, prior) for change, prior, _ in changes if live(prior)])
        rows = [
            (session_id, folder_id, item.guid, _CHANGE_VALUES[change], 0, item.version, 0, item.seq, None, None)
            if prior is None
            else (
                session_id,
                folder_id,
                item.guid,
                _CHANGE_VALUES[change],
                prior.version,
                item.version,
                prior.seq,
                item.seq,
                None if prior.deleted else kept.get((item.guid, prior.seq)),
                None if prior.deleted else prior.parent,
            )
            for change, prior, item in changes
        ]
        insert_many(self._connection, item_changes, _CHANGE_COLUMNS, rows)

    def note_kept(self, ids: Mapping[tuple[int, str, int], int]) -> None:
        """The ids of versions this transaction kept, by (folder, GUID, seq): the writes that follow refer to them
        without reading them back."""
        for key, row_id in ids.items():
            self._kept[key] = max(row_id, self._kept.get(key, row_id))

    def _kept_versions(self, folder_id: int, priors: Sequence[tuple[Change, StoredItem]]) -> dict[tuple[str, int], int]:
        """The ids of the kept versions (item_history) holding these items' content before the writes, by
        (GUID, seq): the versions kept already (by this transaction, which knows their ids, or earlier), and the
        others kept now (one copy each)."""
        wanted = {(prior.guid, prior.seq): (change, prior) for change, prior in priors}
        found = {key: self._kept[folder_id, *key] for key in wanted if (folder_id, *key) in self._kept}
        unknown = {key: value for key, value in wanted.items() if key not in found}
        if unknown:
            found.update(self._kept_ids(folder_id, unknown))
        missing = [wanted[key] for key in wanted if key not in found]
        if missing:
            rows = [
                (
                    folder_id,
                    prior.guid,
                    prior.content_type,
                    prior.data,
                    f"{change.value} in change session {self.session_id}",
                    self.spec.at,
                    prior.seq,
                )
                for change, prior in missing
            ]
            kept = insert_history(self._connection, rows)
            self.note_kept(kept)
            found.update(((guid, seq), row_id) for (_, guid, seq), row_id in kept.items())
        return found

    def _kept_ids(self, folder_id: int, wanted: Mapping[tuple[str, int], object]) -> dict[tuple[str, int], int]:
        found: dict[tuple[str, int], int] = {}
        for chunk in chunks(sorted({guid for guid, _ in wanted})):
            rows = self._connection.execute(_KEPT_IDS, {"folder_id": folder_id, "guids": chunk})
            for row_id, guid, seq in rows:
                if (guid, seq) in wanted:
                    found[guid, seq] = max(row_id, found.get((guid, seq), row_id))
        return found

    def record_deletes(
        self, folder_id: int, before: dict[str, StoredItem], gone: Iterable[tuple[str, int, int]], origin: int | None
    ) -> None:
        """Record the deletes that left tombstones with these (GUID, version, seq)."""
        self.record(folder_id, before, tombstones(before, gone, origin))

    def _session_id(self) -> int:
        if self.session_id is None:
            spec = self.spec
            if spec.key is not None:
                self.session_id = _SESSION_OF_KEY.scalar(self._connection, {"key": spec.key})
            if self.session_id is None:
                values = {
                    "account_id": spec.account_id,
                    "source": spec.source.value,
                    "label": spec.label,
                    "started_at": spec.at,
                    "device_id": spec.device_id,
                    "session_key": spec.key,
                }
                self.session_id = int(_NEW_SESSION.scalar(self._connection, values))
        return self.session_id


class SqlHistory(SqlRole):
    """See ``syncmld.store.base.SyncHistory``."""

    _journal: SqlJournal | None = None

    def record_changes_as(self, spec: ChangeSessionSpec | None) -> None:
        self._journal = None if spec is None else SqlJournal(self._connection, spec)

    def recording_session(self) -> int | None:
        return None if self._journal is None else self._journal.session_id

    def get_change_session(self, session_id: int) -> ChangeSession | None:
        row = self._connection.execute(select(change_sessions).where(change_sessions.c.id == session_id)).first()
        return None if row is None else _session(row)

    def list_change_sessions(
        self, account_id: int, folder_id: int | None = None, since: float = 0.0
    ) -> list[SessionCounts]:
        counted = (
            select(
                item_changes.c.session_id,
                item_changes.c.folder_id,
                item_changes.c.change,
                func.count(func.distinct(item_changes.c.guid)).label("count"),
            )
            .join(change_sessions, change_sessions.c.id == item_changes.c.session_id)
            .where(change_sessions.c.account_id == account_id, change_sessions.c.started_at >= since)
            .group_by(item_changes.c.session_id, item_changes.c.folder_id, item_changes.c.change)
        )
        if folder_id is not None:
            counted = counted.where(item_changes.c.folder_id == folder_id)
        counts: dict[tuple[int, int], dict[str, int]] = {}
        for session_id, changed_folder, change, count in self._connection.execute(counted):
            counts.setdefault((session_id, changed_folder), {})[change] = count
        sessions = {
            row.id: _session(row)
            for chunk in chunks(sorted({session_id for session_id, _ in counts}))
            for row in self._connection.execute(select(change_sessions).where(change_sessions.c.id.in_(chunk)))
        }
        listed = [
            SessionCounts(
                sessions[session_id],
                changed_folder,
                by_change.get(Change.ADDED, 0),
                by_change.get(Change.REPLACED, 0),
                by_change.get(Change.DELETED, 0),
            )
            for (session_id, changed_folder), by_change in counts.items()
        ]
        return sorted(listed, key=lambda entry: (entry.session.started_at, entry.session.id, entry.folder_id))

    def session_changes(self, session_id: int) -> list[ItemChange]:
        statement = (
            select(item_changes, item_history.c.content_type, item_history.c.data)
            .outerjoin(item_history, item_history.c.id == item_changes.c.history_id)
            .where(item_changes.c.session_id == session_id)
            .order_by(item_changes.c.seq_after, item_changes.c.id)
        )
        changes = []
        for row in self._connection.execute(statement):
            before = None
            if row.content_type is not None:
                before = StoredItem(
                    row.folder_id,
                    row.guid,
                    row.content_type,
                    row.data,
                    row.version_before,
                    row.seq_before,
                    None,
                    parent=row.before_parent,
                )
            changes.append(
                ItemChange(
                    session_id,
                    row.folder_id,
                    row.guid,
                    Change(row.change),
                    row.version_before,
                    row.version_after,
                    row.seq_before,
                    row.seq_after,
                    before,
                )
            )
        return changes

    def item_states(self, folder_id: int, guids: Iterable[str]) -> dict[str, StoredItem]:
        return read_states(self._connection, folder_id, list(guids))

    def purge_change_sessions(self, started_before: float) -> int:
        old = select(change_sessions.c.id).where(change_sessions.c.started_at < started_before)
        self._connection.execute(delete(item_changes).where(item_changes.c.session_id.in_(old)))
        result = self._connection.execute(delete(change_sessions).where(change_sessions.c.started_at < started_before))
        return int(result.rowcount)
