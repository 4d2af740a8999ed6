"""The SQLite store: one file, WAL journal, writers serialised by ``BEGIN IMMEDIATE``, readers beside them.

The database and its -wal and -shm files are readable by their owner only (0600): SQLite gives the
-wal and -shm files the mode of the database file, which is created so before SQLite opens it.
"""

import os
import sqlite3
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from syncmld.server_key import PRIVATE_FILE_MODE, restrict_mode
from syncmld.store.base import StoreError
from syncmld.store.sealing import SecretBox
from syncmld.store.sql import READ_ONLY, SqlStore, upgrade_schema
from syncmld.store.sql.prepared import run_sql
from syncmld.store.writers import WriterQueue

BUSY_TIMEOUT_SECONDS = 30
"""How long a transaction waits for another writer before failing (in this process's queue of writers, then
for one of another process)."""

_PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "foreign_keys=ON",
    # Debian's SQLite zeroes every page it frees (SECURE_DELETE), each one a page more in the log: the session's kept
    # reply, rewritten with every message, freed and zeroed its pages each time (a receive's messages wrote twice
    # the pages they stored). FAST zeroes what is deleted from the pages that stay in use, and leaves freed pages
    # as they were until they are used again.
    "secure_delete=FAST",
    f"busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}",
)


def _configure_connection(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # Leave transaction control to us: pysqlite would otherwise issue its own deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _begin(connection: Connection) -> None:
    # A writer takes the write lock at the start: a deferred transaction upgrading its lock later can
    # deadlock. A reader takes none, and reads the last committed state beside a writer (WAL).
    reads_only = connection.get_execution_options().get(READ_ONLY, False)
    run_sql(connection, "BEGIN" if reads_only else "BEGIN IMMEDIATE").close()


def restrict_database_files(path: Path) -> None:
    """Create the database file ``path`` mode 0600 if missing; take other users' access away from it and
    from its -wal and -shm files where they have it (logged)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if file.exists():
                restrict_mode(file, PRIVATE_FILE_MODE)
    except OSError as error:
        raise StoreError(f"cannot open the SQLite store {path}: {error.strerror}") from error


def open_sqlite_store(path: Path, server_key: bytes) -> SqlStore:
    """Open (creating if needed) the SQLite store in the file ``path``, schema brought up to date."""
    if not path.parent.is_dir():
        raise StoreError(f"cannot open the SQLite store {path}: directory {path.parent} does not exist")
    restrict_database_files(path)
    box = SecretBox(server_key)
    # The connection returned last goes out first: its page cache holds what the transaction before read and wrote,
    # where the pool's oldest idle connection would find the file changed and read its pages again.
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_SECONDS}, pool_use_lifo=True)
    event.listen(engine, "connect", _configure_connection)
    event.listen(engine, "begin", _begin)
    try:
        upgrade_schema(engine, box)
    except (SQLAlchemyError, CommandError) as error:
        engine.dispose()
        reason = error.orig if isinstance(error, DBAPIError) else error
        raise StoreError(f"cannot open the SQLite store {path}: {reason}") from error
    return SqlStore(engine, box, WriterQueue(BUSY_TIMEOUT_SECONDS))
