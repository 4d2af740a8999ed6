"""What a message without a session (a login) may cost: a small body limit, a few decoded and answered
at once, a bounded log; a made-up session token changes none of that. Real first messages all fit."""

import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio
import httpx
import pytest

from syncmld.config import WireLimits
from syncmld.engine.api import ThrottleSettings
from syncmld.store import SQLITE_FILE_NAME
from tests.hostile.conftest import MakeClient
from tests.hostile.served import MB, PeakMemory, logged_in, served
from tests.hostile.wire import (
    XML,
    alert,
    assert_plain_refusal,
    basic_cred,
    item_command,
    message,
    reply_of,
    store_rows,
    sync,
    vcard,
)

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

LOGIN_LIMIT = WireLimits.login_message_size


def near_limit_login(size: int) -> bytes:
    """A message without credentials of about ``size`` bytes, made of the smallest elements there are
    (the most a body of that size costs to decode)."""
    empty = message(alert(1, 200))
    items = (size - len(empty)) // len("<Item/>")
    return message(alert(1, 200).replace("</Alert>", "<Item/>" * items + "</Alert>"))


def post_all(url: str, bodies: list[bytes], check: Callable[[httpx.Response], None]) -> None:
    """Post every body at once, each on a connection of its own, and check every answer."""
    with (
        httpx.Client(timeout=120, limits=httpx.Limits(max_connections=len(bodies))) as http,
        ThreadPoolExecutor(len(bodies)) as pool,
    ):
        answers = list(pool.map(lambda body: http.post(url, content=body, headers={"Content-Type": XML}), bodies))
    for answered in answers:
        check(answered)


def answered_or_busy(answered: httpx.Response) -> None:
    """A SyncML refusal of the login, or 503 with Retry-After when too many logins are under way."""
    if answered.status_code == 503:
        assert answered.headers["retry-after"] == "5"
        return
    assert answered.status_code == 200, answered.text[:300]


def refused_as_too_large(answered: httpx.Response) -> None:
    assert answered.status_code == 413
    assert answered.text.strip() == f"message larger than {LOGIN_LIMIT} bytes without a session"


def test_40_parallel_logins_near_the_limit_grow_the_server_by_under_64_mb(tmp_path: Path) -> None:
    """40 parallel 9.9 MB bodies without a session (they took the server from 64 MB to 1 GB) are 413 on
    their Content-Length; 40 parallel 128 kB ones of empty elements are decoded 4 at a time. Peak
    memory: up by less than 64 MB for each batch."""
    with served(tmp_path) as server:
        memory = PeakMemory(server.pid)
        post_all(server.url, [near_limit_login(9_900_000)] * 40, refused_as_too_large)
        assert memory.growth < 64 * MB, f"peak memory up by {memory.growth / MB:.0f} MB"

        memory = PeakMemory(server.pid)
        post_all(server.url, [near_limit_login(LOGIN_LIMIT - 100)] * 40, answered_or_busy)
        assert memory.growth < 64 * MB, f"peak memory up by {memory.growth / MB:.0f} MB"


def test_with_log_messages_a_message_that_does_not_log_in_is_logged_cut(tmp_path: Path) -> None:
    """40 messages of 128 kB without credentials add less than 320 kB to the log (2048 characters of each,
    and a line saying how much was cut); a login that succeeds is logged whole."""
    with served(tmp_path, "--log-messages") as server:
        before = server.log_path.stat().st_size
        post_all(server.url, [near_limit_login(LOGIN_LIMIT - 100)] * 40, answered_or_busy)
        grown = server.log_path.stat().st_size - before
        assert grown < 320 * 1024, f"the log grew by {grown} bytes"
        cut = re.findall(r"\[cut: (\d+) more characters of a message that did not log in\]", server.log)
        assert cut and all(int(count) > 100_000 for count in cut)

        with httpx.Client(timeout=60) as http:
            logged_in(http, server.url)
        assert "<Data>***</Data>" in server.log
        assert server.log.count("[cut: ") == len(cut)


async def test_a_big_body_without_a_session_is_413_and_changes_nothing(
    client: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    """A valid login carrying a 1 MB contact, with a correct or a made-up session token: 413 on its
    Content-Length, nothing stored."""
    body = message(
        alert(1, 200) + sync(2, item_command("Add", 3, "big1", vcard("Big") + "A" * 1_000_000)),
        cred=basic_cred("alice@example.org"),
    )
    before = store_rows(tmp_path)
    for url in ("/syncml", "/syncml?sid=made-up"):
        answered = await client.post(url, content=body, headers={"Content-Type": XML})
        assert_plain_refusal(answered, 413)
        assert answered.text.strip() == f"message larger than {LOGIN_LIMIT} bytes without a session"
    assert store_rows(tmp_path) == before


async def test_in_a_session_the_limit_is_the_announced_max_msg_size_and_a_tenth(make_client: MakeClient) -> None:
    client = await make_client(max_msg_size=50_000)
    login = await client.post(
        "/syncml", content=message(alert(1, 200), cred=basic_cred("alice@example.org")), headers={"Content-Type": XML}
    )
    reply = reply_of(login)
    assert reply.header.meta is not None and reply.header.meta.max_msg_size == 50_000
    url = reply.header.resp_uri
    assert url
    too_big = await client.post(url, content=b"<" * 55_001, headers={"Content-Type": XML})
    assert_plain_refusal(too_big, 413)
    assert too_big.text.strip() == "message larger than 55000 bytes"
    read = await client.post(url, content=b"<" * 55_000, headers={"Content-Type": XML})
    assert_plain_refusal(read, 400)


def test_the_size_limits_of_serve_are_its_options(tmp_path: Path) -> None:
    """--max-message-size 50000 is the MaxMsgSize announced; --max-login-message-size 2000 refuses a
    2,001-byte login with 413."""
    login = message(alert(1, 200), cred=basic_cred("alice@example.org"))
    padded = login.replace(b"</SyncBody>", b"<!--" + b"p" * (2001 - len(login) - 7) + b"--></SyncBody>")
    assert len(login) < 2000 and len(padded) == 2001
    with (
        served(tmp_path, "--max-message-size", "50000", "--max-login-message-size", "2000") as server,
        httpx.Client(timeout=60) as http,
    ):
        reply = reply_of(http.post(server.url, content=login, headers={"Content-Type": XML}))
        assert reply.header.meta is not None and reply.header.meta.max_msg_size == 50_000
        refused = http.post(server.url, content=padded, headers={"Content-Type": XML})
        assert refused.status_code == 413
        assert refused.text.strip() == "message larger than 2000 bytes without a session"


async def test_logins_beyond_the_places_and_the_queue_get_503_with_retry_after(
    make_client: MakeClient,
    tmp_path: Path,
) -> None:
    """One place, one in the queue: while the store is busy, of three logins at once one is turned away
    at once with 503 and Retry-After; the other two are answered once the store is free."""
    client = await make_client(wire=WireLimits(login_concurrency=1, login_queue=1))
    answers: list[httpx.Response] = []
    body = message(alert(1, 200), cred=basic_cred("alice@example.org"))
    busy_store = sqlite3.connect(tmp_path / SQLITE_FILE_NAME, isolation_level=None)
    busy_store.execute("BEGIN IMMEDIATE")
    try:
        async with anyio.create_task_group() as group:

            async def login(device: str) -> None:
                answers.append(
                    await client.post(
                        "/syncml", content=body.replace(b"IMEI:hostile", device.encode()), headers={"Content-Type": XML}
                    )
                )

            for number in range(3):
                group.start_soon(login, f"IMEI:{number}")
            with anyio.fail_after(20):
                while not answers:
                    await anyio.sleep(0.05)
            assert [answer.status_code for answer in answers] == [503]
            assert answers[0].headers["retry-after"] == "5"
            assert answers[0].text.strip() == "too many logins at once; try again shortly"
            busy_store.rollback()
    finally:
        busy_store.close()
    assert [answer.status_code for answer in answers] == [503, 200, 200]
    assert all(reply_of(answer).header.resp_uri for answer in answers[1:])


def recorded_messages(shared_dir: Path) -> list[Path]:
    interop = shared_dir / "interop"
    return sorted(
        path
        for pattern in (
            "capture/*/*-c2s.xml",
            "capture/*/*-c2s.wbxml",
            "real-devices/**/*.xml",
            "real-devices/**/*.wbxml",
        )
        for path in interop.glob(pattern)
        if not path.name.endswith(".decoded.xml")
    )


async def test_every_recorded_message_fits_a_login(make_client: MakeClient, shared_dir: Path) -> None:
    """Every message recorded from real clients (the largest 24 kB, a Sony Ericsson K800i's first message
    with its DevInf) is read and answered without a session: none is refused for its size. (Their
    recorded credentials fail here: the replies are not delayed for it, which would only make this slow.)"""
    client = await make_client(login_throttle=ThrottleSettings(delay=0.0))
    messages = recorded_messages(shared_dir)
    assert len(messages) > 200
    for path in messages:
        body = path.read_bytes()
        content_type = "application/vnd.syncml+wbxml" if path.suffix == ".wbxml" else XML
        answered = await client.post("/syncml", content=body, headers={"Content-Type": content_type})
        assert answered.status_code not in (413, 503), f"{path}: HTTP {answered.status_code} {answered.text[:200]}"
