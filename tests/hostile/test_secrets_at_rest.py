"""What a copy of the data directory's files gives away: the data directory and the database files are
their owner's only, and the MD5 secret and the item key are sealed under a key kept outside the database,
so a copy of the database alone logs no one in and decrypts no item."""

import hashlib
import logging
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from syncmld.accounts import item_key, md5_credential
from syncmld.cli import cli
from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.config import prepare_data_dir
from syncmld.engine import EngineContext
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5
from syncmld.server_key import KEY_FILE_ENV, KEY_FILE_NAME
from syncmld.store import SQLITE_FILE_NAME, open_store, sqlite_url
from syncmld.store.base import Store, StoreError
from syncmld.store.sealing import SecretBox
from syncmld.store.sql import upgrade_schema
from tests.hostile.wire import ALICE, ENDPOINT, PASSWORD


@pytest.fixture(autouse=True)
def key_in_data_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server key where a deployment keeps it: in the data directory, not named by the environment."""
    monkeypatch.delenv(KEY_FILE_ENV)
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def syncmld(*args: str) -> str:
    run = CliRunner().invoke(cli, list(args))
    assert run.exit_code == 0, run.output
    return run.output


def md5_login_works(store: Store, device_id: str = "alice-md5") -> bool:
    """Whether a device logging in with MD5 (challenged first, as SyncEvolution is) gets a session."""
    phone = Device(
        transport=in_process_transport(store, EngineContext()),
        url=ENDPOINT,
        user=ALICE,
        password=PASSWORD,
        device_id=device_id,
        auth=AUTH_MD5,
    )
    phone.sync(201)
    return phone.sync(201).header_status == 212


def test_the_data_directory_is_0700_and_the_database_files_and_the_key_0600(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    syncmld("account", "add", ALICE, "--password", PASSWORD, "--data-dir", str(data_dir))
    store = open_store(sqlite_url(data_dir))
    try:
        assert md5_login_works(store)
        files = [
            data_dir / name
            for name in (SQLITE_FILE_NAME, f"{SQLITE_FILE_NAME}-wal", f"{SQLITE_FILE_NAME}-shm", KEY_FILE_NAME)
        ]
        assert {file.name: mode(file) for file in files} == {file.name: 0o600 for file in files}
        assert mode(data_dir) == 0o700
    finally:
        store.close()


def test_modes_of_an_existing_data_directory_are_fixed_on_start_with_a_log_line(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir = tmp_path / "data"
    syncmld("account", "add", ALICE, "--password", PASSWORD, "--data-dir", str(data_dir))
    data_dir.chmod(0o755)
    for file in (data_dir / SQLITE_FILE_NAME, data_dir / KEY_FILE_NAME):
        file.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        open_store(sqlite_url(prepare_data_dir(data_dir))).close()
    assert (mode(data_dir), mode(data_dir / SQLITE_FILE_NAME), mode(data_dir / KEY_FILE_NAME)) == (0o700, 0o600, 0o600)
    lines = [record.getMessage() for record in caplog.records]
    assert f"{data_dir} was mode 0755: set to 0700 (only its owner may read it)" in lines
    assert f"{data_dir / SQLITE_FILE_NAME} was mode 0644: set to 0600 (only its owner may read it)" in lines


def test_a_copy_of_the_database_alone_logs_no_one_in_with_md5(tmp_path: Path) -> None:
    data_dir, copy_dir = tmp_path / "data", tmp_path / "copy"
    syncmld("account", "add", ALICE, "--password", PASSWORD, "--data-dir", str(data_dir))
    database = (data_dir / SQLITE_FILE_NAME).read_bytes()
    assert md5_credential(ALICE, PASSWORD).encode() not in database
    assert item_key(PASSWORD).encode() not in database
    assert hashlib.md5(PASSWORD.encode()).digest() not in database
    copy_dir.mkdir()
    shutil.copy(data_dir / SQLITE_FILE_NAME, copy_dir / SQLITE_FILE_NAME)

    with pytest.raises(StoreError, match="is not the one this store's account secrets are sealed with"):
        open_store(sqlite_url(copy_dir))
    syncmld("key", "adopt", "--data-dir", str(copy_dir))
    copied = open_store(sqlite_url(copy_dir))
    try:
        assert not md5_login_works(copied), "another key: the sealed secret does not open"
        with copied.transaction() as tx:
            account = tx.get_account(ALICE)
            assert account is not None and account.md5_credential == account.item_key == ""
    finally:
        copied.close()
    original = open_store(sqlite_url(data_dir))
    try:
        assert md5_login_works(original)
    finally:
        original.close()


def test_the_migration_seals_the_secrets_an_older_database_kept_in_the_clear(tmp_path: Path) -> None:
    clear = md5_credential(ALICE, PASSWORD)
    engine = create_engine(sqlite_url(tmp_path))
    upgrade_schema(engine, SecretBox(bytes(32)), "0007")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (email, md5_credential, password_hash, enabled) "
                "VALUES (:email, :secret, 'scrypt$x', 1)"
            ),
            {"email": ALICE, "secret": clear},
        )
    engine.dispose()
    store = open_store(sqlite_url(tmp_path))
    try:
        assert md5_login_works(store)
    finally:
        store.close()
    with create_engine(sqlite_url(tmp_path)).connect() as connection:
        kept = connection.execute(text("SELECT md5_credential FROM accounts")).scalar_one()
    assert kept.startswith("sealed1:") and clear not in kept


def test_auth_basic_keeps_no_md5_secret_and_md5_needs_the_password_set_again(tmp_path: Path) -> None:
    data_dir = str(tmp_path)
    syncmld("account", "add", ALICE, "--password", PASSWORD, "--data-dir", data_dir)
    assert syncmld("config", "set", "auth", "basic", "--data-dir", data_dir).splitlines() == [
        "auth = basic",
        "dropped the MD5 secrets of 1 accounts: they log in with basic only (their item keys stay: DES item "
        "encryption keeps working)",
    ]
    syncmld("account", "add", "bob@example.org", "--password", PASSWORD, "--data-dir", data_dir)
    with create_engine(sqlite_url(tmp_path)).connect() as connection:
        assert connection.execute(text("SELECT md5_credential FROM accounts")).scalars().all() == ["", ""]

    assert syncmld("config", "set", "auth", "any", "--data-dir", data_dir).splitlines() == [
        "auth = any",
        "2 accounts have no MD5 secret (made under auth basic) and log in with basic only until their "
        "password is set again (syncmld account passwd): alice@example.org, bob@example.org",
    ]
    store = open_store(sqlite_url(tmp_path))
    try:
        assert not md5_login_works(store)
        basic = Device(
            transport=in_process_transport(store, EngineContext()),
            url=ENDPOINT,
            user=ALICE,
            password=PASSWORD,
            device_id="alice-basic",
            auth=AUTH_BASIC,
        )
        assert basic.sync(201).header_status == 212
    finally:
        store.close()
    syncmld("account", "passwd", ALICE, "--password", PASSWORD, "--data-dir", data_dir)
    store = open_store(sqlite_url(tmp_path))
    try:
        assert md5_login_works(store, "alice-md5-2")
    finally:
        store.close()


def test_a_key_file_that_holds_no_key_is_refused_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE_NAME).write_text("not a key\n")
    run = CliRunner().invoke(cli, ["account", "add", ALICE, "--password", PASSWORD, "--data-dir", str(tmp_path)])
    assert run.exit_code != 0
    assert f"the key file {tmp_path / KEY_FILE_NAME} does not hold a key" in str(run.exception)


def test_a_command_given_another_key_than_the_stores_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    """An operator who runs ``account add`` against the server's store with another key file (a PostgreSQL
    store named by --db, from another directory) is told so, instead of sealing a secret no server opens."""
    data_dir, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    syncmld("account", "add", ALICE, "--password", PASSWORD, "--data-dir", str(data_dir))
    (elsewhere / KEY_FILE_NAME).parent.mkdir()
    shutil.copy(data_dir / SQLITE_FILE_NAME, elsewhere / SQLITE_FILE_NAME)
    (elsewhere / KEY_FILE_NAME).write_text((data_dir / KEY_FILE_NAME).read_text())
    other_key = tmp_path / "other.key"
    run = CliRunner(env={KEY_FILE_ENV: str(other_key)}).invoke(
        cli, ["account", "add", "bob@example.org", "--password", PASSWORD, "--data-dir", str(elsewhere)]
    )
    assert run.exit_code != 0
    assert f"the server key in {other_key} is not the one this store's account secrets are sealed with" in str(
        run.exception
    )
    assert syncmld("account", "list", "--data-dir", str(elsewhere)).split() == [ALICE]
