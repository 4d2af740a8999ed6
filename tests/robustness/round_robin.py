"""A round-robin HTTP proxy: each POST goes to the next server in turn; it records which server got
which message of which SyncML session, and can lose the reply that ends a device's session."""

import http.client
import itertools
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode
from syncmld.protocol.messages import Status

SessionKey = tuple[str, str]
"""A SyncML session: the device ID and the SessionID of its header."""

FORWARD_TIMEOUT_S = 120


class RoundRobinProxy:
    """Listens on a free loopback port; ``url`` is the SyncML URL to give clients."""

    def __init__(self, server_urls: list[str], path: str = "/syncml") -> None:
        self.servers = [urlsplit(url) for url in server_urls]
        self.path = path
        self.forwarded: list[tuple[SessionKey | None, int]] = []
        """(session of the message, index of the server it went to), in order."""
        self._turns = itertools.count()
        self._losing: set[str] = set()
        self._lost: set[SessionKey] = set()
        self.lost_ends: list[SessionKey] = []
        """Sessions whose last reply was lost, in order."""
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._http.serve_forever, name="round-robin-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}{self.path}"

    def servers_by_session(self) -> dict[SessionKey, list[int]]:
        """For each session, the servers its messages went to, in order."""
        found: dict[SessionKey, list[int]] = defaultdict(list)
        for session, server in self.forwarded:
            if session is not None:
                found[session].append(server)
        return dict(found)

    def lose_next_end(self, device_id: str) -> None:
        """The reply that ends the device's next session (the server has completed the sync) never
        reaches it, as when the network fails at that moment: its connection closes without an
        answer, and so does that of every message the device sends again in that session."""
        with self._lock:
            self._losing.add(device_id)

    def passes(self, session: SessionKey | None, reply: bytes, content_type: str) -> bool:
        """Whether the reply to a message of ``session`` goes back to the client."""
        if session is None:
            return True
        with self._lock:
            if session in self._lost:
                return False
            if session[0] not in self._losing or not _ends_session(reply, content_type):
                return True
            self._losing.discard(session[0])
            self._lost.add(session)
            self.lost_ends.append(session)
            return False

    def forward(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        """Send one POST to the next server; its status, content type and body."""
        session = _session_of(body, headers.get("Content-Type"))
        with self._lock:
            server = next(self._turns) % len(self.servers)
            self.forwarded.append((session, server))
        target = self.servers[server]
        connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=FORWARD_TIMEOUT_S)
        try:
            # The client's Host header goes along: the server builds its RespURI from it, so the
            # session's next messages come back through the proxy.
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                passed = {name: self.headers[name] for name in ("Host", "Content-Type") if name in self.headers}
                status, content_type, answer = proxy.forward(self.path, passed, body)
                if not proxy.passes(_session_of(body, passed.get("Content-Type")), answer, content_type):
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the servers log every message."""

        return Handler

    def __enter__(self) -> "RoundRobinProxy":
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._http.shutdown()
        self._http.server_close()


def _session_of(body: bytes, content_type: str | None) -> SessionKey | None:
    try:
        header = decode(body, content_type).message.header
    except DecodeError:
        return None
    return header.source.uri, header.session_id


def _ends_session(reply: bytes, content_type: str) -> bool:
    """A final server message of statuses only: the answer to the client's last message."""
    try:
        message = decode(reply, content_type).message
    except DecodeError:
        return False
    return message.final and all(isinstance(command, Status) for command in message.commands)
