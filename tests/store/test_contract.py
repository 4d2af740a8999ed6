"""The store contract: what the engine and the admin tools rely on, checked on every backend."""

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from syncmld.store import open_store, sqlite_url
from syncmld.store.base import (
    AlreadyExists,
    HistoryEntry,
    LoginFailures,
    NewItem,
    NotFound,
    SessionRecord,
    Store,
    StoreError,
    SyncState,
    Transaction,
)

VCARD = "text/x-vcard"


@dataclass(frozen=True)
class Owner:
    """An account with one device and one folder."""

    account_id: int
    device_id: int
    folder_id: int


def make_owner(tx: Transaction, email: str = "anna@example.org", device_ref: str = "IMEI:1") -> Owner:
    account = tx.add_account(email, "md5", "hash")
    device = tx.ensure_device(account.id, device_ref)
    folder = tx.ensure_folder(account.id, "Contacts")
    return Owner(account.id, device.id, folder.id)


def vcard(text: str, guid: str | None = None) -> NewItem:
    return NewItem(guid, VCARD, f"BEGIN:VCARD\nFN:{text}\nEND:VCARD\n".encode())


# --- accounts -------------------------------------------------------------------------------


def test_account_is_stored_lower_cased_and_found_case_insensitively(store: Store) -> None:
    with store.transaction() as tx:
        added = tx.add_account("Anna@Example.ORG", "md5", "hash")
    with store.transaction() as tx:
        found = tx.get_account("ANNA@example.org")
        by_id = tx.get_account_by_id(added.id)
    assert added.email == "anna@example.org"
    assert found == added == by_id
    assert (found.md5_credential, found.password_hash, found.enabled) == ("md5", "hash", True)


def test_unknown_account_is_none(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.get_account("nobody@example.org") is None
        assert tx.get_account_by_id(12345) is None


def test_adding_an_existing_account_in_any_case_fails(store: Store) -> None:
    with store.transaction() as tx:
        tx.add_account("anna@example.org", "md5", "hash")
    with pytest.raises(AlreadyExists), store.transaction() as tx:
        tx.add_account("ANNA@example.org", "other", "other")
    with store.transaction() as tx:
        assert [a.md5_credential for a in tx.list_accounts()] == ["md5"]


def test_accounts_are_listed_by_email(store: Store) -> None:
    with store.transaction() as tx:
        for email in ("carl@example.org", "anna@example.org", "bert@example.org"):
            tx.add_account(email, "md5", "hash")
    with store.transaction() as tx:
        assert [a.email for a in tx.list_accounts()] == [
            "anna@example.org",
            "bert@example.org",
            "carl@example.org",
        ]


def test_set_credentials_replaces_every_secret(store: Store) -> None:
    with store.transaction() as tx:
        tx.add_account("anna@example.org", "md5", "hash", "key")
        tx.set_credentials("Anna@example.org", "new-md5", "new-hash", "new-key")
    with store.transaction() as tx:
        account = tx.get_account("anna@example.org")
    assert account is not None
    assert (account.md5_credential, account.password_hash, account.item_key) == ("new-md5", "new-hash", "new-key")


def test_an_item_key_is_kept_and_replaced_alone(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.add_account("anna@example.org", "md5", "hash").item_key == ""
        tx.set_item_key("Anna@example.org", "a2V5")
    with store.transaction() as tx:
        account = tx.get_account("anna@example.org")
    assert account is not None
    assert (account.md5_credential, account.password_hash, account.item_key) == ("md5", "hash", "a2V5")


def test_changing_or_removing_an_unknown_account_fails(store: Store) -> None:
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.set_credentials("nobody@example.org", "md5", "hash", "key")
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.set_item_key("nobody@example.org", "key")
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.remove_account("nobody@example.org")


def test_removing_an_account_removes_everything_it_owns_and_nothing_else(store: Store) -> None:
    with store.transaction() as tx:
        gone = make_owner(tx, "anna@example.org")
        kept = make_owner(tx, "bert@example.org")
        for owner in (gone, kept):
            (item,) = tx.put_items(owner.folder_id, [vcard("x")], owner.device_id)
            tx.set_sync_state(SyncState(owner.device_id, owner.folder_id, "c1", "s1", item.seq))
            tx.set_maps(owner.device_id, owner.folder_id, {item.guid: "1"})
            tx.save_session(SessionRecord(f"token-{owner.account_id}", owner.account_id, b"s", None, 1.0))
    with store.transaction() as tx:
        tx.remove_account("ANNA@example.org")
    with store.transaction() as tx:
        assert tx.get_account("anna@example.org") is None
        assert tx.list_devices(gone.account_id) == []
        assert tx.list_folders(gone.account_id) == []
        assert tx.count_items(gone.folder_id) == 0
        assert tx.changes_since(gone.folder_id, 0, tx.current_seq(), None) == []
        assert tx.get_sync_state(gone.device_id, gone.folder_id) is None
        assert tx.all_maps(gone.device_id, gone.folder_id) == {}
        assert tx.load_session(f"token-{gone.account_id}") is None

        assert tx.get_account("bert@example.org") is not None
        assert len(tx.list_devices(kept.account_id)) == 1
        assert tx.count_items(kept.folder_id) == 1
        assert tx.get_sync_state(kept.device_id, kept.folder_id) is not None
        assert len(tx.all_maps(kept.device_id, kept.folder_id)) == 1
        assert tx.load_session(f"token-{kept.account_id}") is not None


# --- devices and nonces ---------------------------------------------------------------------


def test_ensure_device_creates_once_per_account_and_reference(store: Store) -> None:
    with store.transaction() as tx:
        anna = tx.add_account("anna@example.org", "md5", "hash")
        bert = tx.add_account("bert@example.org", "md5", "hash")
        first = tx.ensure_device(anna.id, "IMEI:1")
    with store.transaction() as tx:
        again = tx.ensure_device(anna.id, "IMEI:1")
        other = tx.ensure_device(anna.id, "IMEI:2")
        shared_ref = tx.ensure_device(bert.id, "IMEI:1")
        assert again == first
        assert (first.account_id, first.device_ref, first.devinf) == (anna.id, "IMEI:1", None)
        assert len({first.id, other.id, shared_ref.id}) == 3
        assert tx.list_devices(anna.id) == [first, other]
        assert tx.list_devices(bert.id) == [shared_ref]


def test_devices_and_folders_need_an_existing_account(store: Store) -> None:
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.ensure_device(999, "IMEI:1")
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.ensure_folder(999, "Contacts")


def test_devinf_is_kept_and_replaced(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_devinf(owner.device_id, b"<DevInf>1</DevInf>")
        tx.set_devinf(owner.device_id, b"<DevInf>2</DevInf>")
    with store.transaction() as tx:
        (device,) = tx.list_devices(owner.account_id)
        assert device.devinf == b"<DevInf>2</DevInf>"
        assert tx.ensure_device(owner.account_id, "IMEI:1").devinf == b"<DevInf>2</DevInf>"
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.set_devinf(owner.device_id + 1000, b"x")


def test_nonce_is_kept_per_device_reference(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.get_nonce("IMEI:1", issued_after=0.0) is None
        tx.set_nonce("IMEI:1", "Tm9uY2U=", 10.0)
        tx.set_nonce("IMEI:2", "b3RoZXI=", 10.0)
    with store.transaction() as tx:
        tx.set_nonce("IMEI:1", "bmV3", 20.0)
    with store.transaction() as tx:
        assert tx.get_nonce("IMEI:1", issued_after=0.0) == "bmV3"
        assert tx.get_nonce("IMEI:2", issued_after=0.0) == "b3RoZXI="


def test_nonces_expire(store: Store) -> None:
    with store.transaction() as tx:
        tx.set_nonce("IMEI:old", "b2xk", 10.0)
        tx.set_nonce("IMEI:new", "bmV3", 30.0)
    with store.transaction() as tx:
        assert tx.get_nonce("IMEI:old", issued_after=20.0) is None, "an expired nonce is no nonce"
        assert tx.purge_nonces(issued_before=20.0) == 1
    with store.transaction() as tx:
        assert tx.get_nonce("IMEI:old", issued_after=0.0) is None
        assert tx.get_nonce("IMEI:new", issued_after=20.0) == "bmV3"


def test_failed_logins_are_counted_and_forgotten_by_age(store: Store) -> None:
    with store.transaction() as tx:
        tx.note_login_failure("old", 10.0)
        assert tx.note_login_failure("new", 20.0).count == 1
        assert tx.note_login_failure("new", 30.0) == LoginFailures(2, 30.0)
        assert tx.count_login_failure_keys() == 2
    with store.transaction() as tx:
        assert tx.purge_login_failures(last_before=25.0) == 1
        assert tx.count_login_failure_keys() == 1
        assert tx.login_failures("old") is None


def test_dropping_md5_credentials_leaves_the_rest_of_the_account(store: Store) -> None:
    with store.transaction() as tx:
        tx.add_account("anna@example.org", "bWQ1", "hash", "a2V5")
        tx.add_account("bert@example.org", "", "hash")
    with store.transaction() as tx:
        assert tx.drop_md5_credentials() == 1
    with store.transaction() as tx:
        anna = tx.get_account("anna@example.org")
        assert anna is not None and (anna.md5_credential, anna.password_hash, anna.item_key) == ("", "hash", "a2V5")


# --- folders --------------------------------------------------------------------------------


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


# --- items ----------------------------------------------------------------------------------


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


def test_iter_can_leave_out_what_one_device_changed_since_a_sequence_number(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_device(owner.account_id, "IMEI:2").id
        tx.put_items(owner.folder_id, [vcard("mine before", guid="a")], owner.device_id)
        since = tx.current_seq()
        tx.put_items(owner.folder_id, [vcard("mine after", guid="b")], owner.device_id)
        tx.put_items(owner.folder_id, [vcard("other after", guid="c")], other)
        tx.put_items(owner.folder_id, [vcard("admin after", guid="d")], None)
        tx.put_items(owner.folder_id, [vcard("mine, replaced by the other", guid="a")], other)
    with store.transaction() as tx:
        left = [item.guid for item in tx.iter_items(owner.folder_id, skip_changed_by=owner.device_id, since=since)]
        assert left == ["a", "c", "d"]
        assert [item.guid for item in tx.iter_items(owner.folder_id, skip_changed_by=other, since=since)] == ["b", "d"]
        assert [item.guid for item in tx.iter_items(owner.folder_id)] == ["a", "b", "c", "d"]


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


# --- the change sequence --------------------------------------------------------------------


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
        a, _ = tx.put_items(owner.folder_id, [vcard("a"), vcard("b")], None)
        (elsewhere,) = tx.put_items(other.id, [vcard("elsewhere")], None)
        assert tx.folder_seq(owner.folder_id) == elsewhere.seq - 1
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


# --- sync state and maps --------------------------------------------------------------------


def test_sync_state_is_set_replaced_and_cleared_with_its_maps(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_folder(owner.account_id, "Calendar")
        assert tx.get_sync_state(owner.device_id, owner.folder_id) is None
        tx.set_sync_state(SyncState(owner.device_id, owner.folder_id, "c1", "s1", 5))
        tx.set_sync_state(SyncState(owner.device_id, other.id, "c", "s", 1))
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "1"})
        tx.set_maps(owner.device_id, other.id, {"g9": "9"})
    with store.transaction() as tx:
        tx.set_sync_state(SyncState(owner.device_id, owner.folder_id, "c2", "s2", 7))
    with store.transaction() as tx:
        assert tx.get_sync_state(owner.device_id, owner.folder_id) == SyncState(
            owner.device_id, owner.folder_id, "c2", "s2", 7
        )
        tx.clear_sync_state(owner.device_id, owner.folder_id)
    with store.transaction() as tx:
        assert tx.get_sync_state(owner.device_id, owner.folder_id) is None
        assert tx.all_maps(owner.device_id, owner.folder_id) == {}
        assert tx.get_sync_state(owner.device_id, other.id) == SyncState(owner.device_id, other.id, "c", "s", 1)
        assert tx.all_maps(owner.device_id, other.id) == {"g9": "9"}


def test_maps_are_read_in_both_directions(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "1", "g2": "2", "g3": "3"})
    with store.transaction() as tx:
        assert tx.luids_for_guids(owner.device_id, owner.folder_id, ["g1", "g3", "gx"]) == {"g1": "1", "g3": "3"}
        assert tx.guids_for_luids(owner.device_id, owner.folder_id, ["2", "9"]) == {"2": "g2"}
        assert tx.all_maps(owner.device_id, owner.folder_id) == {"g1": "1", "g2": "2", "g3": "3"}


def test_maps_belong_to_one_device_and_folder(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = tx.ensure_device(owner.account_id, "IMEI:2")
        calendar = tx.ensure_folder(owner.account_id, "Calendar")
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "1"})
        tx.set_maps(phone.id, owner.folder_id, {"g1": "7"})
        tx.set_maps(owner.device_id, calendar.id, {"c1": "1"})
    with store.transaction() as tx:
        assert tx.all_maps(owner.device_id, owner.folder_id) == {"g1": "1"}
        assert tx.all_maps(phone.id, owner.folder_id) == {"g1": "7"}
        assert tx.guids_for_luids(owner.device_id, calendar.id, ["1"]) == {"1": "c1"}


def test_a_guid_or_luid_maps_to_one_partner_only(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "1", "g2": "2", "g3": "3"})
    with store.transaction() as tx:
        # g1 gets a new LUID; LUID 3 moves from g3 to g2, leaving g3 unmapped.
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "10", "g2": "3"})
    with store.transaction() as tx:
        assert tx.all_maps(owner.device_id, owner.folder_id) == {"g1": "10", "g2": "3"}
        assert tx.guids_for_luids(owner.device_id, owner.folder_id, ["1", "2", "3"]) == {"3": "g2"}


def test_within_one_call_the_later_pair_takes_a_luid(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "old"})
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "5", "g2": "5"})
    with store.transaction() as tx:
        assert tx.all_maps(owner.device_id, owner.folder_id) == {"g2": "5"}


def test_delete_maps_forgets_the_given_guids(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "1", "g2": "2"})
        tx.delete_maps(owner.device_id, owner.folder_id, ["g1", "unknown"])
    with store.transaction() as tx:
        assert tx.all_maps(owner.device_id, owner.folder_id) == {"g2": "2"}
        tx.set_maps(owner.device_id, owner.folder_id, {"g3": "1"})
        assert tx.guids_for_luids(owner.device_id, owner.folder_id, ["1"]) == {"1": "g3"}


# --- sessions -------------------------------------------------------------------------------


def test_sessions_are_saved_replaced_and_loaded(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.add_account("anna@example.org", "md5", "hash")
        assert tx.load_session("t1") is None
        assert not tx.has_session("t1")
        tx.save_session(SessionRecord("t1", None, b"state-1", None, 100.0))
    with store.transaction() as tx:
        tx.save_session(SessionRecord("t1", account.id, b"state-2", b"reply", 200.5))
    with store.transaction() as tx:
        assert tx.load_session("t1") == SessionRecord("t1", account.id, b"state-2", b"reply", 200.5)
        assert tx.has_session("t1") and not tx.has_session("t2")


def test_idle_sessions_expire(store: Store) -> None:
    with store.transaction() as tx:
        for token, updated_at in (("old", 10.0), ("older", 5.0), ("fresh", 30.0)):
            tx.save_session(SessionRecord(token, None, b"s", None, updated_at))
    with store.transaction() as tx:
        assert tx.delete_sessions_before(20.0) == 2
        assert tx.delete_sessions_before(20.0) == 0
    with store.transaction() as tx:
        assert tx.load_session("old") is None
        assert tx.load_session("fresh") is not None


# --- transactions ---------------------------------------------------------------------------


class Abort(Exception):
    """Raised inside a transaction to roll it back."""


def test_an_exception_rolls_the_whole_transaction_back(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        (item,) = tx.put_items(owner.folder_id, [vcard("kept")], None)
        seq_before = tx.current_seq()
    with pytest.raises(Abort), store.transaction() as tx:
        tx.add_account("bert@example.org", "md5", "hash")
        tx.put_items(owner.folder_id, [vcard("lost"), vcard("changed", guid=item.guid)], None)
        tx.delete_items(owner.folder_id, [item.guid], None)
        tx.set_maps(owner.device_id, owner.folder_id, {item.guid: "1"})
        tx.set_nonce("IMEI:1", "bm9uY2U=", 1.0)
        tx.save_session(SessionRecord("t", None, b"s", None, 1.0))
        raise Abort
    with store.transaction() as tx:
        assert tx.get_account("bert@example.org") is None
        assert list(tx.iter_items(owner.folder_id)) == [item]
        assert tx.current_seq() == seq_before
        assert tx.all_maps(owner.device_id, owner.folder_id) == {}
        assert tx.get_nonce("IMEI:1", issued_after=0.0) is None
        assert tx.load_session("t") is None


def test_two_threads_writing_at_once_both_succeed(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
    rounds = 15
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def write(name: str) -> None:
        try:
            start.wait()
            for n in range(rounds):
                with store.transaction() as tx:
                    tx.put_items(owner.folder_id, [vcard(f"{name}-{n}")], None)
                    tx.set_nonce(name, str(n), float(n + 1))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with store.transaction() as tx:
        changes = tx.changes_since(owner.folder_id, 0, tx.current_seq(), None)
        assert len(changes) == tx.count_items(owner.folder_id) == 2 * rounds
        assert len({item.seq for item in changes}) == 2 * rounds
        assert (tx.get_nonce("one", 0.0), tx.get_nonce("two", 0.0)) == (str(rounds - 1), str(rounds - 1))


def test_sqlite_data_survives_closing_and_reopening(tmp_path: Path) -> None:
    first = open_store(sqlite_url(tmp_path))
    with first.transaction() as tx:
        owner = make_owner(tx)
        (item,) = tx.put_items(owner.folder_id, [vcard("kept")], owner.device_id)
        tx.set_maps(owner.device_id, owner.folder_id, {item.guid: "1"})
        tx.set_sync_state(SyncState(owner.device_id, owner.folder_id, "c", "s", item.seq))
    first.close()
    reopened = open_store(sqlite_url(tmp_path))
    try:
        with reopened.transaction() as tx:
            assert [a.email for a in tx.list_accounts()] == ["anna@example.org"]
            assert list(tx.iter_items(owner.folder_id)) == [item]
            assert tx.current_seq() == item.seq
            assert tx.all_maps(owner.device_id, owner.folder_id) == {item.guid: "1"}
            assert tx.get_sync_state(owner.device_id, owner.folder_id) is not None
    finally:
        reopened.close()


def test_login_failures_count_up_per_key_until_cleared(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.login_failures("dev:a") is None
        assert tx.note_login_failure("dev:a", 10.0).count == 1
        noted = tx.note_login_failure("dev:a", 12.5)
        assert (noted.count, noted.last_at) == (2, 12.5)
        tx.note_login_failure("addr:127.0.0.1", 13.0)
    with store.transaction() as tx:
        failures = tx.login_failures("dev:a")
        assert failures is not None and failures.count == 2
        tx.clear_login_failures("dev:a")
        assert tx.login_failures("dev:a") is None
        counted = tx.login_failures("addr:127.0.0.1")
        assert counted is not None and counted.count == 1


def test_history_keeps_versions_until_purged(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.add_account("h@example.org", "m", "p")
        folder = tx.ensure_folder(account.id, "contacts")
        tx.keep_history(HistoryEntry(folder.id, "g1", "text/vcard", b"second", "lost a conflict", 20.0))
        tx.keep_history(HistoryEntry(folder.id, "g1", "text/vcard", b"first", "lost a conflict", 10.0))
        tx.keep_history(HistoryEntry(folder.id, "g2", "text/plain", b"other", "lost a conflict", 30.0))
    with store.transaction() as tx:
        assert [entry.data for entry in tx.list_history(folder.id, "g1")] == [b"first", b"second"]
        assert tx.purge_history(15.0) == 1
        assert [entry.data for entry in tx.list_history(folder.id, "g1")] == [b"second"]
        assert [entry.reason for entry in tx.list_history(folder.id, "g2")] == ["lost a conflict"]
