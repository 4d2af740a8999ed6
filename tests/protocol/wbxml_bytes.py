"""Hand-made WBXML for codec tests: tags by name from the code pages, strings, OPAQUE data."""

from syncmld.protocol.codepages import DEVINF_1_2_TAGS, METINF_1_2_TAGS, SYNCML_1_2_TAGS
from syncmld.protocol.wbxml import END, OPAQUE, STR_I, SWITCH_PAGE, mb_u_int32

HEADER_1_2 = bytes.fromhex("02a4016a00")
"""WBXML 1.2, public id SyncML 1.2, UTF-8, no string table."""

_SYNCML = {name: token for token, name in SYNCML_1_2_TAGS.items()}
_METINF = {name: token for token, name in METINF_1_2_TAGS.items()}
_DEVINF = {name: token for token, name in DEVINF_1_2_TAGS.items()}


def _element(token: int, content: tuple[bytes, ...]) -> bytes:
    if not content:
        return bytes((token,))
    return bytes((token | 0x40,)) + b"".join(content) + bytes((END,))


def sx(name: str, *content: bytes) -> bytes:
    """A SyncML (code page 0) element."""
    return _element(_SYNCML[name], content)


def mx(name: str, *content: bytes) -> bytes:
    """A MetInf (code page 1) element; ``meta`` switches to its page."""
    return _element(_METINF[name], content)


def dx(name: str, *content: bytes) -> bytes:
    """A DevInf element."""
    return _element(_DEVINF[name], content)


def s(text: str) -> bytes:
    """An inline string."""
    return bytes((STR_I,)) + text.encode() + b"\x00"


def opaque(data: bytes) -> bytes:
    return bytes((OPAQUE,)) + mb_u_int32(len(data)) + data


def meta(*metinf: bytes) -> bytes:
    """``Meta`` holding MetInf elements, back on page 0 at its end."""
    return sx("Meta", bytes((SWITCH_PAGE, 1)), *metinf, bytes((SWITCH_PAGE, 0)))


def header(*extra: bytes, version: str = "1.2") -> bytes:
    return sx(
        "SyncHdr",
        sx("VerDTD", s(version)),
        sx("VerProto", s(f"SyncML/{version}")),
        sx("SessionID", s("1")),
        sx("MsgID", s("1")),
        sx("Target", sx("LocURI", s("http://s/"))),
        sx("Source", sx("LocURI", s("IMEI:1"))),
        *extra,
    )


def message(*body: bytes, header_extra: tuple[bytes, ...] = (), start: bytes = HEADER_1_2) -> bytes:
    """A SyncML 1.2 document with a fixed header and ``body`` inside SyncBody."""
    return start + sx("SyncML", header(*header_extra), sx("SyncBody", *body))


def devinf_document(*content: bytes, start: bytes = bytes.fromhex("02a4036a00")) -> bytes:
    """A DevInf 1.2 document (public id 0x1203 unless ``start`` says otherwise)."""
    return start + dx("DevInf", *content)
