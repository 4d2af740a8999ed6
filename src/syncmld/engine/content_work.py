"""Content conversions of one message, kept out of the store transaction when an item is large.

A message is applied in one store transaction, and on SQLite that transaction holds the write lock
of the whole server. Converting a large object (up to MaxObjSize) can take seconds, so such a
conversion does not run inside it: ``ContentWork.run`` raises ``Deferred``, the transaction rolls
back, ``handle_message`` does the conversion with no transaction open, and handles the message
again; this time the result is found here. The content functions are pure, so the result found
is the one the same call would give: a call whose arguments changed in between (another device
changed the item) is computed again. Calls are told apart by their arguments' values (a parsed item
by its stored type and bytes), so the second attempt, which reads its items again, finds them.
"""

from collections.abc import Callable, Hashable, Iterable
from functools import partial
from typing import TypeVar, cast

from syncmld.content import ParsedItem
from syncmld.engine.api import BackupItem, BackupSink
from syncmld.errors import SyncMLError

_Result = TypeVar("_Result")
_NOT_FOUND = object()
"""What ``ContentWork`` finds for a call it has no result of (None may be one)."""

MAX_ROUNDS = 8
"""Times a message is handled again for conversions done outside; after that they run in place."""


class Deferred(Exception):
    """A conversion too large to run inside the store transaction: leave it, do ``call``, come back."""

    def __init__(self, key: tuple[Hashable, ...], call: Callable[[], object], size: int, what: str = "") -> None:
        super().__init__(what or f"a conversion of {size} bytes")
        self.key = key
        self.call = call
        self.size = size


class ContentWork:
    """Pure content calls of one message and their results (or the SyncMLError they raised).

    Calls on more than ``large`` bytes are deferred until ``settle``: after a message has done what
    a second attempt would repeat (written a backup archive), or after ``MAX_ROUNDS`` attempts. A
    parsed item a smaller call made is not kept: what was read of it would stay in memory with it,
    for every item of the message, and a second attempt makes it again as fast as it is read.
    """

    def __init__(self, large: int) -> None:
        self.large = large
        self.settled = False
        self.rounds = 0
        self._results: dict[tuple[Hashable, ...], object] = {}

    def run(self, function: Callable[..., _Result], *args: Hashable | ParsedItem) -> _Result:
        key, size = _key_and_size(function, args)
        found = self._results.get(key, _NOT_FOUND)
        if found is _NOT_FOUND:
            if size > self.large and not self.settled:
                raise Deferred(key, partial(function, *args), size)
            found = self._compute(key, size, function, *args)
        if isinstance(found, SyncMLError):
            raise found
        return cast(_Result, found)

    def outside(self, function: Callable[..., _Result], *args: Hashable) -> _Result:
        """``function(*args)`` done outside the store transaction (the mail server's I/O): deferred unless
        its result is known, or the work is settled."""
        key = (function, *args)
        if key not in self._results and not self.settled:
            raise Deferred(key, partial(function, *args), 0, f"{getattr(function, '__name__', 'a call')} (I/O)")
        return self.run(function, *args)

    def do(self, deferred: Deferred) -> None:
        """Run a deferred call (outside the transaction), then count the attempt."""
        self._compute(deferred.key, deferred.size, deferred.call)
        self.rounds += 1
        if self.rounds >= MAX_ROUNDS:
            self.settle()

    def settle(self) -> None:
        """From now on every call runs in place."""
        self.settled = True

    def _compute(self, key: tuple[Hashable, ...], size: int, function: Callable[..., object], *args: object) -> object:
        """``function(*args)``, or the SyncMLError it raised, kept as ``key``'s result unless it is a parsed item that
        a call on at most ``large`` bytes made."""
        try:
            result = function(*args)
        except SyncMLError as error:
            result = error
        if size > self.large or not isinstance(result, ParsedItem):
            self._results[key] = result
        return result


def _key_and_size(
    function: Callable[..., object], args: Iterable[Hashable | ParsedItem]
) -> tuple[tuple[Hashable, ...], int]:
    """What tells a call apart (a parsed item by its key), and what its arguments weigh (the bytes they hold):
    one pass over them, as every conversion of a message asks for both."""
    key: list[Hashable] = [function]
    size = 0
    for arg in args:
        if isinstance(arg, ParsedItem):
            key.append(arg.key)
            size += arg.size
        else:
            key.append(arg)
            if isinstance(arg, bytes):
                size += len(arg)
    return tuple(key), size


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
