"""Small hand-written SyncML documents for codec tests."""

from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode_xml
from syncmld.protocol.messages import SyncML

HEADER = (
    "<SyncHdr><VerDTD>{version}</VerDTD><VerProto>SyncML/{version}</VerProto><SessionID>42</SessionID>"
    "<MsgID>1</MsgID><Target><LocURI>http://server/sync</LocURI></Target>"
    "<Source><LocURI>IMEI:1234</LocURI><LocName>alice</LocName></Source>{header_extra}</SyncHdr>"
)


def document(body: str, *, version: str = "1.2", header_extra: str = "", root: str | None = None) -> bytes:
    """A SyncML message with a fixed header and ``body`` inside SyncBody."""
    start = root if root is not None else f"<SyncML xmlns='SYNCML:SYNCML{version}'>"
    header = HEADER.format(version=version, header_extra=header_extra)
    return f'<?xml version="1.0" encoding="UTF-8"?>{start}{header}<SyncBody>{body}</SyncBody></SyncML>'.encode()


def decoded(body: bytes) -> SyncML | str:
    """What ``decode_xml`` makes of a message: the message, or its DecodeError's text."""
    try:
        return decode_xml(body)
    except DecodeError as error:
        return str(error)
