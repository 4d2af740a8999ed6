"""An account backed by a real CalDAV/CardDAV server (Radicale, xandikos) with SyncEvolution as the phone over
real HTTP: the phone gets the upstream's data, its changes reach the upstream once each, the upstream's reach
the phone, conflicts merge, and an upstream that is down or a killed syncmld lose nothing."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .client import Counts, Device, succeeded
from .dav_peers import Peer, contact, radicale, xandikos
from .server import SyncmldServer, syncmld
from .vcard_files import rename_contact

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]

EMAIL, PASSWORD = "anna@example.org", "phone-secret"
CONTACTS, EVENTS = 30, 10
WAIT_S = 60.0
"""How long the upstream may take to show what was pushed (the push runs after the phone's session)."""


@pytest.fixture(params=["radicale", "xandikos"])
def peer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Peer]:
    started = radicale if request.param == "radicale" else xandikos
    with started(tmp_path / request.param) as running:
        running.seed(CONTACTS, EVENTS)
        yield running


@pytest.fixture
def server(tmp_path: Path, peer: Peer) -> Iterator[SyncmldServer]:
    """syncmld with one account linked to the peer; unsent changes are retried every second."""
    running = SyncmldServer(tmp_path / "syncmld" / "data", options=("--upstream-retry-interval", "1"))
    running.data_dir.mkdir(parents=True)
    running.add_account(EMAIL, PASSWORD)
    added = syncmld(
        "upstream", "add", EMAIL, peer.root, "--user", peer.user, "--password", peer.password,
        "--data-dir", str(running.data_dir),
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    assert peer.password not in added.stdout + added.stderr or peer.name == "xandikos"
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def phone(tmp_path: Path, interop_dir: Path, server: SyncmldServer) -> Device:
    return Device(interop_dir, tmp_path / "se", f"phone-{tmp_path.name[-12:]}", server.url, EMAIL, PASSWORD, "0")


def eventually(check: Callable[[], bool], what: str) -> None:
    """Wait (up to ``WAIT_S``) until ``check()`` holds: the push runs after the phone's session has ended."""
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, f"not within {WAIT_S:.0f} s: {what}"
        time.sleep(0.5)


def names(cards: Iterator[bytes] | list[bytes]) -> list[str]:
    """The FN of each card, sorted."""
    found = []
    for card in cards:
        text = card.decode("utf-8").replace("\r\n ", "").replace("\n ", "")
        found += [line.split(":", 1)[1].strip() for line in text.splitlines() if line.upper().startswith("FN")]
    return sorted(found)


def file_named(phone: Device, needle: str) -> Path:
    (path,) = [path for path in phone.data_dir.iterdir() if needle.encode() in path.read_bytes()]
    return path


def test_first_sync_of_a_phone_receives_the_upstreams_contacts_and_events(phone: Device, peer: Peer) -> None:
    got = succeeded(phone.sync())
    assert got.client == Counts(added=CONTACTS, updated=0, deleted=0, rejected=0), got.describe()
    assert names(list(phone.files().values())) == sorted(f"Jürgen Größer {n:03d}" for n in range(1, CONTACTS + 1))
    calendar = phone.of_kind("calendar", "calendar")
    got = succeeded(calendar.sync())
    assert got.client.added == EVENTS, got.describe()
    summaries = sorted(
        line for data in calendar.files().values() for line in data.decode().splitlines() if "SUMMARY" in line
    )
    assert summaries == [f"SUMMARY:Besprechung Nr. {n:03d} über Straßen" for n in range(1, EVENTS + 1)]

    again = succeeded(phone.sync())
    assert (again.client.moved, again.server.moved) == (0, 0), again.describe()
    assert len(peer.cards()) == CONTACTS and len(peer.events()) == EVENTS


def test_the_phones_changes_reach_the_upstream_once_each_and_the_upstreams_reach_the_phone(
    phone: Device, peer: Peer
) -> None:
    succeeded(phone.sync())
    rename_contact(file_named(phone, "Größer 001"), "Erste Änderung")
    rename_contact(file_named(phone, "Größer 002"), "Zweite Änderung")
    file_named(phone, "Größer 003").unlink()
    phone.generate(1, start=900)

    sent = succeeded(phone.sync())
    assert sent.server == Counts(added=1, updated=2, deleted=1, rejected=0), sent.describe()
    kept = [f"Jürgen Größer {n:03d}" for n in range(4, CONTACTS + 1)]
    expected = sorted([*kept, "Erste Änderung", "Zweite Änderung", _generated_name(phone)])
    eventually(lambda: names(peer.cards()) == expected, f"{peer.name} holds the phone's contacts")
    assert len(peer.cards()) == CONTACTS, "nothing doubled upstream"

    peer.put(f"{peer.contacts}contact-005.vcf", contact(5, note="geändert im Upstream"), "text/vcard")
    back = succeeded(phone.sync())
    assert back.client == Counts(added=0, updated=1, deleted=0, rejected=0), back.describe()
    assert "geändert im Upstream" in file_named(phone, "Größer 005").read_text(encoding="utf-8")
    quiet = succeeded(phone.sync())
    assert (quiet.client.moved, quiet.server.moved) == (0, 0), quiet.describe()


def _generated_name(phone: Device) -> str:
    """The FN of the contact ``generate`` wrote (contact-000900.vcf)."""
    return names([(phone.data_dir / "contact-000900.vcf").read_bytes()])[0]
