"""Commands that only read the store create nothing where there is none, and say where they looked;
``--help`` is readable whole and ``--version`` answers."""

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from syncmld import __version__
from syncmld.config import DATA_DIR_ENV
from syncmld.server_key import KEY_FILE_ENV, key_file_path, load_server_key
from tests.cli.conftest import Syncmld, assert_one_error_line
from tests.store.backends import fresh_postgres_url

READ_ONLY = [
    ("account", "list"),
    ("domain", "list"),
    ("access", "list"),
    ("config", "show"),
    ("folder", "list", "anna@example.org"),
    ("device", "list", "anna@example.org"),
    ("backup", "list"),
    ("backup", "show", "anna20240101000.wot"),
]


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_a_read_only_command_without_a_store_names_it_and_creates_nothing(
    syncmld: Syncmld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    run = syncmld(*command)
    assert_one_error_line(run, f"no store at {tmp_path / 'syncmld-data' / 'syncmld.db'}", "--data-dir")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", READ_ONLY[:6], ids=" ".join)
def test_a_read_only_command_on_an_empty_postgres_database_creates_no_tables(
    syncmld: Syncmld, tmp_path: Path, command: tuple[str, ...]
) -> None:
    load_server_key(key_file_path(tmp_path))
    with fresh_postgres_url() as url:
        run = syncmld(*command, "--db", url, "--data-dir", str(tmp_path))
        assert_one_error_line(run, "no store at", "no syncmld tables")
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                assert inspect(connection).get_table_names() == []
        finally:
            engine.dispose()


@pytest.mark.parametrize("command", READ_ONLY[:6], ids=" ".join)
def test_a_read_only_command_with_db_creates_no_data_directory(
    syncmld: Syncmld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.delenv(KEY_FILE_ENV)
    server = tmp_path / "server"
    assert syncmld("account", "add", "anna@example.org", "--password", "pw", "--data-dir", str(server)).exit_code == 0
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    run = syncmld(*command, "--db", f"sqlite:///{server / 'syncmld.db'}")
    assert_one_error_line(run, f"no server key at {work / 'syncmld-data' / 'secret.key'}", "--data-dir")
    assert os.listdir(work) == []
    assert syncmld(*command, "--db", f"sqlite:///{server / 'syncmld.db'}", "--data-dir", str(server)).exit_code == 0


def test_a_read_only_command_reads_the_store_that_exists(syncmld: Syncmld, tmp_path: Path) -> None:
    assert syncmld("account", "add", "anna@example.org", "--password", "pw", "--data-dir", str(tmp_path)).exit_code == 0
    listed = syncmld("device", "list", "anna@example.org", "--data-dir", str(tmp_path))
    assert listed.exit_code == 0
    assert "has no devices yet" in listed.err


def test_the_command_list_shows_every_description_whole(syncmld: Syncmld) -> None:
    run = syncmld("--help")
    assert run.exit_code == 0
    assert "serve --help" in run.out
    commands = " ".join(run.out.split("Commands:")[1].split())
    assert "only the accounts and domains on it may sync." in commands
    assert "print throughput, latency, errors and server usage." in commands
    assert "..." not in commands.replace("(bookmarks, SMS, ...)", "")
    settings = " ".join(syncmld("config", "--help").out.split("Commands:")[1].split())
    assert "mail_filter_max N, timeline_messages N." in settings


def test_version_is_the_package_version(syncmld: Syncmld) -> None:
    run = syncmld("--version")
    assert (run.exit_code, run.out) == (0, f"syncmld, version {__version__}\n")
