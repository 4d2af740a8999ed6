"""A real ``syncmld serve`` subprocess on a free loopback port, and its CLI."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests import processes
from tests.commands import run_syncmld
from tests.server.certificates import Certificates

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Login:
    """An account's credentials."""

    email: str
    password: str


def syncmld(*args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``syncmld`` CLI command in the test process."""
    return run_syncmld(*args)


class SyncmldServer:
    """``syncmld serve --host 127.0.0.1 --port PORT --data-dir DIR``, started and stopped on demand; with
    ``tls``, over HTTPS with that certificate; ``options`` go to ``serve`` as they are."""

    def __init__(self, data_dir: Path, tls: Certificates | None = None, options: tuple[str, ...] = ()) -> None:
        self.data_dir = data_dir
        self.options = options
        """Further ``serve`` options."""
        self.port = processes.free_port()
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
        command = [sys.executable, "-m", "syncmld", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--data-dir", str(self.data_dir)]
        command += ["--tls-cert", str(self.tls.cert), "--tls-key", str(self.tls.key)] if self.tls else []
        self._process = processes.launch([*command, *self.options], self.port, self.log_path, START_TIMEOUT_S)

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it lingers; returns the exit status (None if it was not running)."""
        process, self._process = self._process, None
        return None if process is None else processes.stop(process, STOP_TIMEOUT_S)

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
