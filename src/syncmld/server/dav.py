"""The CardDAV and CalDAV endpoint: the HTTP side of ``syncmld.dav``.

Each request logs in with HTTP Basic before its body is read (a few logins are checked at once, as for
SyncML); its body is then read under ``--dav-max-body`` and the request is answered in one store
transaction, which is rolled back when the answer is a refusal. ``/.well-known/carddav`` and ``caldav``
redirect to the DAV root (RFC 6764).
"""

import logging
import time
from collections.abc import Callable
from http import HTTPStatus

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.requests import Request as HTTPRequest
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from syncmld.config import ServerConfig
from syncmld.dav.adapter import DAV_DEVICE, StoreBackend
from syncmld.dav.api import DavError, DavRequest, DavResponse, Method, UnreadableItem
from syncmld.dav.handler import DavContext, handle, refusal
from syncmld.dav.login import DavLogin, log_in
from syncmld.dav.paths import Layout, split
from syncmld.engine import access
from syncmld.errors import ConfigError
from syncmld.escape import quoted
from syncmld.history.recording import dav_session
from syncmld.server.body import BodyTooLarge, read_body
from syncmld.server.login_gate import GateFull, LoginGate
from syncmld.server.responses import busy, internal_error, plain_error
from syncmld.store.base import Account, Store

logger = logging.getLogger(__name__)

REALM = 'Basic realm="syncmld", charset="UTF-8"'
SHOWN_PATH = 120
"""Characters of a request's path quoted in the log."""


def dav_routes(store: Store, config: ServerConfig, logins: LoginGate) -> list[BaseRoute]:
    """The routes of the DAV tree at ``config.dav_path`` and of the well-known redirects."""
    layout = Layout(config.dav_path)
    context = DavContext(layout, config.dav)

    def logged_in(authorization: str | None, client: str) -> DavLogin:
        with store.transaction() as tx:
            return log_in(
                tx,
                authorization,
                client,
                config.login_throttle,
                time.time(),
                lambda account: access.refusal(tx, account),
            )

    def answer(request: DavRequest, account: Account) -> DavResponse:
        """The response, in one transaction; a refused request's is rolled back."""
        try:
            with store.transaction() as tx:
                now = time.time()
                tx.record_changes_as(dav_session(account.id, DAV_DEVICE, now))
                return handle(request, StoreBackend(tx, account, now), context)
        except (DavError, UnreadableItem) as error:
            return refusal(error)

    async def endpoint(http: HTTPRequest) -> Response:
        client = http.client.host if http.client else ""
        shown = quoted(http.url.path, SHOWN_PATH)
        try:
            return await answered(http, client, shown)
        except ConfigError as error:
            logger.error("failed to answer DAV %s %s from %s: %s", http.method, shown, client, error)
        except Exception:
            logger.exception("failed to answer DAV %s %s from %s", http.method, shown, client)
        return internal_error()

    async def answered(http: HTTPRequest, client: str, shown: str) -> Response:
        started = time.perf_counter()
        try:
            async with logins.place():
                login = await run_in_threadpool(logged_in, http.headers.get("authorization"), client)
        except GateFull:
            logger.warning("refused a DAV request from %s: too many logins at once", client)
            return busy()
        if login.delay:
            await anyio.sleep(login.delay)
        if login.account is None:
            level = logging.INFO if login.status == HTTPStatus.UNAUTHORIZED and not login.counted else logging.WARNING
            logger.log(level, "dav %s %s from %s: %d %s", http.method, shown, client, login.status, login.reason)
            headers = {"WWW-Authenticate": REALM} if login.status == HTTPStatus.UNAUTHORIZED else {}
            return PlainTextResponse(f"{login.reason}\n", login.status, headers)
        try:
            body = await read_body(http, config.dav.max_body)
        except BodyTooLarge:
            logger.warning(
                "dav %s %s from %s: body larger than %d bytes", http.method, shown, client, config.dav.max_body
            )
            return plain_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body larger than {config.dav.max_body} bytes")
        except ClientDisconnect:
            logger.warning(
                "dav %s %s from %s: the connection ended before the body was complete", http.method, shown, client
            )
            return plain_error(HTTPStatus.BAD_REQUEST, "the connection ended before the body was complete")
        request = DavRequest(
            method=http.method,
            segments=split(http.url.path[len(layout.root) :]),
            headers={name.lower(): value for name, value in http.headers.items()},
            body=body,
        )
        response = await run_in_threadpool(answer, request, login.account)
        ms = (time.perf_counter() - started) * 1000
        account = login.account.email
        if response.status >= HTTPStatus.BAD_REQUEST:
            logger.warning(
                "dav %s %s account=%s: %d %s (ms=%.0f)",
                http.method,
                shown,
                account,
                response.status,
                response.reason,
                ms,
            )
        else:
            logger.info(
                "dav %s %s account=%s: %d in=%dB out=%dB ms=%.0f",
                http.method, shown, account, response.status, len(body), len(response.body), ms,
            )  # fmt: skip
        return Response(response.body, response.status, response.headers)

    def redirect(_: HTTPRequest) -> Response:
        return RedirectResponse(layout.service(), HTTPStatus.MOVED_PERMANENTLY)

    methods = list(Method)
    well_known: Callable[[HTTPRequest], Response] = redirect
    return [
        Route(layout.root, endpoint, methods=methods),
        Route(layout.root + "/{rest:path}", endpoint, methods=methods),
        Route("/.well-known/carddav", well_known, methods=methods),
        Route("/.well-known/caldav", well_known, methods=methods),
    ]
