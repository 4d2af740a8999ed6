"""A fresh machine's install: the wheel built from the sources (``python -m build``: the sdist, then the
wheel from it) goes into a new venv, and ``pipx install`` of a copy of the checkout makes a venv of its
own; each ``syncmld`` alone then creates an account, serves on 0.0.0.0, and syncs with SyncEvolution:
the migrations and templates travel inside the package."""

import os
import shutil
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest

from tests.processes import free_port

from .client import Device, succeeded
from .server import START_TIMEOUT_S

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
PIPX = shutil.which("pipx")


def run(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(map(str, command))}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done.stdout


def checkout(tmp_path: Path) -> Path:
    """A copy of the tracked sources, as a fresh clone has them."""
    source = tmp_path / "source"
    tracked = run("git", "ls-files", "-z", cwd=ROOT).split("\0")
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    return source


def built_wheel(tmp_path: Path) -> Path:
    """The wheel ``python -m build`` makes from a copy of the tracked sources."""
    run(sys.executable, "-m", "build", "--outdir", tmp_path / "dist", checkout(tmp_path))
    [wheel] = (tmp_path / "dist").glob("syncmld-*.whl")
    assert list((tmp_path / "dist").glob("syncmld-*.tar.gz"))
    return wheel


def test_the_built_wheel_installs_serves_and_syncs(tmp_path: Path, interop_dir: Path) -> None:
    wheel = built_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "syncmld/store/migrations/env.py" in names
    assert any(name.startswith("syncmld/store/migrations/versions/0012") for name in names)
    assert {"syncmld/web/templates/login.html", "syncmld/web/templates/session.html"} <= set(names)

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    run(env_dir / "bin" / "pip", "install", "-q", wheel)
    serves_and_syncs(env_dir / "bin" / "syncmld", tmp_path, interop_dir)


@pytest.mark.skipif(PIPX is None, reason="pipx is not installed (Debian package pipx)")
def test_pipx_install_of_the_checkout_serves_and_syncs(tmp_path: Path, interop_dir: Path) -> None:
    assert PIPX is not None
    homes = {"PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(tmp_path / "bin")}
    done = subprocess.run(
        [PIPX, "install", str(checkout(tmp_path))],
        capture_output=True,
        text=True,
        timeout=600,
        env={**{key: value for key, value in os.environ.items() if key != "PYTHONPATH"}, **homes},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    serves_and_syncs(tmp_path / "bin" / "syncmld", tmp_path, interop_dir)


def serves_and_syncs(syncmld: Path, tmp_path: Path, interop_dir: Path) -> None:
    """The installed ``syncmld`` alone adds an account, serves on 0.0.0.0 and takes a sync of 3 contacts."""
    assert run(syncmld, "--version").strip().startswith("syncmld, version ")
    data = tmp_path / "data"
    run(syncmld, "account", "add", "fresh@example.org", "--password", "pw", "--data-dir", data)

    port = free_port()
    log_path = tmp_path / "serve.log"
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [syncmld, "serve", "--host", "0.0.0.0", "--port", str(port), "--data-dir", data],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=tmp_path,
            env=environment,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "serving SyncML at http://0.0.0.0:" not in log_path.read_text():
            assert server.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        device = Device(
            interop_dir, tmp_path / "se", "fresh", f"http://127.0.0.1:{port}/syncml", "fresh@example.org", "pw"
        )
        device.generate(3)
        first = succeeded(device.sync())
        assert first.server.added == 3
        assert run(syncmld, "folder", "list", "fresh@example.org", "--data-dir", data).strip() == "contacts: 3 items"
    finally:
        server.terminate()
        server.wait(30)
    assert "Traceback" not in log_path.read_text()
