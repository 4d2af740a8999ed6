"""``syncmld account ...`` and command-line mistakes, in-process through the console-script entry point."""

from pathlib import Path

import pytest

from syncmld.accounts import md5_credential
from syncmld.config import DATA_DIR_ENV
from syncmld.store import open_store, sqlite_url
from tests.cli.conftest import Syncmld, assert_one_error_line


def stored_md5_credential(data_dir: Path, email: str) -> str | None:
    store = open_store(sqlite_url(data_dir))
    try:
        with store.transaction() as tx:
            account = tx.get_account(email)
    finally:
        store.close()
    return None if account is None else account.md5_credential


def test_add_then_list_shows_the_account(syncmld: Syncmld, tmp_path: Path) -> None:
    added = syncmld("account", "add", "alice@example.org", "--password", "s3cret", "--data-dir", str(tmp_path))
    assert added.exit_code == 0, added.err
    assert "alice@example.org" in added.out

    listed = syncmld("account", "list", "--data-dir", str(tmp_path))
    assert listed.exit_code == 0
    assert listed.out.splitlines() == ["alice@example.org"]
    assert (tmp_path / "syncmld.db").is_file()


def test_list_of_an_empty_store_is_empty_and_says_how_to_add(syncmld: Syncmld, tmp_path: Path) -> None:
    syncmld("domain", "add", "example.org", "--data-dir", str(tmp_path))
    listed = syncmld("account", "list", "--data-dir", str(tmp_path))
    assert listed.exit_code == 0
    assert listed.out == ""
    assert "syncmld account add" in listed.err


def test_adding_an_existing_account_is_one_error_line(syncmld: Syncmld, tmp_path: Path) -> None:
    syncmld("account", "add", "bob@example.org", "--password", "one", "--data-dir", str(tmp_path))
    again = syncmld("account", "add", "Bob@Example.org", "--password", "two", "--data-dir", str(tmp_path))
    assert_one_error_line(again, "bob@example.org", "exists")
    assert stored_md5_credential(tmp_path, "bob@example.org") == md5_credential("bob@example.org", "one")


@pytest.mark.parametrize("address", ["not-an-address", "two@@example.org", ""])
def test_a_bad_email_is_one_error_line(syncmld: Syncmld, tmp_path: Path, address: str) -> None:
    run = syncmld("account", "add", address, "--password", "pw", "--data-dir", str(tmp_path))
    assert_one_error_line(run)
    assert syncmld("account", "list", "--data-dir", str(tmp_path)).out == ""


def test_an_empty_password_is_refused(syncmld: Syncmld, tmp_path: Path) -> None:
    run = syncmld("account", "add", "carol@example.org", "--password", "", "--data-dir", str(tmp_path))
    assert_one_error_line(run, "password")


def test_passwd_replaces_the_credentials(syncmld: Syncmld, tmp_path: Path) -> None:
    syncmld("account", "add", "dave@example.org", "--password", "old", "--data-dir", str(tmp_path))
    changed = syncmld("account", "passwd", "dave@example.org", "--password", "new", "--data-dir", str(tmp_path))
    assert changed.exit_code == 0, changed.err
    assert stored_md5_credential(tmp_path, "dave@example.org") == md5_credential("dave@example.org", "new")


def test_passwd_of_an_unknown_account_is_one_error_line(syncmld: Syncmld, tmp_path: Path) -> None:
    run = syncmld("account", "passwd", "nobody@example.org", "--password", "pw", "--data-dir", str(tmp_path))
    assert_one_error_line(run, "nobody@example.org")


def test_remove_deletes_the_account_once(syncmld: Syncmld, tmp_path: Path) -> None:
    for email in ("erin@example.org", "frank@example.org"):
        syncmld("account", "add", email, "--password", "pw", "--data-dir", str(tmp_path))
    removed = syncmld("account", "remove", "erin@example.org", "--data-dir", str(tmp_path))
    assert removed.exit_code == 0, removed.err
    assert syncmld("account", "list", "--data-dir", str(tmp_path)).out.splitlines() == ["frank@example.org"]

    again = syncmld("account", "remove", "erin@example.org", "--data-dir", str(tmp_path))
    assert_one_error_line(again, "erin@example.org")


def test_a_data_dir_that_is_a_file_is_one_error_line(syncmld: Syncmld, tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.write_text("not a directory")
    run = syncmld("account", "list", "--data-dir", str(occupied))
    assert_one_error_line(run, str(occupied))


def test_a_data_dir_below_a_file_is_one_error_line(syncmld: Syncmld, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = syncmld("account", "add", "gina@example.org", "--password", "pw", "--data-dir", str(blocker / "data"))
    assert_one_error_line(run, "data directory")


@pytest.mark.parametrize(
    "args",
    [
        ("account", "add", "hank@example.org"),
        ("account", "list", "--colour"),
        ("account", "frobnicate"),
        ("serve", "--port", "99999"),
        ("serve", "--log-level", "chatty"),
        ("serve", "--max-message-size", "0"),
        ("serve", "--max-object-size", "-1"),
        ("serve", "--max-login-message-size", "0"),
        ("serve", "--max-decoded-ratio", "0"),
        ("serve", "--login-concurrency", "0"),
        ("serve", "--login-queue", "-1"),
        ("serve", "--log-login-bytes", "-1"),
        ("serve", "--read-timeout", "0"),
        ("serve", "--min-body-rate", "0"),
        ("serve", "--max-connections", "0"),
        ("serve", "--message-threads", "0"),
        ("serve", "--live-sessions", "-1"),
        ("serve", "--gc-threshold", "0"),
        ("serve", "--dav-max-body", "0"),
        ("serve", "--dav-max-hrefs", "0"),
        ("serve", "--dav-max-results", "-1"),
        ("serve", "--dav-max-name-length", "0"),
    ],
)
def test_command_line_mistakes_are_one_error_line(syncmld: Syncmld, args: tuple[str, ...]) -> None:
    run = syncmld(*args)
    assert_one_error_line(run, "--help")
    assert run.exit_code == 2


def test_data_dir_defaults_to_the_environment_variable(
    syncmld: Syncmld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert syncmld("account", "add", "ivy@example.org", "--password", "pw").exit_code == 0
    assert stored_md5_credential(tmp_path / "from-env", "ivy@example.org") is not None


def test_data_dir_defaults_to_syncmld_data_in_the_working_directory(
    syncmld: Syncmld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert syncmld("account", "add", "jack@example.org", "--password", "pw").exit_code == 0
    assert (tmp_path / "syncmld-data" / "syncmld.db").is_file()


def test_a_serve_path_without_leading_slash_is_one_error_line(syncmld: Syncmld, tmp_path: Path) -> None:
    run = syncmld("serve", "--path", "syncml", "--data-dir", str(tmp_path))
    assert_one_error_line(run, "'syncml'", "/")
    assert run.exit_code == 1
