"""Bodies that must never reach the engine: XML bombs, entities, DTDs, deep nesting (XML and WBXML),
invalid UTF-8, missing mandatory elements, bodies over the size limit. Each gets its HTTP error with a one-line
reason, a log line saying why, and leaves every row of the store as it was."""

import logging
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from syncmld.protocol.wbxml import mb_u_int32
from tests.hostile.conftest import HttpDevice
from tests.hostile.wire import (
    ALICE,
    WBXML,
    XML,
    alert,
    assert_plain_refusal,
    basic_cred,
    item_command,
    message,
    reply_of,
    server_messages,
    statuses,
    store_rows,
    sync,
    vcard,
)
from tests.protocol import wbxml_bytes as wbxml

pytestmark = pytest.mark.anyio

LOGIN = basic_cred(ALICE)
PROLOG = b"<?xml version='1.0' encoding='UTF-8'?>"


def _body_after_prolog(raw: bytes) -> bytes:
    return raw[raw.index(b"<SyncML") :]


def with_doctype(doctype: str, session: str = "1") -> bytes:
    """Alice's login (a valid message) behind ``doctype``, its SessionID replaced by ``session``."""
    raw = message(alert(1, 201), cred=LOGIN).replace(
        b"<SessionID>1</SessionID>", f"<SessionID>{session}</SessionID>".encode()
    )
    return PROLOG + doctype.encode() + _body_after_prolog(raw)


BILLION_LAUGHS = (
    '<!DOCTYPE SyncML [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10))
    + "]>"
)
QUADRATIC_BLOWUP = '<!DOCTYPE SyncML [<!ENTITY a "' + "a" * 50_000 + '">]>'


def nested(depth: int) -> bytes:
    return message("<Sequence><CmdID>1</CmdID>" * depth + "</Sequence>" * depth, cred=LOGIN)


def without(element: str, raw: bytes) -> bytes:
    start = raw.index(f"<{element}>".encode())
    end = raw.index(f"</{element}>".encode()) + len(element) + 3
    return raw[:start] + raw[end:]


ALICE_SYNC = message(alert(1, 200) + sync(2, item_command("Add", 3, "new1", vcard("Intruder"))), cred=LOGIN)

XML_BODIES: dict[str, tuple[bytes, str]] = {
    "billion laughs": (with_doctype(BILLION_LAUGHS, "&lol9;"), "entity"),
    "quadratic blowup": (with_doctype(QUADRATIC_BLOWUP, "&a;" * 1000), "entity"),
    "external entity": (with_doctype('<!DOCTYPE SyncML [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"), "entities"),
    "external parameter entity": (
        with_doctype('<!DOCTYPE SyncML [<!ENTITY % x SYSTEM "file:///etc/passwd"> %x;]>'),
        "entities",
    ),
    "declared but unused entity": (with_doctype('<!DOCTYPE SyncML [<!ENTITY x "1">]>'), "entities"),
    "nesting one level too deep": (nested(32), "nested deeper"),
    "nesting three thousand deep": (nested(3000), ""),
    "invalid UTF-8 in a header element": (
        message(alert(1), device="IMEI:\xff", cred=LOGIN).replace("IMEI:\xff".encode(), b"IMEI:\xff\xfe"),
        "Invalid bytes",
    ),
    "invalid UTF-8 in item data": (ALICE_SYNC.replace(b"Intruder", b"Intr\xc3\x28der"), "Invalid bytes"),
    "overlong UTF-8 in item data": (ALICE_SYNC.replace(b"Intruder", b"Intr\xc0\xafder"), "Invalid bytes"),
    "no SessionID": (without("SessionID", ALICE_SYNC), "SessionID"),
    "no MsgID": (without("MsgID", ALICE_SYNC), "MsgID"),
    "no VerDTD": (without("VerDTD", ALICE_SYNC), "VerDTD"),
    "no Source in the header": (without("Source", ALICE_SYNC), "Source"),
    "Alert without CmdID": (ALICE_SYNC.replace(b"<Alert><CmdID>1</CmdID>", b"<Alert>"), "CmdID"),
    "Add without CmdID": (ALICE_SYNC.replace(b"<Add><CmdID>3</CmdID>", b"<Add>"), "CmdID"),
    "no SyncBody": (ALICE_SYNC[: ALICE_SYNC.index(b"<SyncBody>")] + b"</SyncML>", "SyncBody"),
    "truncated": (ALICE_SYNC[: len(ALICE_SYNC) // 2], "well-formed"),
    "another root element": (PROLOG + b"<html><body>hello</body></html>", "html"),
}


def wbxml_put(data: bytes) -> bytes:
    """A WBXML message with a Put whose item data token sequence is ``data``."""
    return wbxml.message(wbxml.sx("Put", wbxml.sx("CmdID", wbxml.s("1")), wbxml.sx("Item", wbxml.sx("Data", data))))


WBXML_BODIES: dict[str, tuple[bytes, str]] = {
    "WBXML nested too deep": (wbxml.message(b"\x64" * 40 + b"\x01" * 40), "nested deeper"),
    "WBXML DevInf nested too deep inside a Put": (
        wbxml_put(wbxml.opaque(wbxml.devinf_document(b"\x45" * 40 + b"\x01" * 40))),
        "nested deeper",
    ),
    "WBXML opaque data of 4 GB announced": (wbxml_put(b"\xc3" + mb_u_int32(0xFFFFFFFF) + b"x"), "runs past the end"),
    "WBXML truncated": (wbxml.message(wbxml.sx("Alert", wbxml.sx("CmdID", wbxml.s("1"))))[:-3], ""),
}
UNDECODABLE = {name: (XML, body, reason) for name, (body, reason) in XML_BODIES.items()} | {
    name: (WBXML, body, reason) for name, (body, reason) in WBXML_BODIES.items()
}


@pytest.mark.parametrize("name", list(UNDECODABLE))
async def test_undecodable_body_is_400_and_touches_nothing(
    name: str,
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    content_type, body, reason = UNDECODABLE[name]
    before = store_rows(tmp_path)
    with caplog.at_level(logging.WARNING, logger="syncmld"):
        answered = await client.post("/syncml", content=body, headers={"Content-Type": content_type})
    assert_plain_refusal(answered, 400)
    assert reason in answered.text
    assert "lollol" not in answered.text and "root:" not in answered.text
    assert server_messages(caplog.records) == [f"refused a message from 127.0.0.1: {answered.text.strip()}"]
    assert store_rows(tmp_path) == before


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP socket on localhost that counts as proof of a fetch if anything connects to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    yield server
    server.close()


def connected(listener: socket.socket) -> bool:
    try:
        listener.accept()[0].close()
    except BlockingIOError:
        return False
    return True


async def test_the_standard_doctype_is_read_without_fetching_the_dtd(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    listener: socket.socket,
) -> None:
    """Devices send SyncML's public DOCTYPE; it is accepted, and its DTD URL never fetched."""
    port = listener.getsockname()[1]
    doctype = f'<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "http://127.0.0.1:{port}/syncml12.dtd">'
    answered = await client.post("/syncml", content=with_doctype(doctype), headers={"Content-Type": XML})
    assert statuses(reply_of(answered))[:2] == [("SyncHdr", 212), ("Alert", 200)]
    assert not connected(listener)


async def test_entities_from_a_dtd_on_the_network_are_neither_fetched_nor_expanded(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    listener: socket.socket,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = listener.getsockname()[1]
    before = store_rows(tmp_path)
    bodies = [
        with_doctype(f'<!DOCTYPE SyncML SYSTEM "http://127.0.0.1:{port}/evil.dtd">', "&fetched;"),
        with_doctype(f'<!DOCTYPE SyncML [<!ENTITY fetched SYSTEM "http://127.0.0.1:{port}/x">]>', "&fetched;"),
    ]
    with caplog.at_level(logging.WARNING, logger="syncmld.server"):
        for body in bodies:
            answered = await client.post("/syncml", content=body, headers={"Content-Type": XML})
            assert_plain_refusal(answered, 400)
            assert "entities" in answered.text
    assert not connected(listener)
    assert sum("refused a message from 127.0.0.1" in record.getMessage() for record in caplog.records) == 2
    assert store_rows(tmp_path) == before


def chunks_of(body: bytes, size: int, sent: list[int]) -> AsyncIterator[bytes]:
    """The body as a stream without Content-Length (chunked); ``sent`` counts the chunks taken."""

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(body), size):
            sent.append(start)
            yield body[start : start + size]

    return stream()


async def test_a_chunked_login_over_the_limit_is_413_before_it_is_read_whole(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A valid login with a huge contact, streamed without Content-Length: cut off at the 128 KiB a message
    without a session may have."""
    photo = "A" * 1_000_000
    body = message(alert(1, 200) + sync(2, item_command("Add", 3, "big1", vcard("Big") + photo)), cred=LOGIN)
    before = store_rows(tmp_path)
    sent: list[int] = []
    with caplog.at_level(logging.WARNING, logger="syncmld.server"):
        answered = await client.post("/syncml", content=chunks_of(body, 16 * 1024, sent), headers={"Content-Type": XML})
    assert "content-length" not in answered.request.headers
    assert answered.request.headers["transfer-encoding"] == "chunked"
    assert_plain_refusal(answered, 413)
    assert answered.text.strip() == "message larger than 131072 bytes without a session"
    assert len(sent) <= 128 // 16 + 1 < len(body) // (16 * 1024)
    assert any(
        record.getMessage() == "refused a message from 127.0.0.1: larger than 131072 bytes without a session"
        for record in caplog.records
    )
    assert store_rows(tmp_path) == before
