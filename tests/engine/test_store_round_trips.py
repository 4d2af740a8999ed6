"""A Sync's changes reach a SQL store in batches: what a device's message costs in statements does not
grow with the number of items it replaces, deletes or sends encrypted (on PostgreSQL each statement is
a round trip over the network)."""

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from syncmld.accounts import hash_password, item_key, md5_credential
from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.content.files import FILE_TYPE, FOLDER_TYPE, parse_file, parse_folder
from syncmld.engine import EngineContext
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.item_format import Encryption
from syncmld.protocol.messages import Delete, Item, LocRef, Sync, SyncML
from syncmld.store import open_store
from syncmld.store.base import Folder, Store, Transaction
from tests.engine.conftest import EMAIL, PASSWORD, URL, vcard
from tests.engine.folder_trees import add_tree, file_xml, folder_xml, stored_tree
from tests.store.backends import empty_store_url


class Statements:
    """The SQL statements every engine runs while ``counting``, by table and verb."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.texts: list[str] = []
        self.counting = False

    def __call__(self, _conn: object, _cursor: object, statement: str, *_args: Any) -> None:
        if self.counting:
            self.seen[" ".join(statement.split()[:4])] += 1
            self.texts.append(statement)

    def during(self, work: Callable[[], object]) -> Counter[str]:
        """The statements ``work`` ran."""
        self.seen.clear()
        self.texts.clear()
        self.counting = True
        try:
            work()
        finally:
            self.counting = False
        return Counter(self.seen)


@pytest.fixture
def statements() -> Iterator[Statements]:
    counter = Statements()
    event.listen(Engine, "before_cursor_execute", counter)
    yield counter
    event.remove(Engine, "before_cursor_execute", counter)


@pytest.fixture(params=["sqlite", "postgres"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with empty_store_url(request.param, tmp_path) as url:
        store = open_store(url)
        with store.transaction() as tx:
            for name in ("few", "many"):
                email = f"{name}@example.org"
                tx.add_account(email, md5_credential(email, PASSWORD), hash_password(PASSWORD), item_key(PASSWORD))
        yield store
        store.close()


def synced_device(store: Store, name: str, items: int, **options: Any) -> Device:
    """A device of the account ``name`` that has synced ``items`` contacts."""
    device = Device(
        transport=in_process_transport(store, EngineContext()),
        url=URL,
        user=f"{name}@example.org",
        password=PASSWORD,
        device_id=f"IMEI:{name}",
        **options,
    )
    for n in range(items):
        device.add(vcard(n))
    device.sync()
    return device


def stored_folder(tx: Transaction, name: str) -> Folder:
    """The contacts folder of the account ``name``."""
    account = tx.get_account(f"{name}@example.org")
    folder = tx.get_folder(account.id, "contacts") if account is not None else None
    assert folder is not None
    return folder


def replaces_and_deletes(store: Store, statements: Statements, name: str, count: int) -> Counter[str]:
    """The statements of a two-way sync in which a device replaces ``count`` items and deletes ``count``."""
    device = synced_device(store, name, 2 * count)
    luids = list(device.items)
    for luid in luids[:count]:
        device.replace(luid, vcard(int(luid[1:]), note="changed"))
    for luid in luids[count:]:
        device.delete(luid)

    def sync() -> None:
        report = device.sync()
        assert report.codes_for("Replace") == [200] * count
        assert report.codes_for("Delete") == [200] * count

    return statements.during(sync)


def test_replacing_and_deleting_many_items_costs_the_statements_of_a_few(
    sql_store: Store, statements: Statements
) -> None:
    few = replaces_and_deletes(sql_store, statements, "few", 3)
    many = replaces_and_deletes(sql_store, statements, "many", 60)
    assert many == few, f"{sum(few.values())} statements for 3 + 3 changes, {sum(many.values())} for 60 + 60"
    with sql_store.transaction() as tx:
        folder = stored_folder(tx, "many")
        assert tx.count_items(folder.id) == 60
        kept = [entry.reason for item in tx.iter_items(folder.id) for entry in tx.list_history(folder.id, item.guid)]
        assert kept == ["replaced"] * 60


def test_encrypted_items_read_the_account_once_per_sync(sql_store: Store, statements: Statements) -> None:
    def sent_encrypted(name: str, count: int) -> Counter[str]:
        device = synced_device(sql_store, name, 0, encryption=Encryption.DES)
        for n in range(count):
            device.add(vcard(n))
        return statements.during(lambda: device.sync())

    few, many = sent_encrypted("few", 2), sent_encrypted("many", 40)
    account_reads = [key for key in many if key.startswith("SELECT accounts.id")]
    assert {key: many[key] for key in account_reads} == {key: few[key] for key in account_reads}
    with sql_store.transaction() as tx:
        assert tx.count_items(stored_folder(tx, "many").id) == 40


def test_a_sync_asks_once_whether_a_push_device_syncs_the_folder_however_many_writes_it_makes(
    sql_store: Store, statements: Statements
) -> None:
    device = synced_device(sql_store, "few", 6)
    luids = list(device.items)
    for n, luid in enumerate(luids):
        if n % 2:
            device.delete(luid)
        else:
            device.replace(luid, vcard(int(luid[1:]), note="changed"))

    def sync() -> None:
        report = device.sync()
        assert report.codes_for("Replace") == [200] * 3 and report.codes_for("Delete") == [200] * 3

    seen = statements.during(sync)
    asked = {key: count for key, count in seen.items() if key.startswith("SELECT push_folders.device_id")}
    assert list(asked.values()) == [1], asked
    with sql_store.transaction() as tx:
        assert tx.count_items(stored_folder(tx, "few").id) == 3


def conflicting_sync(store: Store, statements: Statements, name: str, count: int) -> Counter[str]:
    """The statements of a two-way sync in which a device replaces ``count`` items another device changed since."""
    phone = synced_device(store, name, count)
    tablet = Device(
        transport=in_process_transport(store, EngineContext()),
        url=URL,
        user=f"{name}@example.org",
        password=PASSWORD,
        device_id=f"IMEI:{name}-tablet",
    )
    tablet.sync()
    for luid in list(phone.items):
        phone.replace(luid, vcard(int(luid[1:]), note="phone"))
    phone.sync()
    for luid, data in list(tablet.items.items()):
        tablet.replace(luid, data.replace(b"END:VCARD", b"TITLE:tablet\r\nEND:VCARD"))

    def sync() -> None:
        assert len(tablet.sync().codes_for("Replace")) == count

    return statements.during(sync)


def test_conflicts_on_many_items_read_their_kept_versions_in_one_statement(
    sql_store: Store, statements: Statements
) -> None:
    few = conflicting_sync(sql_store, statements, "few", 2)
    many = conflicting_sync(sql_store, statements, "many", 30)
    history_reads = {key: count for key, count in {**few, **many}.items() if key.startswith("SELECT item_history.")}
    assert len(history_reads) == 1, history_reads
    (key,) = history_reads
    assert few[key] == many[key] == 1
    with sql_store.transaction() as tx:
        folder = stored_folder(tx, "many")
        merged = [item.data for item in tx.iter_items(folder.id)]
    assert len(merged) == 30
    assert all(b"NOTE:phone" in data and b"TITLE:tablet" in data for data in merged)


# --- deletes written in a batch answer and keep what they did one at a time --------------------

FILES = {"server_db": "Files", "local_uri": "./files", "content_type": FILE_TYPE, "version": SyncMLVersion.V1_2}


def kept_reasons(store: Store) -> dict[str, list[str]]:
    """The reasons of the kept versions of every item of the ``files`` folder, by the item's name."""
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        folder = tx.get_folder(account.id, "files") if account is not None else None
        assert folder is not None
        guids = {item.guid for item in tx.changes_since(folder.id, 0, tx.current_seq(), None)}
        kept = {guid: tx.list_history(folder.id, guid) for guid in guids}
    return {
        parse_folder(entries[0].data).name
        if entries[0].content_type == FOLDER_TYPE
        else parse_file(entries[0].data).name: [entry.reason for entry in entries]
        for entries in kept.values()
        if entries
    }


def test_a_folder_and_items_inside_it_deleted_in_one_sync(
    store: Store, new_device: Callable[..., Device], caplog: pytest.LogCaptureFixture
) -> None:
    device = new_device("IMEI:tree", **FILES)
    luids = add_tree(device)
    device.sync()
    device.delete(luids.docs)
    device.changes = {luids.notes: "delete", luids.docs: "delete", luids.readme: "delete"}
    with caplog.at_level(logging.INFO, logger="syncmld.engine"):
        report = device.sync()
    assert report.codes_for("Delete") == [200, 200, 200]
    assert stored_tree(store, EMAIL) == {}
    assert "5 items below it deleted with it" in caplog.text
    below = ["deleted with its folder"]
    assert kept_reasons(store) == {
        "notes.txt": ["deleted"],
        "Docs": ["deleted"],
        **{name: below for name in ("readme.txt", "Reports", "q1.bin", "2026", "big.bin")},
    }


def test_an_item_added_and_deleted_in_one_sync_after_another_delete(
    store: Store, new_device: Callable[..., Device]
) -> None:
    device = new_device("IMEI:tree", **FILES)
    luids = add_tree(device)
    device.sync()
    added = device.add(file_xml("draft.txt", b"gone soon\n"), parent=luids.year)
    device.delete(luids.q1)
    send = device.transport

    def delete_the_added_item_too(message: SyncML, url: str) -> SyncML:
        commands = tuple(
            replace(command, commands=(*command.commands, Delete(cmd_id="99", items=(Item(source=LocRef(added)),))))
            if isinstance(command, Sync)
            else command
            for command in message.commands
        )
        return send(replace(message, commands=commands), url)

    device.transport = delete_the_added_item_too
    report = device.sync()
    assert report.codes_for("Add") == [201]
    assert report.codes_for("Delete") == [200, 200]
    tree = stored_tree(store, EMAIL)
    assert "Docs/Reports/2026/draft.txt" not in tree and "Docs/Reports/q1.bin" not in tree
    assert "Docs/Reports/2026/notes.txt" in tree
    reasons = kept_reasons(store)
    assert reasons.pop("q1.bin") == ["deleted"]
    # The added item was stored before its delete: the record of the sync keeps that version too.
    assert [reason.split(" session ")[0] for reason in reasons.pop("draft.txt")] == ["deleted in change"]
    assert reasons == {}


def test_a_slow_sync_writes_new_items_and_their_maps_without_looking_for_what_they_replace(
    sql_store: Store, statements: Statements
) -> None:
    device = synced_device(sql_store, "many", 0)
    for n in range(40):
        device.add(vcard(n))
    seen = statements.during(lambda: device.sync(201))
    assert not [key for key in seen if key.startswith("DELETE FROM maps")]
    # the folder holds nothing the items may duplicate, and nothing is read for the GUIDs made for them
    assert seen["SELECT items.folder_id, items.guid, items.content_type,"] == 0
    with sql_store.transaction() as tx:
        folder = stored_folder(tx, "many")
        assert tx.count_items(folder.id) == 40
        device_id = next(d.id for d in tx.list_devices(folder.account_id) if d.device_ref == "IMEI:many")
        maps = tx.all_maps(device_id, folder.id)
    assert sorted(maps.values()) == sorted(device.items)


def test_the_map_of_a_device_receiving_many_items_is_written_in_one_statement(
    sql_store: Store, statements: Statements
) -> None:
    """A new device receives the account's contacts and answers with their LUIDs: the Map that names them all is
    one statement on the maps, however many it names (each statement is a round trip on PostgreSQL)."""
    synced_device(sql_store, "many", 60)
    tablet = Device(
        transport=in_process_transport(sql_store, EngineContext()),
        url=URL,
        user="many@example.org",
        password=PASSWORD,
        device_id="IMEI:tablet",
    )
    statements.during(lambda: tablet.sync(205))
    assert len(tablet.items) == 60
    # beside the one that clears the device's maps as the refresh begins
    on_maps = [text for text in statements.texts if re.search(r"\bmaps\b", text) and "guid" in text]
    assert len(on_maps) == 1, on_maps
    with sql_store.transaction() as tx:
        folder = stored_folder(tx, "many")
        device_id = next(d.id for d in tx.list_devices(folder.account_id) if d.device_ref == "IMEI:tablet")
        maps = tx.all_maps(device_id, folder.id)
    assert sorted(maps.values()) == sorted(tablet.items)


def test_a_sync_of_replaces_then_deletes_then_adds_writes_each_table_in_one_statement(
    sql_store: Store, statements: Statements
) -> None:
    """The ten changes of a SyncEvolution session come as Replaces, then Deletes, then Adds: the Deletes do not make
    the Replaces before them written on their own, and what the writes keep is not read back."""
    device = synced_device(sql_store, "few", 5)
    luids = list(device.items)
    for luid in luids[:3]:
        device.replace(luid, vcard(int(luid[1:]), note="changed"))
    for luid in luids[3:]:
        device.delete(luid)
    for n in range(2):
        device.add(vcard(100 + n))

    def sync() -> None:
        report = device.sync()
        assert report.codes_for("Replace") == [200] * 3
        assert report.codes_for("Delete") == [200] * 2
        assert report.codes_for("Add") == [201] * 2

    seen = statements.during(sync)
    written = re.compile(r"(INSERT INTO|UPDATE|DELETE FROM) (item_history|items|item_changes)\b")
    writes: Counter[str] = Counter()
    for key, count in seen.items():
        if found := written.match(key):
            writes[found.group(0)] += count
    assert writes == {
        "INSERT INTO item_history": 1,
        "UPDATE items": 1,
        "INSERT INTO items": 1,
        "INSERT INTO item_changes": 2,
    }
    assert seen["UPDATE sequence_counter SET value=(sequence_counter.value"] == 2
    assert not [key for key in seen if key.startswith("SELECT item_history.id")], "kept versions read back"
    assert not [text for text in statements.texts if "items.parent IN" in text], "children read apart"
    with sql_store.transaction() as tx:
        folder = stored_folder(tx, "few")
        assert tx.count_items(folder.id) == 5
        every = tx.changes_since(folder.id, 0, tx.current_seq(), None)
        kept = sorted(entry.reason for item in every for entry in tx.list_history(folder.id, item.guid))
    assert kept == ["deleted"] * 2 + ["replaced"] * 3


def test_an_item_moved_by_a_replace_into_a_folder_deleted_later_in_the_same_sync_is_deleted_with_it(
    store: Store, new_device: Callable[..., Device]
) -> None:
    """A Delete comes after the Replace that puts an item below the folder it deletes: the item goes with it."""
    device = new_device("IMEI:tree", **FILES)
    luids = add_tree(device)
    empty = device.add(folder_xml("Empty"), content_type=FOLDER_TYPE)
    device.sync()
    device.replace(luids.readme, file_xml("readme.txt", b"moved\n"))
    device.move(luids.readme, empty)
    send = device.transport

    def then_delete_the_folder(message: SyncML, url: str) -> SyncML:
        delete = Delete(cmd_id="99", items=(Item(source=LocRef(empty)),))
        commands = tuple(
            replace(command, commands=(*command.commands, delete)) if isinstance(command, Sync) else command
            for command in message.commands
        )
        return send(replace(message, commands=commands), url)

    device.transport = then_delete_the_folder
    report = device.sync()
    assert report.codes_for("Replace") == [200]
    assert report.codes_for("Delete") == [200]
    tree = stored_tree(store, EMAIL)
    assert "Empty" not in tree and "Docs/readme.txt" not in tree and "Empty/readme.txt" not in tree
    reasons = kept_reasons(store)
    assert reasons["Empty"] == ["deleted"]
    assert reasons["readme.txt"] == ["replaced", "deleted with its folder"]


def test_a_refresh_from_the_client_erases_what_it_did_not_send_without_reading_the_whole_folder(
    sql_store: Store, statements: Statements
) -> None:
    """The server items a refreshing client no longer has are found by their GUIDs alone: the items read are those
    the client names (at 100,000 contacts the whole folder would be every card, read for its GUID)."""
    device = synced_device(sql_store, "many", 40)
    for luid in list(device.items)[30:]:
        device.delete(luid)
    device.changes.clear()

    def refresh() -> None:
        assert device.sync(203).alerted_mode == 203

    statements.during(refresh)
    reading_items = [
        " ".join(text.split()) for text in statements.texts if re.match(r"\s*SELECT\b.*\bitems\.data\b", text, re.S)
    ]
    assert reading_items
    assert [text for text in reading_items if "items.guid IN" not in text] == []
    with sql_store.transaction() as tx:
        folder = stored_folder(tx, "many")
        assert tx.count_items(folder.id) == 30
