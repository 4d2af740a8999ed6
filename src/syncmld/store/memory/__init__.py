"""The in-memory store: the reference semantics for the engine tests; nothing survives the process.

A transaction holds the store's lock from start to end and works on a copy of the tables, which
replaces the store's tables only when the transaction ends normally. It plays every role of
``syncmld.store.base``, each role in a module of its own.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from syncmld.store.memory.accounts import MemoryAccounts
from syncmld.store.memory.admin import MemoryAdmin
from syncmld.store.memory.admin_users import MemoryAdminUsers
from syncmld.store.memory.devices import MemoryDevices
from syncmld.store.memory.history import MemoryHistory
from syncmld.store.memory.items import MemoryItems
from syncmld.store.memory.logins import MemoryLogins
from syncmld.store.memory.mail import MemoryMail
from syncmld.store.memory.pushes import MemoryPushes
from syncmld.store.memory.sessions import MemorySessions
from syncmld.store.memory.sync_maps import MemorySyncMaps
from syncmld.store.memory.tables import Tables
from syncmld.store.memory.timelines import MemoryTimelines
from syncmld.store.memory.upstreams import MemoryUpstreams
from syncmld.store.pushes import PushBell


class MemoryTransaction(
    MemoryAccounts,
    MemoryAdmin,
    MemoryLogins,
    MemoryDevices,
    MemoryItems,
    MemorySyncMaps,
    MemorySessions,
    MemoryUpstreams,
    MemoryAdminUsers,
    MemoryTimelines,
    MemoryPushes,
    MemoryHistory,
    MemoryMail,
):
    """One unit of work on a private copy of the tables; see ``syncmld.store.base.Transaction``."""


class MemoryStore:
    """A store kept in this process's memory."""

    def __init__(self) -> None:
        self._tables = Tables()
        self._lock = threading.Lock()
        self.push_bell = PushBell()

    @contextmanager
    def transaction(self) -> Iterator[MemoryTransaction]:
        with self._lock:
            tables = self._tables.copy()
            yield MemoryTransaction(tables)
            self._tables = tables
        if tables.pushes.noted:
            self.push_bell.ring()

    @contextmanager
    def reading(self) -> Iterator[MemoryTransaction]:
        with self._lock:
            yield MemoryTransaction(self._tables.copy())

    def close(self) -> None:
        """Nothing to release."""
