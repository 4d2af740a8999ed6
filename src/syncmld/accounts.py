"""Account credentials: e-mail logins, the MD5 credential SyncML needs, the item key DES item encryption
needs, and slow password hashes."""

import base64
import hashlib
import hmac
import re
import secrets
import time

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map, entries_only
from syncmld.errors import InvalidEmail
from syncmld.settings import AUTH, AuthPolicy, SettingsSource

_EMAIL = re.compile(r"[^@\s]+@(?:[^@\s.]+\.)+[^@\s.]+")

_SCRYPT_NAME = "scrypt"
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_SCRYPT_SALT_BYTES = 16
_SCRYPT_KEY_BYTES = 32
_SCRYPT_MAX_MEMORY = 64 * 1024 * 1024


def normalise_email(text: str) -> str:
    """The login form of an e-mail address (trimmed, lower-case); InvalidEmail if it is not one."""
    email = text.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise InvalidEmail(f"not an e-mail address: {text!r} (expected user@domain.tld)")
    return email


_DOMAIN = re.compile(r"(?:[^@\s.]+\.)+[^@\s.]+")


def normalise_domain(text: str) -> str:
    """A domain name as it is kept (trimmed, lower-case); InvalidEmail if it is not one."""
    domain = text.strip().lower()
    if not _DOMAIN.fullmatch(domain):
        raise InvalidEmail(f"not a domain name: {text!r} (expected e.g. example.org)")
    return domain


def normalise_access_entry(text: str) -> str:
    """An access list entry as it is kept: an account (``user@domain``) or a whole domain."""
    return normalise_email(text) if "@" in text else normalise_domain(text)


def md5_secret(settings: SettingsSource, email: str, password: str) -> str:
    """The MD5 credential to keep for an account: none where the server accepts basic logins only."""
    return "" if AUTH.read(settings) == AuthPolicy.BASIC else md5_credential(email, password)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64_md5(text: bytes) -> str:
    return _b64(hashlib.md5(text).digest())


def md5_credential(email: str, password: str) -> str:
    """B64(MD5(email ":" password)): what the server keeps to check SyncML 1.1/1.2 MD5 digests."""
    return _b64_md5(f"{email}:{password}".encode())


def item_key(password: str) -> str:
    """B64(MD5(password as UTF-8)): what DES and triple-DES item keys are taken from, as Funambol's clients
    take theirs. No login secret: no auth type accepts it."""
    return _b64_md5(password.encode("utf-8"))


def md5_digest(credential: str, nonce: bytes) -> str:
    """B64(MD5(credential ":" nonce)): the digest a SyncML 1.1/1.2 client sends in Cred/Data."""
    return _b64_md5(credential.encode("ascii") + b":" + nonce)


def body_digest(body: bytes) -> bytes:
    """MD5 of a message body, as syncml:auth-MAC signs it."""
    return hashlib.md5(body).digest()


def mac_digest(credential: str, nonce: bytes, digest_of_body: bytes) -> str:
    """B64(MD5(credential ":" nonce ":" B64(MD5(body)))): the mac of an x-syncml-hmac header."""
    return _b64_md5(credential.encode("ascii") + b":" + nonce + b":" + _b64(digest_of_body).encode("ascii"))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=_SCRYPT_MAX_MEMORY)


def hash_password(password: str) -> str:
    """A salted scrypt hash as ``scrypt$n$r$p$salt$key`` (salt and key in base64)."""
    salt = secrets.token_bytes(_SCRYPT_SALT_BYTES)
    key = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _SCRYPT_KEY_BYTES)
    fields = (_SCRYPT_NAME, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _b64(salt), _b64(key))
    return "$".join(str(field) for field in fields)


UNMATCHABLE_PASSWORD_HASH = "$".join(
    str(field)
    for field in (
        _SCRYPT_NAME,
        _SCRYPT_N,
        _SCRYPT_R,
        _SCRYPT_P,
        _b64(bytes(_SCRYPT_SALT_BYTES)),
        _b64(bytes(_SCRYPT_KEY_BYTES)),
    )
)
"""A hash in ``hash_password``'s form that no password matches (its key is zeros): checking a password
against it costs what checking one against a real hash costs."""


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by ``hash_password``; False for a malformed hash.

    A match is remembered for a while (``VERIFIED_PASSWORDS``): a device logging in again with the
    same password costs a keyed hash instead of an scrypt.
    """
    return VERIFIED_PASSWORDS.verify(password, stored, time.monotonic())


def _matches(password: str, stored: str) -> bool:
    try:
        name, n, r, p, salt, key = stored.split("$")
        if name != _SCRYPT_NAME:
            return False
        expected = base64.b64decode(key, validate=True)
        actual = _scrypt(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p), len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


class VerifiedPasswords:
    """Successful password checks of this process, for at most ``seconds``, as many as ``verified`` keeps.

    Entries are HMAC-SHA256 values of (stored hash, password) under a key made for the process, so
    neither passwords nor anything computable without that key are kept. A new password hash (the
    password changed: a new salt) never matches an entry made with the old one, and a wrong password
    is never remembered: it always costs a full scrypt.
    """

    def __init__(self, seconds: float, verified: BoundedMap[bytes, float]) -> None:
        self.seconds = seconds
        self._key = secrets.token_bytes(32)
        self._verified_at = verified

    def verify(self, password: str, stored: str, now: float) -> bool:
        """``verify_password``, answered from memory when this pair matched less than ``seconds`` ago."""
        if self.remembers(password, stored, now):
            return True
        if not _matches(password, stored):
            return False
        self._verified_at.put(self._entry(password, stored), now)
        return True

    def remembers(self, password: str, stored: str, now: float) -> bool:
        """Whether ``verify`` would answer this pair from memory, without an scrypt."""
        verified_at = self._verified_at.get(self._entry(password, stored))
        return verified_at is not None and now - verified_at < self.seconds

    def _entry(self, password: str, stored: str) -> bytes:
        stored_bytes = stored.encode("utf-8", "surrogatepass")
        message = len(stored_bytes).to_bytes(4, "big") + stored_bytes + password.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()


VERIFIED_PASSWORDS = VerifiedPasswords(600.0, bounded_map("logins", entries_only(lambda limits: limits.logins)))
"""This process's remembered logins for 10 minutes: ``CacheLimits.logins`` pairs (10,000: about 1 MB)."""
