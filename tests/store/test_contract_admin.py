"""The store contract for what the administrator sets: settings, domains, the access list, checked on
every backend."""

import pytest

from syncmld.store.base import AccessRules, AlreadyExists, Domain, NotFound, Store
from tests.store.sample import Abort, last_sync, make_owner


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


def test_several_settings_are_read_together_those_unset_left_out(store: Store) -> None:
    with store.transaction() as tx:
        tx.set_setting("syncml", "off")
        tx.set_setting("auth", "md5")
        tx.set_setting("conflict:alice@example.org", "server-wins")
    with store.transaction() as tx:
        assert tx.get_settings(["auth", "conflict:alice@example.org", "conflict"]) == {
            "auth": "md5",
            "conflict:alice@example.org": "server-wins",
        }
        assert tx.get_settings(["unset"]) == {}
        assert tx.get_settings([]) == {}


def test_access_rules_of_an_account_say_its_domain_switch_and_whether_the_list_lets_it_in(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.access_rules("alice@example.org") == AccessRules(None, True)
        tx.add_domain("example.org")
        tx.add_domain("acme.com")
        tx.set_domain_enabled("acme.com", False)
        tx.access_allow("bob@acme.com")
    with store.transaction() as tx:
        assert tx.access_rules("alice@example.org") == AccessRules(True, False)
        assert tx.access_rules("bob@acme.com") == AccessRules(False, True)
        tx.access_allow("example.org")
    with store.transaction() as tx:
        assert tx.access_rules("alice@example.org") == AccessRules(True, True)
        assert tx.access_rules("carol@other.net") == AccessRules(None, False)


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
        tx.record_device_sync(last_sync(owner.device_id, "Contacts"))
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
