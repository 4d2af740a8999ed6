"""Post recorded client messages in order, follow the server's RespURI, and check every reply."""

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from starlette.testclient import TestClient

XML = "application/vnd.syncml+xml"
SAFE_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
_CRED = re.compile(rb"<Cred>.*?</Cred>", re.DOTALL)
_CRED_DATA = re.compile(rb"<Data>[^<]*</Data>")
_SESSION_ID = re.compile(rb"<SessionID>([^<]*)</SessionID>")
REFRESH_REQUIRED = 508
"""The one 5xx status that is no failure: the server's normal way of asking for a slow sync."""


@dataclass(frozen=True)
class Reply:
    """What a replay checks in one server reply."""

    session_id: str
    resp_uri: str | None
    statuses: list[tuple[str, int]]
    """(Cmd, status code) of every Status the server sent."""


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    return next((child for child in parent if isinstance(child.tag, str) and _local(child) == name), None)


def _text(parent: etree._Element, name: str) -> str:
    found = _child(parent, name)
    return "" if found is None or found.text is None else found.text.strip()


def parse_reply(body: bytes) -> Reply:
    """Read a reply as SyncML; AssertionError if it is not one."""
    root = etree.fromstring(body, SAFE_PARSER)
    assert _local(root) == "SyncML", f"reply root is <{_local(root)}>"
    header, sync_body = _child(root, "SyncHdr"), _child(root, "SyncBody")
    assert header is not None and sync_body is not None, "reply without SyncHdr or SyncBody"
    statuses = [
        (_text(element, "Cmd"), int(_text(element, "Data")))
        for element in sync_body
        if isinstance(element.tag, str) and _local(element) == "Status"
    ]
    return Reply(_text(header, "SessionID"), _text(header, "RespURI") or None, statuses)


def session_id(message: bytes) -> str:
    found = _SESSION_ID.search(message)
    assert found is not None, "message without SessionID"
    return found.group(1).decode().strip()


def with_basic_login(message: bytes, email: str, password: str) -> bytes:
    """The message with its credentials (basic or MD5) replaced by a basic login; all else byte-exact."""
    token = base64.b64encode(f"{email}:{password}".encode()).decode()

    def swap(found: re.Match[bytes]) -> bytes:
        cred = found.group(0).replace(b"syncml:auth-md5", b"syncml:auth-basic")
        return _CRED_DATA.sub(f"<Data>{token}</Data>".encode(), cred, count=1)

    return _CRED.sub(swap, message, count=1)


def sessions_by_id(messages: Iterable[Path]) -> list[list[Path]]:
    """Consecutive messages with the same SessionID form one session."""
    sessions: list[list[Path]] = []
    current = None
    for path in messages:
        sid = session_id(path.read_bytes())
        if sid != current:
            sessions.append([])
            current = sid
        sessions[-1].append(path)
    return sessions


def replay_session(http: TestClient, url: str, bodies: list[tuple[str, bytes]]) -> list[Reply]:
    """Post each (name, body) in turn, the first to ``url``, later ones to the last RespURI."""
    target, replies = url, []
    for name, body in bodies:
        response = http.post(target, content=body, headers={"Content-Type": XML})
        assert response.status_code == 200, f"{name}: HTTP {response.status_code} {response.text[:300]}"
        content_type = response.headers.get("content-type", "")
        assert content_type.startswith(XML), f"{name}: reply content type {content_type}"
        reply = parse_reply(response.content)
        assert reply.session_id == session_id(body), f"{name}: SessionID {reply.session_id} not echoed"
        assert reply.statuses, f"{name}: reply without any Status"
        failed = [(cmd, code) for cmd, code in reply.statuses if code >= 500 and code != REFRESH_REQUIRED]
        assert not failed, f"{name}: server failures {failed}\n{response.text[:3000]}"
        replies.append(reply)
        target = reply.resp_uri or target
    return replies
