"""A real ``syncmld serve`` process on a free port (``--port 0``), its log in a file, stopped by SIGTERM."""

import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from tests.commands import run_syncmld

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
SERVING = re.compile(r"serving SyncML at (https?://127\.0\.0\.1:(\d+)/syncml)")


def syncmld(*args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``syncmld`` command with the interpreter running the tests; fails the caller if it fails."""
    done = run_syncmld(*args)
    if done.returncode != 0:
        raise AssertionError(f"syncmld {' '.join(args)} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


class ServeProcess:
    """``syncmld serve --host 127.0.0.1 --port 0 ARGS``, started on entering, stopped on leaving."""

    def __init__(self, log_path: Path, *args: str) -> None:
        self.log_path = log_path
        self.args = args
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, pattern: re.Pattern[str], timeout: float = START_TIMEOUT_S) -> re.Match[str]:
        """The first match of ``pattern`` in the log, waiting for it to appear."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.search(self.log)
            if found:
                return found
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no {pattern.pattern!r} in the log of syncmld serve:\n{self.log}")

    def start(self) -> "ServeProcess":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "syncmld", "serve", "--host", "127.0.0.1", "--port", "0", *self.args],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.url = self.wait_for_log(SERVING).group(1)
        return self

    def stop(self) -> int:
        """SIGTERM, and its exit status (SIGKILL after a timeout, failing the caller)."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"syncmld serve did not stop on SIGTERM:\n{self.log}") from None
        return self.process.returncode

    def __enter__(self) -> "ServeProcess":
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
