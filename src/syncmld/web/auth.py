"""The web admin's gate: who may reach it (address, an admin user existing), its login (throttled like
SyncML logins, by ``engine.throttle``), its session (a signed cookie naming the admin and a digest of
their password hash, so a new password ends old sessions) and the CSRF token of its forms."""

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import parse_qs

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from syncmld.accounts import verify_password
from syncmld.config import ServerConfig
from syncmld.engine.throttle import ADDRESS_PREFIX, LoginGate, address_key, admit_keys
from syncmld.errors import RemoteError
from syncmld.server.body import BodyTooLarge, read_body
from syncmld.status import StatusCode
from syncmld.store.base import Store

logger = logging.getLogger(__name__)

SESSION_COOKIE = "syncmld_admin"
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=select_autoescape(default=True)
)

Handler = Callable[[Request], Awaitable[Response]]


class FormError(RemoteError):
    """A form that cannot be read, is too large or lacks the session's CSRF token: HTTP 400, 413 or 403 with
    the reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = StatusCode.of(status)


def password_mark(password_hash: str) -> str:
    """What the session cookie keeps of the admin's password hash: a new password ends the old sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def render(name: str, request: Request, status: int = 200, /, **values: object) -> HTMLResponse:
    """A page from ``templates/``, with the session's CSRF token and admin name."""
    session = request.session
    html = TEMPLATES.get_template(name).render(
        csrf=csrf_token(request), admin=session.get("admin"), base=request.scope.get("root_path", ""), **values
    )
    return HTMLResponse(html, status_code=status)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


async def read_form(request: Request, limit: int) -> dict[str, str]:
    """A form posted to the admin: read under ``limit`` bytes, its CSRF token checked against the session's."""
    try:
        body = await read_body(request, limit)
    except BodyTooLarge as error:
        raise FormError(413, str(error)) from error
    try:
        fields = {key: values[0] for key, values in parse_qs(body.decode(), strict_parsing=False).items()}
    except UnicodeDecodeError as error:
        raise FormError(400, "the form is not UTF-8") from error
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(fields.get("csrf", ""), expected):
        raise FormError(403, "the form's CSRF token is missing or not this session's: reload the page")
    return fields


class AdminAuth:
    """Who may reach and use the web admin."""

    def __init__(self, store: Store, config: ServerConfig) -> None:
        self.store = store
        self.config = config
        self.allowed = (
            None
            if config.admin_allow_ips.strip() == "*"
            else [ipaddress.ip_network(entry.strip(), strict=False) for entry in config.admin_allow_ips.split(",")]
        )

    def routes(self) -> list[Route]:
        return [
            Route("/login", self.gated(self.login_page), methods=["GET"]),
            Route("/login", self.gated(self.login), methods=["POST"]),
            Route("/logout", self.gated(self.logout), methods=["POST"]),
        ]

    def client(self, request: Request) -> str:
        return request.client.host if request.client else ""

    def reachable(self, request: Request) -> bool:
        if self.allowed is None:
            return True
        try:
            address = ipaddress.ip_address(self.client(request))
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.allowed)

    def gated(self, handler: Handler) -> Handler:
        """``handler`` behind the address check and the "is there an admin at all" check."""

        async def gate(request: Request) -> Response:
            if not self.reachable(request):
                logger.warning("refused the web admin to %s: not in --admin-allow-ips", self.client(request))
                return PlainTextResponse("the web admin is not open to this address\n", status_code=403)
            if not await run_in_threadpool(self.any_admin):
                return PlainTextResponse("no web admin: add an admin user with syncmld admin add\n", status_code=404)
            try:
                return await handler(request)
            except FormError as error:
                logger.warning("refused a web admin form from %s: %s", self.client(request), error)
                return PlainTextResponse(f"{error}\n", status_code=error.status)

        return gate

    def logged_in(self, handler: Handler) -> Handler:
        """``handler`` for a logged-in admin only; others are sent to the login page."""

        async def check(request: Request) -> Response:
            if await run_in_threadpool(self.current_admin, request) is None:
                request.session.pop("admin", None)
                return RedirectResponse(f"{request.scope.get('root_path', '')}/login", status_code=303)
            return await handler(request)

        return self.gated(check)

    def any_admin(self) -> bool:
        with self.store.transaction() as tx:
            return bool(tx.list_admin_users())

    def current_admin(self, request: Request) -> str | None:
        """The admin the session cookie names, while their password is the one they logged in with."""
        name, mark = request.session.get("admin"), request.session.get("mark")
        if not isinstance(name, str) or not isinstance(mark, str):
            return None
        with self.store.transaction() as tx:
            stored = tx.admin_password_hash(name)
        return name if stored is not None and hmac.compare_digest(password_mark(stored), mark) else None

    async def login_page(self, request: Request) -> Response:
        return render("login.html", request)

    async def login(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        name, password = fields.get("name", "")[:64], fields.get("password", "")
        address = address_key(self.client(request))
        gate, stored = await run_in_threadpool(self.admit, name, address)
        if gate.refused_by is not None:
            return render("login.html", request, 403, error="too many failed logins from here: try again later")
        accepted = stored is not None and await run_in_threadpool(verify_password, password, stored)
        await run_in_threadpool(self.note, gate, accepted)
        if gate.delay:
            await anyio.sleep(gate.delay)
        if not accepted:
            logger.warning("web admin login of %r from %s refused: wrong name or password", name, address)
            return render("login.html", request, 403, error="wrong name or password")
        logger.info("web admin login of %s from %s", name, address)
        request.session.clear()
        request.session.update({"admin": name, "mark": password_mark(stored or "")})
        csrf_token(request)
        return RedirectResponse(f"{request.scope.get('root_path', '')}/", status_code=303)

    def admit(self, name: str, address: str) -> tuple[LoginGate, str | None]:
        keys = (f"admin:{name}|{address}", ADDRESS_PREFIX + address)
        with self.store.transaction() as tx:
            gate = admit_keys(tx, keys, f"admin user {name!r}", True, self.config.login_throttle, time.time())
            return gate, tx.admin_password_hash(name)

    def note(self, gate: LoginGate, accepted: bool) -> None:
        with self.store.transaction() as tx:
            gate.note_result(tx, accepted, time.time())

    async def logout(self, request: Request) -> Response:
        await read_form(request, self.config.admin_form_size)
        request.session.clear()
        return RedirectResponse(f"{request.scope.get('root_path', '')}/login", status_code=303)
