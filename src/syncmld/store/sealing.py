"""Account secrets at rest: the MD5 secret sealed (AES-GCM) under a key derived from the server key.

A sealed value reads ``sealed1:`` + base64(nonce + ciphertext); the account's e-mail address is bound
in as associated data, so a sealed secret copied to another account does not open there. An empty
secret (an account that has none: ``auth basic``) stays empty.
"""

import base64
import binascii
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from syncmld.server_key import derived_key

SEALED_PREFIX = "sealed1:"
_NONCE_BYTES = 12


class SecretBox:
    """Seals and opens account secrets with one server key."""

    def __init__(self, server_key: bytes) -> None:
        self._aead = AESGCM(derived_key(server_key, "account secrets"))
        self.check_value = base64.b64encode(derived_key(server_key, "key check")[:12]).decode("ascii")
        """Tells this key from another without revealing it (kept by the store)."""

    def seal(self, secret: str, owner: str) -> str:
        if not secret:
            return ""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), owner.encode())
        return SEALED_PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, owner: str) -> str | None:
        """The secret; "" for none; None when it cannot be opened (another key, or not sealed)."""
        if not sealed:
            return ""
        if not sealed.startswith(SEALED_PREFIX):
            return None
        try:
            raw = base64.b64decode(sealed.removeprefix(SEALED_PREFIX), validate=True)
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], owner.encode()).decode()
        except (binascii.Error, InvalidTag, ValueError):
            return None
