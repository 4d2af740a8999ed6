"""The in-memory store's change sessions: every item write recorded with the item's version before and after."""

from collections.abc import Iterable, Sequence

from syncmld.store.base import (
    Change,
    ChangeSession,
    ChangeSessionSpec,
    HistoryEntry,
    ItemChange,
    SessionCounts,
    StoredItem,
)
from syncmld.store.journal import live, written_changes
from syncmld.store.memory.tables import MemoryRole, Tables


class MemoryJournal:
    """Records the item writes of one transaction under one change session, made on the first write."""

    def __init__(self, tables: Tables, spec: ChangeSessionSpec) -> None:
        self._t = tables
        self.spec = spec
        self.session_id: int | None = None

    def record(self, folder_id: int, before: dict[str, StoredItem], written: Sequence[StoredItem]) -> None:
        changes = list(written_changes(before, written))
        self._keep_versions(folder_id, [(change, prior) for change, prior, _ in changes if live(prior)])
        for change, prior, item in changes:
            self._t.item_changes.append(
                ItemChange(
                    self._session_id(),
                    folder_id,
                    item.guid,
                    change,
                    prior.version if prior is not None else 0,
                    item.version,
                    prior.seq if prior is not None else 0,
                    item.seq,
                    prior if live(prior) else None,
                )
            )

    def _keep_versions(self, folder_id: int, priors: Sequence[tuple[Change, StoredItem]]) -> None:
        """Keep the versions before the writes that the engine does not keep already (one copy each)."""
        if not priors:
            return
        kept = {(entry.guid, entry.seq) for entry in self._t.history if entry.folder_id == folder_id}
        session_id = self._session_id()
        self._t.history.extend(
            HistoryEntry(
                folder_id,
                prior.guid,
                prior.content_type,
                prior.data,
                f"{change.value} in change session {session_id}",
                self.spec.at,
                prior.seq,
            )
            for change, prior in priors
            if (prior.guid, prior.seq) not in kept
        )

    def _session_id(self) -> int:
        if self.session_id is None:
            spec = self.spec
            found = [sid for sid, (_, key) in self._t.change_sessions.items() if spec.key and key == spec.key]
            if found:
                self.session_id = found[0]
            else:
                self._t.last_id += 1
                self.session_id = self._t.last_id
                session = ChangeSession(
                    self.session_id, spec.account_id, spec.source, spec.label, spec.at, spec.device_id
                )
                self._t.change_sessions[self.session_id] = (session, spec.key)
        return self.session_id


class MemoryHistory(MemoryRole):
    """See ``syncmld.store.base.SyncHistory``."""

    _journal: MemoryJournal | None = None

    def record_changes_as(self, spec: ChangeSessionSpec | None) -> None:
        self._journal = None if spec is None else MemoryJournal(self._t, spec)

    def recording_session(self) -> int | None:
        return None if self._journal is None else self._journal.session_id

    def get_change_session(self, session_id: int) -> ChangeSession | None:
        found = self._t.change_sessions.get(session_id)
        return None if found is None else found[0]

    def list_change_sessions(
        self, account_id: int, folder_id: int | None = None, since: float = 0.0
    ) -> list[SessionCounts]:
        guids: dict[tuple[int, int], dict[Change, set[str]]] = {}
        for change in self._t.item_changes:
            session = self._t.change_sessions[change.session_id][0]
            if session.account_id != account_id or session.started_at < since:
                continue
            if folder_id is not None and change.folder_id != folder_id:
                continue
            per_folder = guids.setdefault((change.session_id, change.folder_id), {})
            per_folder.setdefault(change.change, set()).add(change.guid)
        listed = [
            SessionCounts(
                self._t.change_sessions[session_id][0],
                changed_folder,
                *(len(by_change.get(kind, ())) for kind in (Change.ADDED, Change.REPLACED, Change.DELETED)),
            )
            for (session_id, changed_folder), by_change in guids.items()
        ]
        return sorted(listed, key=lambda entry: (entry.session.started_at, entry.session.id, entry.folder_id))

    def session_changes(self, session_id: int) -> list[ItemChange]:
        made = [change for change in self._t.item_changes if change.session_id == session_id]
        return sorted(made, key=lambda change: change.seq_after)

    def item_states(self, folder_id: int, guids: Iterable[str]) -> dict[str, StoredItem]:
        stored = self._t.items.get(folder_id, {})
        return {guid: stored[guid] for guid in guids if guid in stored}

    def purge_change_sessions(self, started_before: float) -> int:
        old = {sid for sid, (session, _) in self._t.change_sessions.items() if session.started_at < started_before}
        self._t.change_sessions = {sid: kept for sid, kept in self._t.change_sessions.items() if sid not in old}
        self._t.item_changes = [change for change in self._t.item_changes if change.session_id not in old]
        return len(old)
