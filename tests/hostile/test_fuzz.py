"""The HTTP endpoint fuzzed: random bodies, mutated real first messages, random content types, and
random (well-formed) commands after a valid login and inside an open session. Every answer is a
4xx with a one-line reason or a 200 with a SyncML reply in the client's encoding, never a 5xx, and
the server goes on answering.

CI runs ``SYNCMLD_FUZZ_EXAMPLES`` (default 200) examples of each body fuzzer and half as many of each
command fuzzer (their examples cost ten times more); set it higher for a longer run. Examples come
from Hypothesis alone, so ``pytest --hypothesis-seed=N`` repeats a run.
"""

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import anyio.from_thread
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncmld.accounts import hash_password, md5_credential
from syncmld.config import ServerConfig
from syncmld.engine.api import ThrottleSettings
from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.constants import AUTH_BASIC, FORMAT_B64, SyncMLVersion
from syncmld.protocol.messages import Command, Cred, LocRef, Meta, Sync, SyncHdr, SyncML
from syncmld.server import create_app
from syncmld.store import open_store, sqlite_url
from tests.hostile.wire import ALICE, BASE_URL, ENDPOINT, PASSWORD, WBXML, XML, alert, basic_cred, message, statuses
from tests.protocol import strategies
from tests.replay.replay import with_basic_login

EXAMPLES = int(os.environ.get("SYNCMLD_FUZZ_EXAMPLES", "200"))
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
body_fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=_HEALTH)
command_fuzz = settings(max_examples=max(1, EXAMPLES // 2), deadline=None, suppress_health_check=_HEALTH)

CAPTURE = Path(__file__).resolve().parents[2].parent / "shared" / "interop" / "capture"
FIRST_MESSAGES = tuple(
    with_basic_login(path.read_bytes(), ALICE, PASSWORD) for path in sorted(CAPTURE.glob("*/001-c2s.xml"))
)
NO_THROTTLE = ThrottleSettings(delay_after=10**9, lock_after=10**9, delay=0.0)
"""Fuzzed logins fail by the thousand from one address; throttling would hide the engine behind 403s."""

content_types = st.sampled_from(
    [
        XML,
        f"{XML}; charset=UTF-8",
        WBXML,
        "application/xml",
        "text/xml",
        "text/plain",
        "text/html",
        "application/octet-stream",
        "multipart/form-data; boundary=x",
        "",
        "application/vnd.syncml+xml; charset=latin1",
    ]
) | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@dataclass(frozen=True)
class Endpoint:
    """The app in-process (httpx over ASGI) on an event loop of its own, for synchronous Hypothesis tests."""

    portal: anyio.from_thread.BlockingPortal
    client: httpx.AsyncClient

    def post(self, url: str, body: bytes, content_type: str) -> httpx.Response:
        headers = {"Content-Type": content_type} if content_type else {}
        return self.portal.call(partial(self.client.post, url, content=body, headers=headers))


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """One app and store for all examples of the module: a server that keeps running under fuzzing."""
    data_dir = tmp_path_factory.mktemp("fuzz")
    store = open_store(sqlite_url(data_dir))
    with store.transaction() as tx:
        tx.add_account(ALICE, md5_credential(ALICE, PASSWORD), hash_password(PASSWORD))
    app = create_app(store, ServerConfig(data_dir=data_dir, login_throttle=NO_THROTTLE))
    with anyio.from_thread.start_blocking_portal() as portal:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
        yield Endpoint(portal, client)
        portal.call(client.aclose)
    store.close()


def check_answer(answered: httpx.Response, sent: Encoding | None = None) -> SyncML | None:
    """A 4xx with a one-line plain reason, or a 200 with SyncML (in ``sent``'s encoding, if given)."""
    text = answered.content.decode("utf-8", errors="replace")
    assert "Traceback" not in text and 'File "' not in text
    if answered.status_code != 200:
        assert 400 <= answered.status_code < 500, f"HTTP {answered.status_code}: {text[:300]}"
        assert answered.headers["content-type"].startswith("text/plain") and len(text.strip().splitlines()) == 1
        return None
    reply = decode(answered.content, answered.headers["content-type"])
    if sent is not None:
        assert reply.encoding is sent
    assert statuses(reply.message)[0][0] == "SyncHdr"
    return reply.message


@body_fuzz
@given(body=st.binary(max_size=4096), content_type=content_types)
def test_random_bodies(endpoint: Endpoint, body: bytes, content_type: str) -> None:
    check_answer(endpoint.post("/syncml", body, content_type))


_TEXT = re.compile(rb">([^<]*)<")
_ELEMENT = re.compile(rb"<(\w+)>[^<]*</\1>")
odd_values = st.sampled_from(
    [
        b"",
        b"0",
        b"-1",
        b"99999999999999999999",
        b"&amp;",
        b"]]>",
        b"\xff\xfe",
        b"\x00",
        b"syncml:auth-md5",
        b"./devinf12",
        b"contacts",
        b"208",
        b"text/vcard",
        b" ",
    ]
)


def _replace_text(draw: st.DrawFn, body: bytes) -> bytes:
    spans = list(_TEXT.finditer(body))
    found = draw(st.sampled_from(spans))
    new = draw(odd_values | st.binary(max_size=24) | st.text(max_size=24).map(str.encode))
    return body[: found.start(1)] + new + body[found.end(1) :]


def _drop_element(draw: st.DrawFn, body: bytes) -> bytes:
    found = draw(st.sampled_from(list(_ELEMENT.finditer(body))))
    return body[: found.start()] + body[found.end() :]


def _repeat_element(draw: st.DrawFn, body: bytes) -> bytes:
    found = draw(st.sampled_from(list(_ELEMENT.finditer(body))))
    return body[: found.end()] + found.group() * draw(st.integers(1, 3)) + body[found.end() :]


def _flip_byte(draw: st.DrawFn, body: bytes) -> bytes:
    at = draw(st.integers(0, len(body) - 1))
    return body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1 :]


def _insert_bytes(draw: st.DrawFn, body: bytes) -> bytes:
    at = draw(st.integers(0, len(body)))
    return body[:at] + draw(st.binary(min_size=1, max_size=16)) + body[at:]


def _truncate(draw: st.DrawFn, body: bytes) -> bytes:
    return body[: draw(st.integers(0, len(body)))]


MUTATIONS: tuple[Callable[[st.DrawFn, bytes], bytes], ...] = (
    _replace_text,
    _replace_text,
    _replace_text,
    _drop_element,
    _repeat_element,
    _flip_byte,
    _insert_bytes,
    _truncate,
)


@st.composite
def mutated_first_messages(draw: st.DrawFn) -> bytes:
    """A recorded SyncEvolution first message (logging in as Alice), changed a few times."""
    body = draw(st.sampled_from(FIRST_MESSAGES))
    for _ in range(draw(st.integers(1, 5))):
        mutate = draw(st.sampled_from(MUTATIONS))
        if body and (_ELEMENT.search(body) or mutate not in (_drop_element, _repeat_element, _replace_text)):
            body = mutate(draw, body)
    return body


def test_the_recordings_are_there() -> None:
    assert len(FIRST_MESSAGES) >= 15, f"expected SyncEvolution's first messages in {CAPTURE}"


@body_fuzz
@given(body=mutated_first_messages(), content_type=st.just(XML) | content_types)
def test_mutated_real_first_messages(endpoint: Endpoint, body: bytes, content_type: str) -> None:
    check_answer(endpoint.post("/syncml", body, content_type))


def alice_header(device: str, session: str, msg_id: str, login: bool) -> SyncHdr:
    cred = (
        Cred(
            data=basic_cred(ALICE).split("<Data>")[1].split("</Data>")[0], meta=Meta(type=AUTH_BASIC, format=FORMAT_B64)
        )
        if login
        else None
    )
    return SyncHdr(
        version=SyncMLVersion.V1_2,
        session_id=session,
        msg_id=msg_id,
        target=LocRef(ENDPOINT),
        source=LocRef(device, ALICE),
        cred=cred,
    )


contacts_syncs = st.builds(
    Sync,
    cmd_id=st.just("90"),
    target=st.just(LocRef("contacts")),
    source=st.just(LocRef("./contacts")),
    commands=st.lists(strategies.sync_sub_commands, max_size=4).map(tuple),
)
random_commands = st.lists(strategies.commands | contacts_syncs, max_size=5).map(tuple)


def send(endpoint: Endpoint, sent: SyncML, encoding: Encoding, url: str = "/syncml") -> SyncML | None:
    return check_answer(endpoint.post(url, encode(sent, encoding), encoding.content_type), encoding)


@command_fuzz
@given(commands=random_commands, encoding=st.sampled_from(Encoding), final=st.booleans())
def test_random_commands_with_a_valid_login(
    endpoint: Endpoint,
    commands: tuple[Command, ...],
    encoding: Encoding,
    final: bool,
) -> None:
    send(endpoint, SyncML(alice_header("fuzz-login", "1", "1", login=True), commands, final), encoding)


@command_fuzz
@given(
    commands=random_commands,
    encoding=st.sampled_from(Encoding),
    final=st.booleans(),
    msg_id=st.sampled_from(["1", "2", "3"]),
)
def test_random_commands_inside_an_open_session(
    endpoint: Endpoint,
    commands: tuple[Command, ...],
    encoding: Encoding,
    final: bool,
    msg_id: str,
) -> None:
    opened = endpoint.post(
        "/syncml", message(alert(1, 201), device="fuzz-session", session="7", cred=basic_cred(ALICE)), XML
    )
    reply = check_answer(opened, Encoding.XML)
    assert reply is not None and reply.header.resp_uri is not None
    send(
        endpoint,
        SyncML(alice_header("fuzz-session", "7", msg_id, login=False), commands, final),
        encoding,
        url=reply.header.resp_uri,
    )


def test_the_server_still_answers_after_the_fuzzing(endpoint: Endpoint) -> None:
    answered = endpoint.post("/syncml", message(alert(1, 201), device="after-fuzzing", cred=basic_cred(ALICE)), XML)
    reply = check_answer(answered, Encoding.XML)
    assert reply is not None and statuses(reply)[:2] == [("SyncHdr", 212), ("Alert", 200)]
