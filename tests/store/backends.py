"""An empty store of each backend for a test: SQLite in a real file, PostgreSQL in a schema of its own.

PostgreSQL is the server named by $SYNCMLD_TEST_POSTGRES. Without that variable its tests skip, except
in CI (``CI=true``), where they fail.
"""

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from syncmld.server_key import KEY_FILE_ENV
from syncmld.store import MEMORY_URL, open_store, sqlite_url
from syncmld.store.base import Store
from syncmld.store.postgres import DRIVER_NAME

BACKENDS = ("memory", "sqlite", "postgres")

URL_VARIABLE = "SYNCMLD_TEST_POSTGRES"


def server_url() -> URL:
    """The test server's URL; skips the test (fails it in CI) when none is configured."""
    configured = os.environ.get(URL_VARIABLE)
    if not configured:
        reason = f"no PostgreSQL to test with: set {URL_VARIABLE}=postgresql+psycopg://USER:PASSWORD@HOST/DB"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return make_url(configured).set(drivername=DRIVER_NAME)


@contextmanager
def fresh_postgres_url() -> Iterator[str]:
    """The URL of an empty schema made for this test (as the connections' search path), dropped afterwards."""
    with postgres_schema(server_url(), "test") as url:
        yield url


@contextmanager
def postgres_schema(server: URL, prefix: str) -> Iterator[str]:
    """The URL of a new, empty schema on the PostgreSQL ``server`` (as the connections' search path),
    dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex}"
    admin = create_engine(server)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@contextmanager
def empty_store_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store of ``backend`` (one of ``BACKENDS``), ``tmp_path`` holding a SQLite file."""
    if backend == "postgres":
        with fresh_postgres_url() as url:
            yield url
    else:
        yield MEMORY_URL if backend == "memory" else sqlite_url(tmp_path)


def open_empty_store(url: str) -> Store:
    """``open_store(url)`` of a store that does not exist yet; a new SQLite file is first a copy of a store created
    under the same server key once a process: the bytes its first opening would leave (migrating a new file costs
    about 0.12 s of CPU, a copy about 0.02)."""
    database, key_file = Path(url.removeprefix("sqlite:///")), os.environ.get(KEY_FILE_ENV)
    if url.startswith("sqlite:///") and key_file and not database.exists():
        database.write_bytes(new_sqlite_database(key_file))
    return open_store(url)


@cache
def new_sqlite_database(key_file: str) -> bytes:
    """The file of a SQLite store just created under the server key in ``key_file``."""
    with tempfile.TemporaryDirectory() as directory:
        open_store(sqlite_url(Path(directory)), Path(key_file)).close()
        return Path(sqlite_url(Path(directory)).removeprefix("sqlite:///")).read_bytes()
