"""The in-memory store's sessions, with what a session carries beyond its state: large objects on their
way, piece by piece, and each device's latest session (where a suspended sync is resumed from)."""

import bisect
from dataclasses import replace

from syncmld.store.base import AlreadyExists, SessionRecord
from syncmld.store.memory.tables import MemoryRole, Tables


def forget_sessions(tables: Tables, tokens: set[str]) -> None:
    """Drop the large objects of sessions that end (a device's note of an ended session reads as none)."""
    if tokens:
        tables.chunks = {owner: pieces for owner, pieces in tables.chunks.items() if owner[0] not in tokens}


class MemorySessions(MemoryRole):
    """See ``syncmld.store.base.Sessions``."""

    def load_session(self, token: str) -> SessionRecord | None:
        kept = self._t.sessions.get(token)
        return None if kept is None else kept[0]

    def kept_reply(self, token: str) -> bytes | None:
        kept = self._t.sessions.get(token)
        return None if kept is None else kept[1]

    def has_session(self, token: str) -> bool:
        return token in self._t.sessions

    def add_session(self, record: SessionRecord, reply: bytes | None) -> None:
        if record.token in self._t.sessions:
            raise AlreadyExists(f"a session with token {record.token!r} exists")
        self._t.sessions[record.token] = (record, reply)

    def save_session(self, record: SessionRecord, reply: bytes | None) -> bool:
        kept = self._t.sessions.get(record.token)
        if kept is None:
            return False
        self._t.sessions[record.token] = (replace(record, account_id=kept[0].account_id), reply)
        return True

    def count_sessions(self, updated_after: float) -> int:
        return sum(record.updated_at > updated_after for record, _ in self._t.sessions.values())

    def delete_sessions_before(self, updated_before: float) -> int:
        idle = [token for token, (record, _) in self._t.sessions.items() if record.updated_at < updated_before]
        for token in idle:
            del self._t.sessions[token]
        forget_sessions(self._t, set(idle))
        return len(idle)

    def note_device_session(self, device_id: int, token: str) -> None:
        self._t.device_sessions[device_id] = token

    def append_chunk(self, token: str, key: str, data: bytes) -> int:
        pieces = self._t.chunks.get((token, key), ())
        start = pieces[-1][0] + len(pieces[-1][1]) if pieces else 0
        self._t.chunks[token, key] = (*pieces, (start, data))
        return start + len(data)

    def read_chunks(self, token: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        pieces = self._t.chunks.get((token, key), ())
        first = max(0, bisect.bisect_right([piece[0] for piece in pieces], start) - 1)
        wanted = [piece for piece in pieces[first:] if length is None or piece[0] < start + length]
        if not wanted:
            return b""
        offset = start - wanted[0][0]
        joined = b"".join(piece[1] for piece in wanted)
        return joined[offset:] if length is None else joined[offset : offset + length]

    def drop_chunks(self, token: str, key: str) -> None:
        self._t.chunks.pop((token, key), None)

    def move_chunks(self, token: str, key: str, new_token: str) -> None:
        pieces = self._t.chunks.pop((token, key), None)
        self._t.chunks.pop((new_token, key), None)
        if pieces is not None:
            self._t.chunks[new_token, key] = pieces
