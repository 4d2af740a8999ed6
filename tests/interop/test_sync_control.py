"""Sync control as users drive it, with SyncEvolution over HTTP: the mode in the sync URL (modes 1-9
and reset) with the end state of both sides, both parameter separators with backups, restoring a
backup for another account, and the admin's device list and forget."""

import dataclasses
import re
from pathlib import Path

import pytest

from syncmld.backup import BackupStore, backup_items, read_archive
from syncmld.config import backups_dir
from syncmld.store import open_store, sqlite_url

from .admin import admin, log_mark, log_since
from .client import Counts, Device, DeviceFactory, succeeded
from .server import Login, SyncmldServer
from .sides import (
    assert_same_contacts,
    device_contacts,
    normalised,
    server_contacts,
    server_items,
)
from .wire import MESSAGE_LOGGING, mode_answer, received_messages

pytestmark = pytest.mark.timeout(600)

NOTHING = Counts(added=0, updated=0, deleted=0, rejected=0)


def _contents(paths: list[Path]) -> list[str]:
    return normalised(path.read_bytes() for path in paths)


def _with_url(device: Device, server: SyncmldServer, query: str) -> Device:
    """The same device (config, anchors, files) syncing with parameters in its sync URL."""
    return dataclasses.replace(device, url=server.url + query)


def _device_id(device: Device) -> str:
    return f"sc-harness-{device.name}"


def _listed_sync(server: SyncmldServer, email: str, device: Device) -> tuple[str, str]:
    """Mode and result of the device's last contacts sync, as ``syncmld device list`` shows them."""
    listing = admin(server, "device", "list", email)
    found = re.search(
        rf"^{re.escape(_device_id(device))}\n  contacts: .* mode (\S+) result (\S+)", listing, re.MULTILINE
    )
    assert found, f"no contacts sync of {_device_id(device)} in:\n{listing}"
    return found[1], found[2]


def _recorded_sync(server: SyncmldServer, email: str, device: Device) -> tuple[str, str]:
    """Mode and result of the device's last contacts sync, read from the store (what the list shows)."""
    store = open_store(sqlite_url(server.data_dir))
    try:
        with store.transaction() as tx:
            account = tx.get_account(email)
            assert account is not None
            [known] = [known for known in tx.list_devices(account.id) if known.device_ref == _device_id(device)]
            [last] = [record for record in tx.list_device_syncs(known.id) if record.folder_name == "contacts"]
            return last.mode, last.result
    finally:
        store.close()


def _listed_backups(server: SyncmldServer, email: str) -> list[str]:
    """The archives ``syncmld backup list EMAIL`` shows, by name."""
    return [line.split()[0] for line in admin(server, "backup", "list", email).splitlines() if line.strip()]


def _backups(server: SyncmldServer, email: str) -> list[str]:
    """The account's archives, read from the backups directory (what the list shows)."""
    return [info.name for info in BackupStore(backups_dir(server.data_dir)).list_backups(email)]


def _archived_contacts(server: SyncmldServer, name: str) -> list[str]:
    return normalised(item.data for item in backup_items(read_archive(backups_dir(server.data_dir) / name)))


@dataclasses.dataclass(frozen=True)
class ModeCase:
    """One ``sync=`` value: what the phone asks for in the URL and how both sides end.

    Before the sync the phone and the server share ``base`` contacts; the server also holds
    ``server_own`` contacts from another device and the phone ``phone_own`` new contacts of its own.
    The end states name these groups: ``b`` base, ``s`` the server's own, ``p`` the phone's own."""

    query: str
    client_reports: str
    """The mode SyncEvolution reports having run."""
    server_records: str
    """The mode the server records for the device (``syncmld device list``)."""
    phone_ends_with: str
    server_ends_with: str
    alert: int
    """The Alert code the server answers with: 200-205, or a slow sync (201) for modes 7-9."""
    base: int = 3
    server_own: int = 2
    phone_own: int = 2

    @property
    def wipes_a_side(self) -> bool:
        return self.server_records in (
            "refresh-from-client",
            "refresh-from-server",
            "slow-to-server",
            "slow-to-client",
            "client-reset",
        )


MODE_CASES = [
    ModeCase("?sync=1", "two-way", "two-way", "bsp", "bsp", 200),
    ModeCase("?sync=2", "slow", "slow", "bsp", "bsp", 201),
    ModeCase("?sync=3", "one-way-from-local", "one-way-from-client", "bp", "bsp", 202),
    ModeCase("?sync=4", "refresh-from-local", "refresh-from-client", "bp", "bp", 203),
    ModeCase("?sync=5", "one-way-from-remote", "one-way-from-server", "bsp", "bs", 204),
    ModeCase("?sync=6", "refresh-from-remote", "refresh-from-server", "bs", "bs", 205),
    ModeCase("?sync=7", "slow", "slow-to-server", "bp", "bp", 201, base=5, server_own=15, phone_own=10),
    ModeCase("?sync=8", "slow", "slow-to-client", "bs", "bs", 201, base=0, server_own=20, phone_own=10),
    ModeCase("?sync=9", "slow", "client-reset", "", "bs", 201),
    ModeCase("?reset", "slow", "client-reset", "", "bs", 201),
]
"""Modes 4 and 6 reach SyncEvolution as Alert 203/205, 7-9 as a slow sync (Alert 201 and 508). Mode 7:
a device of 15 and a server of 20; mode 8: a device of 10 contacts of its own and a server of 20."""


@pytest.mark.parametrize("case", MODE_CASES, ids=lambda case: case.query[1:])
def test_mode_in_the_url_leaves_both_sides_as_the_mode_says(
    case: ModeCase, device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    phone, seeder = device("phone"), device("seeder")
    phone.data_dir.mkdir(parents=True, exist_ok=True)
    groups = {"b": _contents(phone.generate(case.base, start=1)) if case.base else []}
    succeeded(phone.sync())
    groups["s"] = _contents(seeder.generate(case.server_own, start=1001))
    succeeded(seeder.sync())
    groups["p"] = _contents(phone.generate(case.phone_own, start=2001))
    server_before = server_items(server.data_dir, login.email)
    assert len(server_before) == case.base + case.server_own
    backups_before = _backups(server, login.email)

    result = succeeded(_with_url(phone, server, case.query).sync("two-way", *MESSAGE_LOGGING))

    assert result.mode == case.client_reports, result.describe()
    assert mode_answer(received_messages(result)) == (200 if case.alert == 200 else 508, case.alert)
    assert _recorded_sync(server, login.email, phone) == (case.server_records, "ok")
    phone_expected = [card for group in case.phone_ends_with for card in groups[group]]
    server_expected = [card for group in case.server_ends_with for card in groups[group]]
    assert_same_contacts(device_contacts(phone), phone_expected, f"{case.query}: device")
    assert_same_contacts(server_contacts(server.data_dir, login.email), server_expected, f"{case.query}: server")
    if case.server_ends_with == "bs":
        assert server_items(server.data_dir, login.email) == server_before, "the server's items were touched"
    if case.server_records == "slow-to-server":
        [erased] = [name for name in _listed_backups(server, login.email) if name not in backups_before]
        assert f"folder contacts: {case.base + case.server_own} items" in admin(server, "backup", "show", erased)
        assert_same_contacts(_archived_contacts(server, erased), groups["b"] + groups["s"], "backup of the erasure")
        succeeded(seeder.sync())
        assert_same_contacts(device_contacts(seeder), server_expected, "other device after the erasure")
    if case.wipes_a_side:
        again = succeeded(phone.sync())
        assert (again.mode, again.client, again.server) == ("two-way", NOTHING, NOTHING), again.describe()
        assert_same_contacts(device_contacts(phone), phone_expected, f"{case.query}: device after a normal sync")


@pytest.mark.parametrize(
    ("query", "prefix"),
    [
        pytest.param("?sync=2,#backup=nokia,#format=vob", "nokia", id="hash"),
        pytest.param("?SYNC=2,&Backup", "", id="ampersand"),
        pytest.param("?sync=2,%23backup=nokia,%23format=vob", "nokia", id="hash-escaped"),
    ],
)
def test_both_separators_force_the_mode_and_back_up_what_arrives(
    query: str, prefix: str, device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    """SyncEvolution sends ``#`` as it is: in SyncHdr/Target/LocURI the whole URL, while its HTTP
    library leaves ``#...`` (a fragment) out of the request. ``%23`` reaches the server in both."""
    phone = device("phone")
    phone.generate(3)
    succeeded(phone.sync())
    phone.generate(2, start=4)
    before = _backups(server, login.email)
    mark = log_mark(server)

    result = succeeded(_with_url(phone, server, query).sync())

    assert result.mode == "slow", result.describe()
    assert_same_contacts(server_contacts(server.data_dir, login.email), device_contacts(phone), "server vs device")
    new = [name for name in _backups(server, login.email) if name not in before]
    assert len(new) == 1, f"{query}: archives {new}; server log:\n{log_since(server, mark)}"
    assert re.fullmatch(rf"{prefix}\d{{8}}\d{{4}}\.wot", new[0]), new
    assert_same_contacts(_archived_contacts(server, new[0]), device_contacts(phone), "the archive vs the device")


def test_backups_of_one_day_count_up_and_one_restores_for_another_account(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    prefix = login.email.split("@")[0] + "-"
    phone = _with_url(device("phone"), server, f"?backup={prefix}")
    first_cards = _contents(phone.generate(4))
    succeeded(phone.sync())
    phone.generate(1, start=5)
    succeeded(phone.sync())

    first, second = _listed_backups(server, login.email)
    day = first.removeprefix(prefix)[:8]
    assert (first, second) == (f"{prefix}{day}0001.wot", f"{prefix}{day}0002.wot")
    assert "folder contacts: 4 items" in admin(server, "backup", "show", first)
    assert "folder contacts: 1 item " in admin(server, "backup", "show", second)

    other = Login(f"restored-{login.email}", "restored-secret")
    server.add_account(other.email, other.password)
    assert "restored 4 items" in admin(server, "backup", "restore", first, "--to", other.email)
    laptop = dataclasses.replace(device("laptop"), user=other.email, password=other.password)
    received = succeeded(laptop.sync())

    assert received.client.added == 4, received.describe()
    assert_same_contacts(device_contacts(laptop), first_cards, "the other account's device vs the first backup")
    assert_same_contacts(server_contacts(server.data_dir, other.email), first_cards, "the other account")


def test_device_list_shows_each_devices_last_sync_and_forget_makes_the_next_one_slow(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    phone, tablet = device("phone"), device("tablet")
    cards = _contents(phone.generate(3))
    succeeded(phone.sync())
    succeeded(phone.sync())
    succeeded(tablet.sync())
    assert _listed_sync(server, login.email, phone) == ("two-way", "ok")
    assert _listed_sync(server, login.email, tablet) == ("slow", "ok")

    admin(server, "device", "forget", login.email, _device_id(phone))
    mark = log_mark(server)
    result = succeeded(phone.sync())

    assert result.mode == "slow", result.describe()
    assert "first sync of this device and folder" in log_since(server, mark)
    assert _listed_sync(server, login.email, phone) == ("slow", "ok")
    assert_same_contacts(server_contacts(server.data_dir, login.email), cards, "server after the slow sync")
    assert_same_contacts(device_contacts(phone), cards, "device after the slow sync")
