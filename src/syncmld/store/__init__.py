"""Stores: pick a backend by URL. The interface is in ``syncmld.store.base``."""

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from syncmld.server_key import KEY_FILE_ENV, ServerKeyError, key_file_path, load_server_key
from syncmld.store.base import Store, StoreError
from syncmld.store.guids import new_guid as new_guid

if TYPE_CHECKING:
    from syncmld.store.sql import SqlStore

MEMORY_URL = "memory://"
SQLITE_FILE_NAME = "syncmld.db"
POSTGRES_SCHEMES = ("postgresql://", "postgresql+psycopg://")


def sqlite_url(data_dir: Path) -> str:
    """The URL of the SQLite store kept in ``data_dir``."""
    return f"sqlite:///{data_dir / SQLITE_FILE_NAME}"


def open_store(url: str, key_file: Path | None = None, adopt_key: bool = False, create: bool = True) -> Store:
    """Open the store at ``url`` (``memory://``, ``sqlite:///PATH`` or ``postgresql://...``), schema up to date.

    Account secrets are sealed with the server key in ``key_file`` (created if missing); without one,
    a SQLite store uses ``secret.key`` beside its database (or ``$SYNCMLD_KEY_FILE``), and a PostgreSQL
    store ``$SYNCMLD_KEY_FILE``. A store whose secrets were sealed with another key is refused (StoreError),
    unless ``adopt_key`` makes this key the store's from now on (``syncmld key adopt``). Without ``create``,
    a store that does not exist yet (no SQLite file, no syncmld tables in the PostgreSQL database) is a
    StoreError naming it, and nothing is created."""
    # Backends are imported here, so that importing the interface does not load SQLAlchemy.
    if url == MEMORY_URL:
        from syncmld.store.memory import MemoryStore

        return MemoryStore()
    if url.startswith("sqlite:///"):
        from syncmld.store.sqlite import open_sqlite_store

        path = Path(url.removeprefix("sqlite:///"))
        if not create and not path.is_file():
            raise StoreError(f"no store at {path}")
        key_file = key_file or key_file_path(path.parent)
        return _checked(open_sqlite_store(path, _server_key(key_file)), key_file, adopt_key)
    if url.startswith(POSTGRES_SCHEMES):
        from syncmld.store.postgres import open_postgres_store

        configured = os.environ.get(KEY_FILE_ENV, "").strip()
        if key_file is None and not configured:
            raise StoreError(f"a PostgreSQL store needs the server key: give --data-dir or set ${KEY_FILE_ENV}")
        key_file = key_file or Path(configured)
        return _checked(open_postgres_store(url, _server_key(key_file), create), key_file, adopt_key)
    raise StoreError(
        f"unsupported store URL {url!r}: expected {MEMORY_URL!r}, 'sqlite:///PATH' or 'postgresql://USER@HOST/DB'"
    )


def _checked(store: "SqlStore", key_file: Path, adopt: bool) -> Store:
    """``store``, unless its secrets are sealed with another key than ``key_file``'s: then every sealed
    secret would fail to open and every MD5 login would be refused, silently."""
    try:
        matches = store.holds_secrets_of_this_key(adopt)
    except BaseException:
        store.close()
        raise
    if not matches:
        store.close()
        raise StoreError(
            f"the server key in {key_file} is not the one this store's account secrets are sealed with: "
            f"name that key's file with --data-dir (its secret.key) or ${KEY_FILE_ENV}, or, if it is lost, make "
            "this one the store's with 'syncmld key adopt'"
        )
    return store


def _server_key(key_file: Path) -> bytes:
    try:
        return load_server_key(key_file)
    except ServerKeyError as error:
        raise StoreError(str(error)) from error


def masked_password(url: str) -> str:
    """``url`` with the password in it, if any, shown as ``***``."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)
