"""Content conversions of one message, kept out of the store transaction when an item is large.

A message is applied in one store transaction, and on SQLite that transaction holds the write lock
of the whole server. Converting a large object (up to MaxObjSize) can take seconds, so such a
conversion does not run inside it: ``ContentWork.run`` raises ``Deferred``, the transaction rolls
back, ``handle_message`` does the conversion with no transaction open, and handles the message
again; this time the result is found here. The content functions are pure, so the result found
is the one the same call would give: a call whose arguments changed in between (another device
changed the item) is computed again.
"""

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar, cast

from syncmld.engine.api import BackupItem, BackupSink
from syncmld.errors import SyncMLError

_Result = TypeVar("_Result")

MAX_ROUNDS = 8
"""Times a message is handled again for conversions done outside; after that they run in place."""


class Deferred(Exception):
    """A conversion too large to run inside the store transaction: leave it, do ``key``, come back."""

    def __init__(self, key: tuple[Hashable, ...], size: int, what: str = "") -> None:
        super().__init__(what or f"a conversion of {size} bytes")
        self.key = key
        self.size = size


class ContentWork:
    """Pure content calls of one message and their results (or the SyncMLError they raised).

    Calls on more than ``large`` bytes are deferred until ``settle``: after a message has done what
    a second attempt would repeat (written a backup archive), or after ``MAX_ROUNDS`` attempts.
    """

    def __init__(self, large: int) -> None:
        self.large = large
        self.settled = False
        self.rounds = 0
        self._results: dict[tuple[Hashable, ...], object] = {}

    def run(self, function: Callable[..., _Result], *args: Hashable) -> _Result:
        key = (function, *args)
        if key not in self._results:
            size = sum(len(arg) for arg in args if isinstance(arg, bytes))
            if size > self.large and not self.settled:
                raise Deferred(key, size)
            self._compute(key)
        found = self._results[key]
        if isinstance(found, SyncMLError):
            raise found
        return cast(_Result, found)

    def outside(self, function: Callable[..., _Result], *args: Hashable) -> _Result:
        """``function(*args)`` done outside the store transaction (the mail server's I/O): deferred unless
        its result is known, or the work is settled."""
        key = (function, *args)
        if key not in self._results and not self.settled:
            raise Deferred(key, 0, f"{getattr(function, '__name__', 'a call')} (I/O)")
        return self.run(function, *args)

    def do(self, deferred: Deferred) -> None:
        """Run a deferred call (outside the transaction), then count the attempt."""
        self._compute(deferred.key)
        self.rounds += 1
        if self.rounds >= MAX_ROUNDS:
            self.settle()

    def settle(self) -> None:
        """From now on every call runs in place."""
        self.settled = True

    def _compute(self, key: tuple[Hashable, ...]) -> None:
        function, *args = key
        try:
            self._results[key] = cast(Callable[..., object], function)(*args)
        except SyncMLError as error:
            self._results[key] = error


class SettlingSink:
    """A backup sink that settles the message's work as it writes: an archive is not written twice."""

    def __init__(self, sink: BackupSink, work: ContentWork) -> None:
        self._sink = sink
        self._work = work

    def start(self, account: str, prefix: str, now: float) -> str:
        self._work.settle()
        return self._sink.start(account, prefix, now)

    def add_items(self, archive: str, items: Iterable[BackupItem]) -> None:
        self._work.settle()
        self._sink.add_items(archive, items)
