"""The warm-up of ``syncmld serve`` (``server/warmup.py``): a process's first slow sync and first receive compile no SQL
statement, on SQLite and PostgreSQL, and the warm-up leaves the store it serves as it was."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from syncmld.accounts import md5_credential
from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext
from syncmld.protocol.constants import AUTH_MD5
from syncmld.server.warmup import warm_up
from syncmld.store import open_store
from syncmld.store.base import Store
from syncmld.store.schema import metadata
from tests.server.serve_process import ServeProcess
from tests.store.backends import empty_store_url

ROOT = Path(__file__).resolve().parents[2]
CARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\nTEL:+491701234567\r\nEND:VCARD\r\n"


def first_sessions(url: str, data_dir: Path, *options: str) -> dict[str, Any]:
    """What ``tests.server.warmed_first_sessions`` saw of the first sessions of a fresh process on ``url``."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.server.warmed_first_sessions", url, str(data_dir), *options],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    shown: dict[str, Any] = json.loads(done.stdout)
    return shown


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_first_slow_sync_and_receive_of_a_warmed_process_compile_no_statement(backend: str, tmp_path: Path) -> None:
    with empty_store_url(backend, tmp_path) as url:
        shown = first_sessions(url, tmp_path)

    assert shown["slow"] == {"status": 212, "received": 0, "compiled": []}
    assert shown["receive"] == {"status": 212, "received": 20, "compiled": []}


def test_a_process_not_warmed_compiles_the_statements_of_its_first_sessions(tmp_path: Path) -> None:
    with empty_store_url("sqlite", tmp_path) as url:
        shown = first_sessions(url, tmp_path, "--cold")

    assert shown["receive"]["received"] == 20
    assert len(shown["slow"]["compiled"]) >= 10


def store_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the store at ``url``."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(map(tuple, connection.execute(select(table)))) for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_warm_up_leaves_the_store_it_serves_as_it_was(backend: str, tmp_path: Path) -> None:
    with empty_store_url(backend, tmp_path) as url:
        store: Store = open_store(url, tmp_path / "secret.key")
        try:
            with store.transaction() as tx:
                tx.add_account("anna@example.org", md5_credential("anna@example.org", "secret"), "")
            phone = Device(
                transport=in_process_transport(store, EngineContext()),
                url="http://sync.example.org/syncml",
                user="anna@example.org",
                password="secret",
                device_id="IMEI:1",
                auth=AUTH_MD5,
            )
            phone.add(CARD)
            if phone.sync(201).header_status == 401:  # challenged: the nonce to log in with
                assert phone.sync(201).header_status == 212
            before = store_rows(url)

            warm_up(store)

            assert store_rows(url) == before
        finally:
            store.close()


def test_serve_logs_how_long_its_warm_up_took(tmp_path: Path) -> None:
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(tmp_path / "data")) as served:
        served.wait_for_log(re.compile(r"warmed up in \d+ ms"))
