"""Push tests: scripted devices syncing in process with the engine on every backend, and a delivery
worker whose clock is a little ahead, so that what is pending is due at once."""

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from syncmld.push.settings import PushSettings
from syncmld.push.worker import deliver_due
from syncmld.store.base import Store
from tests.engine.conftest import backups_dir, ctx, new_device, store, store_url  # noqa: F401 (fixtures)

SETTINGS = PushSettings(server_id="http://sync.example.org/syncml", quiet=1.0, retry_delay=30.0)
LATER = 5.0
"""Seconds the worker's clock is ahead: past the quiet time."""


def deliver(on: Store, settings: PushSettings = SETTINGS, ahead: float = LATER) -> int:
    """One pass of the delivery worker, ``ahead`` seconds in the future."""
    with httpx.Client(timeout=5) as client:
        return deliver_due(on, settings, client, "test-worker", lambda: time.time() + ahead)


@dataclass
class Hook:
    """A webhook receiver on a free loopback port answering ``status``; keeps what it got."""

    status: int = 204
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""
    before_answer: Callable[[], object] = lambda: None
    """Called once a notification is kept, before it is answered."""
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def keep(self, headers: dict[str, str], body: bytes) -> None:
        with self.arrived:
            self.received.append((headers, body))
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Whether ``count`` notifications arrived within ``timeout`` seconds."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.received) >= count, timeout)


@pytest.fixture
def webhook() -> Iterator[Hook]:
    hook = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hook.keep(dict(self.headers), body)
            hook.before_answer()
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_port}/push"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hook
    server.shutdown()
    server.server_close()
