"""The store contract for administration: account enablement, settings, domains, the access list,
device sync history and forgetting a device, checked on every backend."""

import pytest

from syncmld.store.base import (
    AlreadyExists,
    DeviceSync,
    Domain,
    NotFound,
    SessionRecord,
    Store,
    StoreError,
    SyncState,
)
from tests.store.test_contract import make_owner, vcard


def history(device_id: int, folder: str, mode: str = "two-way", finished_at: float = 100.0) -> DeviceSync:
    return DeviceSync(device_id, folder, mode, "ok", finished_at, "added:1,replaced:0,deleted:0", "added:2")


# --- account enablement ---------------------------------------------------------------------


def test_an_account_is_disabled_and_enabled_again(store: Store) -> None:
    with store.transaction() as tx:
        tx.add_account("anna@example.org", "md5", "hash")
        tx.add_account("bert@example.org", "md5", "hash")
        tx.set_account_enabled("ANNA@example.org", False)
    with store.transaction() as tx:
        anna, bert = tx.list_accounts()
        assert (anna.enabled, bert.enabled) == (False, True)
        tx.set_account_enabled("anna@example.org", True)
    with store.transaction() as tx:
        account = tx.get_account("anna@example.org")
        assert account is not None and account.enabled


def test_enabling_an_unknown_account_fails(store: Store) -> None:
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.set_account_enabled("nobody@example.org", False)


# --- settings -------------------------------------------------------------------------------


def test_settings_are_unset_until_set_then_replaced(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.get_setting("syncml") is None
        assert tx.list_settings() == {}
        tx.set_setting("syncml", "off")
        tx.set_setting("auth", "md5")
    with store.transaction() as tx:
        tx.set_setting("syncml", "on")
    with store.transaction() as tx:
        assert tx.get_setting("syncml") == "on"
        assert tx.get_setting("auth") == "md5"
        assert list(tx.list_settings().items()) == [("auth", "md5"), ("syncml", "on")]


# --- domains --------------------------------------------------------------------------------


def test_domains_are_lower_cased_enabled_on_creation_and_listed_by_name(store: Store) -> None:
    with store.transaction() as tx:
        added = tx.add_domain("Example.ORG")
        tx.add_domain("acme.com")
    with store.transaction() as tx:
        assert added == Domain("example.org", True)
        assert tx.get_domain("EXAMPLE.org") == added
        assert tx.get_domain("other.net") is None
        assert tx.list_domains() == [Domain("acme.com"), Domain("example.org")]


def test_adding_an_existing_domain_in_any_case_fails(store: Store) -> None:
    with store.transaction() as tx:
        tx.add_domain("example.org")
    with pytest.raises(AlreadyExists), store.transaction() as tx:
        tx.add_domain("EXAMPLE.ORG")


def test_a_domain_is_disabled_and_enabled_again(store: Store) -> None:
    with store.transaction() as tx:
        tx.add_domain("example.org")
        tx.add_domain("acme.com")
        tx.set_domain_enabled("Example.org", False)
    with store.transaction() as tx:
        assert tx.list_domains() == [Domain("acme.com", True), Domain("example.org", False)]
        tx.set_domain_enabled("example.org", True)
    with store.transaction() as tx:
        assert tx.get_domain("example.org") == Domain("example.org", True)


def test_enabling_an_unknown_domain_fails(store: Store) -> None:
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.set_domain_enabled("nowhere.org", True)


# --- the access list ------------------------------------------------------------------------


def test_access_entries_are_lower_cased_sorted_and_kept_once(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.list_access() == []
        tx.access_allow("Example.ORG")
        tx.access_allow("Anna@Acme.com")
    with store.transaction() as tx:
        tx.access_allow("example.org")
    with store.transaction() as tx:
        assert tx.list_access() == ["anna@acme.com", "example.org"]


def test_deny_takes_an_entry_off_the_list(store: Store) -> None:
    with store.transaction() as tx:
        tx.access_allow("anna@acme.com")
        tx.access_allow("example.org")
        tx.access_deny("ANNA@acme.com")
    with store.transaction() as tx:
        assert tx.list_access() == ["example.org"]
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.access_deny("anna@acme.com")


# --- device sync history --------------------------------------------------------------------


def test_the_last_sync_per_folder_is_kept_and_replaced(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.record_device_sync(history(owner.device_id, "Contacts", "slow", 100.0))
        tx.record_device_sync(history(owner.device_id, "Calendar", "two-way", 110.0))
    failed = DeviceSync(owner.device_id, "Contacts", "two-way", "refused: 401", 120.5, "", "")
    with store.transaction() as tx:
        tx.record_device_sync(failed)
    with store.transaction() as tx:
        assert tx.list_device_syncs(owner.device_id) == [
            history(owner.device_id, "Calendar", "two-way", 110.0),
            failed,
        ]


def test_sync_history_belongs_to_one_device(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = tx.ensure_device(owner.account_id, "IMEI:2")
        tx.record_device_sync(history(owner.device_id, "Contacts"))
    with store.transaction() as tx:
        assert tx.list_device_syncs(phone.id) == []
        assert len(tx.list_device_syncs(owner.device_id)) == 1


def test_history_of_an_unknown_device_is_refused(store: Store) -> None:
    with pytest.raises(StoreError), store.transaction() as tx:
        owner = make_owner(tx)
        tx.record_device_sync(history(owner.device_id + 1000, "Contacts"))


# --- forgetting a device --------------------------------------------------------------------


def test_forgetting_a_device_drops_its_anchors_maps_and_history_only(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = tx.ensure_device(owner.account_id, "IMEI:2")
        (item,) = tx.put_items(owner.folder_id, [vcard("kept")], owner.device_id)
        for device_id in (owner.device_id, phone.id):
            tx.set_sync_state(SyncState(device_id, owner.folder_id, "c", "s", item.seq))
            tx.set_maps(device_id, owner.folder_id, {item.guid: "1"})
            tx.record_device_sync(history(device_id, "Contacts"))
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
        tx.record_device_sync(history(gone.device_id, "Contacts"))
        tx.record_device_sync(history(kept.device_id, "Contacts"))
        tx.save_session(SessionRecord("t", gone.account_id, b"s", None, 1.0))
    with store.transaction() as tx:
        tx.remove_account("anna@example.org")
    with store.transaction() as tx:
        assert tx.list_device_syncs(gone.device_id) == []
        assert tx.list_device_syncs(kept.device_id) == [history(kept.device_id, "Contacts")]


# --- rolled back like everything else -------------------------------------------------------


class Abort(Exception):
    """Raised inside a transaction to roll it back."""


def test_admin_changes_roll_back_with_the_transaction(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.add_domain("example.org")
    with pytest.raises(Abort), store.transaction() as tx:
        tx.set_account_enabled("anna@example.org", False)
        tx.set_setting("syncml", "off")
        tx.set_domain_enabled("example.org", False)
        tx.add_domain("acme.com")
        tx.access_allow("example.org")
        tx.record_device_sync(history(owner.device_id, "Contacts"))
        tx.forget_device(owner.account_id, "IMEI:1")
        raise Abort
    with store.transaction() as tx:
        account = tx.get_account("anna@example.org")
        assert account is not None and account.enabled
        assert tx.list_settings() == {}
        assert tx.list_domains() == [Domain("example.org", True)]
        assert tx.list_access() == []
        assert [d.id for d in tx.list_devices(owner.account_id)] == [owner.device_id]
        assert tx.list_device_syncs(owner.device_id) == []
