"""The store contract for devices, their DevInf and the record of their last syncs, checked on every
backend."""

import pytest

from syncmld.store.base import DeviceSync, NotFound, SessionRecord, Store, StoreError, SyncState
from syncmld.store.pushes import PushChannel, PushForm, PushSource
from tests.store.sample import last_sync, make_owner, vcard


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


def test_a_login_reads_its_device_with_its_latest_session_and_push_form(store: Store) -> None:
    with store.transaction() as tx:
        anna = tx.add_account("anna@example.org", "md5", "hash")
        made = tx.device_at_login(anna.id, "IMEI:1")
        assert (made.device.account_id, made.device.device_ref) == (anna.id, "IMEI:1")
        assert (made.previous_token, made.push_form) == (None, None)
        tx.add_session(SessionRecord("t1", anna.id, b"{}", 1.0), None)
        tx.note_device_session(made.device.id, "t1")
        tx.set_devinf(made.device.id, b"<DevInf/>")
    with store.transaction() as tx:
        known = tx.device_at_login(anna.id, "IMEI:1")
        assert known.device == tx.ensure_device(anna.id, "IMEI:1")
        assert known.device.devinf == b"<DevInf/>"
        assert (known.previous_token, known.push_form) == ("t1", None)
        tx.set_push(made.device.id, PushChannel.LOG, "", PushSource.ADMIN)
        tx.set_push_form(made.device.id, "1.1", False)
    with store.transaction() as tx:
        assert tx.device_at_login(anna.id, "IMEI:1").push_form == PushForm("1.1", False)
        assert tx.list_devices(anna.id) == [known.device]
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.device_at_login(999, "IMEI:1")


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


def test_the_last_sync_per_folder_is_kept_and_replaced(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.record_device_sync(last_sync(owner.device_id, "Contacts", "slow", 100.0))
        tx.record_device_sync(last_sync(owner.device_id, "Calendar", "two-way", 110.0))
    used = DeviceSync(
        owner.device_id, "Calendar", "two-way", "ok", 115.0, "", "", "text/calendar 2.0, WBXML, SyncML 1.2"
    )
    failed = DeviceSync(owner.device_id, "Contacts", "two-way", "refused: 401", 120.5, "", "")
    with store.transaction() as tx:
        tx.record_device_sync(used)
        tx.record_device_sync(failed)
    with store.transaction() as tx:
        assert tx.list_device_syncs(owner.device_id) == [used, failed]


def test_sync_history_belongs_to_one_device(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = tx.ensure_device(owner.account_id, "IMEI:2")
        tx.record_device_sync(last_sync(owner.device_id, "Contacts"))
    with store.transaction() as tx:
        assert tx.list_device_syncs(phone.id) == []
        assert len(tx.list_device_syncs(owner.device_id)) == 1


def test_history_of_an_unknown_device_is_refused(store: Store) -> None:
    with pytest.raises(StoreError), store.transaction() as tx:
        owner = make_owner(tx)
        tx.record_device_sync(last_sync(owner.device_id + 1000, "Contacts"))


def test_forgetting_a_device_drops_its_anchors_maps_and_history_only(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = tx.ensure_device(owner.account_id, "IMEI:2")
        (item,) = tx.put_items(owner.folder_id, [vcard("kept")], owner.device_id)
        for device_id in (owner.device_id, phone.id):
            tx.set_sync_state(SyncState(device_id, owner.folder_id, "c", "s", item.seq))
            tx.set_maps(device_id, owner.folder_id, {item.guid: "1"})
            tx.record_device_sync(last_sync(device_id, "Contacts"))
    with store.transaction() as tx:
        tx.forget_device(owner.account_id, "IMEI:1")
    with store.transaction() as tx:
        assert tx.list_devices(owner.account_id) == [phone]
        assert tx.get_sync_state(owner.device_id, owner.folder_id) is None
        assert tx.all_maps(owner.device_id, owner.folder_id) == {}
        assert tx.list_device_syncs(owner.device_id) == []
        assert tx.get_sync_state(phone.id, owner.folder_id) is not None
        assert tx.all_maps(phone.id, owner.folder_id) == {item.guid: "1"}
        assert len(tx.list_device_syncs(phone.id)) == 1
        assert [i.guid for i in tx.iter_items(owner.folder_id)] == [item.guid]


def test_a_forgotten_device_comes_back_as_a_new_device(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_sync_state(SyncState(owner.device_id, owner.folder_id, "c", "s", 0))
        tx.forget_device(owner.account_id, "IMEI:1")
    with store.transaction() as tx:
        again = tx.ensure_device(owner.account_id, "IMEI:1")
        assert again.devinf is None
        assert tx.get_sync_state(again.id, owner.folder_id) is None


def test_forgetting_an_unknown_device_or_another_accounts_device_fails(store: Store) -> None:
    with store.transaction() as tx:
        anna = make_owner(tx, "anna@example.org", "IMEI:1")
        bert = make_owner(tx, "bert@example.org", "IMEI:2")
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.forget_device(anna.account_id, "IMEI:2")
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.forget_device(anna.account_id, "IMEI:unknown")
    with store.transaction() as tx:
        assert len(tx.list_devices(bert.account_id)) == 1


def test_removing_an_account_removes_its_devices_sync_history(store: Store) -> None:
    with store.transaction() as tx:
        gone = make_owner(tx, "anna@example.org", "IMEI:1")
        kept = make_owner(tx, "bert@example.org", "IMEI:2")
        tx.record_device_sync(last_sync(gone.device_id, "Contacts"))
        tx.record_device_sync(last_sync(kept.device_id, "Contacts"))
        tx.add_session(SessionRecord("t", gone.account_id, b"s", 1.0), None)
    with store.transaction() as tx:
        tx.remove_account("anna@example.org")
    with store.transaction() as tx:
        assert tx.list_device_syncs(gone.device_id) == []
        assert tx.list_device_syncs(kept.device_id) == [last_sync(kept.device_id, "Contacts")]
