"""The queue of a SQLite store's writers inside one process: first come, first served.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps longer the longer
a writer has waited (1 ms at first, 100 ms after a third of a second) and lets in whoever asks first after
the lock is free, so under load the writers that came first are served last. The threads of one process
wait here instead, in the order they came, each woken when its turn comes; SQLite's own wait remains
between processes.
"""

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from syncmld.store.base import StoreError

logger = logging.getLogger(__name__)


class WriterQueue:
    """A lock that hands itself to its waiters in the order they came (``threading.Lock`` promises none)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        """Seconds a writer waits for its turn before its transaction fails."""
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def waiting(self) -> int:
        """How many writers wait for their turn."""
        with self._mutex:
            return len(self._waiters)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the store's write turn while the block runs; StoreError when it did not come in ``timeout``.
        At DEBUG, one line per turn: how long the writer waited for it, behind how many, and held it."""
        asked = time.perf_counter()
        ahead = self._acquire()
        granted = time.perf_counter()
        try:
            yield
        finally:
            self._release()
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "write turn: waited %.1f ms behind %d, held %.1f ms",
                    (granted - asked) * 1000,
                    ahead,
                    (time.perf_counter() - granted) * 1000,
                )

    def _acquire(self) -> int:
        """Take the turn; returns how many writers waited before this one."""
        with self._mutex:
            if not self._held:
                self._held = True
                return 0
            ahead = len(self._waiters) + 1
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if waiter.acquire(timeout=self.timeout):
            return ahead  # the writer before handed its turn over
        with self._mutex:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
                raise StoreError(f"store operation failed: the store was busy writing for {self.timeout:g} s")
        return ahead  # handed over between the timeout and taking the mutex: the turn is ours

    def _release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False
