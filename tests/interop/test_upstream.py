"""An account backed by a real CalDAV/CardDAV server (Radicale, xandikos) with SyncEvolution as the phone over
real HTTP: the phone gets the upstream's data, its changes reach the upstream once each, the upstream's reach
the phone, conflicts merge, and an upstream that is down or a killed syncmld lose nothing. What reached the
upstream is read back through vdirsyncer (a real CardDAV/CalDAV client); plain HTTP only waits for a push."""

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from .client import Counts, Device, SyncResult, succeeded
from .dav_peers import Peer, contact, event, radicale, xandikos
from .server import SyncmldServer, syncmld
from .vcard_files import rename_contact

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]

EMAIL, PASSWORD = "anna@example.org", "phone-secret"
CONTACTS, EVENTS = 30, 10
RADICALE_ONLY = pytest.mark.parametrize("peer", ["radicale"], indirect=True)
"""For what does not depend on the upstream's kind (xandikos has no login of its own over plain HTTP)."""
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
    with linked_server(tmp_path / "syncmld" / "data", peer) as running:
        yield running


@contextmanager
def linked_server(data_dir: Path, peer: Peer, *options: str) -> Iterator[SyncmldServer]:
    """syncmld (with the further ``serve`` options) with one account linked to the peer; unsent changes are
    retried every second."""
    running = SyncmldServer(data_dir, options=("--upstream-retry-interval", "1", *options))
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
    upstream = peer.synced_cards()
    assert names(upstream) == expected == names(list(phone.files().values())), "nothing doubled or lost upstream"
    assert any("FN:Erste Änderung" in lines_of(card) for card in upstream)

    peer.put(f"{peer.contacts}contact-005.vcf", contact(5, note="geändert im Upstream"), "text/vcard")
    back = succeeded(phone.sync())
    assert back.client == Counts(added=0, updated=1, deleted=0, rejected=0), back.describe()
    assert "geändert im Upstream" in file_named(phone, "Größer 005").read_text(encoding="utf-8")
    quiet = succeeded(phone.sync())
    assert (quiet.client.moved, quiet.server.moved) == (0, 0), quiet.describe()


def _generated_name(phone: Device) -> str:
    """The FN of the contact ``generate`` wrote (contact-000900.vcf)."""
    return names([(phone.data_dir / "contact-000900.vcf").read_bytes()])[0]


def lines_of(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").replace("\n ", "").splitlines()


def card_of(peer: Peer, needle: str) -> list[str]:
    (found,) = [card for card in peer.cards() if needle.encode() in card]
    return lines_of(found)


def test_both_sides_changing_one_contact_keep_both_changes(phone: Device, peer: Peer) -> None:
    succeeded(phone.sync())
    rename_contact(file_named(phone, "Größer 007"), "Am Telefon geändert")
    peer.put(f"{peer.contacts}contact-007.vcf", contact(7, note="im Upstream notiert"), "text/vcard")

    merged = succeeded(phone.sync())
    assert merged.server.updated == 1, merged.describe()
    eventually(
        lambda: (
            {"FN:Am Telefon geändert", "NOTE:im Upstream notiert"} <= set(card_of(peer, "UID:upstream-contact-007"))
        ),
        f"{peer.name} holds the merge of both changes",
    )
    succeeded(phone.sync())
    on_phone = set(lines_of(file_named(phone, "Am Telefon geändert").read_bytes()))
    assert {"FN:Am Telefon geändert", "NOTE:im Upstream notiert"} <= on_phone
    upstream = peer.synced_cards()
    assert len(upstream) == CONTACTS
    (upstream_card,) = [set(lines_of(card)) for card in upstream if b"UID:upstream-contact-007" in card]
    assert {"FN:Am Telefon geändert", "NOTE:im Upstream notiert"} <= upstream_card


def test_a_change_kept_while_the_upstream_was_down_merges_with_the_upstreams_own(
    phone: Device, peer: Peer, server: SyncmldServer
) -> None:
    succeeded(phone.sync())
    # The upstream's own change, not yet pulled, is made before it goes down: one made once it is back could
    # come after syncmld's retry has already sent the phone's change up.
    peer.put(f"{peer.contacts}contact-008.vcf", contact(8, note="derweil im Upstream"), "text/vcard")
    peer.stop()
    rename_contact(file_named(phone, "Größer 008"), "Offline geändert")
    offline = succeeded(phone.sync())
    assert offline.server.updated == 1, offline.describe()
    peer.start()
    eventually(
        lambda: {"FN:Offline geändert", "NOTE:derweil im Upstream"} <= set(card_of(peer, "UID:upstream-contact-008")),
        f"{peer.name} holds the merge of both changes",
    )
    back = succeeded(phone.sync())
    assert back.client.updated == 1, back.describe()
    assert "NOTE:derweil im Upstream" in lines_of(file_named(phone, "Offline geändert").read_bytes())
    assert "changed both here and upstream" in server.log_tail(400)


def test_an_upstream_down_during_a_sync_gets_the_changes_once_when_it_is_back(
    phone: Device, peer: Peer, server: SyncmldServer
) -> None:
    succeeded(phone.sync())
    peer.stop()
    rename_contact(file_named(phone, "Größer 010"), "Während der Pause")
    file_named(phone, "Größer 011").unlink()
    phone.generate(2, start=910)
    during = succeeded(phone.sync())
    assert during.server == Counts(added=2, updated=1, deleted=1, rejected=0), during.describe()
    eventually(lambda: "push failed, tried again" in server.log_tail(200), "the failed push is logged")
    listed = syncmld("upstream", "list", EMAIL, "--data-dir", str(server.data_dir)).stdout
    assert f"{EMAIL}: {peer.root} as {peer.user} (failing: " in listed, listed
    assert "4 changes to send" in listed, listed

    peer.start()
    eventually(lambda: len(peer.cards()) == CONTACTS + 1, f"{peer.name} got the two new contacts and the delete")
    held = names(peer.synced_cards())
    assert "Während der Pause" in held and "Jürgen Größer 011" not in held
    assert len(held) == len(set(held)) == CONTACTS + 1, "nothing doubled"


def test_a_kill_between_the_phones_sync_and_the_upstream_write_loses_nothing(
    phone: Device, peer: Peer, server: SyncmldServer
) -> None:
    succeeded(phone.sync())
    peer.stop()
    rename_contact(file_named(phone, "Größer 012"), "Vor dem Absturz")
    phone.generate(1, start=920)
    succeeded(phone.sync())
    server.kill()
    peer.start()
    server.start()
    eventually(lambda: "Vor dem Absturz" in names(peer.cards()), f"{peer.name} got the change made before the kill")
    eventually(lambda: len(peer.cards()) == CONTACTS + 1, f"{peer.name} got the new contact")
    held = names(peer.synced_cards())
    assert len(held) == len(set(held)) == CONTACTS + 1 and "Vor dem Absturz" in held, "nothing doubled or lost"
    quiet = succeeded(phone.sync())
    assert (quiet.client.moved, quiet.server.moved) == (0, 0), quiet.describe()


@RADICALE_ONLY
def test_a_refused_upstream_password_stops_upstream_syncing_with_one_clear_line(
    phone: Device, peer: Peer, server: SyncmldServer
) -> None:
    (peer.storage.parent / "users").write_text(f"{peer.user}:another-password\n")
    got = succeeded(phone.sync())
    assert got.client.added == 0, "nothing came from the upstream"
    assert "refused its credentials: upstream syncing of this account stops" in server.log_tail(200)
    listed = syncmld("upstream", "list", EMAIL, "--data-dir", str(server.data_dir))
    assert "unauthorized" in listed.stdout, listed.stdout + listed.stderr
    checked = syncmld("upstream", "check", EMAIL, "--data-dir", str(server.data_dir))
    assert checked.returncode == 1 and "the upstream refused user anna" in checked.stderr, checked.stderr
    assert peer.password not in listed.stdout + checked.stdout + checked.stderr + server.log_tail(1000)


@RADICALE_ONLY
def test_repeated_slow_syncs_of_a_phone_double_nothing_upstream(
    phone: Device, peer: Peer, server: SyncmldServer
) -> None:
    succeeded(phone.sync())
    rename_contact(file_named(phone, "Größer 015"), "Vor dem langsamen Abgleich")
    for _ in range(2):
        slow = succeeded(phone.sync("slow"))
        assert slow.client.added == 0, slow.describe()
    eventually(lambda: "Vor dem langsamen Abgleich" in names(peer.cards()), f"{peer.name} got the edit")
    held = names(peer.cards())
    assert len(held) == len(set(held)) == CONTACTS, "nothing doubled upstream"
    assert len(phone.files()) == CONTACTS


@RADICALE_ONLY
def test_a_slow_sync_to_server_from_an_empty_phone_empties_the_upstream_only_after_its_backup(
    phone: Device, peer: Peer, server: SyncmldServer
) -> None:
    succeeded(phone.sync())
    for path in list(phone.data_dir.iterdir()):
        path.unlink()
    erased = succeeded(replace(phone, url=f"{server.url}?sync=7").sync())
    assert erased.server.moved == 0, erased.describe()
    backups = syncmld("backup", "list", EMAIL, "--data-dir", str(server.data_dir))
    assert f"{CONTACTS} items" in backups.stdout, backups.stdout + backups.stderr
    eventually(lambda: peer.cards() == [], f"{peer.name} follows the erase")


def test_the_phones_events_reach_the_upstreams_calendar_and_its_edits_come_back(phone: Device, peer: Peer) -> None:
    calendar = phone.of_kind("calendar", "calendar")
    succeeded(calendar.sync())
    calendar.generate_items(2, start=700)
    sent = succeeded(calendar.sync())
    assert sent.server.added == 2, sent.describe()
    eventually(lambda: len(peer.events()) == EVENTS + 2, f"{peer.name} holds the phone's two events")
    upstream = peer.synced_events()
    assert len(upstream) == EVENTS + 2
    new = [data for data in upstream if b"upstream-event-" not in data]
    assert len(new) == 2 and all(b"BEGIN:VEVENT" in data and b"UID:" in data for data in new)

    edited = event_with_summary(1, "Verschoben ins Café")
    peer.put(f"{peer.calendar}event-001.ics", edited, "text/calendar")
    back = succeeded(calendar.sync())
    assert back.client == Counts(added=0, updated=1, deleted=0, rejected=0), back.describe()
    assert any("Verschoben ins Café" in data.decode() for data in calendar.files().values())


def event_with_summary(number: int, summary: str) -> bytes:
    return event(number).replace(f"Besprechung Nr. {number:03d} über Straßen".encode(), summary.encode())


def seeded_names(numbers: range) -> list[str]:
    return [f"Jürgen Größer {n:03d}" for n in numbers]


@RADICALE_ONLY
def test_a_pull_is_a_session_of_the_history_and_its_undo_goes_up_to_the_upstream(
    phone: Device, peer: Peer, server: SyncmldServer
) -> None:
    succeeded(phone.sync())
    peer.put(f"{peer.contacts}contact-005.vcf", contact(5, note="im Upstream geändert"), "text/vcard")
    peer.delete(f"{peer.contacts}contact-006.vcf")
    peer.put(f"{peer.contacts}contact-950.vcf", contact(950), "text/vcard")
    pulled = succeeded(phone.sync())
    assert pulled.client == Counts(added=1, updated=1, deleted=1, rejected=0), pulled.describe()

    listed = syncmld("history", EMAIL, "--data-dir", str(server.data_dir))
    pulls = [line for line in listed.stdout.splitlines() if f"  upstream  {peer.root}  " in line]
    assert len(pulls) == 2, listed.stdout + listed.stderr
    assert pulls[0].endswith("contacts: added 30 replaced 0 deleted 0; events: added 10 replaced 0 deleted 0")
    assert pulls[1].endswith("contacts: added 1 replaced 1 deleted 1"), pulls
    session = pulls[1].split()[1]
    undone = syncmld("undo", session, "--data-dir", str(server.data_dir))
    assert undone.returncode == 0 and "put back 3 items" in undone.stdout, undone.stdout + undone.stderr

    seeded = seeded_names(range(1, CONTACTS + 1))
    eventually(lambda: names(peer.cards()) == seeded, f"{peer.name} gets the undo")
    upstream = peer.synced_cards()
    assert names(upstream) == seeded
    assert not any(b"im Upstream" in card for card in upstream)
    back = succeeded(phone.sync())
    assert back.client == Counts(added=1, updated=1, deleted=1, rejected=0), back.describe()
    assert names(list(phone.files().values())) == seeded
    assert "im Upstream" not in file_named(phone, "Größer 005").read_text(encoding="utf-8")


def at_once(phones: list[Device]) -> list[SyncResult]:
    """Each phone's two-way sync, all started together."""
    with ThreadPoolExecutor(len(phones)) as pool:
        return [succeeded(result) for result in pool.map(lambda phone: phone.sync(), phones)]


def test_two_phones_syncing_at_once_through_two_workers_pull_and_push_each_change_once(
    tmp_path: Path, interop_dir: Path
) -> None:
    with radicale(tmp_path / "radicale", log_level="info") as peer:
        peer.seed(CONTACTS, 0)
        with linked_server(tmp_path / "syncmld" / "data", peer, "--workers", "2") as server:
            _two_phones_at_once(tmp_path, interop_dir, peer, server)


def _two_phones_at_once(tmp_path: Path, interop_dir: Path, peer: Peer, server: SyncmldServer) -> None:
    """Two phones of the account (the second worker likely serves one of them) change different contacts while
    the upstream changes a third, and sync at once, twice."""
    phones = [
        Device(interop_dir, tmp_path / "se", f"phone-{side}-{tmp_path.name[-12:]}", server.url, EMAIL, PASSWORD)
        for side in "ab"
    ]
    assert [got.client.added for got in at_once(phones)] == [CONTACTS, CONTACTS]

    rename_contact(file_named(phones[0], "Größer 001"), "Von Telefon A")
    rename_contact(file_named(phones[1], "Größer 002"), "Von Telefon B")
    added = [phones[0].generate(1, start=930)[0].name, phones[1].generate(1, start=940)[0].name]
    peer.put(f"{peer.contacts}contact-003.vcf", contact(3, note="im Upstream geändert"), "text/vcard")
    from_here = peer.log_path.stat().st_size
    sent = at_once(phones)
    assert [got.server for got in sent] == [Counts(added=1, updated=1, deleted=0, rejected=0)] * 2
    generated = sorted(names([phones[0].data_dir.joinpath(added[0]).read_bytes()])
                       + names([phones[1].data_dir.joinpath(added[1]).read_bytes()]))  # fmt: skip
    expected = sorted([*seeded_names(range(3, CONTACTS + 1)), "Von Telefon A", "Von Telefon B", *generated])
    eventually(lambda: names(peer.cards()) == expected, f"{peer.name} holds both phones' changes")
    for _ in range(2):
        at_once(phones)
    for phone in phones:
        held = list(phone.files().values())
        assert names(held) == expected, f"{phone.name}: nothing doubled or lost on the phone"
        assert "im Upstream geändert" in file_named(phone, "Größer 003").read_text(encoding="utf-8")
    log = peer.log_path.read_bytes()[from_here:].decode("utf-8", "replace")
    assert names(peer.synced_cards()) == expected, "nothing doubled or lost upstream"
    written = Counter(re.findall(r"PUT request for '([^']+)'", log))
    assert sorted(written.values()) == [1, 1, 1, 1], f"each of the 4 changes is sent up once: {written}"
    fetched = len(re.findall(r"REPORT response status for '[^']*contacts/'[^\n]*\(getetag\)", log))
    assert fetched == 1, f"the upstream's one change is fetched once: {fetched} multigets"
