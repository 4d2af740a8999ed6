"""Odd values of every URL parameter (``sync``, ``format``, ``backup``, ``reset``, ``push``, the session's
``sid``, unknown ones), in the query and in the Target's fragment: never a 5xx. A bad value of a sync
parameter gets 400 on the Alert with the reason, a bad ``sid`` an HTTP 400 with a one-line reason, and
each its log line. (A 300-letter backup name used to be an HTTP 500: its archive's name was too long.)"""

import logging
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from syncmld.engine.api import BACKUP_PREFIX_MAX
from syncmld.engine.params import MAX_PARAMETERS
from syncmld.protocol.messages import Status
from tests.hostile.wire import ALICE, ENDPOINT, XML, alert, assert_plain_refusal, basic_cred, message, reply_of

pytestmark = pytest.mark.anyio

LONG = "a" * 300
ODD_VALUES = {
    "300-letters": LONG,
    "dot-dot-slash": "../../x",
    "nul": "%00",
    "newline-inside": "a%0Ab",
    "unicode": "%C3%A9t%C3%A9",
    "invalid-utf8": "%FF%FE",
    "xml-non-character": "%EF%BF%BE",
    "escape-sequence": "%1B%5B2J",
}
BAD_EVERYWHERE = [
    pytest.param(name, value, id=f"{name}-{label}")
    for name in ("sync", "format", "backup", "reset", "push")
    for label, value in ODD_VALUES.items()
]


def login(target: str = ENDPOINT) -> bytes:
    """Alice's first message: a slow-sync Alert for contacts, sent to ``target``."""
    return message(alert(1, 201), cred=basic_cred(ALICE)).replace(f">{ENDPOINT}<".encode(), f">{target}<".encode())


def alert_status(response: httpx.Response) -> Status:
    reply = reply_of(response)
    header = next(s for s in reply.commands if isinstance(s, Status) and s.cmd == "SyncHdr")
    assert header.data == 212, header
    return next(s for s in reply.commands if isinstance(s, Status) and s.cmd == "Alert")


async def refused_alert(
    client: httpx.AsyncClient, query: str, caplog: pytest.LogCaptureFixture, target: str = ENDPOINT
) -> str:
    """The reason of the 400 the Alert gets when the URL carries ``query``, after checking its log line."""
    with caplog.at_level(logging.INFO):
        response = await client.post("/syncml" + query, content=login(target), headers={"Content-Type": XML})
    status = alert_status(response)
    assert status.data == 400, status
    data = status.items[0].data
    assert isinstance(data, bytes)
    reason = data.decode("utf-8")
    assert any(
        "bad URL parameters" in record.getMessage() and reason in record.getMessage() for record in caplog.records
    )
    return reason


async def accepted_alert(client: httpx.AsyncClient, query: str) -> None:
    response = await client.post("/syncml" + query, content=login(), headers={"Content-Type": XML})
    assert alert_status(response).data in (200, 201), response.text


async def test_backup_name_of_300_letters_is_400_on_the_alert(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    reason = await refused_alert(client, "?backup=" + LONG, caplog)
    assert f"at most {BACKUP_PREFIX_MAX}" in reason
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


@pytest.mark.parametrize(("name", "value"), BAD_EVERYWHERE)
async def test_odd_values_are_400_on_the_alert(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, name: str, value: str
) -> None:
    reason = await refused_alert(client, f"?{name}={value}", caplog)
    assert reason.startswith(f"{name}=")
    assert len(reason) < 300 and reason.isprintable() and reason.isascii()


@pytest.mark.parametrize(("name", "value"), BAD_EVERYWHERE[::3])
async def test_odd_values_in_the_target_fragment_are_400_on_the_alert(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, name: str, value: str
) -> None:
    reason = await refused_alert(client, "", caplog, target=f"{ENDPOINT},#{name}={value}")
    assert reason.startswith(f"{name}=")


@pytest.mark.parametrize(
    "query",
    [
        "?sync=",
        "?format=",
        "?reset=maybe",
        "?push=%20x",
        "?sync=%C2%B2",
        "?sync=%D9%A1",
        "?sync=2&sync=5",
        "?format=sif&FORMAT=vob",
        f"?backup={'b' * (BACKUP_PREFIX_MAX + 1)}",
        "?" + "&".join(f"x{number}" for number in range(MAX_PARAMETERS + 1)),
    ],
)
async def test_empty_repeated_and_lookalike_values_are_400_on_the_alert(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, query: str
) -> None:
    await refused_alert(client, query, caplog)


@pytest.mark.parametrize(
    "query",
    [
        "?sync=2&sync=2",
        "?backup=",
        "?backup",
        f"?backup={'b' * BACKUP_PREFIX_MAX}",
        "?reset=0",
        "?push=yes",
        "?push&push",
        "?color=" + LONG,
        "?%00=%00",
        "?sync=2,&format=VOB,",
    ],
)
async def test_good_values_and_unknown_parameters_are_accepted(client: httpx.AsyncClient, query: str) -> None:
    await accepted_alert(client, query)


@pytest.mark.parametrize("value", [LONG, "../x", "%00", "%0A", "%C3%A9", "", "a b"])
async def test_odd_session_tokens_are_http_400_with_a_reason(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    with caplog.at_level(logging.INFO):
        response = await client.post(f"/syncml?sid={value}", content=login(), headers={"Content-Type": XML})
    assert_plain_refusal(response, 400)
    assert "no session token of ours" in response.text and len(response.text) < 200
    assert any("refused a message" in record.getMessage() for record in caplog.records)


async def test_two_session_tokens_are_http_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/syncml?sid=abc&sid=def", content=login(), headers={"Content-Type": XML})
    assert_plain_refusal(response, 400)
    assert "two sessions" in response.text


async def test_a_backup_name_with_no_archive_name_left_today_is_400_on_the_alert(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / f"full{datetime.now(UTC):%Y%m%d}9999.wot").write_bytes(b"")
    reason = await refused_alert(client, "?backup=full", caplog)
    assert "no archive could be started" in reason
    assert any("no backup name left" in record.getMessage() for record in caplog.records)
