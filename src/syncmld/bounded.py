"""Bounded caches shared by threads: at most so many entries, none larger than a size, the least recently used
forgotten first.

``BoundedMap`` keeps what its user puts (``get``/``put``). ``BoundedFunction`` remembers a pure function's
results on ``functools.lru_cache``, whose hits cost a third of a Python ``get``: it is for the calls made per
line or per item. Either takes new limits with ``resize``.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")

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


class BoundedFunction(Generic[R]):
    """``function``'s results for the latest ``entries`` distinct arguments: ``cached`` is the function
    remembering them, for arguments whose size the caller finds within ``largest``."""

    __slots__ = ("cached", "function", "largest")

    def __init__(self, function: Callable[..., R], entries: int, largest: int = UNLIMITED) -> None:
        self.function = function
        self.largest = largest
        self.cached: Callable[..., R] = lru_cache(maxsize=entries)(function)

    def resize(self, entries: int, largest: int = UNLIMITED) -> None:
        """Apply new limits; what was remembered is forgotten when the entries change."""
        self.largest = largest
        if entries != self.cached.cache_info().maxsize:  # type: ignore[attr-defined]
            self.cached = lru_cache(maxsize=entries)(self.function)

    def __len__(self) -> int:
        return int(self.cached.cache_info().currsize)  # type: ignore[attr-defined]
