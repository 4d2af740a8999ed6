"""The app in-process on a fresh SQLite store per test, with the accounts the recordings log in as."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from syncmld.accounts import hash_password, md5_credential
from syncmld.config import ServerConfig
from syncmld.server import create_app
from syncmld.store import sqlite_url
from tests.interop.conftest import interop_dir  # noqa: F401  (the fixture: SyncEvolution installed)
from tests.store.backends import open_empty_store

REPLAY_LOGIN = ("syncmltest@example.com", "syncmltest")
"""The recordings' ``syncmltest:syncmltest`` with a domain: syncmld logins are e-mail addresses."""
ENDPOINT = "http://sync.example.org/syncml"
PASSWORD_HASH = hash_password(REPLAY_LOGIN[1])
"""Made once a process and given to each test's account: a scrypt hash costs about 50 ms of CPU."""


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    store = open_empty_store(sqlite_url(tmp_path))
    email, password = REPLAY_LOGIN
    with store.transaction() as tx:
        tx.add_account(email, md5_credential(email, password), PASSWORD_HASH)
    app = create_app(store, ServerConfig(data_dir=tmp_path))
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    finally:
        store.close()
