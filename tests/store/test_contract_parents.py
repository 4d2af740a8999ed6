"""The store contract for folder trees: an item's parent is kept, changed, and its children found."""

from pathlib import Path

from sqlalchemy import create_engine, text

from syncmld.store import open_store, sqlite_url
from syncmld.store.base import NewItem, Store
from syncmld.store.sealing import SecretBox
from syncmld.store.sql import upgrade_schema
from tests.store.test_contract import make_owner

FOLDER = "application/vnd.omads-folder+xml"
FILE = "application/vnd.omads-file+xml"


def folder(name: str, guid: str, parent: str | None = None) -> NewItem:
    return NewItem(guid, FOLDER, f"<Folder><name>{name}</name></Folder>".encode(), parent)


def test_an_item_keeps_its_parent_and_a_new_put_changes_it(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        written = tx.put_items(owner.folder_id, [folder("Docs", "d"), folder("Reports", "r", parent="d")], None)
    assert [item.parent for item in written] == [None, "d"]
    with store.transaction() as tx:
        assert {guid: item.parent for guid, item in tx.get_items(owner.folder_id, ["d", "r"]).items()} == {
            "d": None,
            "r": "d",
        }
        tx.put_items(owner.folder_id, [folder("Reports", "r")], None)
    with store.transaction() as tx:
        assert tx.get_items(owner.folder_id, ["r"])["r"].parent is None
        assert [item.parent for item in tx.iter_items(owner.folder_id)] == [None, None]


def test_changes_since_reports_the_parent_and_a_tombstone_keeps_it(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.put_items(owner.folder_id, [folder("Docs", "d"), NewItem("f", FILE, b"<File/>", "d")], None)
        start = tx.current_seq()
        tx.delete_items(owner.folder_id, ["f"], None)
        changes = tx.changes_since(owner.folder_id, start, tx.current_seq(), None)
    assert [(change.guid, change.deleted, change.parent) for change in changes] == [("f", True, "d")]


def test_children_of_finds_live_children_of_any_given_parent_in_that_folder_only(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_folder(owner.account_id, "Files")
        tx.put_items(
            owner.folder_id,
            [
                folder("A", "a"),
                folder("B", "b"),
                folder("A1", "a1", "a"),
                folder("A2", "a2", "a"),
                folder("B1", "b1", "b"),
                folder("A11", "a11", "a1"),
                folder("gone", "a3", "a"),
            ],
            None,
        )
        tx.delete_items(owner.folder_id, ["a3"], None)
        tx.put_items(other.id, [folder("elsewhere", "x", "a")], None)
    with store.transaction() as tx:
        assert [item.guid for item in tx.children_of(owner.folder_id, ["a"])] == ["a1", "a2"]
        assert [item.guid for item in tx.children_of(owner.folder_id, ["a1", "b"])] == ["a11", "b1"]
        assert tx.children_of(owner.folder_id, ["a11"]) == []
        assert tx.children_of(owner.folder_id, []) == []


def test_children_of_more_parents_than_one_statement_binds(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tops = [folder(f"top{n}", f"t{n:04d}") for n in range(700)]
        kids = [folder(f"kid{n}", f"k{n:04d}", f"t{n:04d}") for n in range(0, 700, 7)]
        tx.put_items(owner.folder_id, [*tops, *kids], None)
    with store.transaction() as tx:
        found = tx.children_of(owner.folder_id, [f"t{n:04d}" for n in range(700)])
    assert [item.guid for item in found] == [f"k{n:04d}" for n in range(0, 700, 7)]


def test_items_of_a_0004_database_have_no_parent_after_the_upgrade(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    try:
        upgrade_schema(engine, SecretBox(bytes(32)), "0004")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO accounts (id, email, md5_credential, password_hash, enabled)"
                    " VALUES (1, 'anna@example.org', 'md5', 'hash', 1)"
                )
            )
            connection.execute(
                text("INSERT INTO folders (id, account_id, name, name_key) VALUES (3, 1, 'Files', 'files')")
            )
            connection.execute(
                text(
                    "INSERT INTO items (folder_id, guid, content_type, data, version, seq,"
                    " origin_device_id, deleted)"
                    " VALUES (3, 'g1', 'text/plain', X'6869', 1, 1, NULL, 0)"
                )
            )
    finally:
        engine.dispose()
    store = open_store(sqlite_url(tmp_path))
    try:
        with store.transaction() as tx:
            (item,) = tx.iter_items(3)
            assert (item.guid, item.data, item.parent) == ("g1", b"hi", None)
            tx.put_items(3, [NewItem("g2", "text/plain", b"child", "g1")], None)
        with store.transaction() as tx:
            assert [child.guid for child in tx.children_of(3, ["g1"])] == ["g2"]
    finally:
        store.close()
