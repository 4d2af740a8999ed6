"""The server's ASGI entry: a POST to a SyncML endpoint goes straight to its handler, every other request
through Starlette's routes (whose router, middleware and exception wrappers cost more than a SyncML message's
HTTP part itself)."""

from collections.abc import Awaitable, Callable, Iterable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


class SyncMLFirst:
    """``handler`` for POSTs to ``paths``, ``rest`` for everything else (the lifespan included)."""

    def __init__(self, paths: Iterable[str], handler: Callable[[Request], Awaitable[Response]], rest: Starlette):
        self.paths = frozenset(paths)
        self.handler = handler
        self.rest = rest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.paths:
            response = await self.handler(Request(scope, receive, send))
            await response(scope, receive, send)
        else:
            await self.rest(scope, receive, send)
