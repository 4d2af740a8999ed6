"""``syncmld serve --log-format text|json``: every line of a session carries the session's log id (not its
token), and a client's text cannot break a line in either format."""

import json
import re
from pathlib import Path

import httpx

from syncmld.client.device import Device
from syncmld.client.http import HttpTransport
from syncmld.engine.api import split_session_url
from syncmld.log import log_session_id
from tests.server.serve_process import ServeProcess, syncmld

EMAIL = "anna@example.org"
PASSWORD = "pw"
FORGED = "2026-01-01 00:00:00.000 INFO    syncmld.engine: forged"
TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (\w+) +(\S+?)(?: sid=([0-9a-f]{12}))?: (.*)$")


def two_sessions(url: str) -> list[str]:
    """Two syncs of one device, each a session of several messages; the session tokens the server handed out."""
    tokens: list[str] = []

    def transport(message, target, sign=None):  # type: ignore[no-untyped-def]
        reply = http(message, target, sign)
        if reply.header.resp_uri:
            token = split_session_url(reply.header.resp_uri)[1]
            if token is not None and token not in tokens:
                tokens.append(token)
        return reply

    with HttpTransport() as http:
        device = Device(transport=transport, url=url, user=EMAIL, password=PASSWORD, device_id="phone\n" + FORGED)
        device.add(b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;Jo\r\nEND:VCARD\r\n")
        assert device.sync().header_status == 212
        device.add(b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Roe;Al\r\nEND:VCARD\r\n")
        assert device.sync().header_status == 212
    return tokens


def serve_and_sync(tmp_path: Path, *options: str) -> tuple[str, list[str]]:
    data = tmp_path / "data"
    syncmld("account", "add", EMAIL, "--password", PASSWORD, "--data-dir", str(data))
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(data), "--log-messages", *options) as server:
        tokens = two_sessions(server.url)
        httpx.post(server.url, content=b"<not syncml", headers={"Content-Type": "application/vnd.syncml+xml"})
        server.wait_for_log(re.compile("refused a message from"))
        assert server.stop() == 0
    assert len(tokens) == 2
    return server.log, tokens


def test_text_lines_of_a_session_carry_its_log_id(tmp_path: Path) -> None:
    log, tokens = serve_and_sync(tmp_path)
    sids = [log_session_id(token) for token in tokens]
    records = [TEXT_LINE.match(line) for line in log.splitlines() if not line.startswith("    | ")]
    assert all(records), log
    of_session = {sid: [m.group(4) for m in records if m and m.group(3) == sid] for sid in sids}
    for sid, lines in of_session.items():
        assert sum(line.startswith("msg ") for line in lines) >= 2, (sid, log)
        assert any(line.startswith("sync ") for line in lines)
        assert any(line.startswith("message in:") for line in lines)
    without = [m.group(4) for m in records if m and m.group(3) is None]
    assert not any(line.startswith(("msg ", "sync ", "message ")) for line in without), without
    assert any(line.startswith("refused a message from") for line in without)
    first_lines = "\n".join(line for line in log.splitlines() if not line.startswith("    | "))
    for token in tokens:
        assert token not in first_lines
    assert "phone\\n" + FORGED in log
    assert not any(line.startswith(FORGED[:23]) for line in log.splitlines())


def test_json_lines_are_one_object_each_with_the_session_log_id(tmp_path: Path) -> None:
    log, tokens = serve_and_sync(tmp_path, "--log-format", "json")
    entries = [json.loads(line) for line in log.splitlines()]
    assert all(set(entry) >= {"time", "level", "logger", "message"} for entry in entries)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"]) for entry in entries)
    sids = [log_session_id(token) for token in tokens]
    for sid in sids:
        messages = [entry["message"] for entry in entries if entry.get("sid") == sid]
        assert sum(text.startswith("msg ") for text in messages) >= 2
        assert any(text.startswith("sync ") and "account=anna@example.org" in text for text in messages)
    assert not any(entry["message"].startswith("msg ") and "sid" not in entry for entry in entries)
    assert any("phone\\n" + FORGED in entry["message"] for entry in entries)
    assert any(entry["level"] == "warning" and "sid" not in entry for entry in entries)
    for token in tokens:
        assert not any(token in entry["message"] for entry in entries if not entry["message"].startswith("message "))
