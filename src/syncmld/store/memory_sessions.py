"""The in-memory store's share of what a session carries beyond its state: large objects on their way,
piece by piece, and each device's latest session (where a suspended sync is resumed from)."""

import bisect
from dataclasses import dataclass, field

from syncmld.store.base import Device, SessionRecord

_Piece = tuple[int, bytes]
"""Where a piece starts in its object, in bytes, and its bytes."""


@dataclass
class SessionExtraTables:
    chunks: dict[tuple[str, str], tuple[_Piece, ...]] = field(default_factory=dict)
    """(session token, object key) -> the object's pieces, in order."""
    device_sessions: dict[int, str] = field(default_factory=dict)

    def copy(self) -> "SessionExtraTables":
        return SessionExtraTables(dict(self.chunks), dict(self.device_sessions))


class MemorySessionExtras:
    """Mixed into ``MemoryTransaction``; see ``syncmld.store.base.Transaction``."""

    _extras: SessionExtraTables
    _sessions: dict[str, SessionRecord]
    _device_rows: dict[int, Device]

    def note_device_session(self, device_id: int, token: str) -> None:
        self._extras.device_sessions[device_id] = token

    def last_device_session(self, device_id: int) -> str | None:
        token = self._extras.device_sessions.get(device_id)
        if device_id not in self._device_rows or token not in self._sessions:
            return None
        return token

    def append_chunk(self, token: str, key: str, data: bytes) -> int:
        pieces = self._extras.chunks.get((token, key), ())
        start = pieces[-1][0] + len(pieces[-1][1]) if pieces else 0
        self._extras.chunks[token, key] = (*pieces, (start, data))
        return start + len(data)

    def read_chunks(self, token: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        pieces = self._extras.chunks.get((token, key), ())
        first = max(0, bisect.bisect_right([piece[0] for piece in pieces], start) - 1)
        wanted = [piece for piece in pieces[first:] if length is None or piece[0] < start + length]
        if not wanted:
            return b""
        offset = start - wanted[0][0]
        joined = b"".join(piece[1] for piece in wanted)
        return joined[offset:] if length is None else joined[offset : offset + length]

    def drop_chunks(self, token: str, key: str) -> None:
        self._extras.chunks.pop((token, key), None)

    def move_chunks(self, token: str, key: str, new_token: str) -> None:
        pieces = self._extras.chunks.pop((token, key), None)
        self._extras.chunks.pop((new_token, key), None)
        if pieces is not None:
            self._extras.chunks[new_token, key] = pieces

    def _forget_sessions(self, tokens: set[str]) -> None:
        """Drop the large objects of sessions that end (a device's note of an ended session reads as none)."""
        if tokens:
            self._extras.chunks = {
                owner: pieces for owner, pieces in self._extras.chunks.items() if owner[0] not in tokens
            }
