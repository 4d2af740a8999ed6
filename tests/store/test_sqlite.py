"""What is particular to the SQLite store: the file, its settings, its schema, opening errors."""

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from syncmld.store import open_store, sqlite_url
from syncmld.store.base import SessionRecord, StoreError, Transaction
from syncmld.store.schema import metadata
from syncmld.store.sql import SqlTransaction


def test_sqlite_url_names_the_database_file_in_the_data_directory(tmp_path: Path) -> None:
    assert sqlite_url(tmp_path) == f"sqlite:///{tmp_path}/syncmld.db"


def test_opening_creates_the_file_with_the_newest_schema(tmp_path: Path) -> None:
    open_store(sqlite_url(tmp_path)).close()
    engine = create_engine(sqlite_url(tmp_path))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() is not None
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_the_database_uses_a_write_ahead_log(tmp_path: Path) -> None:
    open_store(sqlite_url(tmp_path)).close()
    connection = sqlite3.connect(tmp_path / "syncmld.db")
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        connection.close()


def test_opening_in_a_missing_directory_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(sqlite_url(tmp_path / "missing"))


def test_opening_a_path_that_is_not_a_file_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "syncmld.db").mkdir()
    with pytest.raises(StoreError, match="cannot open the SQLite store"):
        open_store(sqlite_url(tmp_path))


def test_an_unknown_url_is_refused() -> None:
    with pytest.raises(StoreError, match="unsupported store URL"):
        open_store("mysql://localhost/syncmld")


def test_a_reader_answers_while_a_writer_holds_the_database(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path))
    with store.transaction() as tx:
        tx.add_session(SessionRecord("kept", None, b"s", 1.0), None)
    answers: list[bool] = []

    def read() -> None:
        with store.reading() as tx:
            answers.append(tx.has_session("kept"))

    with store.transaction() as writer:
        writer.add_session(SessionRecord("pending", None, b"s", 2.0), None)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(10)  # a reader that waited for the write lock would wait 30 s for the writer
        assert answers == [True]
    with store.reading() as tx:
        assert tx.has_session("pending")
    store.close()


def test_a_transaction_takes_the_connection_returned_last(tmp_path: Path) -> None:
    """Transactions one after another run on one connection, whose SQLite page cache still holds what the one
    before read and wrote, not in turn on every connection the pool made while some ran at once."""
    store = open_store(sqlite_url(tmp_path))

    def driver_connection(tx: Transaction) -> object:
        assert isinstance(tx, SqlTransaction)
        return tx._connection.connection.dbapi_connection

    with store.reading() as outer, store.reading() as inner:
        returned_last = driver_connection(outer)
        assert driver_connection(inner) is not returned_last
    for _ in range(3):
        with store.transaction() as tx:
            assert driver_connection(tx) is returned_last
    store.close()


def test_a_kept_reply_replaced_writes_its_own_pages_to_the_log_and_not_the_freed_ones_again(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path))
    log = tmp_path / "syncmld.db-wal"
    reply_pages = 25  # 100,000 bytes in pages of 4,096
    try:
        with store.transaction() as tx:
            tx.add_session(SessionRecord("busy", None, b"state", 1.0), bytes(100_000))
        growth = []
        for message in range(2, 6):
            before = log.stat().st_size
            with store.transaction() as tx:
                tx.save_session(SessionRecord("busy", None, b"state", float(message)), bytes([message]) * 100_000)
            growth.append((log.stat().st_size - before) // (4096 + 24))
        # the reply's pages and the few of the row, its indexes and the free list: a secure delete's zeroing of
        # the previous reply's pages would write as many again
        assert all(reply_pages <= frames <= reply_pages + 8 for frames in growth), growth
    finally:
        store.close()
