"""The SQL store's sync states and LUID <-> GUID maps, per device and folder."""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from functools import lru_cache
from itertools import repeat

from sqlalchemy import Connection, bindparam, delete, select

from syncmld.store.base import SyncState
from syncmld.store.schema import maps, sync_states
from syncmld.store.sql.common import SqlRole, chunks, insert_many
from syncmld.store.sql.prepared import Prepared, run_sql

_SYNC_STATE = Prepared(
    select(sync_states).where(
        sync_states.c.device_id == bindparam("device_id"), sync_states.c.folder_id == bindparam("folder_id")
    )
)
"""Made once: every sync reads it (building a statement costs more than running it)."""
_OF_DEVICE_FOLDER = (maps.c.device_id == bindparam("device_id"), maps.c.folder_id == bindparam("folder_id"))


@lru_cache(maxsize=32)
def _maps_by_sql(paramstyle: str, column: str, count: int) -> str:
    """The maps of a device's folder whose ``column`` (guid or luid) is among ``count`` values: the driver's SQL,
    made once per count (every Sync with items reads them, a slow sync's messages in the same numbers)."""
    placeholder = "?" if paramstyle == "qmark" else "%s"
    return (
        f"SELECT guid, luid FROM {maps.name} WHERE device_id = {placeholder} AND folder_id = {placeholder} "
        f"AND {maps.c[column].name} IN ({', '.join([placeholder] * count)})"
    )


_DELETE_MAPS = delete(maps).where(*_OF_DEVICE_FOLDER, maps.c.guid.in_(bindparam("guids", expanding=True)))


@lru_cache(maxsize=32)
def _replace_maps_sqlite_sql(count: int) -> str:
    """``count`` map rows that replace the rows holding their GUIDs or LUIDs (SQLite's REPLACE clears every unique
    key that a row would break), applied in order: a later pair takes the LUID from an earlier one. One statement
    of many rows, made once per count (a Map answers a message's Adds, in the same numbers message after
    message), costs a third of an executemany of one row each."""
    rows = ", ".join(["(?, ?, ?, ?)"] * count)
    return f"INSERT OR REPLACE INTO {maps.name} (device_id, folder_id, guid, luid) VALUES {rows}"


def _replace_maps_sqlite(
    connection: Connection, device_id: int, folder_id: int, guid_to_luid: Mapping[str, str]
) -> None:
    """Write the maps ``guid_to_luid`` over those holding their GUIDs or LUIDs, in order (SQLite)."""
    pairs = list(guid_to_luid.items())
    for chunk in chunks(pairs):
        values = [value for guid, luid in chunk for value in (device_id, folder_id, guid, luid)]
        run_sql(connection, _replace_maps_sqlite_sql(len(chunk)), values).close()


_REPLACE_MAPS_POSTGRES = """
WITH gone AS (
    DELETE FROM maps
    WHERE device_id = %(device_id)s AND folder_id = %(folder_id)s
        AND (guid = ANY(%(old_guids)s) OR luid = ANY(%(luids)s))
    RETURNING 1
)
INSERT INTO maps (device_id, folder_id, guid, luid)
SELECT %(device_id)s, %(folder_id)s, guid, luid FROM unnest(%(guids)s::text[], %(luids)s::text[]) AS pair (guid, luid)
WHERE (SELECT count(*) FROM gone) >= 0
"""
"""Map rows that replace the rows with their GUIDs or LUIDs, in one statement: the WHERE makes the deletion
run first, and a row deleted by the transaction does not hold its keys."""


class SqlSyncMaps(SqlRole):
    """See ``syncmld.store.base.SyncMaps``."""

    def get_sync_state(self, device_id: int, folder_id: int) -> SyncState | None:
        row = _SYNC_STATE.first(self._connection, {"device_id": device_id, "folder_id": folder_id})
        if row is None:
            return None
        started = None if row.started_client_anchor is None else (row.started_client_anchor, row.started_server_anchor)
        return SyncState(row.device_id, row.folder_id, row.client_anchor, row.server_anchor, row.seq, started)

    def set_sync_state(self, state: SyncState) -> None:
        row = {
            "device_id": state.device_id,
            "folder_id": state.folder_id,
            "client_anchor": state.client_anchor,
            "server_anchor": state.server_anchor,
            "seq": state.seq,
            "started_client_anchor": state.started_from[0] if state.started_from else None,
            "started_server_anchor": state.started_from[1] if state.started_from else None,
        }
        self._upsert(sync_states, row, ["device_id", "folder_id"])

    def clear_sync_state(self, device_id: int, folder_id: int) -> None:
        for table in (sync_states, maps):
            self._connection.execute(
                delete(table).where(table.c.device_id == device_id, table.c.folder_id == folder_id)
            )

    def _map_pairs(
        self, device_id: int, folder_id: int, column: str, values: Iterable[str]
    ) -> Iterator[tuple[str, str]]:
        """The (guid, luid) maps whose ``column`` (guid or luid) is among ``values``."""
        paramstyle = self._connection.dialect.paramstyle
        for chunk in chunks(list(values)):
            sql = _maps_by_sql(paramstyle, column, len(chunk))
            with closing(run_sql(self._connection, sql, (device_id, folder_id, *chunk))) as cursor:
                yield from cursor.fetchall()

    def guids_for_luids(self, device_id: int, folder_id: int, luids: Iterable[str]) -> dict[str, str]:
        return {luid: guid for guid, luid in self._map_pairs(device_id, folder_id, "luid", luids)}

    def luids_for_guids(self, device_id: int, folder_id: int, guids: Iterable[str]) -> dict[str, str]:
        return dict(self._map_pairs(device_id, folder_id, "guid", guids))

    def all_maps(self, device_id: int, folder_id: int) -> dict[str, str]:
        statement = select(maps.c.guid, maps.c.luid).where(maps.c.device_id == device_id, maps.c.folder_id == folder_id)
        return {guid: luid for guid, luid in self._connection.execute(statement)}

    def set_maps(self, device_id: int, folder_id: int, guid_to_luid: Mapping[str, str], new: bool = False) -> None:
        if not guid_to_luid:
            return
        if not new and self._connection.dialect.name == "sqlite":
            _replace_maps_sqlite(self._connection, device_id, folder_id, guid_to_luid)
            return
        # Applied in order, a later pair takes the LUID from an earlier one: keep the last per LUID.
        guid_by_luid = {luid: guid for guid, luid in guid_to_luid.items()}
        if not new:
            pairs = {"guids": list(guid_by_luid.values()), "luids": list(guid_by_luid), "old_guids": list(guid_to_luid)}
            self._connection.exec_driver_sql(
                _REPLACE_MAPS_POSTGRES, {"device_id": device_id, "folder_id": folder_id, **pairs}
            )
            return
        rows = list(zip(repeat(device_id), repeat(folder_id), guid_by_luid.values(), guid_by_luid))
        insert_many(self._connection, maps, ("device_id", "folder_id", "guid", "luid"), rows)

    def delete_maps(self, device_id: int, folder_id: int, guids: Iterable[str]) -> None:
        for chunk in chunks(list(guids)):
            self._connection.execute(
                _DELETE_MAPS, {"device_id": device_id, "folder_id": folder_id, "guids": list(chunk)}
            )
