"""The in-memory store's timeline of sync sessions, and the syncs and failures of each hour."""

from dataclasses import fields

from syncmld.store.base import HourCounts, TimelineMessage, TimelineSession
from syncmld.store.memory.tables import MemoryRole

COUNTS = [field.name for field in fields(HourCounts) if field.name != "hour"]


class MemoryTimelines(MemoryRole):
    """See ``syncmld.store.base.Timelines``."""

    def add_timeline_message(self, message: TimelineMessage, keep: int) -> None:
        if keep <= 0:
            return
        kept = [*self.session_timeline(message.session), message][-keep:]
        self._t.timeline = [entry for entry in self._t.timeline if entry.session != message.session] + kept

    def session_timeline(self, session: str) -> list[TimelineMessage]:
        return [entry for entry in self._t.timeline if entry.session == session]

    def list_timeline_sessions(self, account_id: int | None, limit: int) -> list[TimelineSession]:
        sessions: dict[str, list[TimelineMessage]] = {}
        for entry in self._t.timeline:
            if account_id is None or entry.account_id == account_id:
                sessions.setdefault(entry.session, []).append(entry)
        found = [
            TimelineSession(
                session,
                min(entry.account_id for entry in entries),
                min(entry.device_ref for entry in entries),
                min(entry.at for entry in entries),
                max(entry.at + entry.duration_ms / 1000 for entry in entries),
                len(entries),
            )
            for session, entries in sessions.items()
        ]
        latest = {session: max(entry.at for entry in entries) for session, entries in sessions.items()}
        return sorted(found, key=lambda found: latest[found.session], reverse=True)[:limit]

    def purge_timeline(self, before: float) -> int:
        kept = [entry for entry in self._t.timeline if entry.at >= before]
        purged = len(self._t.timeline) - len(kept)
        self._t.timeline = kept
        return purged

    def count_hour(self, counts: HourCounts) -> None:
        had = self._t.sync_hours.get(counts.hour, HourCounts(counts.hour))
        added = {name: getattr(had, name) + getattr(counts, name) for name in COUNTS}
        self._t.sync_hours[counts.hour] = HourCounts(counts.hour, **added)

    def hour_counts(self, since_hour: int) -> list[HourCounts]:
        return [self._t.sync_hours[hour] for hour in sorted(self._t.sync_hours) if hour >= since_hour]

    def purge_hour_counts(self, before_hour: int) -> int:
        old = [hour for hour in self._t.sync_hours if hour < before_hour]
        for hour in old:
            del self._t.sync_hours[hour]
        return len(old)
