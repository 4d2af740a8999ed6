"""Log forging: what a client sends (device IDs, user names, URIs) is logged with its control characters
escaped, so no client can write a line of its own into the server log or drive the admin's terminal;
message dumps and tracebacks, which span lines, continue behind an indent where no record starts."""

import logging
import re
from pathlib import Path

import httpx
import pytest

from syncmld.log import CONTINUATION, MultiLine
from tests.hostile.conftest import MakeClient
from tests.hostile.wire import ALICE, XML, alert, basic_cred, message
from tests.server.serve_process import ServeProcess, syncmld

FORGED = "2026-01-01 00:00:00.000 INFO    syncmld.engine: forged"
"""A line in the log's own format, which the client tries to make the server write."""
RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ")
NASTY = "&#10;" + FORGED + "&#13;&#10;" + FORGED + "\u2028" + FORGED + "\u0085x"
"""As XML text: LF, CR LF, the Unicode line separator and NEL, each followed by a forged line."""


def forging_message(with_login: bool) -> bytes:
    """A message whose device ID (Source LocURI), user name (LocName) and Alert Source carry forged lines."""
    raw = message(
        alert(1, 201, source="./c" + NASTY), device="IMEI:1" + NASTY, cred=basic_cred(ALICE) if with_login else ""
    )
    named = f"</LocURI><LocName>eve{NASTY}</LocName></Source>".encode()
    return raw.replace(b"</LocURI></Source>", named, 1)


def assert_no_forged_line(text: str) -> None:
    for line in text.splitlines():
        assert not line.startswith(FORGED[:23]), f"forged line in the log: {line!r}"
    for char in "\r\x1b\x85\u2028\u2029":
        assert char not in text


@pytest.mark.anyio
@pytest.mark.parametrize("with_login", [False, True], ids=["refused", "logged-in"])
async def test_client_text_in_log_records_is_escaped(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture, with_login: bool
) -> None:
    client: httpx.AsyncClient = await make_client(log_messages=True)
    with caplog.at_level(logging.INFO):
        response = await client.post("/syncml", content=forging_message(with_login), headers={"Content-Type": XML})
    assert response.status_code < 500
    messages = [record.getMessage() for record in caplog.records]
    assert any("\\n" + FORGED in text for text in messages), messages
    for text in messages:
        assert_no_forged_line(text)
        _, *rest = text.split("\n")
        assert all(line.startswith(CONTINUATION) for line in rest), text


def test_multi_line_arguments_continue_behind_the_indent() -> None:
    dump = MultiLine("<a>\n" + FORGED + "\x1b[2J</a>")
    assert str(dump) == "<a>\n" + CONTINUATION + FORGED + "\\x1b[2J</a>"


def test_serve_log_holds_no_forged_line(tmp_path: Path) -> None:
    """A real ``syncmld serve --log-messages``: every line of its log is a record's start or a continuation."""
    data = tmp_path / "data"
    syncmld("account", "add", ALICE, "--password", "secret", "--data-dir", str(data))
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(data), "--log-messages") as server:
        for with_login in (False, True):
            response = httpx.post(server.url, content=forging_message(with_login), headers={"Content-Type": XML})
            assert response.status_code < 500
        server.wait_for_log(re.compile(r"message out:(?:.|\n)*message out:"))
        assert server.stop() == 0
    log = server.log
    assert "\\n" + FORGED in log
    assert_no_forged_line(log)
    for line in log.splitlines():
        assert RECORD_START.match(line) or line.startswith(CONTINUATION), f"stray line: {line!r}"
