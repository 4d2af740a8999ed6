"""The SQL store's sessions, with what a session carries beyond its state: large objects on their way,
piece by piece, and each device's latest session (where a suspended sync is resumed from)."""

from functools import cache

from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from syncmld.store.base import SessionRecord
from syncmld.store.schema import device_sessions, large_object_chunks, sessions
from syncmld.store.sql.common import SqlRole
from syncmld.store.sql.prepared import Prepared

_chunk = large_object_chunks.c

_SESSION = Prepared(
    select(sessions.c.account_id, sessions.c.state, sessions.c.updated_at).where(sessions.c.token == bindparam("token"))
)
"""Without the kept reply (tens of kilobytes in a slow sync), which only a resend reads."""
_KEPT_REPLY = Prepared(select(sessions.c.last_reply).where(sessions.c.token == bindparam("token")))
_HAS_SESSION = Prepared(select(sessions.c.token).where(sessions.c.token == bindparam("token")))
_ADD_SESSION = Prepared(insert(sessions))
_SAVE_SESSION = Prepared(
    update(sessions)
    .where(sessions.c.token == bindparam("key"))
    .values(state=bindparam("state"), last_reply=bindparam("last_reply"), updated_at=bindparam("updated_at"))
)
"""Made once: every message of a session reads and saves it (building a statement costs more than running it)."""
_END = (
    select(_chunk.start + func.length(_chunk.data))
    .where(_chunk.token == bindparam("token"), _chunk.key == bindparam("key"))
    .order_by(_chunk.start.desc())
    .limit(1)
    .scalar_subquery()
)
_APPEND_CHUNK = Prepared(
    insert(large_object_chunks)
    .from_select(
        ["token", "key", "start", "data"],
        select(
            bindparam("token", type_=_chunk.token.type),
            bindparam("key", type_=_chunk.key.type),
            func.coalesce(_END, 0),
            bindparam("data", type_=_chunk.data.type),
        ),
    )
    .returning(_chunk.start + func.length(_chunk.data))
)
"""A piece added after the object's last one, where that one ends, in one statement that returns the new end."""
_OF_OBJECT = (_chunk.token == bindparam("token"), _chunk.key == bindparam("key"))
_DROP_OBJECT = Prepared(delete(large_object_chunks).where(*_OF_OBJECT))
"""Made once: a slow sync appends to the session's lists with every message, a large object and the queue
beyond its window are read a slice at a time and dropped once read."""


@cache
def _pieces_sql(paramstyle: str, bounded: bool) -> str:
    """The pieces of an object from the one holding a start offset on (before an end offset when ``bounded``),
    in order: the driver's SQL, made once (a refresh reads its backlog a line at a time, and building and
    compiling the statement cost several times its run)."""
    mark = "?" if paramstyle == "qmark" else "%s"
    of_object = f'token = {mark} AND "key" = {mark}'
    first = f"SELECT max(start) FROM {large_object_chunks.name} WHERE {of_object} AND start <= {mark}"
    before_end = f" AND start < {mark}" if bounded else ""
    return (
        f"SELECT start, data FROM {large_object_chunks.name} "
        f"WHERE {of_object} AND start >= coalesce(({first}), 0){before_end} ORDER BY start"
    )


def drop_objects_of(connection: Connection, tokens: Select[tuple[str]]) -> None:
    """Drop the large objects of the sessions ``tokens`` selects, before those sessions go (a device's
    note of an ended session reads as none: ``device_at_login`` joins the sessions)."""
    connection.execute(delete(large_object_chunks).where(_chunk.token.in_(tokens)))


class SqlSessions(SqlRole):
    """See ``syncmld.store.base.Sessions``."""

    def load_session(self, token: str) -> SessionRecord | None:
        row = _SESSION.first(self._connection, {"token": token})
        if row is None:
            return None
        return SessionRecord(token, row.account_id, row.state, row.updated_at)

    def kept_reply(self, token: str) -> bytes | None:
        reply: bytes | None = _KEPT_REPLY.scalar(self._connection, {"token": token})
        return reply

    def has_session(self, token: str) -> bool:
        return _HAS_SESSION.first(self._connection, {"token": token}) is not None

    def add_session(self, record: SessionRecord, reply: bytes | None) -> None:
        row = {
            "token": record.token,
            "account_id": record.account_id,
            "state": record.state,
            "last_reply": reply,
            "updated_at": record.updated_at,
        }
        _ADD_SESSION.run(self._connection, row)

    def save_session(self, record: SessionRecord, reply: bytes | None) -> bool:
        row = {"key": record.token, "state": record.state, "last_reply": reply, "updated_at": record.updated_at}
        return _SAVE_SESSION.run(self._connection, row) > 0

    def count_sessions(self, updated_after: float) -> int:
        query = select(func.count()).select_from(sessions).where(sessions.c.updated_at > updated_after)
        count: int = self._connection.execute(query).scalar_one()
        return count

    def delete_sessions_before(self, updated_before: float) -> int:
        ended = sessions.c.updated_at < updated_before
        drop_objects_of(self._connection, select(sessions.c.token).where(ended))
        count: int = self._connection.execute(delete(sessions).where(ended)).rowcount
        return count

    def note_device_session(self, device_id: int, token: str) -> None:
        self._upsert(device_sessions, {"device_id": device_id, "token": token}, ["device_id"])

    def append_chunk(self, token: str, key: str, data: bytes) -> int:
        end: int = _APPEND_CHUNK.scalar(self._connection, {"token": token, "key": key, "data": data})
        return int(end)

    def read_chunks(self, token: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        sql = _pieces_sql(self._connection.dialect.paramstyle, length is not None)
        wanted = (token, key, token, key, start) if length is None else (token, key, token, key, start, start + length)
        rows = self._connection.exec_driver_sql(sql, wanted).cursor.fetchall()
        if not rows:
            return b""
        offset = start - int(rows[0][0])
        joined = b"".join(bytes(data) for _, data in rows)
        return joined[offset:] if length is None else joined[offset : offset + length]

    def drop_chunks(self, token: str, key: str) -> None:
        _DROP_OBJECT.run(self._connection, {"token": token, "key": key})

    def move_chunks(self, token: str, key: str, new_token: str) -> None:
        self.drop_chunks(new_token, key)
        self._connection.execute(
            large_object_chunks.update().where(_chunk.token == token, _chunk.key == key).values(token=new_token)
        )
