"""A real ``syncmld serve`` subprocess on a free loopback port, and its CLI."""

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.server.certificates import Certificates

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Login:
    """An account's credentials."""

    email: str
    password: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def syncmld(*args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``syncmld`` CLI command with the interpreter running the tests."""
    command = [sys.executable, "-m", "syncmld", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


class SyncmldServer:
    """``syncmld serve --host 127.0.0.1 --port PORT --data-dir DIR``, started and stopped on demand; with
    ``tls``, over HTTPS with that certificate; ``options`` go to ``serve`` as they are."""

    def __init__(self, data_dir: Path, tls: Certificates | None = None, options: tuple[str, ...] = ()) -> None:
        self.data_dir = data_dir
        self.options = options
        """Further ``serve`` options."""
        self.port = free_port()
        self.log_path = data_dir.parent / f"{data_dir.name}-server.log"
        self.tls = tls
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/syncml"

    def add_account(self, email: str, password: str) -> None:
        done = syncmld("account", "add", email, "--password", password, "--data-dir", str(self.data_dir))
        if done.returncode != 0:
            raise RuntimeError(f"account add {email} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "syncmld",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--data-dir",
                    str(self.data_dir),
                    *(("--tls-cert", str(self.tls.cert), "--tls-key", str(self.tls.key)) if self.tls else ()),
                    *self.options,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                status = self._process.returncode
                raise RuntimeError(f"syncmld serve exited with {status}:\n{self.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"syncmld serve did not open port {self.port}:\n{self.log_tail()}")

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it lingers; returns the exit status (None if it was not running)."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def kill(self) -> None:
        """SIGKILL, as a crash would end it: no shutdown, whatever is in flight is lost."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def serving_one_account(data_dir: Path, email: str, password: str) -> Iterator[SyncmldServer]:
    """A ``syncmld serve`` process on a new data directory holding one account, stopped at the end."""
    running = SyncmldServer(data_dir)
    running.data_dir.mkdir(parents=True)
    running.add_account(email, password)
    running.start()
    try:
        yield running
    finally:
        running.stop()
