"""The HTTP shell in-process (httpx over ASGI) on a real SQLite store: what a client sees over HTTP."""

import base64
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

from syncmld.accounts import hash_password, md5_credential
from syncmld.config import ServerConfig, WireLimits
from syncmld.protocol.codec import Encoding, decode
from syncmld.protocol.messages import Status
from syncmld.server import create_app
from syncmld.status import StatusCode
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import Store

XML = "application/vnd.syncml+xml"
WBXML = "application/vnd.syncml+wbxml"
BASE_URL = "http://sync.example.org:8080"
CAPTURE = Path(__file__).resolve().parents[2].parent / "shared" / "interop" / "capture"
CAPTURED_BASIC_AUTH = "aGFybmVzczpoYXJuZXNzLXNlY3JldA=="
"""``harness:harness-secret``, the credentials inside the recorded first message."""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE SyncML [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>SyncML/1.2</VerProto>
<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>&f;</LocURI></Target>
<Source><LocURI>bomb</LocURI></Source></SyncHdr><SyncBody><Final/></SyncBody></SyncML>"""

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(sqlite_url(tmp_path))
    yield opened
    opened.close()


@pytest.fixture
async def make_client(store: Store, tmp_path: Path) -> AsyncIterator[MakeClient]:
    """An HTTP client talking to the app in-process; keyword arguments override ServerConfig fields."""
    async with AsyncExitStack() as clients:

        async def make(**overrides: object) -> httpx.AsyncClient:
            config = ServerConfig(data_dir=tmp_path, **overrides)  # type: ignore[arg-type]
            transport = httpx.ASGITransport(app=create_app(store, config))
            return await clients.enter_async_context(httpx.AsyncClient(transport=transport, base_url=BASE_URL))

        yield make


@pytest.fixture
async def client(make_client: MakeClient) -> httpx.AsyncClient:
    return await make_client()


def first_message(email: str, password: str) -> bytes:
    """SyncEvolution's recorded first message (DevInf Put + Get, Alert 201), logging in as ``email``."""
    recorded = (CAPTURE / "dummy-first-msg-basic-auth-xml" / "001-c2s.xml").read_bytes()
    credentials = base64.b64encode(f"{email}:{password}".encode()).decode()
    return recorded.replace(CAPTURED_BASIC_AUTH.encode(), credentials.encode())


async def test_get_says_this_is_a_syncml_endpoint(client: httpx.AsyncClient) -> None:
    for path in ("/syncml", "/syncml/index.html"):
        page = await client.get(path)
        assert page.status_code == 200
        assert "SyncML" in page.text


async def test_other_paths_are_not_found(client: httpx.AsyncClient) -> None:
    answered = await client.post("/elsewhere", content=b"<SyncML/>", headers={"Content-Type": XML})
    assert answered.status_code == 404


async def test_the_path_prefix_is_configurable(make_client: MakeClient) -> None:
    client = await make_client(path="/sync/ml/")
    assert (await client.get("/sync/ml")).status_code == 200
    assert (await client.get("/sync/ml/index.html")).status_code == 200
    assert (await client.get("/syncml")).status_code == 404


async def test_a_body_over_the_limit_is_413(make_client: MakeClient) -> None:
    client = await make_client(wire=WireLimits(login_message_size=1000))
    refused = await client.post("/syncml", content=b"<" * 1001, headers={"Content-Type": XML})
    assert refused.status_code == 413
    assert "1000" in refused.text


async def test_a_streamed_body_is_cut_off_at_the_limit(make_client: MakeClient) -> None:
    client = await make_client(wire=WireLimits(login_message_size=1000))
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for number in range(100):
            sent.append(number)
            yield b"x" * 100

    refused = await client.post("/syncml", content=chunks(), headers={"Content-Type": XML})
    assert refused.status_code == 413
    assert len(sent) < 100


async def test_a_body_at_the_limit_is_read(make_client: MakeClient) -> None:
    client = await make_client(wire=WireLimits(login_message_size=1000))
    answered = await client.post("/syncml", content=b"x" * 1000, headers={"Content-Type": XML})
    assert answered.status_code == 400


async def test_an_empty_body_is_400(client: httpx.AsyncClient) -> None:
    answered = await client.post("/syncml", content=b"", headers={"Content-Type": XML})
    assert answered.status_code == 400
    assert answered.text.strip() == "empty message"


@pytest.mark.parametrize("path", ["/syncml", "/syncml/", "/syncml/index.html"])
async def test_random_bytes_are_400_with_a_one_line_reason(client: httpx.AsyncClient, path: str) -> None:
    answered = await client.post(path, content=os.urandom(512), headers={"Content-Type": XML})
    assert answered.status_code == 400
    assert answered.headers["content-type"].startswith("text/plain")
    assert len(answered.text.strip().splitlines()) == 1


async def test_an_xml_bomb_is_400(client: httpx.AsyncClient) -> None:
    answered = await client.post("/syncml", content=BILLION_LAUGHS, headers={"Content-Type": XML})
    assert answered.status_code == 400
    assert "aaaa" not in answered.text


async def test_a_refused_message_is_logged(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="syncmld.server"):
        await client.post("/syncml", content=b"garbage", headers={"Content-Type": XML})
    assert any("refused a message" in record.getMessage() for record in caplog.records)


async def test_a_body_that_is_not_syncml_under_another_content_type_is_415(client: httpx.AsyncClient) -> None:
    answered = await client.post("/syncml", content=b"hello, server", headers={"Content-Type": "text/html"})
    assert answered.status_code == 415
    assert len(answered.text.strip().splitlines()) == 1


async def test_a_wbxml_request_gets_a_wbxml_answer(client: httpx.AsyncClient) -> None:
    recorded = (CAPTURE / "dummy-first-msg-wbxml" / "001-c2s.wbxml").read_bytes()
    answered = await client.post("/syncml", content=recorded, headers={"Content-Type": WBXML})
    assert answered.status_code == 200
    assert answered.headers["content-type"] == WBXML
    reply = decode(answered.content, answered.headers["content-type"])
    assert reply.encoding is Encoding.WBXML
    assert reply.message.header.session_id == decode(recorded, WBXML).message.header.session_id


@pytest.fixture
def alice(store: Store) -> str:
    """An account ``alice@example.org`` with password ``secret``."""
    with store.transaction() as tx:
        tx.add_account("alice@example.org", md5_credential("alice@example.org", "secret"), hash_password("secret"))
    return "alice@example.org"


async def test_a_first_message_with_basic_auth_gets_a_syncml_reply(client: httpx.AsyncClient, alice: str) -> None:
    answered = await client.post("/syncml", content=first_message(alice, "secret"), headers={"Content-Type": XML})
    assert answered.status_code == 200, answered.text
    assert answered.headers["content-type"] == "application/vnd.syncml+xml; charset=UTF-8"

    reply = decode(answered.content, answered.headers["content-type"])
    assert reply.encoding is Encoding.XML
    header_status = reply.message.commands[0]
    assert isinstance(header_status, Status)
    assert (header_status.cmd_ref, header_status.data) == ("0", StatusCode.AUTH_ACCEPTED)
    assert reply.message.header.resp_uri is not None
    assert reply.message.header.resp_uri.startswith(f"{BASE_URL}/syncml?sid=")


async def test_url_parameters_are_kept_in_the_resp_uri(client: httpx.AsyncClient, alice: str) -> None:
    answered = await client.post(
        "/syncml/index.html?format=vob,%23sync=2,&backup",
        content=first_message(alice, "secret"),
        headers={"Content-Type": "application/vnd.syncml+xml; charset=utf-8"},
    )
    assert answered.status_code == 200, answered.text
    resp_uri = decode(answered.content, XML).message.header.resp_uri
    assert resp_uri is not None
    assert resp_uri.startswith(f"{BASE_URL}/syncml/index.html?format=vob,%23sync=2,&backup&sid=")


async def test_each_message_is_logged_on_one_line(
    make_client: MakeClient, alice: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_client(log_messages=True)
    body = first_message(alice, "secret")
    with caplog.at_level(logging.INFO, logger="syncmld.server"):
        answered = await client.post("/syncml", content=body, headers={"Content-Type": XML})
    assert answered.status_code == 200
    lines = [record.getMessage() for record in caplog.records]
    summary = next(line for line in lines if line.startswith("msg "))
    sizes = f"in={len(body)}B out={len(answered.content)}B"
    assert summary.startswith(f"msg account={alice} device=sc-harness-cap1 session=5 msgid=1 {sizes}")
    assert " cmds=3 ms=" in summary
    dumps = "\n".join(line for line in lines if line.startswith("message "))
    assert "message in:" in dumps and "message out:" in dumps
    assert "<DevID>sc-harness-cap1</DevID>" in dumps
    secret = base64.b64encode(f"{alice}:secret".encode()).decode()
    assert secret not in dumps
    resp_uri = decode(answered.content, XML).message.header.resp_uri
    assert resp_uri is not None
    token = resp_uri.rpartition("sid=")[2]
    assert token not in dumps, "a log reader could post into the live session"
    assert "sid=***</RespURI>" in dumps


@pytest.mark.parametrize("url", ["/syncml", "/syncml?sid=looked-up-first"])
async def test_a_broken_store_is_500_with_the_traceback_only_in_the_log(
    url: str, client: httpx.AsyncClient, alice: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = sqlite3.connect(tmp_path / "syncmld.db")
    database.execute("DROP TABLE sessions")
    database.close()
    with caplog.at_level(logging.ERROR, logger="syncmld.server"):
        answered = await client.post(url, content=first_message(alice, "secret"), headers={"Content-Type": XML})
    assert answered.status_code == 500
    assert "Traceback" not in answered.text
    assert len(answered.text.strip().splitlines()) == 1
    assert any(record.exc_info for record in caplog.records)


async def test_a_slow_sync_session_continues_at_the_resp_uri_and_is_summarised(
    client: httpx.AsyncClient, alice: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    recorded = CAPTURE / "xml-slow-contacts-5"
    messages = [
        first_message(alice, "secret"),
        (recorded / "002-c2s.xml").read_bytes(),
        (recorded / "003-c2s.xml").read_bytes(),
    ]
    url = "/syncml"
    with caplog.at_level(logging.INFO, logger="syncmld.server"):
        for body in messages:
            answered = await client.post(url, content=body, headers={"Content-Type": XML})
            assert answered.status_code == 200, answered.text
            resp_uri = decode(answered.content, XML).message.header.resp_uri
            assert resp_uri is not None
            url = resp_uri

    summaries = [record.getMessage() for record in caplog.records if record.getMessage().startswith("sync ")]
    assert len(summaries) == 1
    assert summaries[0].startswith(f"sync account={alice} device=sc-harness-cap1 folder=contacts mode=")
    assert re.search(r' reason="[^"]+" received=\S*:5\b', summaries[0])
    with store.transaction() as tx:
        account = tx.get_account(alice)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        assert folder is not None
        assert tx.count_items(folder.id) == 5
