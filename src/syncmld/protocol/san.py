"""The OMA DS 1.2 Server Alerted Notification (package #0): bytes <-> ``Notification``, and its digest.

Layout (big-endian, bit-packed, most significant bit first), as libsynthesis, Funambol and buteo-syncml
write and read it:

    digest              128 bits  MD5, see ``san_digest``
    version              10 bits  protocol version x 10 (12 for 1.2)
    ui-mode               2 bits
    initiator             1 bit
    future use           27 bits
    session id           16 bits
    server id length      8 bits, then the server identifier
    number of syncs       4 bits (0: every data store)
    future use            4 bits
    per sync:  sync type 4 bits (alert code - 200), future use 4 bits, content type 24 bits,
               server URI length 8 bits, then the server URI
    vendor specific       the rest

The digest is ``H(B64(H(server-id ":" password)) ":" nonce ":" B64(H(notification)))`` where H is MD5,
B64 base64 and ``notification`` every byte after the digest.
"""

import base64
import hashlib
from dataclasses import dataclass
from enum import IntEnum

from syncmld.errors import DecodeError, LocalError
from syncmld.protocol.constants import AlertCode

DIGEST_SIZE = 16
HEADER_SIZE = 8
"""Bytes of the notification header after the digest, the server id length included."""
MAX_NAME_BYTES = 255
"""Longest server identifier or server URI a length byte can announce."""
MAX_SYNCS = 15
"""Most sync entries the 4-bit count can announce."""
SAN_VERSION_1_2 = 12
SAN_ALERTS = frozenset(
    {
        AlertCode.TWO_WAY_BY_SERVER,
        AlertCode.ONE_WAY_FROM_CLIENT_BY_SERVER,
        AlertCode.REFRESH_FROM_CLIENT_BY_SERVER,
        AlertCode.ONE_WAY_FROM_SERVER_BY_SERVER,
        AlertCode.REFRESH_FROM_SERVER_BY_SERVER,
    }
)
"""The alert codes a notification may ask for (206-210)."""

CONTENT_TYPE_CODES = {
    "text/plain": 0x03,
    "text/x-vcalendar": 0x06,
    "text/x-vcard": 0x07,
    "text/calendar": 0x0305,
    "application/vnd.omads-email+xml": 0x0306,
    "application/vnd.omads-file+xml": 0x0307,
    "application/vnd.omads-folder+xml": 0x0308,
    "text/directory;profile=vcard": 0x0309,
}
"""WSP (OMNA) content-type codes a sync entry names its data type with; other types are sent as 0."""


class UIMode(IntEnum):
    NOT_SPECIFIED = 0
    BACKGROUND = 1
    INFORMATIVE = 2
    USER_INTERACTION = 3


class Initiator(IntEnum):
    USER = 0
    SERVER = 1


class NotificationTooLarge(LocalError):
    """A notification that the format cannot carry: a name over 255 bytes, more than 15 syncs."""


@dataclass(frozen=True)
class SanSync:
    """One data store the device is asked to sync."""

    alert: AlertCode
    server_uri: str
    content_type: int = 0
    """The WSP code of the data's type (``content_type_code``), 0 when unspecified."""


@dataclass(frozen=True)
class Notification:
    server_id: str
    syncs: tuple[SanSync, ...]
    """Empty: every data store of the device."""
    session_id: int = 0
    version: int = SAN_VERSION_1_2
    ui_mode: UIMode = UIMode.BACKGROUND
    initiator: Initiator = Initiator.SERVER
    vendor: bytes = b""


@dataclass(frozen=True)
class DecodedSan:
    notification: Notification
    digest: bytes
    body: bytes
    """Every byte after the digest: what the digest covers."""

    def digest_matches(self, secret: str, nonce: bytes = b"") -> bool:
        """Whether the digest is the one ``secret`` (B64(MD5(id ":" password))) and ``nonce`` give."""
        return self.digest == san_digest(secret, nonce, self.body)


def content_type_code(media_type: str) -> int:
    """The WSP code of a media type (parameters other than vCard's profile ignored), 0 when unknown."""
    key = media_type.strip().lower().replace(" ", "")
    return CONTENT_TYPE_CODES.get(key, CONTENT_TYPE_CODES.get(key.split(";", 1)[0], 0))


def _b64_md5(data: bytes) -> bytes:
    return base64.b64encode(hashlib.md5(data).digest())


def san_digest(secret: str, nonce: bytes, body: bytes) -> bytes:
    """The digest of a notification ``body`` (what follows the digest), from ``secret``, the text
    B64(MD5(server-id ":" password)); an empty secret gives the all-zero digest, as libsynthesis writes it."""
    if not secret:
        return bytes(DIGEST_SIZE)
    return hashlib.md5(secret.encode("ascii") + b":" + nonce + b":" + _b64_md5(body)).digest()


def _name(text: str, what: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) > MAX_NAME_BYTES:
        raise NotificationTooLarge(f"{what} is {len(data)} bytes long; a notification carries at most {MAX_NAME_BYTES}")
    return bytes([len(data)]) + data


def encode_body(notification: Notification) -> bytes:
    """The notification without its digest: header and body."""
    if len(notification.syncs) > MAX_SYNCS:
        raise NotificationTooLarge(f"{len(notification.syncs)} data stores; a notification names at most {MAX_SYNCS}")
    bits = (notification.version & 0x3FF) << 30 | notification.ui_mode << 28 | notification.initiator << 27
    header = bits.to_bytes(5, "big") + (notification.session_id & 0xFFFF).to_bytes(2, "big")
    parts = [header, _name(notification.server_id, "the server identifier"), bytes([len(notification.syncs) << 4])]
    for sync in notification.syncs:
        parts.append(bytes([(sync.alert - 200) << 4]) + (sync.content_type & 0xFFFFFF).to_bytes(3, "big"))
        parts.append(_name(sync.server_uri, f"server URI {sync.server_uri[:40]!r}"))
    parts.append(notification.vendor)
    return b"".join(parts)


def encode_san(notification: Notification, secret: str, nonce: bytes = b"") -> bytes:
    """The notification's bytes, digest first (see ``san_digest`` for ``secret`` and ``nonce``)."""
    body = encode_body(notification)
    return san_digest(secret, nonce, body) + body


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, size: int, what: str) -> bytes:
        if self.at + size > len(self.data):
            raise DecodeError(f"not a server alerted notification: it ends inside {what} (at byte {self.at})")
        piece = self.data[self.at : self.at + size]
        self.at += size
        return piece

    def name(self, what: str) -> str:
        size = self.take(1, f"the length of {what}")[0]
        raw = self.take(size, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise DecodeError(f"not a server alerted notification: {what} is not UTF-8") from error


def decode_san(data: bytes) -> DecodedSan:
    """Read a 1.2 notification; DecodeError when the bytes cannot be one (too short, a sync type other
    than 206-210, lengths running past the end)."""
    reader = _Reader(data)
    digest = reader.take(DIGEST_SIZE, "the digest")
    header = int.from_bytes(reader.take(7, "the header"), "big")
    version = header >> 46
    if version not in (10, 11, SAN_VERSION_1_2):
        raise DecodeError(f"not a server alerted notification: version field {version} (expected 10, 11 or 12)")
    ui_mode = UIMode((header >> 44) & 0x3)
    initiator = Initiator((header >> 43) & 0x1)
    session_id = header & 0xFFFF
    server_id = reader.name("the server identifier")
    count = reader.take(1, "the number of syncs")[0] >> 4
    syncs = []
    for number in range(1, count + 1):
        entry = reader.take(4, f"sync entry {number}")
        code = 200 + (entry[0] >> 4)
        if code not in SAN_ALERTS:
            raise DecodeError(f"not a server alerted notification: sync entry {number} has sync type {code}")
        uri = reader.name(f"the server URI of sync entry {number}")
        syncs.append(SanSync(AlertCode(code), uri, int.from_bytes(entry[1:], "big")))
    notification = Notification(
        server_id=server_id,
        syncs=tuple(syncs),
        session_id=session_id,
        version=version,
        ui_mode=ui_mode,
        initiator=initiator,
        vendor=data[reader.at :],
    )
    return DecodedSan(notification, digest, data[DIGEST_SIZE:])
