"""A store that counts the items its transactions' reads return, for tests of what a request reads."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from syncmld.store.base import Store, StoredItem, Transaction

ITEM_READS = ("get_items", "iter_items", "changes_since", "children_of")


class CountingStore:
    """A store whose transactions count the items their reads return."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.items_read = 0

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self.store.transaction() as tx:
            yield _Counting(tx, self)  # type: ignore[misc]

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        with self.store.reading() as tx:
            yield _Counting(tx, self)  # type: ignore[misc]

    def close(self) -> None:
        self.store.close()


class _Counting:
    def __init__(self, tx: Transaction, counter: CountingStore) -> None:
        self._tx = tx
        self._counter = counter

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._tx, name)
        if name not in ITEM_READS:
            return method

        def counted(*args: Any, **kwargs: Any) -> Any:
            found = method(*args, **kwargs)
            items = list(found.values()) if isinstance(found, dict) else list(found)
            self._counter.items_read += sum(isinstance(item, StoredItem) for item in items)
            return found if not isinstance(found, Iterator) else iter(items)

        return counted
