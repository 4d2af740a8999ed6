"""A scripted device talking to the engine in process, through the real XML codec."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from syncmld.accounts import hash_password, item_key, md5_credential
from syncmld.backup import BackupStore
from syncmld.client import Device
from syncmld.client.device import Signer
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext, EngineSettings
from syncmld.protocol.messages import SyncML
from syncmld.store.base import NewItem, Store
from tests.store.backends import BACKENDS, empty_store_url, open_empty_store

EMAIL = "alice@example.org"
PASSWORD = "secret"
PASSWORD_HASH = hash_password(PASSWORD)
"""Made once a process and given to each test's account: a scrypt hash costs about 50 ms of CPU."""
URL = "http://sync.example.org/syncml"


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_store_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = open_empty_store(store_url)
    with store.transaction() as tx:
        tx.add_account(EMAIL, md5_credential(EMAIL, PASSWORD), PASSWORD_HASH, item_key(PASSWORD))
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A new SQLite or PostgreSQL store holding the account EMAIL, for tests that count its statements."""
    with empty_store_url(request.param, tmp_path) as url:
        store = open_empty_store(url)
        with store.transaction() as tx:
            tx.add_account(EMAIL, md5_credential(EMAIL, PASSWORD), PASSWORD_HASH, item_key(PASSWORD))
        yield store
        store.close()


@pytest.fixture
def backups_dir(tmp_path: Path) -> Path:
    return tmp_path / "backups"


@pytest.fixture
def ctx(backups_dir: Path) -> EngineContext:
    return EngineContext(settings=EngineSettings(), backups=BackupStore(backups_dir))


@pytest.fixture
def new_device(store: Store, ctx: EngineContext) -> Callable[..., Device]:
    def make(device_id: str, **options: object) -> Device:
        options.setdefault("password", PASSWORD)
        options.setdefault("url", URL)
        return Device(transport=in_process_transport(store, ctx), user=EMAIL, device_id=device_id, **options)  # type: ignore[arg-type]

    return make


def vcard(n: int, note: str = "") -> bytes:
    lines = ["BEGIN:VCARD", "VERSION:2.1", f"N:Müller{n};Jörg;;;", f"FN:Jörg Müller{n}", f"TEL;CELL:+49 170 {n:07d}"]
    if note:
        lines.append(f"NOTE:{note}")
    lines.append("END:VCARD")
    return ("\r\n".join(lines) + "\r\n").encode()


T = TypeVar("T")


def stored_contacts(store: Store, count: int) -> None:
    """The account's contacts folder holding ``count`` contacts more, written straight to the store."""
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        folder = tx.ensure_folder(account.id, "contacts")
        tx.put_items(folder.id, [NewItem(None, "text/x-vcard", vcard(n)) for n in range(count)], None)


def after_each_reply(device: Device, measure: Callable[[], T]) -> list[T]:
    """What ``measure`` gives after each reply the device gets once it holds items (its transport wrapped)."""
    measured: list[T] = []
    send = device.transport

    def measuring(message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        reply = send(message, url, sign)
        if device.items:
            measured.append(measure())
        return reply

    device.transport = measuring
    return measured
