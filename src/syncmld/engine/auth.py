"""Client authentication: syncml:auth-basic and syncml:auth-md5 (SyncML 1.1/1.2 digest).

The secret side comes from the store (the account's MD5 credential and password hash); the nonce
for MD5 is per device and persisted, so it survives restarts and reaches every worker.
"""

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from syncmld.accounts import md5_digest, normalise_email, verify_password
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5, FORMAT_B64
from syncmld.protocol.messages import Chal, Cred, Meta, SyncHdr
from syncmld.status import StatusCode
from syncmld.store.base import Account, Transaction


@dataclass(frozen=True)
class AuthResult:
    status: StatusCode
    account: Account | None
    chal: Chal | None
    reason: str
    failed_login: bool = True
    """False when the refusal is only the challenge a first contact needs: throttling ignores it."""


def new_nonce() -> str:
    """A fresh nonce, base64 as NextNonce carries it. Its bytes are printable ASCII: clients built
    on the Synthesis engine (SyncEvolution) keep the nonce as a C string, cut short at a NUL byte."""
    return base64.b64encode(secrets.token_urlsafe(12).encode()).decode()


def authenticate(
    tx: Transaction, header: SyncHdr, policy: str, now: float, refusal: Callable[[Account], str | None]
) -> AuthResult:
    """Check the header's credentials against the accounts; issue the next nonce for MD5.

    With a forced policy (basic or md5), a device that logs in with the other type is challenged
    once for the right one; its next attempt with the wrong type is rejected without a challenge.
    An account that ``refusal`` turns away gets 403 and keeps its nonce: a device that is not
    challenged does not learn a new one.
    """
    cred = header.cred
    wanted = AUTH_BASIC if policy == "basic" else AUTH_MD5
    if cred is None:
        return AuthResult(StatusCode.MISSING_CREDENTIALS, None, _challenge(tx, header, wanted),
                          "no credentials")
    cred_type = (cred.meta.type if cred.meta and cred.meta.type else AUTH_BASIC).strip().lower()
    wrong_type_key = f"auth-type:{header.source.uri}"
    if cred_type not in (AUTH_BASIC, AUTH_MD5) or (policy in ("basic", "md5") and cred_type != wanted):
        attempts = tx.note_login_failure(wrong_type_key, now).count
        if attempts > 1:
            return AuthResult(StatusCode.INVALID_CREDENTIALS, None, None,
                              f"authentication type {cred_type} not accepted, again after a challenge for {wanted}")
        return AuthResult(StatusCode.INVALID_CREDENTIALS, None, _challenge(tx, header, wanted),
                          f"authentication type {cred_type} not accepted: challenged for {wanted}")
    tx.clear_login_failures(wrong_type_key)
    if cred_type == AUTH_MD5 and tx.get_nonce(header.source.uri) is None:
        # a first contact computes the digest with an empty nonce: accepting it would make a captured
        # first login a password equivalent under any new device ID
        return AuthResult(StatusCode.INVALID_CREDENTIALS, None, _challenge(tx, header, wanted),
                          "MD5 credentials without a nonce issued to this device: challenged", failed_login=False)
    if cred_type == AUTH_BASIC:
        account, reason = _check_basic(tx, cred)
    else:
        account, reason = _check_md5(tx, header, cred)
    if account is None:
        return AuthResult(StatusCode.INVALID_CREDENTIALS, None, _challenge(tx, header, wanted), reason)
    refused = refusal(account)
    if refused is not None:
        return AuthResult(StatusCode.FORBIDDEN, None, None, refused)
    chal = _challenge(tx, header, AUTH_MD5) if cred_type == AUTH_MD5 else None
    return AuthResult(StatusCode.AUTH_ACCEPTED, account, chal, "credentials accepted")


def _challenge(tx: Transaction, header: SyncHdr, auth_type: str) -> Chal:
    if auth_type == AUTH_BASIC:
        return Chal(Meta(type=AUTH_BASIC, format=FORMAT_B64))
    nonce = new_nonce()
    tx.set_nonce(header.source.uri, nonce)
    return Chal(Meta(type=AUTH_MD5, format=FORMAT_B64, next_nonce=nonce))


def basic_login(cred: Cred) -> tuple[str, str] | None:
    """The user and password of basic credentials (base64 of ``user:password``), None if unreadable."""
    raw = cred.data.encode() if isinstance(cred.data, str) else cred.data
    try:
        decoded = base64.b64decode(raw.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _check_basic(tx: Transaction, cred: Cred) -> tuple[Account | None, str]:
    login = basic_login(cred)
    if login is None:
        return None, "basic credentials are not base64 of user:password"
    user, password = login
    account = _lookup(tx, user)
    if account is None:
        return None, f"unknown account {user!r}"
    if not verify_password(password, account.password_hash):
        return None, f"wrong password for {account.email}"
    return account, ""


def _check_md5(tx: Transaction, header: SyncHdr, cred: Cred) -> tuple[Account | None, str]:
    user = header.source.name
    if not user:
        return None, "MD5 credentials without a user name (SyncHdr Source LocName)"
    account = _lookup(tx, user)
    if account is None:
        return None, f"unknown account {user!r}"
    try:
        nonce = base64.b64decode(tx.get_nonce(header.source.uri) or "")
    except binascii.Error:
        nonce = b""
    sent = cred.data if isinstance(cred.data, str) else base64.b64encode(cred.data).decode()
    expected = md5_digest(account.md5_credential, nonce)
    if not hmac.compare_digest(sent.strip().encode(), expected.encode()):
        return None, f"wrong MD5 digest for {account.email}"
    return account, ""


def _lookup(tx: Transaction, user: str) -> Account | None:
    try:
        email = normalise_email(user)
    except ValueError:
        return None
    return tx.get_account(email)
