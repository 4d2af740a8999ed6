"""What recording a change session costs: a mode 7 (slow sync to server) of N items erases the folder,
and every delete is recorded with the item's content before. Prints the time of the recorded erase beside
an unrecorded one, the SQL statements each ran (how many, how many rows they carried), and what the
record added to the SQLite file per change.

    .venv/bin/python bench/history_record.py               # 100,000 contacts
    .venv/bin/python bench/history_record.py --items 20000
"""

import argparse
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from syncmld.history.recording import sync_session
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import NewItem, Store

_VERB = ("INSERT", "UPDATE", "DELETE", "SELECT")


def card(n: int) -> bytes:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Person{n};Anna;;;\r\nFN:Anna Person{n}\r\n"
        f"TEL;TYPE=CELL:+49 170 {n:07d}\r\nEMAIL:anna{n}@example.org\r\nORG:Company {n % 97}\r\nEND:VCARD\r\n"
    ).encode()


@contextmanager
def counted(store: Store) -> Iterator[Counter[str]]:
    """Statements (by verb) and the rows they were executed with, while the block runs."""
    counts: Counter[str] = Counter()

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        verb = next((word for word in _VERB if statement.lstrip().upper().startswith(word)), "other")
        counts[verb] += 1
        counts[verb + " rows"] += len(parameters) if executemany else 1

    engine = store._engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _database_bytes(directory: Path) -> int:
    """The bytes of the SQLite database's used pages, once its write-ahead log is written back."""
    (database,) = directory.glob("*.db")
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, free, size = (
            connection.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "freelist_count", "page_size")
        )
    return int((pages - free) * size)


def erase(directory: Path, items: int, recorded: bool) -> None:
    path = directory / ("recorded" if recorded else "plain")
    path.mkdir()
    store = open_store(sqlite_url(path))
    with store.transaction() as tx:
        account = tx.add_account("bench@example.org", "", "x")
        device = tx.ensure_device(account.id, "IMEI:1")
        folder = tx.ensure_folder(account.id, "contacts")
        tx.put_items(folder.id, [NewItem(None, "text/vcard", card(n)) for n in range(items)], None)
    size_before = _database_bytes(path)
    with counted(store) as counts:
        started = time.perf_counter()
        with store.transaction() as tx:
            if recorded:
                tx.record_changes_as(sync_session(account.id, device.id, "IMEI:1", time.time(), "bench"))
            tx.delete_items(folder.id, [item.guid for item in tx.iter_items(folder.id)], device.id)
        took = time.perf_counter() - started
    store.close()
    grown = _database_bytes(path) - size_before
    shown = ", ".join(f"{verb} {counts[verb]} ({counts[verb + ' rows']} rows)" for verb in _VERB if counts[verb])
    print(
        f"{'recorded' if recorded else 'unrecorded'} erase of {items} items: {took:.2f} s; {shown}; "
        f"file grew {grown / 1e6:.1f} MB ({grown / items:.0f} bytes per item)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        for recorded in (False, True):
            erase(Path(directory), arguments.items, recorded)


if __name__ == "__main__":
    main()
