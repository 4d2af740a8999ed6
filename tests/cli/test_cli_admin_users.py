"""``syncmld admin add|list|passwd|remove``: the web admin's users, kept apart from SyncML accounts."""

from pathlib import Path

from syncmld.accounts import verify_password
from syncmld.store import open_store, sqlite_url
from tests.cli.conftest import Syncmld, assert_one_error_line


def password_hash(data_dir: Path, name: str) -> str | None:
    store = open_store(sqlite_url(data_dir))
    try:
        with store.transaction() as tx:
            return tx.admin_password_hash(name)
    finally:
        store.close()


def test_admin_users_are_added_listed_changed_and_removed(syncmld: Syncmld, tmp_path: Path) -> None:
    added = syncmld("admin", "add", "kim", "--password", "one", "--data-dir", str(tmp_path))
    assert added.exit_code == 0 and "/admin" in added.out
    stored = password_hash(tmp_path, "kim")
    assert stored is not None and verify_password("one", stored) and "one" not in stored
    assert syncmld("admin", "list", "--data-dir", str(tmp_path)).out == "kim\n"
    assert syncmld("account", "list", "--data-dir", str(tmp_path)).out == ""
    assert syncmld("admin", "passwd", "kim", "--password", "two", "--data-dir", str(tmp_path)).exit_code == 0
    changed = password_hash(tmp_path, "kim")
    assert changed is not None and verify_password("two", changed)
    assert syncmld("admin", "remove", "kim", "--data-dir", str(tmp_path)).exit_code == 0
    empty = syncmld("admin", "list", "--data-dir", str(tmp_path))
    assert empty.out == "" and "web admin is off" in empty.err


def test_admin_mistakes_are_one_error_line(syncmld: Syncmld, tmp_path: Path) -> None:
    syncmld("admin", "add", "kim", "--password", "one", "--data-dir", str(tmp_path))
    assert_one_error_line(syncmld("admin", "add", "kim", "--password", "x", "--data-dir", str(tmp_path)), "exists")
    assert_one_error_line(syncmld("admin", "add", "a b", "--password", "x", "--data-dir", str(tmp_path)), "NAME")
    assert_one_error_line(syncmld("admin", "add", "x" * 65, "--password", "x", "--data-dir", str(tmp_path)), "NAME")
    assert_one_error_line(syncmld("admin", "add", "lee", "--password", "", "--data-dir", str(tmp_path)), "password")
    assert_one_error_line(syncmld("admin", "remove", "lee", "--data-dir", str(tmp_path)), "no admin user lee")
    assert syncmld("admin", "list", "--data-dir", str(tmp_path)).out == "kim\n"
