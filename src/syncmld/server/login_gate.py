"""A bound on the work messages without a session (logins) cause: a few are decoded and answered at
once, a few more wait for a place, and any beyond those are turned away (HTTP 503)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from syncmld.errors import LocalError
from syncmld.status import StatusCode


class GateFull(LocalError):
    """Every place and every waiting place is taken."""

    status = StatusCode.SERVICE_UNAVAILABLE


class LoginGate:
    def __init__(self, concurrency: int, queue: int) -> None:
        self._places = anyio.Semaphore(concurrency)
        self._limit = concurrency + queue
        self._admitted = 0

    @asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        """Hold one of the places for the block, after waiting for it; GateFull if even the queue is full."""
        if self._admitted >= self._limit:
            raise GateFull(f"{self._limit} logins are being answered or waiting")
        self._admitted += 1
        try:
            async with self._places:
                yield
        finally:
            self._admitted -= 1
