"""Sessions that real phones and PIM clients had with Horde's server, replayed against syncmld."""

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from .conftest import ENDPOINT, REPLAY_LOGIN
from .recordings import horde_sessions
from .replay import replay_session, with_basic_login

pytestmark = pytest.mark.timeout(120)

HORDE_CASES = [
    "testcase_P900_tasksandcalendar",
    "testcase_funambol_outlook3015_calendar",
    "testcase_sync4j_pocketpc_calendar",
    "testcase_sync4j_pocketpc_contacts",
    "testcase_sync4j_pocketpc_notes",
    "testcase_synthesis_tasks",
]


def _folder(shared_dir: Path, case: str) -> Path:
    return shared_dir / "interop" / "real-devices" / "horde-syncml" / case


@pytest.mark.parametrize("case", HORDE_CASES)
def test_recorded_sessions_get_sensible_replies(http: TestClient, shared_dir: Path, case: str) -> None:
    sessions = horde_sessions(_folder(shared_dir, case))
    assert len(sessions) >= 4
    for session in sessions:
        bodies = [(path.name, with_basic_login(path.read_bytes(), *REPLAY_LOGIN)) for path in session]
        replies = replay_session(http, ENDPOINT, bodies)
        header_status = dict(replies[0].statuses).get("SyncHdr")
        assert header_status in (200, 212), f"{session[0].name}: SyncHdr status {header_status}"


def test_login_without_domain_is_refused_with_401(http: TestClient, shared_dir: Path) -> None:
    """The devices log in as ``syncmltest``; syncmld logins are full e-mail addresses (product.md 5),
    so that login is refused with SyncML 401 rather than matched to some account."""
    first = _folder(shared_dir, "testcase_synthesis_tasks") / "syncml_client_10.xml"
    replies = replay_session(http, ENDPOINT, [(first.name, first.read_bytes())])
    assert dict(replies[0].statuses).get("SyncHdr") == 401
