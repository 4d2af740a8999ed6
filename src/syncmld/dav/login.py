"""HTTP Basic logins of DAV clients, through the same throttling and access rules as SyncML logins."""

import base64
import binascii
from dataclasses import dataclass
from http import HTTPStatus

from syncmld.engine.access import refusal
from syncmld.engine.api import ThrottleSettings
from syncmld.engine.auth import check_password, keep_item_key
from syncmld.engine.throttle import admit_keys, keys_for, login_email
from syncmld.store.base import Account, Transaction


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
    """The user and password of an ``Authorization: Basic ...`` header, None if it is not one."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def log_in(
    tx: Transaction, authorization: str | None, client_address: str, settings: ThrottleSettings, now: float
) -> DavLogin:
    """Check a request's Basic credentials: 401 without them or with wrong ones, 429 while its account and
    address (or its address) are locked, 403 for an account that may not sync."""
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
    refused = refusal(tx, account)
    if refused is not None:
        return DavLogin(None, HTTPStatus.FORBIDDEN, refused, gate.delay)
    gate.note_result(tx, True, now)
    if shown_key is not None:
        keep_item_key(tx, account, shown_key)
    return DavLogin(account, delay=gate.delay)
