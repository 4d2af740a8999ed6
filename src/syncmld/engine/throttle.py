"""Login throttling: failed logins counted per (account, client address) and per client address.

Each login attempt (the first message of a session) names up to two keys: ``login:<email>|<address>``
and ``addr:<address>`` (an IPv6 address counts by its /64 network, which one client usually holds
whole). A key's failures are remembered for ``period`` seconds after the latest one. With
``delay_after`` failures of the pair, or ``address_delay_after`` of the address, the reply to every
further login on that key is delayed, successful or not, so the delay tells nothing about the password.
With ``lock_after`` (pair) or ``address_lock_after`` (address) the key is locked: logins are refused with
403 without their credentials being checked, until the period has passed.

No lock reaches beyond its own address: a guesser elsewhere never locks the owner out, and the right
password from an address that has not failed is always checked. A successful login forgets the failures
of its own pair only, not those of its address: a password sprayer who logs into an account of its own
now and then is still slowed, then locked. The address thresholds are high because many devices share
one address behind NAT; a device's first MD5 login, which only fetches its nonce, is no failure.
"""

import ipaddress
import logging
import time
from dataclasses import dataclass, replace

from syncmld.accounts import normalise_email
from syncmld.engine.api import Request, ThrottleSettings
from syncmld.engine.auth import basic_login
from syncmld.engine.failures import note_failure
from syncmld.errors import InvalidEmail
from syncmld.protocol.constants import AUTH_BASIC
from syncmld.protocol.messages import Cred
from syncmld.store.base import LoginFailures, Logins

log = logging.getLogger("syncmld.engine")

MAX_EMAIL_LENGTH = 254
"""The longest e-mail address (RFC 5321): a longer claimed login names no account and no key."""
ADDRESS_PREFIX = "addr:"
IPV6_NETWORK_BITS = 64


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
    noted_aside: frozenset[str] = frozenset()
    """The keys read with the attempt's own (``admit``'s ``aside``) that have failures remembered, however old."""

    def note_result(self, tx: Logins, succeeded: bool, now: float) -> None:
        """Count a failed login against the attempt's keys, or forget its own pair's failures after a
        success. A message without credentials is no failed login: it asks for the challenge."""
        if succeeded:
            for key, noted in self.failures.items():
                if noted is not None and not key.startswith(ADDRESS_PREFIX):
                    tx.clear_login_failures(key)
                    log.info("%s: %d failed logins forgotten after a successful login", key, noted.count)
            return
        if not self.with_credentials:
            return
        for key in self.failures:
            count = note_failure(tx, key, now, self.settings)
            if count is not None and count >= _limits(key, self.settings)[1]:
                log.warning("%s locked until %s after %d failed logins", key, _utc(now + self.settings.period), count)


def admit(
    tx: Logins, request: Request, settings: ThrottleSettings, now: float, aside: tuple[str, ...] = ()
) -> LoginGate:
    """Look up the attempt's keys: refused if one is locked, delayed if one has too many failures. The failures of
    the keys ``aside`` (which do not throttle the attempt) are looked up in the same read."""
    header = request.message.header
    with_credentials = header.cred is not None or request.mac is not None
    return admit_keys(tx, login_keys(request), f"device {header.source.uri}", with_credentials, settings, now, aside)


def admit_keys(
    tx: Logins,
    keys: tuple[str, ...],
    who: str,
    with_credentials: bool,
    settings: ThrottleSettings,
    now: float,
    aside: tuple[str, ...] = (),
) -> LoginGate:
    """``admit`` for a login of any protocol (the web admin's too), by its keys (``keys_for``); ``who`` names the
    client in the log."""
    remembered = tx.login_failures_of(keys + aside)
    failures = {key: _remembered(remembered.get(key), settings, now) for key in keys}
    gate = LoginGate(
        settings, failures, with_credentials, noted_aside=frozenset(key for key in aside if key in remembered)
    )
    throttled = []
    for key, noted in failures.items():
        if noted is None:
            continue
        delay_after, lock_after = _limits(key, settings)
        if noted.count >= lock_after:
            log.warning(
                "login of %s refused without checking credentials: %s is locked until %s after %d failed logins",
                who,
                key,
                _utc(noted.last_at + settings.period),
                noted.count,
            )
            return replace(gate, refused_by=key)
        if noted.count >= delay_after:
            throttled.append(f"{key} ({noted.count} failed logins)")
    if not throttled:
        return gate
    log.warning("login of %s answered after %.1f s: %s", who, settings.delay, ", ".join(throttled))
    return replace(gate, delay=settings.delay)


def _limits(key: str, settings: ThrottleSettings) -> tuple[int, int]:
    """The failed logins after which ``key`` is delayed, and locked."""
    if key.startswith(ADDRESS_PREFIX):
        return settings.address_delay_after, settings.address_lock_after
    return settings.delay_after, settings.lock_after


def _remembered(noted: LoginFailures | None, settings: ThrottleSettings, now: float) -> LoginFailures | None:
    return noted if noted is not None and now < noted.last_at + settings.period else None


def login_keys(request: Request) -> tuple[str, ...]:
    """The throttling keys of a login attempt: its claimed account from its address, and its address."""
    return keys_for(claimed_login(request), request.client_address)


def keys_for(email: str | None, client_address: str) -> tuple[str, ...]:
    """The throttling keys of a login claiming ``email`` (None: no account named) from ``client_address``."""
    address = address_key(client_address)
    keys = [f"login:{email}|{address}"] if email is not None else []
    if address:
        keys.append(ADDRESS_PREFIX + address)
    return tuple(keys)


def address_key(client_address: str) -> str:
    """The address failures are counted for: the address itself, an IPv6 address's /64 network."""
    try:
        parsed = ipaddress.ip_address(client_address)
    except ValueError:
        return client_address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_NETWORK_BITS), strict=False))
    return str(parsed)


def claimed_login(request: Request) -> str | None:
    """The account a login names, as a login e-mail address: the user of an x-syncml-hmac header or of
    basic credentials, else the header's Source LocName (MD5 logins name their user there). None if it
    names no address."""
    header = request.message.header
    if request.mac is not None:
        user: str | None = request.mac.username
    else:
        user = (_basic_user(header.cred) if header.cred is not None else None) or header.source.name
    return login_email(user)


def login_email(user: str | None) -> str | None:
    """A claimed user name as a login e-mail address, None if it is none."""
    if not user or len(user) > MAX_EMAIL_LENGTH:
        return None
    try:
        return normalise_email(user)
    except InvalidEmail:
        return None


def _basic_user(cred: Cred) -> str | None:
    cred_type = cred.meta.type if cred.meta and cred.meta.type else AUTH_BASIC
    if cred_type.strip().lower() != AUTH_BASIC:
        return None
    login = basic_login(cred)
    return login[0] if login else None


def _utc(moment: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(moment))
