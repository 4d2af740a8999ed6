"""The SQL store's timeline of sync sessions, and the syncs and failures of each hour."""

from sqlalchemy import bindparam, delete, func, insert, select

from syncmld.store.base import HourCounts, TimelineMessage, TimelineSession
from syncmld.store.schema import sync_hours, timeline_messages
from syncmld.store.sql.common import SqlRole, excluded, with_dialect_insert
from syncmld.store.sql.prepared import Prepared

_t = timeline_messages.c
_h = sync_hours.c

_LATEST = select(_t.id).where(_t.session == bindparam("session")).order_by(_t.id.desc()).limit(bindparam("keep"))
_TRIM = Prepared(
    delete(timeline_messages).where(_t.session == bindparam("session"), _t.id.not_in(_LATEST.scalar_subquery()))
)
"""Made once: a message trims its session's timeline when it is at its bound (building a statement costs more than
running it)."""
_ADD = Prepared(
    insert(timeline_messages)
    .values({column.name: bindparam(column.name) for column in timeline_messages.columns if column is not _t.id})
    .returning(select(func.count()).where(_t.session == bindparam("of_session")).scalar_subquery())
)
"""Made once: every message of a logged-in session is added. It returns the session's messages as the INSERT counted
them (SQLite counts the new one, PostgreSQL does not): a session under its bound is not trimmed, which saves a
statement a message."""


_ADDED = {name: _h[name] + excluded(sync_hours).c[name] for name in ("syncs", "failed", "refused_logins")}
_COUNT_HOUR = with_dialect_insert(
    lambda insert: insert(sync_hours).on_conflict_do_update(index_elements=["hour"], set_=_ADDED)
)
"""The INSERT of an hour's counts that adds them to the hour's row if it has one."""


class SqlTimelines(SqlRole):
    """See ``syncmld.store.base.Timelines``."""

    def add_timeline_message(self, message: TimelineMessage, keep: int) -> None:
        if keep <= 0:
            return
        row = {**vars(message), "of_session": message.session}  # its fields are plain values: no deep copy
        counted: int = _ADD.scalar(self._connection, row)
        if counted >= keep:
            _TRIM.run(self._connection, {"session": message.session, "keep": keep})

    def session_timeline(self, session: str) -> list[TimelineMessage]:
        columns = [column for column in timeline_messages.columns if column.name != "id"]
        rows = self._connection.execute(select(*columns).where(_t.session == session).order_by(_t.id))
        return [TimelineMessage(**row._mapping) for row in rows]

    def list_timeline_sessions(self, account_id: int | None, limit: int) -> list[TimelineSession]:
        query = select(
            _t.session,
            func.min(_t.account_id),
            func.min(_t.device_ref),
            func.min(_t.at),
            func.max(_t.at + _t.duration_ms / 1000),
            func.count(),
        ).group_by(_t.session)
        if account_id is not None:
            query = query.where(_t.account_id == account_id)
        rows = self._connection.execute(query.order_by(func.max(_t.at).desc()).limit(limit))
        return [TimelineSession(*row) for row in rows]

    def purge_timeline(self, before: float) -> int:
        return self._connection.execute(delete(timeline_messages).where(_t.at < before)).rowcount

    def count_hour(self, counts: HourCounts) -> None:
        _COUNT_HOUR.run(self._connection, vars(counts))

    def hour_counts(self, since_hour: int) -> list[HourCounts]:
        rows = self._connection.execute(select(sync_hours).where(_h.hour >= since_hour).order_by(_h.hour))
        return [HourCounts(*row) for row in rows]

    def purge_hour_counts(self, before_hour: int) -> int:
        return self._connection.execute(delete(sync_hours).where(_h.hour < before_hour)).rowcount
