"""A bounded map shared by threads: at most so many entries, none larger than a size, the least recently used
forgotten first.

A read with ``get`` counts as a use; ``peek`` is the dict's own ``get``, for the reads made per line, element or
item (a Python method costs them about 60 ns more each): a map read only so forgets the least recently added
first. New limits apply with ``resize``.
"""

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

UNLIMITED = 1 << 62
"""A largest entry size that any entry is within."""


class BoundedMap(Generic[K, V]):
    """Up to ``entries`` values (never None) by key, each of a size up to ``largest``. A read takes no lock (each dict
    operation is atomic); a write takes one, and makes room by forgetting the least recently used."""

    __slots__ = ("_entries", "_lock", "_move", "entries", "largest", "peek")

    def __init__(self, entries: int, largest: int = UNLIMITED) -> None:
        self.entries = entries
        self.largest = largest
        self._entries: OrderedDict[K, V] = OrderedDict()
        self.peek = self._entries.get
        """The value kept for a key, without counting the read as a use: ``dict.get`` itself, for the reads of
        every element of a message (a map read only so forgets the least recently added first)."""
        self._move = self._entries.move_to_end
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value kept for ``key``, now the most recently used; None when none is kept."""
        value = self.peek(key)
        if value is not None:
            try:  # noqa: SIM105  (contextlib.suppress costs a call on every hit)
                self._move(key)
            except KeyError:  # forgotten by another thread meanwhile
                pass
        return value

    def put(self, key: K, value: V, size: int = 0) -> V:
        """Keep ``value`` for ``key`` unless ``size`` is over ``largest``; ``value`` is returned either way."""
        if size <= self.largest:
            with self._lock:
                self._entries[key] = value
                self._move(key)
                self._trim()
        return value

    def forget(self, key: K) -> None:
        """Keep nothing for ``key``."""
        with self._lock:
            self._entries.pop(key, None)

    def keeps(self, size: int) -> bool:
        """Whether an entry of ``size`` is kept."""
        return size <= self.largest

    def resize(self, entries: int, largest: int = UNLIMITED) -> None:
        """Apply new limits (an entry kept that is now too large stays until it is forgotten)."""
        with self._lock:
            self.entries, self.largest = entries, largest
            self._trim()

    def __len__(self) -> int:
        return len(self._entries)

    def _trim(self) -> None:
        while len(self._entries) > self.entries:
            self._entries.popitem(last=False)
