"""HTTP Basic logins of DAV clients, through the same throttling and access rules as SyncML logins."""

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from syncmld.engine.api import ThrottleSettings
from syncmld.engine.auth import LoginStore, check_password, keep_item_key, user_password
from syncmld.engine.throttle import admit_keys, keys_for, login_email
from syncmld.store.base import Account


@dataclass(frozen=True)
class DavLogin:
    """A DAV request's login: the account, or the status and reason it is refused with."""

    account: Account | None
    status: HTTPStatus = HTTPStatus.OK
    reason: str = ""
    delay: float = 0.0
    """Seconds the answer waits (a throttled login), successful or not."""
    counted: bool = False
    """A refusal that counts as a failed login."""


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """The user and password of an ``Authorization: Basic ...`` header (as HTTP servers decode headers:
    Latin-1), None if it is not one."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    return user_password(value.encode("latin-1", "replace"))


def log_in(
    tx: LoginStore,
    authorization: str | None,
    client_address: str,
    settings: ThrottleSettings,
    now: float,
    refusal: Callable[[Account], str | None],
) -> DavLogin:
    """Check a request's Basic credentials: 401 without them or with wrong ones, 429 while its account and
    address (or its address) are locked, 403 for an account ``refusal`` turns away. As in a SyncML login,
    a refused account counts as a failed login even with the right password: a disabled account's
    password cannot be tried at leisure, and trying tells no more than a wrong one."""
    if authorization is None:
        return DavLogin(None, HTTPStatus.UNAUTHORIZED, "no credentials")
    credentials = basic_credentials(authorization)
    who = f"DAV client {client_address}"
    email = login_email(credentials[0]) if credentials is not None else None
    gate = admit_keys(tx, keys_for(email, client_address), who, True, settings, now)
    if gate.refused_by is not None:
        return DavLogin(None, HTTPStatus.TOO_MANY_REQUESTS, f"{gate.refused_by} is locked after failed logins")
    if credentials is None:
        gate.note_result(tx, False, now)
        return DavLogin(None, HTTPStatus.UNAUTHORIZED, "credentials are not HTTP Basic", gate.delay, True)
    account, reason, shown_key = check_password(tx, *credentials)
    if account is None:
        gate.note_result(tx, False, now)
        return DavLogin(None, HTTPStatus.UNAUTHORIZED, reason, gate.delay, True)
    refused = refusal(account)
    gate.note_result(tx, refused is None, now)
    if refused is not None:
        return DavLogin(None, HTTPStatus.FORBIDDEN, refused, gate.delay, True)
    if shown_key is not None:
        keep_item_key(tx, account, shown_key)
    return DavLogin(account, delay=gate.delay)
