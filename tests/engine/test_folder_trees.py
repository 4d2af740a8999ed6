"""SyncML 1.2 folder trees in process: parents both ways, moves, folder deletes, refusals."""

from collections.abc import Callable

from syncmld.client import Device
from syncmld.content.files import FILE_TYPE, FOLDER_TYPE
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.messages import Add, Replace, Sync, SyncML
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL
from tests.engine.folder_trees import (
    TREE,
    Tree,
    add_tree,
    device_tree,
    file_xml,
    folder_xml,
    round_trip,
    stored_tree,
)

FILES = {"server_db": "Files", "local_uri": "./files", "content_type": FILE_TYPE, "version": SyncMLVersion.V1_2}


def server_tree(store: Store) -> Tree:
    return stored_tree(store, EMAIL)


def test_a_three_level_tree_round_trips_between_two_devices(store: Store, new_device: Callable[..., Device]) -> None:
    round_trip(new_device, lambda: server_tree(store))


def test_an_item_below_an_unknown_parent_gets_404_and_nothing_else_is_affected(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = new_device("IMEI:1", **FILES)
    docs = phone.add(folder_xml("Docs"), content_type=FOLDER_TYPE)
    phone.add(file_xml("a.txt", b"a"), parent=docs)
    phone.sync()
    phone.add(file_xml("lost.txt", b"?"), parent="L404")
    phone.add(file_xml("b.txt", b"b"), parent=docs)
    report = phone.sync()
    assert report.alerted_mode == 200
    assert sorted(report.codes_for("Add")) == [201, 404]
    assert server_tree(store) == {"Docs": None, "Docs/a.txt": b"a", "Docs/b.txt": b"b"}


def test_moves_of_unknown_items_to_unknown_or_no_parents_or_below_themselves_are_refused(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = new_device("IMEI:1", **FILES)
    luids = add_tree(phone)
    phone.sync(chunk=5000)
    before = dict(phone.parents)
    refusals: tuple[tuple[str, str | None, int], ...] = (
        (luids.year, "L404", 404),
        ("L999", luids.docs, 404),
        (luids.year, None, 400),
        (luids.docs, luids.year, 428),
        (luids.year, luids.year, 428),
    )
    for luid, parent, code in refusals:
        phone.move(luid, parent)
        report = phone.sync()
        phone.parents = dict(before)
        assert report.codes_for("Move") == [code]
    assert server_tree(store) == TREE


def test_parents_travel_as_the_server_id_until_mapped_then_as_the_device_id(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = new_device("IMEI:1", **FILES)
    luids = add_tree(phone)
    phone.sync(chunk=5000)
    replies: list[SyncML] = []
    tablet = new_device("IMEI:2", **FILES)
    send = tablet.transport

    def recording(message: SyncML, url: str) -> SyncML:
        replies.append(send(message, url))
        return replies[-1]

    tablet.transport = recording
    tablet.sync()
    items = [
        item
        for reply in replies
        for sync in reply.commands
        if isinstance(sync, Sync)
        for command in sync.commands
        if isinstance(command, Add)
        for item in command.items
    ]
    assert {item.source_parent is not None for item in items} == {True, False}
    assert all(item.target_parent is None for item in items)

    phone.replace(luids.notes, file_xml("notes.txt", b"v2"))
    phone.sync()
    replies.clear()
    tablet.sync()
    (replace,) = [
        command
        for reply in replies
        for sync in reply.commands
        if isinstance(sync, Sync)
        for command in sync.commands
        if isinstance(command, Replace)
    ]
    (item,) = replace.items
    assert item.target is not None and item.source_parent is None
    assert item.target_parent == tablet.parents[item.target.uri]


def test_a_syncml_1_1_device_gets_the_items_without_their_tree(store: Store, new_device: Callable[..., Device]) -> None:
    phone = new_device("IMEI:1", **FILES)
    add_tree(phone)
    phone.sync(chunk=5000)
    old = new_device("IMEI:old", **{**FILES, "version": SyncMLVersion.V1_1})
    report = old.sync()
    assert report.received["add"] == 7
    assert set(old.parents.values()) == {None}


def test_a_replace_naming_another_parent_moves_and_edits_the_item(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone, tablet = new_device("IMEI:1", **FILES), new_device("IMEI:2", **FILES)
    luids = add_tree(phone)
    phone.sync(chunk=5000)
    tablet.sync()
    phone.move(luids.notes, luids.docs)
    phone.replace(luids.notes, file_xml("notes.txt", b"moved up\n"))
    report = phone.sync()
    assert (report.codes_for("Replace"), report.codes_for("Move")) == ([200], [])
    assert tablet.sync().received == {"add": 0, "replace": 1, "delete": 0}
    assert server_tree(store)["Docs/notes.txt"] == b"moved up\n"
    assert device_tree(tablet) == device_tree(phone) == server_tree(store)
