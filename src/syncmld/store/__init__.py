"""Stores: pick a backend by URL. The interface is in ``syncmld.store.base``."""

import re
import uuid
from pathlib import Path

from syncmld.store.base import Store, StoreError

MEMORY_URL = "memory://"
SQLITE_FILE_NAME = "syncmld.db"
POSTGRES_SCHEMES = ("postgresql://", "postgresql+psycopg://")


def sqlite_url(data_dir: Path) -> str:
    """The URL of the SQLite store kept in ``data_dir``."""
    return f"sqlite:///{data_dir / SQLITE_FILE_NAME}"


def open_store(url: str) -> Store:
    """Open the store at ``url`` (``memory://``, ``sqlite:///PATH`` or ``postgresql://...``), schema up to date."""
    # Backends are imported here, so that importing the interface does not load SQLAlchemy.
    if url == MEMORY_URL:
        from syncmld.store.memory import MemoryStore

        return MemoryStore()
    if url.startswith("sqlite:///"):
        from syncmld.store.sqlite import open_sqlite_store

        return open_sqlite_store(Path(url.removeprefix("sqlite:///")))
    if url.startswith(POSTGRES_SCHEMES):
        from syncmld.store.postgres import open_postgres_store

        return open_postgres_store(url)
    raise StoreError(
        f"unsupported store URL {url!r}: expected {MEMORY_URL!r}, 'sqlite:///PATH' or 'postgresql://USER@HOST/DB'"
    )


def masked_password(url: str) -> str:
    """``url`` with the password in it, if any, shown as ``***``."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def new_guid() -> str:
    """A fresh item GUID: 32 hex characters, within the MaxGUIDSize of the devices we know."""
    return uuid.uuid4().hex
