"""Client authentication: syncml:auth-basic, syncml:auth-md5 (SyncML 1.1/1.2 digest) and syncml:auth-MAC.

The secret side comes from the store (the account's MD5 credential and password hash); a basic login
keeps the account's item key (for DES item encryption) up to date with the password it shows. Nonces
come from ``engine.nonces``: a device that has not logged in is challenged with a signed nonce and
nothing is written, a device that logged in has a stored one. An unknown account costs what a wrong
password costs: basic checks a dummy password hash, MD5 and HMAC compute the same digests with a dummy
credential.
"""

import base64
import binascii
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from syncmld.accounts import (
    UNMATCHABLE_PASSWORD_HASH,
    body_digest,
    item_key,
    mac_digest,
    md5_digest,
    normalise_email,
    verify_password,
)
from syncmld.engine.api import Request, ThrottleSettings
from syncmld.engine.failures import note_failure
from syncmld.engine.nonces import Nonces, next_nonce_text
from syncmld.errors import InvalidEmail
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MAC, AUTH_MD5, FORMAT_B64, AuthType
from syncmld.protocol.hmac_header import MacCredentials
from syncmld.protocol.messages import Chal, Cred, Meta
from syncmld.settings import AuthPolicy
from syncmld.status import StatusCode
from syncmld.store.base import Account, Accounts, Logins

log = logging.getLogger("syncmld.engine")

ACCEPTED_TYPES: dict[AuthPolicy, frozenset[str]] = {
    AuthPolicy.ANY: frozenset({AUTH_BASIC, AUTH_MD5, AUTH_MAC}),
    AuthPolicy.BASIC: frozenset({AUTH_BASIC}),
    AuthPolicy.MD5: frozenset({AUTH_MD5}),
    AuthPolicy.HMAC: frozenset({AUTH_MAC}),
}
"""The auth types each policy accepts."""
CHALLENGED_TYPE = {
    AuthPolicy.ANY: AUTH_MD5,
    AuthPolicy.BASIC: AUTH_BASIC,
    AuthPolicy.MD5: AUTH_MD5,
    AuthPolicy.HMAC: AUTH_MAC,
}
"""The auth type a challenge asks for under each policy."""
SERVER_DEVICE_PREFIX = "syncmld:"
"""Device references of the server's own clients (``syncmld:dav``, DAV clients' changes): a device that
names itself so is refused, so that it never shares their maps."""
DUMMY_MD5_CREDENTIAL = base64.b64encode(bytes(16)).decode()
"""What MD5 and HMAC digests of an account that does not exist (or has no MD5 secret) are computed with."""


class LoginStore(Accounts, Logins, Protocol):
    """What a login reads and writes: the accounts, failed logins and the devices' nonces."""


@dataclass(frozen=True)
class AuthResult:
    status: StatusCode
    account: Account | None
    chal: Chal | None
    reason: str
    failed_login: bool = True
    """False when the refusal is only the challenge a first contact needs: throttling ignores it."""
    auth_type: AuthType = AUTH_BASIC
    sign_reply: Callable[[bytes], MacCredentials] | None = None
    """Logged in with HMAC: signs the reply."""


def authenticate(
    tx: LoginStore,
    request: Request,
    policy: AuthPolicy,
    nonces: Nonces,
    throttle: ThrottleSettings,
    now: float,
    refusal: Callable[[Account], str | None],
    wrong_type_noted: bool,
) -> AuthResult:
    """Check the login's credentials against the accounts; issue the device's next nonce for MD5 and HMAC.

    With a forced policy, a device that logs in with another type is challenged once for the right one
    (per device and address: ``wrong_type_key``, whose failures the caller looked up: ``wrong_type_noted``);
    its next attempt with the wrong type is rejected without a challenge. An account that ``refusal`` turns
    away gets 403 and keeps its nonce: a device that is not challenged does not learn a new one.
    """
    header = request.message.header
    device = header.source.uri
    if device.casefold().startswith(SERVER_DEVICE_PREFIX):
        return AuthResult(StatusCode.FORBIDDEN, None, None, f"device ID {device[:80]!r} is reserved for the server")
    wanted = CHALLENGED_TYPE[policy]
    cred_type = credential_type(request)
    if cred_type is None:
        return AuthResult(
            StatusCode.MISSING_CREDENTIALS,
            None,
            challenge(tx, nonces, device, wanted, now),
            "no credentials",
            failed_login=False,
        )
    if cred_type not in ACCEPTED_TYPES[policy]:
        attempts = note_failure(tx, wrong_type_key(request), now, throttle) or 1
        if attempts > 1:
            return AuthResult(
                StatusCode.INVALID_CREDENTIALS,
                None,
                None,
                f"authentication type {cred_type} not accepted, again after a challenge for {wanted}",
            )
        return AuthResult(
            StatusCode.INVALID_CREDENTIALS,
            None,
            challenge(tx, nonces, device, wanted, now),
            f"authentication type {cred_type} not accepted: challenged for {wanted}",
        )
    auth_type = AuthType(cred_type)
    shown_key: str | None = None
    offered: bytes | None = None
    if auth_type == AUTH_BASIC:
        assert header.cred is not None
        account, reason, shown_key = _check_basic(tx, header.cred)
        stale, nonce = False, None
    else:
        account, reason, stale, nonce, offered = _check_digest(tx, request, auth_type, nonces, now)
    if stale:
        return AuthResult(
            StatusCode.INVALID_CREDENTIALS,
            None,
            challenge(tx, nonces, device, auth_type, now, offered),
            reason,
            failed_login=False,
        )
    if account is None:
        return AuthResult(
            StatusCode.INVALID_CREDENTIALS, None, challenge(tx, nonces, device, wanted, now, offered), reason
        )
    refused = refusal(account)
    if refused is not None:
        return AuthResult(StatusCode.FORBIDDEN, None, None, refused)
    if wrong_type_noted:
        tx.clear_login_failures(wrong_type_key(request))
    if shown_key is not None:
        keep_item_key(tx, account, shown_key)
    chal = None if auth_type == AUTH_BASIC else renewed_challenge(tx, nonces, device, auth_type, now)
    signer = reply_signer(account, nonce) if auth_type == AUTH_MAC and nonce is not None else None
    return AuthResult(
        StatusCode.AUTH_ACCEPTED, account, chal, "credentials accepted", auth_type=auth_type, sign_reply=signer
    )


def wrong_type_key(request: Request) -> str:
    """The key a login's attempts with an authentication type the policy does not accept are counted under."""
    return f"auth-type:{request.message.header.source.uri}|{request.client_address}"


def check_session_mac(
    tx: LoginStore, request: Request, account_id: int, nonces: Nonces, now: float
) -> tuple[Chal, Callable[[bytes], MacCredentials]] | str:
    """A message of a session that logged in with HMAC: the Chal with the device's next nonce and the
    reply's signer when its x-syncml-hmac header is right, else why not."""
    mac = request.mac
    if mac is None:
        return "the session logged in with HMAC, and the message has no x-syncml-hmac header"
    account = tx.get_account_by_id(account_id)
    if account is None or not account.md5_credential:
        return "the session's account has no MD5 secret any more"
    if mac.username.strip().lower() != account.email:
        return f"the x-syncml-hmac header names {mac.username!r}, not the session's account"
    device = request.message.header.source.uri
    nonce = nonces.stored(tx, device, now)
    if nonce is None or not hmac.compare_digest(
        mac.mac.strip().encode(), mac_digest(account.md5_credential, nonce, mac.body_digest).encode()
    ):
        return f"wrong HMAC for {account.email}: the body or the nonce is not the one signed"
    return renewed_challenge(tx, nonces, device, AUTH_MAC, now), reply_signer(account, nonce)


def credential_type(request: Request) -> str | None:
    """The auth type a login uses: auth-MAC with an x-syncml-hmac header, else the Cred's (basic when the
    Cred names none), None without credentials."""
    if request.mac is not None:
        return AUTH_MAC
    cred = request.message.header.cred
    if cred is None:
        return None
    cred_type = (cred.meta.type if cred.meta and cred.meta.type else AUTH_BASIC).strip().lower()
    return AUTH_MAC if cred_type == AUTH_MAC.lower() else cred_type


def challenge(
    tx: Logins, nonces: Nonces, device: str, auth_type: AuthType, now: float, offered: bytes | None = None
) -> Chal:
    """A Chal asking for ``auth_type``, with the nonce the device is to use (nothing is written): ``offered`` when
    the login read it already (``Nonces.good``), else the one ``Nonces.challenge`` reads."""
    if auth_type == AUTH_BASIC:
        return Chal(Meta(type=AUTH_BASIC, format=FORMAT_B64))
    nonce = offered if offered is not None else nonces.challenge(tx, device, now)
    return Chal(Meta(type=auth_type, format=FORMAT_B64, next_nonce=next_nonce_text(nonce)))


def renewed_challenge(tx: Logins, nonces: Nonces, device: str, auth_type: AuthType, now: float) -> Chal:
    """A Chal with a new stored nonce, for a device that has just authenticated."""
    nonce = nonces.renew(tx, device, now)
    return Chal(Meta(type=auth_type, format=FORMAT_B64, next_nonce=next_nonce_text(nonce)))


def basic_login(cred: Cred) -> tuple[str, str] | None:
    """The user and password of basic credentials (base64 of ``user:password``), None if unreadable."""
    return user_password(cred.data.encode() if isinstance(cred.data, str) else cred.data)


def user_password(encoded: bytes) -> tuple[str, str] | None:
    """The user and password of base64 ``user:password`` in UTF-8 (SyncML basic credentials, HTTP Basic),
    None if it is not that."""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _check_basic(tx: Accounts, cred: Cred) -> tuple[Account | None, str, str | None]:
    """A basic login: the account, why not, and the item key of the password it showed (when right)."""
    login = basic_login(cred)
    if login is None:
        return None, "basic credentials are not base64 of user:password", None
    return check_password(tx, *login)


def check_password(tx: Accounts, user: str, password: str) -> tuple[Account | None, str, str | None]:
    """A user name and password (of any protocol): the account, why not, and the item key of the password
    (when right). An unknown account costs what a wrong password costs."""
    account = _lookup(tx, user)
    matches = verify_password(password, account.password_hash if account else UNMATCHABLE_PASSWORD_HASH)
    if account is None:
        return None, f"unknown account {user!r}", None
    if not matches:
        return None, f"wrong password for {account.email}", None
    return account, "", item_key(password)


def keep_item_key(tx: Accounts, account: Account, shown_key: str) -> None:
    """Keep the item key of the password a basic login showed, when the account's differs."""
    if shown_key != account.item_key:
        tx.set_item_key(account.email, shown_key)
        log.info("account %s: item key kept from its basic login (DES item encryption)", account.email)


def _check_digest(
    tx: LoginStore, request: Request, cred_type: AuthType, nonces: Nonces, now: float
) -> tuple[Account | None, str, bool, bytes | None, bytes]:
    """An MD5 or HMAC login: the account, why not, whether its digest holds the right secret but a nonce
    the device was not given (a first contact, or a lost nonce: to be challenged, no failure), the
    nonce it was made with, and the nonce a challenge gives the device (``Nonces.challenge``'s)."""
    header = request.message.header
    user = request.mac.username if request.mac is not None else header.source.name
    account = _lookup(tx, user) if user else None
    credential = account.md5_credential if account is not None and account.md5_credential else DUMMY_MD5_CREDENTIAL
    sent = _sent_digest(request)
    digest = _digest_function(request)
    good = nonces.good(tx, header.source.uri, now)
    matched = [nonce for nonce in good if hmac.compare_digest(sent, digest(credential, nonce).encode())]
    offered = good[0]
    stale = hmac.compare_digest(sent, digest(credential, b"").encode())
    kind = "HMAC" if cred_type == AUTH_MAC else "MD5"
    if not user:
        where = "x-syncml-hmac username" if request.mac is not None else "SyncHdr Source LocName"
        return None, f"{kind} credentials without a user name ({where})", False, None, offered
    if account is None:
        return None, f"unknown account {user!r}", False, None, offered
    if not account.md5_credential:
        return (
            None,
            f"{account.email} has no MD5 secret (made under auth basic): {kind} needs its password set again",
            False,
            None,
            offered,
        )
    if matched:
        return account, "", False, matched[0], offered
    if stale:
        return None, f"{kind} credentials made with a nonce this device was not given", True, None, offered
    return None, f"wrong {kind} digest for {account.email}", False, None, offered


def _sent_digest(request: Request) -> bytes:
    if request.mac is not None:
        return request.mac.mac.strip().encode()
    cred = request.message.header.cred
    assert cred is not None
    sent = cred.data if isinstance(cred.data, str) else base64.b64encode(cred.data).decode()
    return sent.strip().encode()


def _digest_function(request: Request) -> Callable[[str, bytes], str]:
    mac = request.mac
    if mac is None:
        return md5_digest
    return lambda credential, nonce: mac_digest(credential, nonce, mac.body_digest)


def reply_signer(account: Account, nonce: bytes) -> Callable[[bytes], MacCredentials]:
    """Signs a reply body for a device logged in with HMAC, with the nonce its message was signed with."""

    def sign(body: bytes) -> MacCredentials:
        digest = body_digest(body)
        return MacCredentials(account.email, mac_digest(account.md5_credential, nonce, digest), digest)

    return sign


def _lookup(tx: Accounts, user: str) -> Account | None:
    try:
        email = normalise_email(user)
    except InvalidEmail:
        return None
    return tx.get_account(email)
