"""Fixtures of the SyncEvolution end-to-end tests: one server per module, fresh devices per test."""

import itertools
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .client import Device, DeviceFactory
from .server import Login, SyncmldServer

_account_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def interop_dir(shared_dir: Path) -> Path:
    """``shared/interop``, with SyncEvolution and its shim installed."""
    interop = shared_dir / "interop"
    check = subprocess.run(["bash", str(interop / "install.sh"), "--check"], capture_output=True, text=True)
    if check.returncode != 0:
        pytest.fail(f"SyncEvolution harness not installed (run {interop / 'install.sh'}): {check.stdout}")
    return interop


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncmldServer]:
    running = SyncmldServer(tmp_path_factory.mktemp("syncmld") / "data")
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def login(server: SyncmldServer) -> Login:
    """A new account on the module's server, so that tests do not see each other's data."""
    number = next(_account_numbers)
    created = Login(f"user{number}@example.com", f"secret-{number}")
    server.add_account(created.email, created.password)
    return created


WIRES = [pytest.param("0", id="xml"), pytest.param("1", id="wbxml")]
"""client.sh ``--wbxml`` values; a module runs its tests over both with ``BOTH_WIRES``."""

BOTH_WIRES = pytest.mark.parametrize("wire", WIRES, indirect=True)


@pytest.fixture
def wire(request: pytest.FixtureRequest) -> str:
    """The encoding the test's devices speak: XML unless the test is parametrised with WIRES."""
    return str(getattr(request, "param", "0"))


@pytest.fixture
def device(tmp_path: Path, interop_dir: Path, server: SyncmldServer, login: Login, wire: str) -> DeviceFactory:
    """Makes client devices of this test's account; their state lives in this test's tmp_path.

    The account's name goes into the device name, and so into the device ID (``sc-harness-NAME``):
    the server keeps per-device state (nonces), and tests must not meet each other's devices.
    """

    def make(name: str) -> Device:
        unique = f"{name}-{login.email.split('@')[0]}"
        return Device(interop_dir, tmp_path / "se", unique, server.url, login.email, login.password, wire)

    return make
