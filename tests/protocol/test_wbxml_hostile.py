"""Malformed WBXML: every input either decodes or raises DecodeError, quickly and in bounded memory.

The fuzz tests run a bounded number of examples; set SYNCMLD_FUZZ_EXAMPLES for a longer run.
"""

import contextlib
import os
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncmld.errors import DecodeError
from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.constants import MIME_DEVINF_WBXML, MIME_DEVINF_XML, SyncMLVersion
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.messages import Item, LocRef, Meta, Put, SyncHdr, SyncML
from syncmld.protocol.wbxml import mb_u_int32
from syncmld.status import StatusCode

from .wbxml_bytes import HEADER_1_2, devinf_document, dx, message, meta, mx, opaque, s, sx

REPO = Path(__file__).resolve().parents[2]
INTEROP = REPO.parent / "shared" / "interop"
RECORDED = [path.read_bytes() for path in sorted(INTEROP.glob("**/*.wbxml"))]
FUZZ_EXAMPLES = int(os.environ.get("SYNCMLD_FUZZ_EXAMPLES", "300"))

DEVINF_PUT = Put(
    cmd_id="1",
    meta=Meta(type=MIME_DEVINF_XML),
    items=(Item(source=LocRef("./devinf12"), data=DevInf(ver_dtd="1.2", dev_id="IMEI:1", dev_typ="phone")),),
)
OURS = encode(
    SyncML(
        header=SyncHdr(
            version=SyncMLVersion.V1_2, session_id="9", msg_id="2", target=LocRef("http://s/"), source=LocRef("IMEI:1")
        ),
        commands=(DEVINF_PUT,),
        final=True,
    ),
    Encoding.WBXML,
)
"""A small message of ours with a nested DevInf document."""


def decode_or_refuse(body: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode(body, Encoding.WBXML.content_type)


def refused(body: bytes) -> str:
    with pytest.raises(DecodeError) as raised:
        decode(body, Encoding.WBXML.content_type)
    return str(raised.value)


# Fuzzing


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.binary(max_size=400).map(lambda rest: HEADER_1_2 + rest))
def test_random_bytes(body: bytes) -> None:
    decode_or_refuse(body)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A recorded or encoded message with bytes flipped, cut out, inserted or cut off."""
    body = bytearray(draw(st.sampled_from([*RECORDED, OURS])))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=max(len(body) - 1, 0)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if action == "flip":
            body[at : at + 1] = bytes((draw(st.integers(min_value=0, max_value=255)),))
        elif action == "cut":
            del body[at : at + draw(st.integers(min_value=1, max_value=16))]
        elif action == "insert":
            body[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del body[at:]
    return bytes(body)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_real_messages(body: bytes) -> None:
    decode_or_refuse(body)


@pytest.mark.parametrize("body", [OURS, RECORDED[0][:600]], ids=["nested-devinf", "syncevolution"])
def test_truncated_at_every_offset(body: bytes) -> None:
    for end in range(len(body)):
        refused(body[:end])


# Explicit cases


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "ends early"),
        (HEADER_1_2, "ends early"),
        (message(b"\x70"), "unknown tag token 0x30 on code page 0"),
        (message(meta(mx("Type", s("x")), b"\x20")), "unknown tag token 0x20 on code page 1"),
        (message(b"\x00\x05\x4b"), "code page 5"),
        (message(b"\x01"), "after the root element"),
        (message(sx("Final")) + sx("Final"), "after the root element"),
        (message(b"\x03abc"), "terminating NUL"),
        (message(sx("Alert", sx("Data", b"\x83\x00"))), "string table reference 0 past its end"),
        (message(b"\x44\x05\x01"), "string table reference 5"),
        (message(sx("Alert", sx("Data", b"\x02" + mb_u_int32(0x110000)))), "not a character"),
        (message(sx("Alert", sx("Data", b"\x02" + mb_u_int32(0xD800)))), "not a character"),
        (message(sx("Alert", sx("Data", b"\xc3\x8f\xff\xff\xff\xff\x7f"))), "longer than 5 bytes"),
        (message(sx("Alert", sx("Data", b"\xc3\x9f\xff\xff\xff\x7f"))), "larger than 32 bits"),
        (message(sx("Alert", sx("Data", opaque(b"\xff") + sx("Final")))), "binary data between the elements"),
        (message(sx("Alert", sx("Data", b"\xc3\x10abc"))), "runs past the end"),
        (bytes.fromhex("02a4016a20") + b"tiny", "runs past the end"),
        (b"\x00" * 8, "version byte"),
        (b"\x03\x01\x6a\x00", "ends early"),
        (HEADER_1_2 + b"\x45", "ends early"),
        (HEADER_1_2 + sx("SyncML", sx("SyncBody")), "SyncML without SyncHdr or SyncBody"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_malformed_documents(body: bytes, reason: str) -> None:
    assert reason in refused(body)


def test_literal_tag_names_must_be_names() -> None:
    body = message(b"\x44\x00\x01")
    assert "not an element name" in refused(bytes.fromhex("02a4016a0b") + b"not a name\x00" + body[5:])


def test_deep_nesting_is_refused() -> None:
    nested = b"\x64" * 40 + b"\x01" * 40
    assert "nested deeper" in refused(message(nested))


def test_deep_nesting_inside_a_nested_devinf_is_refused() -> None:
    nested = devinf_document(b"\x45" * 40 + b"\x01" * 40)
    put = sx("Put", sx("CmdID", s("1")), meta(mx("Type", s(MIME_DEVINF_WBXML))), sx("Item", sx("Data", opaque(nested))))
    assert "nested deeper" in refused(message(put))


def test_unknown_tag_in_a_nested_devinf() -> None:
    nested = devinf_document(dx("VerDTD", s("1.2")), b"\x2f")
    put = sx("Put", sx("CmdID", s("1")), sx("Item", sx("Data", opaque(nested))))
    assert "unknown tag token 0x2f" in refused(message(put))


def test_an_opaque_length_of_4_gigabytes_is_refused_at_once() -> None:
    huge = b"\xc3" + mb_u_int32(0xFFFFFFFF) + b"x"
    body = message(sx("Put", sx("CmdID", s("1")), sx("Item", sx("Data", huge))))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        assert "runs past the end" in refused(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1
    assert peak < 1_000_000


def test_a_devinf_document_is_not_a_message() -> None:
    assert "DevInf document" in refused(devinf_document(dx("VerDTD", s("1.2"))))


@pytest.mark.parametrize("path", sorted(INTEROP.glob("real-devices/**/*.bin")), ids=lambda path: path.name)
def test_a_server_alerted_notification_is_not_a_message(path: Path) -> None:
    refused(path.read_bytes())


# What a document decodes to


def table_header(table: bytes) -> bytes:
    """WBXML 1.2, SyncML 1.2, UTF-8, with ``table`` as its string table."""
    return bytes.fromhex("02a4016a") + mb_u_int32(len(table)) + table


def referring(table: bytes, content: bytes) -> bytes:
    """A message with ``table`` as string table and ``content`` in the SyncBody."""
    return table_header(table) + message(content)[len(HEADER_1_2) :]


def refused_over(body: bytes, limit: int) -> tuple[DecodeError, int]:
    """The DecodeError of decoding ``body`` within ``limit`` decoded bytes, and the peak memory it took."""
    tracemalloc.start()
    try:
        with pytest.raises(DecodeError) as raised:
            decode(body, Encoding.WBXML.content_type, limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return raised.value, peak


ENTRY = b"A" * 100_000 + b"\x00"
AMPLIFIERS = {
    "STR_T text": referring(ENTRY, sx("Alert", sx("Data", (b"\x83\x00") * 500))),
    "EXT_T references": referring(ENTRY, sx("Alert", sx("Data", (b"\x80\x00") * 500))),
    "literal tag names": referring(ENTRY, sx("Alert", b"\x04\x00" * 500)),
    "string-table attributes": referring(ENTRY, sx("Alert", b"\x85" + b"\x83\x00" * 500 + b"\x01\x01")),
    "empty elements": message(sx("Alert", sx("CmdID", s("1")), *(sx("Item") for _ in range(100_000)))),
    "a nested DevInf repeating a string": message(
        sx(
            "Put",
            sx("CmdID", s("1")),
            meta(mx("Type", s(MIME_DEVINF_WBXML))),
            sx(
                "Item",
                sx(
                    "Data",
                    opaque(
                        devinf_document(
                            dx("VerDTD", s("1.2")),
                            dx("Man", b"\x83\x00" * 500),
                            start=bytes.fromhex("02a4036a") + mb_u_int32(len(ENTRY)) + ENTRY,
                        )
                    ),
                ),
            ),
        )
    ),
}


@pytest.mark.parametrize("name", list(AMPLIFIERS))
def test_a_document_that_decodes_to_more_than_its_limit_is_413_early(name: str) -> None:
    """Each body is 100-200 kB and would decode to 50 MB of text or 100,000 elements: refused at 400 kB
    decoded, having used less than 2 MB."""
    body = AMPLIFIERS[name]
    assert len(body) < 210_000
    error, peak = refused_over(body, 400_000)
    assert error.status == StatusCode.ENTITY_TOO_LARGE
    assert str(error) == "WBXML document decodes to more than 400000 bytes"
    assert peak < 2_000_000


@pytest.mark.parametrize(
    "path", sorted(INTEROP.glob("**/*.wbxml")), ids=lambda path: path.parent.name + "/" + path.name
)
def test_recorded_messages_decode_within_three_times_their_size(path: Path) -> None:
    """The server allows 4 times its body limit; real messages need at most 2.8 times their own size."""
    body = path.read_bytes()
    decode(body, Encoding.WBXML.content_type, 3 * len(body))
