"""Login throttling: failed logins counted per claimed account and per client address.

Each login attempt (the first message of a session) names up to two keys, ``login:<email>`` and
``addr:<ip>``. A key's failures are remembered for ``period`` seconds after the latest one. With
``delay_after`` of them, the reply to every further login on that key is delayed, successful or
not, so the delay tells nothing about the password. With ``lock_after`` of them the key is locked:
logins are refused with 403 without their credentials being checked, whatever the password, until
the period has passed. A successful login forgets the failures of its account and of its address
(the address too: many legitimate devices share one address behind NAT, and each device's first MD5
login fails once for want of a nonce).
"""

import logging
import time
from dataclasses import dataclass, replace

from syncmld.accounts import normalise_email
from syncmld.engine.api import ThrottleSettings
from syncmld.engine.auth import basic_login
from syncmld.protocol.constants import AUTH_BASIC
from syncmld.protocol.messages import Cred, SyncHdr
from syncmld.store.base import LoginFailures, Transaction

log = logging.getLogger("syncmld.engine")

MAX_EMAIL_LENGTH = 254
"""The longest e-mail address (RFC 5321): a longer claimed login names no account and no key."""


@dataclass(frozen=True)
class LoginGate:
    """What throttling decided about one login attempt before its credentials are checked."""

    settings: ThrottleSettings
    failures: dict[str, LoginFailures | None]
    """The failures remembered for each key the attempt names (None: none, or forgotten)."""
    with_credentials: bool
    refused_by: str | None = None
    """The locked key the attempt is refused for; None when its credentials are to be checked."""
    delay: float = 0.0
    """Seconds the reply waits."""

    def note_result(self, tx: Transaction, succeeded: bool, now: float) -> None:
        """Count a failed login against the attempt's keys, or forget their failures after a success.

        A message without credentials is no failed login: it asks for the challenge."""
        if succeeded:
            for key, noted in self.failures.items():
                if noted is not None:
                    tx.clear_login_failures(key)
                    log.info("%s: %d failed logins forgotten after a successful login", key, noted.count)
            return
        if not self.with_credentials:
            return
        for key, noted in self.failures.items():
            if noted is None:
                tx.clear_login_failures(key)
            count = tx.note_login_failure(key, now).count
            if count >= self.settings.lock_after:
                log.warning("%s locked until %s after %d failed logins", key,
                            _utc(now + self.settings.period), count)


def admit(tx: Transaction, header: SyncHdr, client_address: str, settings: ThrottleSettings,
          now: float) -> LoginGate:
    """Look up the attempt's keys: refused if one is locked, delayed if one has too many failures."""
    failures = {key: _remembered(tx.login_failures(key), settings, now)
                for key in login_keys(header, client_address)}
    gate = LoginGate(settings, failures, header.cred is not None)
    throttled = []
    for key, noted in failures.items():
        if noted is None:
            continue
        if noted.count >= settings.lock_after:
            log.warning("login of device %s refused without checking credentials: %s is locked until %s "
                        "after %d failed logins", header.source.uri, key, _utc(noted.last_at + settings.period),
                        noted.count)
            return replace(gate, refused_by=key)
        if noted.count >= settings.delay_after:
            throttled.append(f"{key} ({noted.count} failed logins)")
    if not throttled:
        return gate
    log.warning("login of device %s answered after %.1f s: %s", header.source.uri, settings.delay,
                ", ".join(throttled))
    return replace(gate, delay=settings.delay)


def _remembered(noted: LoginFailures | None, settings: ThrottleSettings, now: float) -> LoginFailures | None:
    return noted if noted is not None and now < noted.last_at + settings.period else None


def login_keys(header: SyncHdr, client_address: str) -> tuple[str, ...]:
    """The throttling keys of a login attempt: its claimed account and its client address."""
    email = claimed_login(header)
    keys = [f"login:{email}"] if email is not None else []
    if client_address:
        keys.append(f"addr:{client_address}")
    return tuple(keys)


def claimed_login(header: SyncHdr) -> str | None:
    """The account a login names, as a login e-mail address: the user of basic credentials, else
    the header's Source LocName (MD5 logins name their user there). None if it names no address."""
    user = _basic_user(header.cred) if header.cred is not None else None
    user = user or header.source.name
    if not user or len(user) > MAX_EMAIL_LENGTH:
        return None
    try:
        return normalise_email(user)
    except ValueError:
        return None


def _basic_user(cred: Cred) -> str | None:
    cred_type = cred.meta.type if cred.meta and cred.meta.type else AUTH_BASIC
    if cred_type.strip().lower() != AUTH_BASIC:
        return None
    login = basic_login(cred)
    return login[0] if login else None


def _utc(moment: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(moment))
