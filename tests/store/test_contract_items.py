"""The store contract for folders, items with their change log and parents, and earlier versions of
items, checked on every backend."""

from dataclasses import replace

import pytest

from syncmld import content
from syncmld.store.base import Folder, HistoryEntry, ItemToSend, NewItem, Store, StoreError
from syncmld.store.uids import identity_key
from tests.store.sample import VCARD, Abort, make_owner, vcard

FOLDER = "application/vnd.omads-folder+xml"
FILE = "application/vnd.omads-file+xml"


def folder(name: str, guid: str, parent: str | None = None) -> NewItem:
    return NewItem(guid, FOLDER, f"<Folder><name>{name}</name></Folder>".encode(), parent)


def test_folders_are_named_case_insensitively_and_keep_their_given_name(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.add_account("anna@example.org", "md5", "hash")
        other = tx.add_account("bert@example.org", "md5", "hash")
        created = tx.ensure_folder(account.id, "Kalender Ä")
    with store.transaction() as tx:
        assert tx.get_folder(account.id, "kalender ä") == created
        assert tx.ensure_folder(account.id, "KALENDER Ä") == created
        assert created.name == "Kalender Ä"
        assert tx.get_folder(other.id, "Kalender Ä") is None
        assert tx.get_folder(account.id, "Contacts") is None


def test_a_folder_keeps_what_a_dav_client_made_it_hold_and_loses_it_with_its_account(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.add_account("anna@example.org", "md5", "hash")
        made = tx.ensure_folder(account.id, "Work")
        plain = tx.ensure_folder(account.id, "Photos")
        tx.set_dav_collection(made.id, "calendar:VEVENT,VTODO")
    with store.transaction() as tx:
        assert tx.get_folder(account.id, "work") == Folder(made.id, account.id, "Work", "calendar:VEVENT,VTODO")
        assert [folder.dav_collection for folder in tx.list_folders(account.id)] == [None, "calendar:VEVENT,VTODO"]
        assert plain.dav_collection is None
        with pytest.raises(StoreError):
            tx.set_dav_collection(made.id + plain.id + 1000, "addressbook")
        tx.remove_account("anna@example.org")
    with store.transaction() as tx:
        again = tx.add_account("anna@example.org", "md5", "hash")
        assert tx.ensure_folder(again.id, "Work").dav_collection is None
        assert not [name for name in tx.list_settings() if name.startswith("dav-collection")]


def test_folders_are_listed_by_name_per_account(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.add_account("anna@example.org", "md5", "hash")
        other = tx.add_account("bert@example.org", "md5", "hash")
        for name in ("Tasks", "calendar", "Contacts"):
            tx.ensure_folder(account.id, name)
        tx.ensure_folder(other.id, "Notes")
    with store.transaction() as tx:
        assert [f.name for f in tx.list_folders(account.id)] == ["calendar", "Contacts", "Tasks"]
        assert [f.name for f in tx.list_folders(other.id)] == ["Notes"]


def test_new_items_get_short_unique_guids_and_version_one(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        written = tx.put_items(owner.folder_id, [vcard(f"n{i}") for i in range(50)], owner.device_id)
    guids = [item.guid for item in written]
    assert len(set(guids)) == 50
    assert all(0 < len(guid) <= 32 for guid in guids)
    assert {(i.version, i.deleted, i.origin_device_id, i.folder_id) for i in written} == {
        (1, False, owner.device_id, owner.folder_id)
    }
    with store.transaction() as tx:
        assert tx.get_items(owner.folder_id, guids) == {item.guid: item for item in written}


def test_put_with_a_guid_creates_then_replaces(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        (created,) = tx.put_items(owner.folder_id, [vcard("one", guid="g-1")], owner.device_id)
    with store.transaction() as tx:
        (replaced,) = tx.put_items(owner.folder_id, [NewItem("g-1", "text/vcard", b"two")], None)
        stored = tx.get_items(owner.folder_id, ["g-1"])["g-1"]
    assert (created.guid, created.version) == ("g-1", 1)
    assert (replaced.version, replaced.content_type, replaced.data) == (2, "text/vcard", b"two")
    assert replaced.origin_device_id is None
    assert replaced.seq > created.seq
    assert stored == replaced


def test_the_same_guid_twice_in_one_put_is_applied_in_order(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        first, second = tx.put_items(owner.folder_id, [NewItem("g", VCARD, b"a"), NewItem("g", VCARD, b"b")], None)
    with store.transaction() as tx:
        stored = tx.get_items(owner.folder_id, ["g"])["g"]
    assert (first.version, second.version) == (1, 2)
    assert stored == second


def test_get_items_leaves_out_unknown_and_deleted_guids(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        kept, deleted = tx.put_items(owner.folder_id, [vcard("a"), vcard("b")], None)
        tx.delete_items(owner.folder_id, [deleted.guid], None)
    with store.transaction() as tx:
        found = tx.get_items(owner.folder_id, [kept.guid, deleted.guid, "unknown"])
        assert list(found) == [kept.guid]
        assert tx.get_items(owner.folder_id + 1000, [kept.guid]) == {}


def test_items_to_send_are_the_live_items_with_what_sending_them_needs(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        top, child, deleted = tx.put_items(
            owner.folder_id,
            [folder("Top", "f-1"), NewItem("c-1", FILE, b"\xff\x00 data", "f-1"), vcard("gone")],
            None,
        )
        tx.delete_items(owner.folder_id, [deleted.guid], None)
    with store.transaction() as tx:
        found = tx.items_to_send(owner.folder_id, ["c-1", deleted.guid, "unknown", "f-1"])
        assert found == {
            "c-1": ItemToSend("c-1", FILE, b"\xff\x00 data", "f-1"),
            "f-1": ItemToSend("f-1", FOLDER, top.data, None),
        }
        assert tx.items_to_send(owner.folder_id, []) == {}
        assert tx.items_to_send(owner.folder_id + 1000, ["c-1"]) == {}
    assert child.parent == "f-1"


def test_items_to_send_reads_batches_larger_than_one_statement_takes(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        written = tx.put_items(owner.folder_id, [vcard(f"n{n}") for n in range(1100)], None)
    with store.transaction() as tx:
        found = tx.items_to_send(owner.folder_id, [item.guid for item in reversed(written)])
    assert found == {item.guid: ItemToSend(item.guid, item.content_type, item.data, None) for item in written}


def test_delete_makes_tombstones_and_reports_only_live_items(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        a, b = tx.put_items(owner.folder_id, [vcard("a"), vcard("b")], None)
    with store.transaction() as tx:
        reported = tx.delete_items(owner.folder_id, [a.guid, "unknown", a.guid], owner.device_id)
        again = tx.delete_items(owner.folder_id, [a.guid], owner.device_id)
        (tombstone,) = tx.changes_since(owner.folder_id, b.seq, tx.current_seq(), None)
    assert reported == [a.guid]
    assert again == []
    assert (tombstone.guid, tombstone.deleted, tombstone.version) == (a.guid, True, 2)
    assert tombstone.origin_device_id == owner.device_id
    with store.transaction() as tx:
        assert tx.count_items(owner.folder_id) == 1
        assert [item.guid for item in tx.iter_items(owner.folder_id)] == [b.guid]


def test_put_brings_a_tombstone_back_to_life(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.put_items(owner.folder_id, [vcard("a", guid="g")], None)
        tx.delete_items(owner.folder_id, ["g"], None)
        (revived,) = tx.put_items(owner.folder_id, [vcard("again", guid="g")], owner.device_id)
    with store.transaction() as tx:
        assert tx.get_items(owner.folder_id, ["g"]) == {"g": revived}
        assert tx.count_items(owner.folder_id) == 1
    assert (revived.version, revived.deleted) == (3, False)


def identity(new: NewItem) -> str:
    """The identity key of an item as the content layer reads it."""
    return identity_key(content.read(new.content_type, new.data).identity)


def known(new: NewItem) -> NewItem:
    """``new`` with its identity key worked out."""
    return replace(new, identity=identity(new))


def test_duplicate_candidates_leave_out_what_one_device_changed_since_a_sequence_number(store: Store) -> None:
    ann = identity(vcard("Ann"))
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_device(owner.account_id, "IMEI:2").id
        tx.put_items(owner.folder_id, [known(vcard("Ann", guid="a"))], owner.device_id)
        since = tx.current_seq()
        assert not tx.has_items_besides(owner.folder_id, owner.device_id, 0)
        assert tx.has_items_besides(owner.folder_id, owner.device_id, since)
        tx.put_items(owner.folder_id, [known(vcard("Ann", guid="b"))], owner.device_id)
        tx.put_items(owner.folder_id, [known(vcard("Ann", guid="c"))], other)
        tx.put_items(owner.folder_id, [known(vcard("Ann", guid="d"))], None)
        tx.put_items(owner.folder_id, [known(vcard("Ann", guid="a"))], other)
    with store.transaction() as tx:
        left = tx.duplicate_candidates(owner.folder_id, [ann], owner.device_id, since)
        assert [item.guid for item, _ in left] == ["a", "c", "d"]
        assert [item.guid for item, _ in tx.duplicate_candidates(owner.folder_id, [ann], other, since)] == ["b", "d"]
        everything = tx.duplicate_candidates(owner.folder_id, [ann], None, 0)
        assert [item for item, _ in everything] == list(tx.iter_items(owner.folder_id))
        assert tx.has_items_besides(owner.folder_id, other, 0)
        tx.delete_items(owner.folder_id, ["a", "b", "c", "d"], owner.device_id)
        assert not tx.has_items_besides(owner.folder_id, None, 0)


def test_items_besides_those_a_device_wrote_are_looked_for_among_the_changes_after_a_sequence_number(
    store: Store,
) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_device(owner.account_id, "IMEI:2").id
        tx.put_items(owner.folder_id, [vcard("Ann", guid="a")], other)
        since = tx.current_seq()
        tx.put_items(owner.folder_id, [vcard("Bert", guid="b")], owner.device_id)
        latest = tx.current_seq()
        assert tx.has_items_besides(owner.folder_id, owner.device_id, since, 0)
        assert not tx.has_items_besides(owner.folder_id, owner.device_id, since, since)
        assert not tx.has_items_besides(owner.folder_id, None, 0, latest)
        tx.put_items(owner.folder_id, [vcard("Cleo", guid="c")], owner.device_id)
        assert not tx.has_items_besides(owner.folder_id, owner.device_id, since, latest)
        assert tx.has_items_besides(owner.folder_id, None, 0, latest)
        tx.put_items(owner.folder_id, [vcard("Ann", guid="a")], None)
        assert tx.has_items_besides(owner.folder_id, owner.device_id, since, latest)
        tx.delete_items(owner.folder_id, ["a"], owner.device_id)
        assert not tx.has_items_besides(owner.folder_id, owner.device_id, since, latest)


def test_duplicate_candidates_are_the_live_items_with_one_of_the_identities_or_none_worked_out(store: Store) -> None:
    ann, bert, cleo = known(vcard("Ann", guid="g1")), known(vcard("Bert", guid="g2")), known(vcard("Cleo", guid="g3"))
    with store.transaction() as tx:
        owner = make_owner(tx)
        elsewhere = tx.ensure_folder(owner.account_id, "Other")
        tx.put_items(owner.folder_id, [ann, bert, cleo, known(vcard("Ann", guid="g4")), vcard("Dora", guid="g5")], None)
        tx.put_items(elsewhere.id, [known(vcard("Ann", guid="e1"))], None)
        tx.delete_items(owner.folder_id, ["g4"], None)
    with store.transaction() as tx:
        found = tx.duplicate_candidates(owner.folder_id, [identity(ann), identity(cleo), "nobody"], None, 0)
        assert [(item.guid, key) for item, key in found] == [
            ("g1", identity(ann)),
            ("g3", identity(cleo)),
            ("g5", None),
        ]
        ((dora, _),) = tx.duplicate_candidates(owner.folder_id, [], None, 0)
        assert dora.guid == "g5"
        tx.set_identities(owner.folder_id, {"g5": (dora.seq, identity(vcard("Dora")))})
        (old_ann,) = [item for item, _ in found if item.guid == "g1"]
        tx.put_items(owner.folder_id, [vcard("Bert", guid="g1")], None)
        tx.set_identities(owner.folder_id, {"g1": (old_ann.seq, identity(ann))})
    with store.transaction() as tx:
        ((renamed, key),) = tx.duplicate_candidates(owner.folder_id, [], None, 0)
        assert (renamed.guid, key) == ("g1", None), "a key worked out from an older version is not kept"
        found = tx.duplicate_candidates(owner.folder_id, [identity(bert), identity(vcard("Dora"))], None, 0)
        assert [item.guid for item, _ in found] == ["g1", "g2", "g5"]
    with pytest.raises(Abort), store.transaction() as tx:
        tx.set_identities(owner.folder_id, {"g1": (renamed.seq, identity(bert))})
        tx.put_items(owner.folder_id, [known(vcard("Dora", guid="g2"))], None)
        assert [item.guid for item, _ in tx.duplicate_candidates(owner.folder_id, [identity(bert)], None, 0)] == ["g1"]
        raise Abort
    with store.transaction() as tx:
        found = tx.duplicate_candidates(owner.folder_id, [identity(bert)], None, 0)
        assert [(item.guid, key) for item, key in found] == [("g1", None), ("g2", identity(bert))]


def test_count_and_iter_see_live_items_of_their_folder_ordered_by_guid(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_folder(owner.account_id, "Calendar")
        written = tx.put_items(owner.folder_id, [vcard(str(i)) for i in range(30)], None)
        tx.put_items(other.id, [vcard("elsewhere")], None)
        tx.delete_items(owner.folder_id, [written[0].guid], None)
    with store.transaction() as tx:
        listed = list(tx.iter_items(owner.folder_id))
        assert tx.count_items(owner.folder_id) == 29
        assert listed == sorted(written[1:], key=lambda item: item.guid)


def test_item_parents_lists_the_live_items_of_their_folder_with_their_parents_ordered_by_guid(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_folder(owner.account_id, "Files")
        tx.put_items(
            owner.folder_id, [folder("Docs", "d"), NewItem("f", FILE, b"<File/>", "d"), folder("Old", "c")], None
        )
        tx.put_items(owner.folder_id, [vcard("top", guid="a")], None)
        tx.put_items(other.id, [folder("Elsewhere", "b")], None)
        tx.delete_items(owner.folder_id, ["c"], None)
    with store.transaction() as tx:
        assert tx.item_parents(owner.folder_id) == [("a", None), ("d", None), ("f", "d")]
        assert tx.item_parents(owner.folder_id) == [(item.guid, item.parent) for item in tx.iter_items(owner.folder_id)]


def test_bulk_operations_beyond_one_statement_chunk(store: Store) -> None:
    count = 1203
    with store.transaction() as tx:
        owner = make_owner(tx)
        written = tx.put_items(owner.folder_id, [vcard(str(i)) for i in range(count)], None)
        guids = [item.guid for item in written]
        tx.set_maps(owner.device_id, owner.folder_id, {guid: str(n) for n, guid in enumerate(guids)})
    with store.transaction() as tx:
        assert len(tx.get_items(owner.folder_id, guids)) == count
        assert len(tx.luids_for_guids(owner.device_id, owner.folder_id, guids)) == count
        assert len(tx.guids_for_luids(owner.device_id, owner.folder_id, map(str, range(count)))) == count
        assert sorted(tx.delete_items(owner.folder_id, guids[1:], None)) == sorted(guids[1:])
        tx.delete_maps(owner.device_id, owner.folder_id, guids[1:])
    with store.transaction() as tx:
        assert tx.count_items(owner.folder_id) == 1
        assert tx.all_maps(owner.device_id, owner.folder_id) == {guids[0]: "0"}


def test_put_into_an_unknown_folder_fails(store: Store) -> None:
    with pytest.raises(StoreError), store.transaction() as tx:
        owner = make_owner(tx)
        tx.put_items(owner.folder_id + 1000, [vcard("a")], None)


def test_sequence_starts_at_zero_and_grows_with_every_change_store_wide(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.current_seq() == 0
        anna = make_owner(tx, "anna@example.org")
        bert = make_owner(tx, "bert@example.org")
        a1, a2 = tx.put_items(anna.folder_id, [vcard("1"), vcard("2")], None)
        (b1,) = tx.put_items(bert.folder_id, [vcard("3")], None)
        tx.delete_items(anna.folder_id, [a1.guid], None)
        (a1_tombstone,) = tx.changes_since(anna.folder_id, a2.seq, tx.current_seq(), None)
    with store.transaction() as tx:
        (b1_replaced,) = tx.put_items(bert.folder_id, [vcard("4", guid=b1.guid)], None)
        last = tx.current_seq()
    seqs = [a1.seq, a2.seq, b1.seq, a1_tombstone.seq, b1_replaced.seq]
    assert seqs == sorted(set(seqs))
    assert seqs[0] > 0
    assert last == b1_replaced.seq


def test_changes_since_is_a_half_open_range_ordered_by_seq(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_folder(owner.account_id, "Calendar")
        a, b, c = tx.put_items(owner.folder_id, [vcard("a"), vcard("b"), vcard("c")], None)
        tx.put_items(other.id, [vcard("elsewhere")], None)
        (a2,) = tx.put_items(owner.folder_id, [vcard("a2", guid=a.guid)], None)
    with store.transaction() as tx:
        assert tx.changes_since(owner.folder_id, 0, tx.current_seq(), None) == [b, c, a2]
        assert tx.changes_since(owner.folder_id, a.seq, c.seq, None) == [b, c]
        assert tx.changes_since(owner.folder_id, c.seq, c.seq, None) == []
        assert tx.changes_since(owner.folder_id, a2.seq, tx.current_seq(), None) == []


def test_folder_seq_is_the_latest_change_of_the_folder_deletions_included(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_folder(owner.account_id, "Calendar")
        assert tx.folder_seq(owner.folder_id) == 0
        a, b = tx.put_items(owner.folder_id, [vcard("a"), vcard("b")], None)
        (elsewhere,) = tx.put_items(other.id, [vcard("elsewhere")], None)
        assert tx.folder_seq(owner.folder_id) == b.seq
        tx.delete_items(owner.folder_id, [a.guid], None)
        assert tx.folder_seq(owner.folder_id) == tx.current_seq()
        assert tx.folder_seq(other.id) == elsewhere.seq


def test_changes_since_leaves_out_changes_from_the_excluded_device(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = tx.ensure_device(owner.account_id, "IMEI:2")
        (own,) = tx.put_items(owner.folder_id, [vcard("own")], owner.device_id)
        (from_phone,) = tx.put_items(owner.folder_id, [vcard("phone")], phone.id)
        (from_admin,) = tx.put_items(owner.folder_id, [vcard("admin")], None)
    with store.transaction() as tx:
        upto = tx.current_seq()
        assert tx.changes_since(owner.folder_id, 0, upto, owner.device_id) == [from_phone, from_admin]
        assert tx.changes_since(owner.folder_id, 0, upto, None) == [own, from_phone, from_admin]
        tx.put_items(owner.folder_id, [vcard("changed by phone", guid=own.guid)], phone.id)
        assert [i.guid for i in tx.changes_since(owner.folder_id, upto, tx.current_seq(), owner.device_id)] == [
            own.guid
        ]


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
        found, parents = tx.get_items_and_parents(owner.folder_id, ["a", "a1", "a11", "b", "a3", "unknown"])
        assert sorted(found) == ["a", "a1", "a11", "b"]
        assert found["a1"] == tx.get_items(owner.folder_id, ["a1"])["a1"]
        assert parents == {"a", "a1", "b"}


def test_children_of_more_parents_than_one_statement_binds(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tops = [folder(f"top{n}", f"t{n:04d}") for n in range(700)]
        kids = [folder(f"kid{n}", f"k{n:04d}", f"t{n:04d}") for n in range(0, 700, 7)]
        tx.put_items(owner.folder_id, [*tops, *kids], None)
    with store.transaction() as tx:
        found = tx.children_of(owner.folder_id, [f"t{n:04d}" for n in range(700)])
    assert [item.guid for item in found] == [f"k{n:04d}" for n in range(0, 700, 7)]


def card_with_uid(guid: str, uid: str, name: str = "Ann") -> NewItem:
    """A stored contact (vCard 3.0) with its own UID."""
    return NewItem(
        guid, "text/vcard", f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nUID:{uid}\r\nEND:VCARD\r\n".encode()
    )


def event_with_uid(guid: str, uid: str) -> NewItem:
    return NewItem(
        guid,
        "text/calendar",
        (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nSUMMARY:Review\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n"
        ).encode(),
    )


def test_items_are_found_by_their_own_uid_as_every_write_leaves_it(store: Store) -> None:
    long_uid = "x" * 3000
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_folder(owner.account_id, "Events")
        tx.put_items(
            owner.folder_id,
            [
                card_with_uid("g1", "uid-1"),
                card_with_uid("g2", "uid-2"),
                card_with_uid("g3", long_uid),
                card_with_uid("g4", "tab\there"),
                NewItem("g5", "text/vcard", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No UID\r\nEND:VCARD\r\n"),
                vcard("opaque UID:uid-1", guid="g6"),
            ],
            owner.device_id,
        )
        tx.put_items(other.id, [event_with_uid("e1", "uid-1")], None)
    with store.transaction() as tx:
        assert tx.guids_with_uid(owner.folder_id, "uid-1") == ["g1"]
        assert tx.guids_with_uid(other.id, "uid-1") == ["e1"]
        assert tx.guids_with_uid(owner.folder_id, long_uid) == ["g3"]
        assert tx.guids_with_uid(owner.folder_id, "x" * 2999) == []
        assert tx.guids_with_uid(owner.folder_id, "tab\there") == ["g4"]
        assert tx.guids_with_uid(owner.folder_id, "No UID") == []
        tx.put_items(owner.folder_id, [card_with_uid("g1", "uid-1b"), card_with_uid("g7", "uid-2")], None)
        tx.delete_items(other.id, ["e1"], None)
    with store.transaction() as tx:
        assert tx.guids_with_uid(owner.folder_id, "uid-1") == []
        assert tx.guids_with_uid(owner.folder_id, "uid-1b") == ["g1"]
        assert tx.guids_with_uid(owner.folder_id, "uid-2") == ["g2", "g7"]
        assert tx.guids_with_uid(other.id, "uid-1") == []
        tx.delete_items(owner.folder_id, ["g2"], None)
        tx.put_items(other.id, [event_with_uid("e1", "uid-1")], None)
    with store.transaction() as tx:
        assert tx.guids_with_uid(owner.folder_id, "uid-2") == ["g7"]
        assert tx.guids_with_uid(other.id, "uid-1") == ["e1"]


def test_a_rolled_back_write_leaves_the_uid_index_as_it_was(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.put_items(owner.folder_id, [card_with_uid("g1", "uid-1")], None)
    with pytest.raises(Abort), store.transaction() as tx:
        tx.put_items(owner.folder_id, [card_with_uid("g1", "uid-9"), card_with_uid("g2", "uid-1")], None)
        assert tx.guids_with_uid(owner.folder_id, "uid-1") == ["g2"]
        raise Abort
    with store.transaction() as tx:
        assert tx.guids_with_uid(owner.folder_id, "uid-1") == ["g1"]
        assert tx.guids_with_uid(owner.folder_id, "uid-9") == []


def test_history_keeps_versions_until_purged(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.add_account("h@example.org", "m", "p")
        folder = tx.ensure_folder(account.id, "contacts")
        tx.keep_history(
            [
                HistoryEntry(folder.id, "g1", "text/vcard", b"second", "lost a conflict", 20.0),
                HistoryEntry(folder.id, "g1", "text/vcard", b"first", "lost a conflict", 10.0),
            ]
        )
        tx.keep_history([HistoryEntry(folder.id, "g2", "text/plain", b"other", "lost a conflict", 30.0)])
        tx.keep_history([])
    with store.transaction() as tx:
        assert [entry.data for entry in tx.list_history(folder.id, "g1")] == [b"first", b"second"]
        both = tx.list_histories(folder.id, ["g1", "g2", "unknown"])
        assert both == {"g1": tx.list_history(folder.id, "g1"), "g2": tx.list_history(folder.id, "g2")}
        assert tx.purge_history(15.0) == 1
        assert [entry.data for entry in tx.list_history(folder.id, "g1")] == [b"second"]
        assert [entry.reason for entry in tx.list_history(folder.id, "g2")] == ["lost a conflict"]
