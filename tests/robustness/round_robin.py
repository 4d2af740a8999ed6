"""A round-robin HTTP proxy: each POST goes to the next server in turn; it records which server got
which message of which SyncML session."""

import http.client
import itertools
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode

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

    def forward(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        """Send one POST to the next server; its status, content type and body."""
        try:
            header = decode(body, headers.get("Content-Type")).message.header
            session: SessionKey | None = (header.source.uri, header.session_id)
        except DecodeError:
            session = None
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
