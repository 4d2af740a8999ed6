"""Account credentials: e-mail logins, the MD5 credential SyncML needs, and slow password hashes."""

import base64
import hashlib
import hmac
import re
import secrets

_EMAIL = re.compile(r"[^@\s]+@(?:[^@\s.]+\.)+[^@\s.]+")

_SCRYPT_NAME = "scrypt"
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_SCRYPT_SALT_BYTES = 16
_SCRYPT_KEY_BYTES = 32
_SCRYPT_MAX_MEMORY = 64 * 1024 * 1024


def normalise_email(text: str) -> str:
    """The login form of an e-mail address (trimmed, lower-case); ValueError if it is not one."""
    email = text.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise ValueError(f"not an e-mail address: {text!r} (expected user@domain.tld)")
    return email


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64_md5(text: bytes) -> str:
    return _b64(hashlib.md5(text).digest())


def md5_credential(email: str, password: str) -> str:
    """B64(MD5(email ":" password)): what the server keeps to check SyncML 1.1/1.2 MD5 digests."""
    return _b64_md5(f"{email}:{password}".encode())


def md5_digest(credential: str, nonce: bytes) -> str:
    """B64(MD5(credential ":" nonce)): the digest a SyncML 1.1/1.2 client sends in Cred/Data."""
    return _b64_md5(credential.encode("ascii") + b":" + nonce)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=_SCRYPT_MAX_MEMORY)


def hash_password(password: str) -> str:
    """A salted scrypt hash as ``scrypt$n$r$p$salt$key`` (salt and key in base64)."""
    salt = secrets.token_bytes(_SCRYPT_SALT_BYTES)
    key = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _SCRYPT_KEY_BYTES)
    fields = (_SCRYPT_NAME, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _b64(salt), _b64(key))
    return "$".join(str(field) for field in fields)


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by ``hash_password``; False for a malformed hash."""
    try:
        name, n, r, p, salt, key = stored.split("$")
        if name != _SCRYPT_NAME:
            return False
        expected = base64.b64decode(key, validate=True)
        actual = _scrypt(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p), len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)
