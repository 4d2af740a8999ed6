"""Item data as Meta Format describes it: ``b64``, and DES or triple-DES encryption (``des;b64``,
``3des;b64``, Funambol's transformations).

The sender applies the Format's steps left to right (encrypt, then base64), the receiver undoes them
right to left. Both ciphers run in ECB mode with PKCS#5 padding. The keys come from the account's item
key, MD5(password as UTF-8) (``syncmld.accounts.item_key``): DES takes its first 8 bytes, as Funambol's
clients and server do; triple DES (no client defines a ``3des`` token: ours) takes all 16 as a two-key
(K1 K2 K1) key.

A wrong key shows as bad padding, and the item is refused; PKCS#5 padding lets about one wrong key in
256 through, and then contacts, calendars and notes are refused by the content layer as data that is
no such object (an item kept byte for byte, of a type the server does not read, would be stored).
"""

import base64
import binascii
from collections.abc import Callable
from enum import StrEnum

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, modes
from cryptography.hazmat.primitives.padding import PKCS7

from syncmld.errors import RemoteError
from syncmld.protocol.constants import FORMAT_B64
from syncmld.records import record
from syncmld.status import StatusCode


class Encryption(StrEnum):
    """An item encryption, by its Format token."""

    DES = "des"
    TRIPLE_DES = "3des"


_ENCRYPTIONS = frozenset(Encryption)
PLAIN_FORMATS = frozenset({"", "chr", "bin", "xml"})
"""Format tokens that leave the data as it is."""
BLOCK = 8


def encryption_key(encryption: Encryption, item_key: str) -> bytes:
    """The key of ``encryption`` for an account whose item key is ``item_key`` (base64 of MD5(password))."""
    digest = base64.b64decode(item_key)
    return digest[:BLOCK] if encryption == Encryption.DES else digest


def _triple_des_key(key: bytes) -> bytes:
    """The three-key form of a DES (K K K) or two-key triple-DES (K1 K2 K1) key: the same cipher."""
    return key * 3 if len(key) == BLOCK else key + key[:BLOCK]


def _ecb(key: bytes) -> Cipher[modes.ECB]:
    return Cipher(TripleDES(_triple_des_key(key)), modes.ECB())


def _run(context: CipherContext, data: bytes) -> bytes:
    return context.update(data) + context.finalize()


def encrypt(key: bytes, data: bytes) -> bytes:
    padder = PKCS7(BLOCK * 8).padder()
    return _run(_ecb(key).encryptor(), padder.update(data) + padder.finalize())


def decrypt(encryption: Encryption, key: bytes, data: bytes) -> bytes:
    """The plain data; RemoteError 400 when it does not decrypt (wrong length, or bad padding: a wrong key)."""
    if not data or len(data) % BLOCK:
        raise RemoteError(
            f"{encryption} data of {len(data)} bytes is no whole number of blocks", StatusCode.BAD_REQUEST
        )
    unpadder = PKCS7(BLOCK * 8).unpadder()
    try:
        return unpadder.update(_run(_ecb(key).decryptor(), data)) + unpadder.finalize()
    except ValueError as error:
        raise RemoteError(
            f"{encryption} data does not decrypt with the account's key (bad padding)", StatusCode.BAD_REQUEST
        ) from error


@record
class DecodedData:
    data: bytes
    encryption: Encryption | None
    """The encryption the sender used, if any: the device gets its items back the same way."""


KeySource = Callable[[], str | None]
"""Gives the account's item key when an item needs it (None: the account has none)."""


def decode_item_data(fmt: str | None, data: bytes, item_key: KeySource) -> DecodedData:
    """Undo the steps of ``fmt`` on ``data``; RemoteError 415 for a step not known or an encryption
    without a key, 400 for data the step cannot undo."""
    if not fmt:  # most items: plain
        return DecodedData(data, None)
    steps = [step.strip().lower() for step in fmt.split(";")]
    used: Encryption | None = None
    for step in reversed(steps):
        if step == FORMAT_B64:
            try:
                data = base64.b64decode(data, validate=False)
            except binascii.Error as error:
                raise RemoteError(f"item data is not base64: {error}", StatusCode.BAD_REQUEST) from error
        elif step in _ENCRYPTIONS:
            used = Encryption(step)
            key = item_key()
            if key is None:
                raise RemoteError(
                    f"item Format {fmt}: the account has no item key for {step} yet (it gets one at its next "
                    "basic login or password change)",
                    StatusCode.UNSUPPORTED_MEDIA_TYPE,
                )
            data = decrypt(used, encryption_key(used, key), data)
        elif step not in PLAIN_FORMATS:
            raise RemoteError(f"item Format {fmt!r} is not supported", StatusCode.UNSUPPORTED_MEDIA_TYPE)
    return DecodedData(data, used)


def encrypted_text(encryption: Encryption, item_key: str, data: bytes) -> tuple[str, str]:
    """``data`` encrypted and base64-encoded, and the Format that says so (``des;b64``, ``3des;b64``)."""
    sealed = encrypt(encryption_key(encryption, item_key), data)
    return base64.b64encode(sealed).decode("ascii"), f"{encryption};{FORMAT_B64}"
