"""The app in-process on a fresh SQLite store per test, with the accounts the recordings log in as."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from syncmld.accounts import hash_password, md5_credential
from syncmld.config import ServerConfig
from syncmld.server import create_app
from syncmld.store import open_store, sqlite_url
from tests.interop.conftest import interop_dir  # noqa: F401  (the fixture: SyncEvolution installed)

REPLAY_LOGIN = ("syncmltest@example.com", "syncmltest")
"""The recordings' ``syncmltest:syncmltest`` with a domain: syncmld logins are e-mail addresses."""
ENDPOINT = "http://sync.example.org/syncml"


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    store = open_store(sqlite_url(tmp_path))
    email, password = REPLAY_LOGIN
    with store.transaction() as tx:
        tx.add_account(email, md5_credential(email, password), hash_password(password))
    app = create_app(store, ServerConfig(data_dir=tmp_path))
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    finally:
        store.close()
