"""Connections that send too slowly or too much head are closed: uvicorn's HTTP/1.1 protocols (httptools or
h11) with read deadlines and a bound on a request's line and headers.

A connection has ``read_timeout`` seconds to send a request's headers, counted from its start or
from the end of the previous reply (uvicorn's keep-alive timeout closes idle connections sooner;
this one also catches a client sending a byte now and then). A body then gets ``read_timeout``
seconds of grace, after which it must have arrived at ``min_body_rate`` bytes a second on average:
a phone sending 1 MB over a 64 kbit/s link (8,000 bytes a second) passes easily, a client sending a
byte a second is cut off. Time while the server itself does not read (its buffer is full) is not
held against the client. A request line and headers longer than ``max_head_size`` bytes (counted as they
arrive, up to the blank line that ends them) are answered 431 and the connection closed.
"""

import asyncio
import logging
import re
import time
from collections.abc import Callable
from enum import Enum
from typing import ClassVar

import h11
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from syncmld.config import HttpImplementation

logger = logging.getLogger(__name__)

HEAD_END = re.compile(rb"\n\r?\n")
"""The blank line that ends a request's headers (both parsers take a bare LF for CRLF)."""


class _Reading(Enum):
    """What a connection is reading (httptools: the parser's callbacks say)."""

    HEAD = "head"
    BODY = "body"
    DONE = "done"
    """The request has been read whole; the app is answering it."""


class _Guard(asyncio.Protocol):
    """The deadlines and the head bound, over whichever protocol reports when a head and a body begin."""

    read_timeout: ClassVar[float] = 30.0
    min_body_rate: ClassVar[int] = 1000
    max_head_size: ClassVar[int] = 16 * 1024

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    flow: FlowControl
    client: tuple[str, int] | None

    _deadline: asyncio.TimerHandle | None = None
    _body_since = 0.0
    _body_bytes = 0
    _head_bytes = 0
    _head_tail = b""
    """The last bytes of the head so far, where a blank line split between two reads begins."""

    def _reading(self) -> _Reading:
        raise NotImplementedError

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's
        super().connection_made(transport)
        self._expect_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _expect_headers(self) -> None:
        self._head_bytes, self._head_tail = 0, b""
        self._schedule(self.read_timeout, self._check_headers)

    def _expect_body(self) -> None:
        self._body_since, self._body_bytes = time.monotonic(), 0
        self._schedule(self.read_timeout, self._check_body)

    def _head_allows(self, data: bytes) -> bool:
        """Count the bytes of ``data`` that belong to the head being read; False (and the connection answered
        431 and closed) when the head is longer than ``max_head_size``."""
        joined = self._head_tail + data
        end = HEAD_END.search(joined)
        size = self._head_bytes + (end.end() - len(self._head_tail) if end else len(data))
        if size <= self.max_head_size:
            self._head_bytes, self._head_tail = size, joined[-2:]
            return True
        reason = f"request line and headers longer than {self.max_head_size} bytes"
        self._cancel()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s\n" % (len(reason) + 1, reason.encode())
        )
        self._close(reason)
        return False

    def _check_headers(self) -> None:
        self._deadline = None
        if self._reading() is _Reading.HEAD and not self.transport.is_closing():
            self._close(f"no complete request headers within {self.read_timeout:g} s")

    def _check_body(self) -> None:
        self._deadline = None
        if self._reading() is not _Reading.BODY or self.transport.is_closing():
            return
        if self.flow.read_paused:
            self._schedule(self.read_timeout, self._check_body)
            return
        due = self._body_since + self.read_timeout + self._body_bytes / self.min_body_rate
        wait = due - time.monotonic()
        if wait > 0:
            self._schedule(wait, self._check_body)
        else:
            self._close(f"request body slower than {self.min_body_rate} bytes a second")

    def _close(self, reason: str) -> None:
        host = self.client[0] if self.client else "?"
        logger.warning("closed a connection from %s: %s", host, reason)
        self.transport.close()

    def _schedule(self, delay: float, check: Callable[[], None]) -> None:
        self._cancel()
        self._deadline = self.loop.call_later(delay, check)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None


class _GuardedH11Protocol(_Guard, H11Protocol):
    _H11_READING: ClassVar[dict[type[h11._util.Sentinel], _Reading]] = {
        h11.IDLE: _Reading.HEAD,
        h11.SEND_BODY: _Reading.BODY,
    }

    def _reading(self) -> _Reading:
        return self._H11_READING.get(self.conn.their_state, _Reading.DONE)

    def data_received(self, data: bytes) -> None:
        waiting_for_headers = self.conn.their_state is h11.IDLE
        if waiting_for_headers and not self._head_allows(data):
            return
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            if waiting_for_headers:
                self._expect_body()
            else:
                self._body_bytes += len(data)
        elif state is not h11.IDLE:
            self._cancel()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._expect_headers()


class _GuardedHttpToolsProtocol(_Guard, HttpToolsProtocol):
    _state = _Reading.HEAD

    def _reading(self) -> _Reading:
        return self._state

    def data_received(self, data: bytes) -> None:
        if self._state is _Reading.HEAD and not self._head_allows(data):
            return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._state is _Reading.DONE:  # a pipelined request begins while the app answers the last
            self._state = _Reading.HEAD
            self._expect_headers()

    def on_headers_complete(self) -> None:
        self._state = _Reading.BODY
        self._expect_body()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._state = _Reading.DONE
        self._cancel()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._state is _Reading.DONE and self.cycle.response_complete and not self.transport.is_closing():
            self._state = _Reading.HEAD
            self._expect_headers()


PROTOCOLS: dict[HttpImplementation, type[_Guard]] = {
    HttpImplementation.HTTPTOOLS: _GuardedHttpToolsProtocol,
    HttpImplementation.H11: _GuardedH11Protocol,
}


def guarded_protocol(
    implementation: HttpImplementation, read_timeout: float, min_body_rate: int, max_head_size: int
) -> type[asyncio.Protocol]:
    """uvicorn's protocol of ``implementation`` closing connections slower than these limits, or sending a
    longer head (``http=`` of uvicorn's Config)."""
    return type(
        f"Guarded{PROTOCOLS[implementation].__name__.lstrip('_')}",
        (PROTOCOLS[implementation],),
        {"read_timeout": read_timeout, "min_body_rate": min_body_rate, "max_head_size": max_head_size},
    )
