"""The servers tests run as processes of their own: a free loopback port, a start that waits until the process
listens on it, and a stop that does not hang."""

import signal
import socket
import subprocess
import time
from pathlib import Path

STOP_TIMEOUT_S = 20.0
POLL_S = 0.02
"""How often a start looks whether the process listens yet: a connection attempt to a closed loopback port costs
microseconds, and each wait for a server ends on average half a poll after it listens."""


def free_ports(count: int) -> list[int]:
    """``count`` different loopback ports free at the moment (all held open together while they are found)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    return free_ports(1)[0]


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float, log: Path | None = None) -> None:
    """Return once something listens on ``port``; RuntimeError (with the end of ``log``) when ``process`` exits
    first or nothing listens within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{_tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(POLL_S)
    raise RuntimeError(f"{process.args!r} did not open port {port}:\n{_tail(log)}")


def launch(command: list[str], port: int, log: Path, timeout: float) -> subprocess.Popen[bytes]:
    """``command`` started with its output added to ``log``, once it listens on ``port`` (else it is stopped and
    RuntimeError says why)."""
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, timeout, log)
    except RuntimeError:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_S) -> int:
    """SIGTERM, then SIGKILL if it lingers past ``timeout`` seconds; its exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def _tail(log: Path | None, characters: int = 2000) -> str:
    return log.read_text(errors="replace")[-characters:] if log is not None and log.exists() else ""
