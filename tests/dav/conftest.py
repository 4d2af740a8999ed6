"""The app in-process (httpx over ASGI) on a real SQLite store with the accounts of Alice and Bob, and a
DAV client of Alice's."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

from syncmld.accounts import hash_password, md5_credential
from syncmld.config import ServerConfig
from syncmld.server import create_app
from syncmld.store import sqlite_url
from syncmld.store.base import Store
from tests.dav.dav import ALICE, BASE_URL, BOB, PASSWORD
from tests.store.backends import open_empty_store

PASSWORD_HASH = hash_password(PASSWORD)
"""Made once a process and given to each test's accounts: a scrypt hash costs about 50 ms of CPU."""

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_empty_store(sqlite_url(tmp_path))
    with opened.transaction() as tx:
        for email in (ALICE, BOB):
            tx.add_account(email, md5_credential(email, PASSWORD), PASSWORD_HASH)
    yield opened
    opened.close()


@pytest.fixture
async def make_client(store: Store, tmp_path: Path) -> AsyncIterator[MakeClient]:
    """A client of the app in-process logged in as ``user`` (Alice); keyword arguments override
    ServerConfig fields."""
    async with AsyncExitStack() as clients:

        async def make(user: str = ALICE, password: str = PASSWORD, **overrides: object) -> httpx.AsyncClient:
            config = ServerConfig(data_dir=tmp_path, **overrides)  # type: ignore[arg-type]
            transport = httpx.ASGITransport(app=create_app(store, config))
            client = httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=(user, password))
            return await clients.enter_async_context(client)

        yield make


@pytest.fixture
async def alice(make_client: MakeClient) -> httpx.AsyncClient:
    return await make_client()
