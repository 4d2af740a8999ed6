"""The app in-process (httpx over ASGI) on a real SQLite store, two accounts, and scripted devices
that talk to it over HTTP."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from functools import partial
from pathlib import Path

import anyio.from_thread
import anyio.to_thread
import httpx
import pytest

from syncmld.accounts import hash_password, md5_credential
from syncmld.client import Device
from syncmld.client.device import SyncReport
from syncmld.config import ServerConfig
from syncmld.protocol.codec import encode_xml
from syncmld.protocol.messages import SyncML
from syncmld.server import create_app
from syncmld.store import sqlite_url
from syncmld.store.base import Store
from tests.hostile.wire import ALICE, BASE_URL, BOB, ENDPOINT, PASSWORD, XML, reply_of, vcard
from tests.store.backends import open_empty_store

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A SQLite store in ``tmp_path`` holding the accounts of Alice and Bob."""
    opened = open_empty_store(sqlite_url(tmp_path))
    with opened.transaction() as tx:
        for email in (ALICE, BOB):
            tx.add_account(email, md5_credential(email, PASSWORD), hash_password(PASSWORD))
    yield opened
    opened.close()


@pytest.fixture
async def make_client(store: Store, tmp_path: Path) -> AsyncIterator[MakeClient]:
    """An HTTP client talking to the app in-process; keyword arguments override ServerConfig fields."""
    async with AsyncExitStack() as clients:

        async def make(**overrides: object) -> httpx.AsyncClient:
            config = ServerConfig(data_dir=tmp_path, **overrides)  # type: ignore[arg-type]
            transport = httpx.ASGITransport(app=create_app(store, config))
            return await clients.enter_async_context(httpx.AsyncClient(transport=transport, base_url=BASE_URL))

        yield make


@pytest.fixture
async def client(make_client: MakeClient) -> httpx.AsyncClient:
    return await make_client()


class HttpDevice:
    """A scripted device posting XML to the app over ``client``; ``sent`` keeps every (URL, body) it posted,
    ``signed`` the x-syncml-hmac header of each (None for those without), ``answers`` every HTTP response."""

    def __init__(self, client: httpx.AsyncClient, user: str, device_id: str, **options: object) -> None:
        self.client = client
        self.sent: list[tuple[str, bytes]] = []
        self.signed: list[str | None] = []
        self.answers: list[httpx.Response] = []
        self.device = Device(
            transport=self._post, url=ENDPOINT, user=user, password=PASSWORD, device_id=device_id, **options
        )  # type: ignore[arg-type]

    def _post(self, message: SyncML, url: str, sign: Callable[[bytes], str] | None = None) -> SyncML:
        body = encode_xml(message)
        headers = {"Content-Type": XML}
        if sign is not None:
            headers["x-syncml-hmac"] = sign(body)
        self.sent.append((url, body))
        self.signed.append(headers.get("x-syncml-hmac"))
        response = anyio.from_thread.run(partial(self.client.post, url, content=body, headers=headers))
        self.answers.append(response)
        return reply_of(response)

    async def sync(self, mode: int = 200) -> SyncReport:
        """One whole session, run in a worker thread while the app answers on the event loop."""
        return await anyio.to_thread.run_sync(partial(self.device.sync, mode))


NewDevice = Callable[..., HttpDevice]


@pytest.fixture
def new_device(client: httpx.AsyncClient) -> NewDevice:
    def make(user: str, device_id: str, **options: object) -> HttpDevice:
        return HttpDevice(client, user, device_id, **options)

    return make


@pytest.fixture
async def alice_phone(new_device: NewDevice) -> HttpDevice:
    """Alice's phone after a first sync of three contacts: data the hostile input must leave alone."""
    phone = new_device(ALICE, "alice-phone")
    for number in range(3):
        phone.device.add(vcard(f"Alice{number}").encode())
    report = await phone.sync()
    assert report.header_status == 212 and report.codes_for("Replace") == [201, 201, 201]
    return phone
