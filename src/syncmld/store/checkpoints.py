"""Checkpoints of a SQLite store's write-ahead log, made beside the writers instead of by one of them.

SQLite copies the log back into the database (a checkpoint: each page written since the last one, then two
fsyncs) in the commit that takes the log past ``wal_autocheckpoint`` pages, while that writer holds the store's
write turn and the writers after it wait. Here a thread of the store's own makes a PASSIVE checkpoint a short
while after a commit, one for all the commits of that while, on a connection of its own, and sleeps while
nothing is written. SQLite's own checkpoint remains, at a longer log, for writes that outrun the thread.
"""

import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import closing

logger = logging.getLogger(__name__)


class Checkpointer:
    """A thread that checkpoints the log ``delay`` seconds after a commit (and the commits of those seconds)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], delay: float) -> None:
        self.delay = delay
        """Seconds from the first commit after a checkpoint to the next checkpoint."""
        self._connect = connect
        self._written = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    def note_commit(self) -> None:
        """A write transaction committed: a checkpoint is due ``delay`` seconds from now, if none is due yet."""
        self._written.set()

    def stop(self) -> None:
        """End the thread, after the checkpoint it is making, if any."""
        self._stopping.set()
        self._written.set()
        self._thread.join()

    def _run(self) -> None:
        while self._written.wait() and not self._stopping.wait(self.delay):
            self._written.clear()
            self._checkpoint()

    def _checkpoint(self) -> None:
        try:
            with closing(self._connect()) as connection:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:
            logger.warning("checkpoint of the SQLite write-ahead log failed (SQLite's own makes it later): %s", error)
