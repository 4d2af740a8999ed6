"""Working out what an operation would do by doing it in a transaction that is then dropped."""

from collections.abc import Iterator
from contextlib import contextmanager

from syncmld.store.base import Store, Transaction


class _RollBack(Exception):
    """Ends a dry run's transaction without committing it; never leaves ``rolled_back``."""


@contextmanager
def rolled_back(store: Store) -> Iterator[Transaction]:
    """A transaction whose changes are all dropped when the block ends."""
    try:
        with store.transaction() as tx:
            yield tx
            raise _RollBack
    except _RollBack:
        pass
