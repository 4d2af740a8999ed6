"""The command line on a PostgreSQL store: ``--db URL`` or ``$SYNCMLD_DB`` instead of the SQLite file."""

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from syncmld.cli import cli
from tests.cli.test_cli_serve import SERVING, syncmld_command, wait_for_log
from tests.store.backends import fresh_postgres_url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_url() as url:
        yield url


def test_accounts_added_with_db_are_listed_through_the_environment(postgres_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["account", "add", "anna@example.org", "--password", "pw", "--db", postgres_url])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["account", "list", "--data-dir", str(tmp_path)], env={"SYNCMLD_DB": postgres_url})
    assert listed.exit_code == 0, listed.output
    assert "anna@example.org" in listed.output
    assert not (tmp_path / "syncmld.db").exists()


def test_serve_uses_the_store_named_by_db_and_masks_its_password(postgres_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["account", "add", "anna@example.org", "--password", "pw", "--db", postgres_url])
    assert added.exit_code == 0, added.output
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            syncmld_command("serve", "--port", "0", "--data-dir", str(tmp_path / "data")),
            env={**os.environ, "SYNCMLD_DB": postgres_url},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        served_url = wait_for_log(log_path, SERVING, process).group(1)
        wait_for_log(log_path, re.compile(r"\(store: --db postgresql\+psycopg://[^:/@]+:\*\*\*@"), process)
        assert httpx.get(served_url, timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
    log_text = log_path.read_text()
    assert "no account yet" not in log_text
    assert f":{make_url(postgres_url).password}@" not in log_text
