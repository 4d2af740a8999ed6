"""The worker threads that answer messages: a few at once, the message that arrived first served first.

A message goes to a worker thread several times (its session looked up, its body decoded, its answer
made). Each time, it waits here with the time it arrived, not the time it asked, so a message already
under way goes before messages that came after it, and a login let through the login gate is not held
there behind every message that arrived since. Few threads, because one process runs Python code on one
core at a time: more threads only take turns in the middle of their work, each holding its memory, and
SQLite's write turn, longer.
"""

import heapq
import itertools
import logging
import time
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")

logger = logging.getLogger(__name__)


class MessageThreads:
    """At most ``size`` calls in worker threads at once; the others wait, the earliest arrival first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._running = 0
        self._waiting: list[tuple[float, int, anyio.Event]] = []
        self._order = itertools.count()
        self._limiter = anyio.CapacityLimiter(size)

    def waiting(self) -> int:
        """Calls waiting for a thread."""
        return len(self._waiting)

    async def run(self, arrived: float, call: Callable[..., T], *args: object) -> T:
        """``call(*args)`` in a worker thread, after the calls of messages that arrived before ``arrived``
        (a ``time.perf_counter()``). At DEBUG, one line per call: how long after its message's arrival it asked
        for a thread, how long it waited and how many calls were waiting then, and how long it ran."""
        asked = time.perf_counter()
        waiting = len(self._waiting)
        await self._acquire(arrived)
        granted = time.perf_counter()
        try:
            return await anyio.to_thread.run_sync(call, *args, limiter=self._limiter)
        finally:
            self._release()
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "message thread: asked %.1f ms after arrival, waited %.1f ms (%d calls waiting), ran %.1f ms",
                    (asked - arrived) * 1000,
                    (granted - asked) * 1000,
                    waiting,
                    (time.perf_counter() - granted) * 1000,
                )

    async def _acquire(self, arrived: float) -> None:
        if self._running < self.size and not self._waiting:
            self._running += 1
            return
        entry = (arrived, next(self._order), anyio.Event())
        heapq.heappush(self._waiting, entry)
        try:
            await entry[2].wait()
        except BaseException:
            if entry[2].is_set():
                self._release()  # handed a thread it will not use: hand it on
            else:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
            raise

    def _release(self) -> None:
        if self._waiting:
            heapq.heappop(self._waiting)[2].set()  # handed over: as many run as before
        else:
            self._running -= 1
