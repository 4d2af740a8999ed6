"""Garbage posted to the SyncML endpoint gets a 4xx answer and the server keeps serving."""

import random
from pathlib import Path

import httpx
import pytest

from .server import SyncmldServer

pytestmark = pytest.mark.timeout(120)

XML = "application/vnd.syncml+xml"
WBXML = "application/vnd.syncml+wbxml"

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE SyncML [<!ENTITY e0 "lol">'
    + b"".join(f'<!ENTITY e{level} "{f"&e{level - 1};" * 10}">'.encode() for level in range(1, 10))
    + b"]><SyncML><SyncHdr><SessionID>&e9;</SessionID></SyncHdr></SyncML>"
)
"""A billion laughs: 10^9 copies of "lol" once expanded."""

EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE SyncML [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b'<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>SyncML/1.2</VerProto>'
    b"<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>&secret;</LocURI></Target>"
    b"<Source><LocURI>dev</LocURI></Source></SyncHdr><SyncBody><Final/></SyncBody></SyncML>"
)


def _first_client_message(shared_dir: Path) -> bytes:
    return (shared_dir / "interop" / "capture" / "xml-slow-contacts-5" / "001-c2s.xml").read_bytes()


def _garbage(shared_dir: Path) -> dict[str, tuple[str, bytes]]:
    valid = _first_client_message(shared_dir)
    noise = random.Random(8).randbytes(4096)
    return {
        "random bytes as XML": (XML, noise),
        "random bytes as WBXML": (WBXML, noise),
        "truncated XML": (XML, valid[: len(valid) // 2]),
        "XML bomb": (XML, BOMB),
        "external entity": (XML, EXTERNAL_ENTITY),
        "empty body": (XML, b""),
    }


def test_garbage_gets_4xx_and_the_server_keeps_serving(server: SyncmldServer, shared_dir: Path) -> None:
    with httpx.Client(timeout=20) as http:
        for name, (content_type, body) in _garbage(shared_dir).items():
            response = http.post(server.url, content=body, headers={"Content-Type": content_type})
            status = response.status_code
            assert 400 <= status < 500, f"{name}: HTTP {status} {response.text[:200]}"
            assert b"root:" not in response.content, f"{name}: the reply leaks a local file"
            assert server.running, f"{name}: the server died\n{server.log_tail()}"

        message = _first_client_message(shared_dir)
        valid = http.post(server.url, content=message, headers={"Content-Type": XML})
    assert valid.status_code == 200, valid.text[:500]
    assert valid.headers["content-type"].startswith(XML)
    assert b"<SyncML" in valid.content
