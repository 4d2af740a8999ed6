"""The servers the benchmarks run as processes of their own (Radicale, xandikos, ``syncmld serve``): each on a
free loopback port, its output in a log file, waited for until it listens, stopped when the block ends; and
Radicale's address books written as files, its own storage layout (its PUT of thousands of cards takes minutes)."""

import json
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def started(command: list[str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` running until the block ends, once it listens on ``port``; its output added to ``log``."""
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{' '.join(command[:3])} exited with {process.returncode}: {log.read_text()[-2000:]}"
                )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"nothing listens on port {port}") from None
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def radicale_book(storage: Path, user: str, cards: Iterable[bytes]) -> Path:
    """The address book ``contacts`` of ``user`` in Radicale's storage folder, holding ``cards`` (files
    ``bench-NNNNNN.vcf``); its folder."""
    book = storage / "collection-root" / user / "contacts"
    book.mkdir(parents=True)
    (book / ".Radicale.props").write_text(json.dumps({"tag": "VADDRESSBOOK", "D:displayname": "Contacts"}))
    for number, data in enumerate(cards):
        (book / f"bench-{number:06d}.vcf").write_bytes(data)
    return book


def radicale_command(python: Path | str, port: int, storage: Path, log_level: str, users: Path | None) -> list[str]:
    """Radicale on ``port`` over ``storage``, with the plain htpasswd file ``users`` (None: no login)."""
    auth = ["--auth-type", "none"]
    if users is not None:
        auth = [
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(users),
            "--auth-htpasswd-encryption",
            "plain",
        ]
    return [
        str(python), "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}", *auth,
        "--storage-filesystem-folder", str(storage), "--logging-level", log_level,
    ]  # fmt: skip
