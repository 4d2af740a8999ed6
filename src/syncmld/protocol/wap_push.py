"""WAP Push over SMS (WDP + WSP): a notification as the user data and UDH of binary SMS, and back.

Each SMS carries a user data header addressing WAP Push port 2948 (16-bit application ports, source
port 0xC002) and, when the push needs more than one SMS, a concatenation element; the first bytes of the
joined user data are the WSP Push PDU header: transaction id, PDU type Push, the content type
(``application/vnd.syncml.ds.notification`` for a 1.2 notification, ``application/vnd.syncml+wbxml``
for a 1.1 package #0) and X-Wap-Application-Id ``x-wap-application:push.syncml``.
"""

from dataclasses import dataclass
from enum import IntEnum

from syncmld.errors import DecodeError, LocalError

WAP_PUSH_PORT = 2948
SOURCE_PORT = 0xC002
SMS_USER_DATA = 140
"""Bytes of 8-bit user data one SMS carries, its UDH included."""
MAX_CONCAT_REFERENCE = 255
_PDU_PUSH = 0x06
_APPLICATION_ID_HEADER = 0x2F | 0x80
_PUSH_SYNCML = 0x05 | 0x80
_PORTS_IE = 0x05
_CONCAT_IE = 0x00


class PushContentType(IntEnum):
    """WSP content-type codes of the SyncML pushes."""

    DS_NOTIFICATION = 0x4E
    """application/vnd.syncml.ds.notification: the 1.2 notification."""
    SYNCML_WBXML = 0x0303
    """application/vnd.syncml+wbxml: a 1.1 package #0."""


class SmsTooLong(LocalError):
    """A push that needs more SMS than allowed."""


@dataclass(frozen=True)
class Sms:
    """One binary SMS: its user data header (without the UDH length byte) and its data."""

    udh: bytes
    data: bytes


def push_pdu(content_type: PushContentType, body: bytes) -> bytes:
    """The WSP Push PDU (connectionless: transaction id first) carrying ``body``."""
    if content_type < 0x80:
        type_field = bytes([content_type | 0x80])
    else:
        code = content_type.to_bytes(2, "big")
        type_field = bytes([len(code) + 1, len(code)]) + code
    headers = type_field + bytes([_APPLICATION_ID_HEADER, _PUSH_SYNCML])
    return bytes([0x01, _PDU_PUSH]) + _uintvar(len(headers)) + headers + body


def _uintvar(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _ports_ie() -> bytes:
    return bytes([_PORTS_IE, 4]) + WAP_PUSH_PORT.to_bytes(2, "big") + SOURCE_PORT.to_bytes(2, "big")


def split_sms(pdu: bytes, reference: int, max_parts: int) -> list[Sms]:
    """The SMS that carry ``pdu`` to the WAP Push port, concatenated (with ``reference``) when one is
    not enough; SmsTooLong beyond ``max_parts``."""
    single = SMS_USER_DATA - 1 - len(_ports_ie())
    if len(pdu) <= single:
        return [Sms(_ports_ie(), pdu)]
    room = single - 5
    parts = [pdu[start : start + room] for start in range(0, len(pdu), room)]
    if len(parts) > max_parts:
        raise SmsTooLong(f"the push takes {len(parts)} SMS of {room} bytes; at most {max_parts} are allowed")
    return [
        Sms(_ports_ie() + bytes([_CONCAT_IE, 3, reference % (MAX_CONCAT_REFERENCE + 1), len(parts), number]), part)
        for number, part in enumerate(parts, start=1)
    ]


@dataclass(frozen=True)
class ReadPush:
    content_type: int
    body: bytes


def read_push(user_data_header: bytes, parts: list[bytes]) -> ReadPush:
    """The push the SMS data ``parts`` (in order) carry, checking the port the UDH names; DecodeError
    when it is no WAP Push to port 2948."""
    if _ports_ie()[:4] not in user_data_header:
        raise DecodeError("the SMS is not addressed to the WAP Push port 2948")
    pdu = b"".join(parts)
    if len(pdu) < 3 or pdu[1] != _PDU_PUSH:
        raise DecodeError("the SMS data is not a WSP Push PDU")
    length, at = _read_uintvar(pdu, 2)
    headers = pdu[at : at + length]
    if len(headers) < length or not headers:
        raise DecodeError("the WSP Push PDU ends inside its headers")
    first = headers[0]
    if first & 0x80:
        content_type = first & 0x7F
    elif first < 0x1F and len(headers) > 2:
        size = headers[1]
        content_type = int.from_bytes(headers[2 : 2 + size], "big")
    else:
        raise DecodeError("the WSP Push PDU names its content type as text, not a SyncML code")
    return ReadPush(content_type, pdu[at + length :])


def _read_uintvar(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for _ in range(5):
        if at >= len(data):
            break
        byte = data[at]
        at += 1
        value = value << 7 | (byte & 0x7F)
        if not byte & 0x80:
            return value, at
    raise DecodeError("the WSP Push PDU has a bad header length")
