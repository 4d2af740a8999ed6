"""Running ``syncmld`` in-process, as the console script does, and checking its error line."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from syncmld.cli import main
from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext, EngineSettings
from syncmld.store import open_store, sqlite_url
from tests.engine.conftest import vcard


@dataclass(frozen=True)
class Run:
    exit_code: int
    out: str
    err: str


Syncmld = Callable[..., Run]


@pytest.fixture
def syncmld(capsys: pytest.CaptureFixture[str]) -> Syncmld:
    """Run ``syncmld ARGS...`` as the console script does; returns exit code, stdout and stderr."""

    def run(*args: str) -> Run:
        with pytest.raises(SystemExit) as stopped:
            main(list(args))
        captured = capsys.readouterr()
        code = stopped.value.code
        return Run(code if isinstance(code, int) else 1, captured.out, captured.err)

    return run


@pytest.fixture
def data_dir(syncmld: Syncmld, tmp_path: Path) -> Path:
    """A data directory with the accounts anna@example.org and bert@acme.com."""
    for email in ("anna@example.org", "bert@acme.com"):
        assert syncmld("account", "add", email, "--password", "pw", "--data-dir", str(tmp_path)).exit_code == 0
    return tmp_path


def assert_one_error_line(run: Run, *fragments: str) -> None:
    assert run.exit_code != 0
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in run.out + run.err


def synced_phone(directory: Path, count: int, url: str = "http://sync.example.org/syncml") -> Device:
    """A phone of anna@example.org that syncs ``count`` contacts, through the engine on the data directory."""
    store = open_store(sqlite_url(directory))
    ctx = EngineContext(settings=EngineSettings())
    phone = Device(in_process_transport(store, ctx), url, "anna@example.org", "pw", "IMEI:1")
    for n in range(count):
        phone.add(vcard(n))
    phone.sync()
    return phone
