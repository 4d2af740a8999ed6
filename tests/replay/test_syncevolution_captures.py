"""SyncEvolution's recorded sessions (XML) replayed against syncmld with a syncmld login."""

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from .conftest import ENDPOINT, REPLAY_LOGIN
from .replay import replay_session, sessions_by_id, with_basic_login

pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).resolve().parents[2]
CAPTURE = REPO.parent / "shared" / "interop" / "capture"
XML_CAPTURES = sorted(folder.name for folder in CAPTURE.glob("*") if (folder / "001-c2s.xml").is_file())
WRONG_PASSWORD_CAPTURE = "xml-wrong-password"


def _session_bodies(folder: Path, password: str) -> list[list[tuple[str, bytes]]]:
    email = REPLAY_LOGIN[0]
    return [
        [(path.name, with_basic_login(path.read_bytes(), email, password)) for path in session]
        for session in sessions_by_id(sorted(folder.glob("*-c2s.xml")))
    ]


def test_the_xml_captures_are_there() -> None:
    assert len(XML_CAPTURES) >= 15, f"expected the XML recordings in {CAPTURE}"


@pytest.mark.parametrize("capture", [name for name in XML_CAPTURES if name != WRONG_PASSWORD_CAPTURE])
def test_capture_replays_with_sensible_replies(http: TestClient, capture: str) -> None:
    for bodies in _session_bodies(CAPTURE / capture, REPLAY_LOGIN[1]):
        replies = replay_session(http, ENDPOINT, bodies)
        assert dict(replies[0].statuses).get("SyncHdr") in (200, 212), bodies[0][0]


def test_wrong_password_is_refused_with_401_every_time(http: TestClient) -> None:
    sessions = _session_bodies(CAPTURE / WRONG_PASSWORD_CAPTURE, "not-the-password")
    assert sum(len(bodies) for bodies in sessions) == 4
    for bodies in sessions:
        replies = replay_session(http, ENDPOINT, bodies)
        assert [dict(reply.statuses).get("SyncHdr") for reply in replies] == [401] * len(bodies)
