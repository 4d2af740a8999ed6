"""The decision table of product.md §2 end to end: for every row and both anchor outcomes a scripted
device syncs through the engine with ``?sync=N`` in its URL, and the mode that runs leaves the
device and the server as that mode says. Backup names through the engine with an injected clock."""

import itertools
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncmld.accounts import hash_password, md5_credential
from syncmld.backup import BackupStore, backup_items, read_archive
from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.content import normalise_vcard
from syncmld.engine import EngineContext, EngineSettings
from syncmld.engine.modes import WIRE_ALERT, SyncMode
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import Store
from tests.engine.conftest import PASSWORD, URL, vcard
from tests.engine.test_modes import ALERT, TABLE

_accounts = itertools.count(1)

END_STATE: dict[SyncMode, tuple[str, str]] = {
    SyncMode.TWO_WAY: ("bsp", "bsp"),
    SyncMode.SLOW: ("bsp", "bsp"),
    SyncMode.ONE_WAY_FROM_CLIENT: ("bp", "bsp"),
    SyncMode.REFRESH_FROM_CLIENT: ("bp", "bp"),
    SyncMode.ONE_WAY_FROM_SERVER: ("bsp", "bs"),
    SyncMode.REFRESH_FROM_SERVER: ("bs", "bs"),
    SyncMode.SLOW_TO_SERVER: ("bp", "bp"),
    SyncMode.SLOW_TO_CLIENT: ("bs", "bs"),
    SyncMode.CLIENT_RESET: ("", "bs"),
}
"""What the device and the server hold after each mode, from: ``b`` contacts both held before,
``s`` contacts only the server held (from another device), ``p`` new contacts of the device."""

GROUPS = {"b": range(1, 3), "s": range(101, 103), "p": range(201, 203)}

OVERRULED_URL = {2: 9, 3: 5, 4: 6, 5: 3, 6: 4}
"""For the rows where the client's mode wins: a URL mode that would do something else."""

END_TO_END_ROWS = [row for row in TABLE if row[0] == 1 or row[1] in (None, OVERRULED_URL[row[0]])]
"""Every two-way row with each URL mode; the other rows without a URL mode and with one they overrule
(tests/engine/test_modes.py decides every combination)."""


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One SQLite store for the module; every test has an account of its own in it."""
    store = open_store(sqlite_url(tmp_path_factory.mktemp("matrix")))
    yield store
    store.close()


@pytest.fixture
def email(shared_store: Store) -> str:
    address = f"user{next(_accounts)}@example.org"
    with shared_store.transaction() as tx:
        tx.add_account(address, md5_credential(address, PASSWORD), hash_password(PASSWORD))
    return address


def _cards(numbers: Iterable[int]) -> list[str]:
    return sorted(normalise_vcard(vcard(n)) for n in numbers)


def _expected(groups: str) -> list[str]:
    return _cards(n for group in groups for n in GROUPS[group])


def _server_cards(store: Store, email: str) -> list[str]:
    with store.transaction() as tx:
        account = tx.get_account(email)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        return [] if folder is None else sorted(normalise_vcard(item.data) for item in tx.iter_items(folder.id))


def _recorded_mode(store: Store, email: str, device_ref: str) -> str:
    with store.transaction() as tx:
        account = tx.get_account(email)
        assert account is not None
        [device] = [device for device in tx.list_devices(account.id) if device.device_ref == device_ref]
        [last] = tx.list_device_syncs(device.id)
        return last.mode


@pytest.mark.parametrize("anchors", ["equal", "different"])
@pytest.mark.parametrize(("client", "url", "equal", "different"), END_TO_END_ROWS)
def test_each_row_runs_its_mode_end_to_end(
    shared_store: Store,
    email: str,
    tmp_path: Path,
    client: int,
    url: int | None,
    equal: int,
    different: int,
    anchors: str,
) -> None:
    ctx = EngineContext(settings=EngineSettings(), backups=BackupStore(tmp_path / "backups"))
    transport = in_process_transport(shared_store, ctx)

    def device(device_id: str, numbers: range) -> Device:
        made = Device(transport=transport, url=URL, user=email, password=PASSWORD, device_id=device_id)
        for n in numbers:
            made.add(vcard(n))
        return made

    phone = device("IMEI:phone", GROUPS["b"])
    phone.sync()
    device("IMEI:other", GROUPS["s"]).sync()
    for n in GROUPS["p"]:
        phone.add(vcard(n))
    if anchors == "different":
        phone.last_anchor = "lost"
    phone.url = URL if url is None else f"{URL}?sync={url}"

    report = phone.sync(ALERT[client])

    mode = SyncMode(equal if anchors == "equal" else different)
    assert report.header_status == 212
    assert _recorded_mode(shared_store, email, "IMEI:phone") == mode.label
    assert report.alerted_mode == WIRE_ALERT[mode]
    assert report.codes_for("Alert")[0] == (200 if WIRE_ALERT[mode] == ALERT[client] else 508)
    phone_holds, server_holds = END_STATE[mode]
    assert sorted(normalise_vcard(data) for data in phone.items.values()) == _expected(phone_holds)
    assert _server_cards(shared_store, email) == _expected(server_holds)
    if mode == SyncMode.SLOW_TO_SERVER:
        [erased] = (tmp_path / "backups").glob("erased*.wot")
        assert sorted(normalise_vcard(item.data) for item in backup_items(read_archive(erased))) == _expected("bs")


def test_backup_names_count_up_within_a_day_and_restart_the_next(
    shared_store: Store, email: str, tmp_path: Path
) -> None:
    now = [datetime(2008, 12, 31, 10, 0, tzinfo=UTC).timestamp()]
    backups = tmp_path / "backups"
    ctx = EngineContext(settings=EngineSettings(), backups=BackupStore(backups), clock=lambda: now[0])
    phone = Device(
        transport=in_process_transport(shared_store, ctx),
        url=URL + "?backup=nokia",
        user=email,
        password=PASSWORD,
        device_id="IMEI:phone",
    )
    arrived: dict[str, list[str]] = {}

    def sync_one_new_card(n: int) -> None:
        phone.add(vcard(n))
        before = set(backups.glob("*.wot"))
        phone.sync()
        [archive] = set(backups.glob("*.wot")) - before
        arrived[archive.name] = [normalise_vcard(item.data) for item in backup_items(read_archive(archive))]

    sync_one_new_card(1)
    now[0] += 3 * 3600
    sync_one_new_card(2)
    now[0] += 24 * 3600
    sync_one_new_card(3)

    assert arrived == {
        "nokia200812310001.wot": _cards([1]),
        "nokia200812310002.wot": _cards([2]),
        "nokia200901010001.wot": _cards([3]),
    }
