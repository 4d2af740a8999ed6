"""The store contract for the web admin's users, checked on every backend."""

import pytest

from syncmld.store.base import AlreadyExists, NotFound, Store


def test_admin_users_are_added_listed_changed_and_removed(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.list_admin_users() == []
        tx.add_admin_user("root", "hash-1")
        tx.add_admin_user("kim", "hash-2")
    with store.transaction() as tx:
        assert tx.list_admin_users() == ["kim", "root"]
        assert tx.admin_password_hash("root") == "hash-1"
        assert tx.admin_password_hash("nobody") is None
        tx.set_admin_password("root", "hash-3")
    with store.transaction() as tx:
        assert tx.admin_password_hash("root") == "hash-3"
        tx.remove_admin_user("kim")
    with store.transaction() as tx:
        assert tx.list_admin_users() == ["root"]


def test_admin_user_mistakes_raise_and_change_nothing(store: Store) -> None:
    with store.transaction() as tx:
        tx.add_admin_user("root", "hash-1")
    with pytest.raises(AlreadyExists), store.transaction() as tx:
        tx.add_admin_user("root", "other")
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.set_admin_password("nobody", "h")
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.remove_admin_user("nobody")
    with store.transaction() as tx:
        assert tx.admin_password_hash("root") == "hash-1"
        assert tx.list_admin_users() == ["root"]
