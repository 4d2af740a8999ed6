"""The web admin's changes to accounts, domains and the access list: what ``syncmld account``,
``domain`` and ``access`` do, from forms (each with the session's CSRF token), each logged with the
admin's name."""

import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from syncmld.accounts import (
    hash_password,
    item_key,
    md5_secret,
    normalise_access_entry,
    normalise_domain,
    normalise_email,
)
from syncmld.config import ServerConfig
from syncmld.errors import InvalidEmail
from syncmld.store.base import AlreadyExists, NotFound, Store, Transaction
from syncmld.web.auth import AdminAuth, FormError, read_form

logger = logging.getLogger(__name__)

Change = Callable[[Transaction], object]


def field(fields: dict[str, str], name: str, normalise: Callable[[str], str]) -> str:
    """A form field in its kept form; HTTP 400 with the reason when it has none."""
    try:
        return normalise(fields.get(name, ""))
    except InvalidEmail as error:
        raise FormError(400, str(error)) from error


def password(fields: dict[str, str]) -> str:
    secret = fields.get("password", "")
    if not secret:
        raise FormError(400, "the password must not be empty")
    return secret


class Manage:
    """The forms that change accounts, domains and the access list."""

    def __init__(self, store: Store, config: ServerConfig, auth: AdminAuth) -> None:
        self.store = store
        self.config = config
        self.auth = auth

    def routes(self) -> list[Route]:
        page = self.auth.logged_in
        return [
            Route("/accounts/add", page(self.add_account), methods=["POST"]),
            Route("/accounts/remove", page(self.remove_account), methods=["POST"]),
            Route("/accounts/password", page(self.reset_password), methods=["POST"]),
            Route("/domains/add", page(self.add_domain), methods=["POST"]),
            Route("/domains/enabled", page(self.set_domain_enabled), methods=["POST"]),
            Route("/access/allow", page(self.access_allow), methods=["POST"]),
            Route("/access/deny", page(self.access_deny), methods=["POST"]),
        ]

    async def apply(self, request: Request, change: Change, done: str) -> Response:
        """Make ``change`` in a transaction, log ``done``, and go back to the accounts page; a change of
        something missing or already there is HTTP 404 or 409 with the reason, and changes nothing."""
        try:
            await run_in_threadpool(self.run, change)
        except NotFound as error:
            return PlainTextResponse(f"{error}\n", status_code=404)
        except AlreadyExists as error:
            return PlainTextResponse(f"{error}\n", status_code=409)
        logger.info("web admin %s: %s", request.session.get("admin"), done)
        return RedirectResponse(f"{request.scope.get('root_path', '')}/accounts", status_code=303)

    def run(self, change: Change) -> None:
        with self.store.transaction() as tx:
            change(tx)

    async def add_account(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        email, secret = field(fields, "email", normalise_email), password(fields)

        def add(tx: Transaction) -> None:
            tx.add_account(email, md5_secret(tx, email, secret), hash_password(secret), item_key(secret))

        return await self.apply(request, add, f"added account {email}")

    async def remove_account(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        email = field(fields, "email", normalise_email)
        if fields.get("confirm") != email:
            raise FormError(400, f"type {email} in the box beside Remove to remove it with everything it owns")
        return await self.apply(request, lambda tx: tx.remove_account(email), f"removed account {email}")

    async def reset_password(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        email, secret = field(fields, "email", normalise_email), password(fields)

        def reset(tx: Transaction) -> None:
            tx.set_credentials(email, md5_secret(tx, email, secret), hash_password(secret), item_key(secret))

        return await self.apply(request, reset, f"changed the password of {email}")

    async def add_domain(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        name = field(fields, "domain", normalise_domain)
        return await self.apply(request, lambda tx: tx.add_domain(name), f"added domain {name}")

    async def set_domain_enabled(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        name, enabled = field(fields, "domain", normalise_domain), fields.get("enabled") == "1"
        change = f"SyncML {'enabled' if enabled else 'disabled'} for domain {name}"
        return await self.apply(request, lambda tx: tx.set_domain_enabled(name, enabled), change)

    async def access_allow(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        entry = field(fields, "entry", normalise_access_entry)
        return await self.apply(request, lambda tx: tx.access_allow(entry), f"{entry} is on the access list")

    async def access_deny(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        entry = field(fields, "entry", normalise_access_entry)
        return await self.apply(request, lambda tx: tx.access_deny(entry), f"took {entry} off the access list")
