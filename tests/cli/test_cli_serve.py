"""``syncmld serve`` as a real process: answers HTTP, survives garbage, refuses a busy port, stops."""

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

START_TIMEOUT_S = 30.0
SERVING = re.compile(r"serving SyncML at (http://127\.0\.0\.1:(\d+)/syncml)")


def syncmld_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "syncmld", *args]


def wait_for_log(log_path: Path, pattern: re.Pattern[str], process: subprocess.Popen[bytes]) -> re.Match[str]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        found = pattern.search(log_path.read_text(errors="replace"))
        if found:
            return found
        if process.poll() is not None:
            pytest.fail(f"syncmld serve exited with {process.returncode}:\n{log_path.read_text()}")
        time.sleep(0.05)
    pytest.fail(f"syncmld serve did not start:\n{log_path.read_text()}")


@contextmanager
def serving(log_path: Path, data_dir: Path | str, *options: str) -> Iterator[subprocess.Popen[bytes]]:
    """``syncmld serve --port 0`` on ``data_dir`` with ``options``, its log in ``log_path``; stopped by SIGTERM
    when the block ends, which it must take with exit status 0."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            syncmld_command("serve", "--port", "0", "--data-dir", str(data_dir), *options),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0, log_path.read_text()


class Served:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``syncmld serve --port 0`` on a fresh data directory, with its log in a file."""
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            syncmld_command("serve", "--port", "0", "--data-dir", str(tmp_path / "data")),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        found = wait_for_log(log_path, SERVING, process)
        yield Served(process, found.group(1), log_path)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_answers_get_and_survives_a_garbage_post(served: Served) -> None:
    wait_for_log(served.log_path, re.compile("syncmld account add EMAIL --password PW --data-dir"), served.process)

    page = httpx.get(served.url, timeout=10)
    assert page.status_code == 200
    assert "SyncML" in page.text

    garbage = httpx.post(
        served.url,
        content=b"\x00\x01 this is not SyncML \xff",
        headers={"Content-Type": "application/vnd.syncml+xml"},
        timeout=10,
    )
    assert garbage.status_code == 400
    assert "Traceback" not in garbage.text

    assert httpx.get(served.url + "/index.html", timeout=10).status_code == 200
    assert served.process.poll() is None


def test_sigterm_stops_serve_with_exit_status_0(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=20) == 0
    assert "Traceback" not in served.log


def test_a_port_in_use_is_one_error_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            syncmld_command("serve", "--port", str(port), "--data-dir", str(tmp_path)),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert done.stderr.splitlines() == [f"error: port {port} on 127.0.0.1 is in use"]
    assert done.stdout == ""
