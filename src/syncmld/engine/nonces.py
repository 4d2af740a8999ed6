"""MD5 and HMAC nonces: signed challenge nonces for devices that have not logged in, stored ones after.

A device that has not logged in (or whose stored nonce expired) is challenged with a nonce computed
from its device ID and the current time window under a server key: checking it means computing it
again, so a message from a stranger writes nothing. Such a nonce is good for between one and two
windows. Once a device has logged in, each successful login stores a fresh random nonce for its next
one (one row per device, dropped ``lifetime`` seconds after it was issued); a challenge to a device
that has one sends that same nonce again, so that nobody can replace it but the device itself.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from syncmld.store.base import Logins


def random_nonce() -> bytes:
    """A fresh nonce of printable ASCII: clients built on the Synthesis engine (SyncEvolution) keep the
    nonce as a C string, cut short at a NUL byte."""
    return secrets.token_urlsafe(12).encode()


def next_nonce_text(nonce: bytes) -> str:
    """The nonce as NextNonce carries it (base64)."""
    return base64.b64encode(nonce).decode("ascii")


@dataclass(frozen=True)
class Nonces:
    """The nonces of one server: ``key`` signs challenge nonces, ``window`` is their time step in seconds,
    ``lifetime`` how long a stored nonce stays good."""

    key: bytes
    window: float
    lifetime: float

    def signed(self, device_ref: str, now: float, windows_back: int = 0) -> bytes:
        step = int(now // self.window) - windows_back
        mac = hmac.new(self.key, f"{step}|{device_ref}".encode("utf-8", "surrogatepass"), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:18])

    def stored(self, tx: Logins, device_ref: str, now: float) -> bytes | None:
        """The device's stored nonce, if it has one that has not expired."""
        text = tx.get_nonce(device_ref, issued_after=now - self.lifetime)
        try:
            return base64.b64decode(text, validate=True) if text is not None else None
        except binascii.Error:
            return None

    def good(self, tx: Logins, device_ref: str, now: float) -> tuple[bytes, ...]:
        """Every nonce a device may log in with now: its stored one, else the signed ones of this window and
        the one before. The first is the one ``challenge`` gives the device."""
        stored = self.stored(tx, device_ref, now)
        if stored is not None:
            return (stored,)
        return self.signed(device_ref, now), self.signed(device_ref, now, windows_back=1)

    def challenge(self, tx: Logins, device_ref: str, now: float) -> bytes:
        """The nonce to challenge a device with; nothing is written."""
        return self.stored(tx, device_ref, now) or self.signed(device_ref, now)

    def renew(self, tx: Logins, device_ref: str, now: float) -> bytes:
        """A new stored nonce for a device that has just logged in: the one for its next login."""
        nonce = random_nonce()
        tx.set_nonce(device_ref, next_nonce_text(nonce), now)
        return nonce
