"""The store contract for accounts and their secrets, checked on every backend."""

import pytest

from syncmld.store.base import AlreadyExists, NotFound, SessionRecord, Store, SyncState
from tests.store.sample import make_owner, vcard


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


def test_dropping_md5_credentials_leaves_the_rest_of_the_account(store: Store) -> None:
    with store.transaction() as tx:
        tx.add_account("anna@example.org", "bWQ1", "hash", "a2V5")
        tx.add_account("bert@example.org", "", "hash")
    with store.transaction() as tx:
        assert tx.drop_md5_credentials() == 1
    with store.transaction() as tx:
        anna = tx.get_account("anna@example.org")
        assert anna is not None and (anna.md5_credential, anna.password_hash, anna.item_key) == ("", "hash", "a2V5")


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
            tx.add_session(SessionRecord(f"token-{owner.account_id}", owner.account_id, b"s", 1.0), None)
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
