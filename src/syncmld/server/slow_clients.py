"""Connections that send too slowly are closed: uvicorn's HTTP/1.1 protocol with read deadlines.

A connection has ``read_timeout`` seconds to send a request's headers, counted from its start or
from the end of the previous reply (uvicorn's keep-alive timeout closes idle connections sooner;
this one also catches a client sending a byte now and then). A body then gets ``read_timeout``
seconds of grace, after which it must have arrived at ``min_body_rate`` bytes a second on average:
a phone sending 1 MB over a 64 kbit/s link (8,000 bytes a second) passes easily, a client sending a
byte a second is cut off. Time while the server itself does not read (its buffer is full) is not
held against the client.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)


class _GuardedH11Protocol(H11Protocol):
    read_timeout: ClassVar[float] = 30.0
    min_body_rate: ClassVar[int] = 1000

    _deadline: asyncio.TimerHandle | None = None
    _body_since = 0.0
    _body_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's
        super().connection_made(transport)
        self._expect_headers()

    def data_received(self, data: bytes) -> None:
        waiting_for_headers = self.conn.their_state is h11.IDLE
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            if waiting_for_headers:
                self._body_since, self._body_bytes = time.monotonic(), 0
                self._schedule(self.read_timeout, self._check_body)
            else:
                self._body_bytes += len(data)
        elif state is not h11.IDLE:
            self._cancel()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._expect_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _expect_headers(self) -> None:
        self._schedule(self.read_timeout, self._check_headers)

    def _check_headers(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._close(f"no complete request headers within {self.read_timeout:g} s")

    def _check_body(self) -> None:
        self._deadline = None
        if self.conn.their_state is not h11.SEND_BODY or self.transport.is_closing():
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


def guarded_protocol(read_timeout: float, min_body_rate: int) -> type[H11Protocol]:
    """uvicorn's h11 protocol closing connections slower than these limits (``http=`` of uvicorn's Config)."""

    class GuardedH11Protocol(_GuardedH11Protocol):
        pass

    GuardedH11Protocol.read_timeout = read_timeout
    GuardedH11Protocol.min_body_rate = min_body_rate
    return GuardedH11Protocol
