"""The upstream runner in process, against Radicale and against upstreams that are too slow or too large:
what a pull and a push leave in the store, and the limits that bound them."""

import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import pytest

from syncmld.history.undo import apply_undo, plan_undo
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import ChangeSource, NewItem, Store
from syncmld.store.upstreams import Component, UpstreamCollection, UpstreamLink, UpstreamStatus
from syncmld.upstream.client import dav_client
from syncmld.upstream.discovery import discover
from syncmld.upstream.limits import UpstreamSettings
from syncmld.upstream.mapping import link_collections
from syncmld.upstream.runner import PULL, PUSH, UpstreamRunner
from syncmld.upstream.sync import UPSTREAM_DEVICE
from tests.interop.dav_peers import Peer, contact, radicale

EMAIL = "anna@example.org"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(sqlite_url(tmp_path))
    with opened.transaction() as tx:
        tx.add_account(EMAIL, "", "hash")
    yield opened
    opened.close()


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[Peer]:
    with radicale(tmp_path / "radicale") as running:
        running.seed(30, 0)
        yield running


def link(store: Store, peer: Peer) -> int:
    """Link the account to the peer as ``upstream add`` does; the account's id."""
    with dav_client(peer.user, peer.password, 30, 10_000_000) as client:
        links = link_collections(discover(client, peer.root), {})
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        tx.set_upstream(UpstreamLink(account.id, peer.root, peer.user, peer.password))
        tx.set_upstream_collections(
            account.id,
            [
                UpstreamCollection(
                    account.id, tx.ensure_folder(account.id, each.folder).id, each.collection.href, each.component
                )
                for each in links
            ],
        )
        return account.id


def contacts(store: Store, account_id: int) -> list[bytes]:
    with store.transaction() as tx:
        folder = tx.get_folder(account_id, "contacts")
        assert folder is not None
        return [item.data for item in tx.iter_items(folder.id)]


def status(store: Store, account_id: int) -> UpstreamLink:
    with store.transaction() as tx:
        found = tx.get_upstream(account_id)
    assert found is not None
    return found


def test_a_pull_brings_every_contact_once_and_attributes_it_to_the_upstream(store: Store, peer: Peer) -> None:
    account_id = link(store, peer)
    runner = UpstreamRunner(store, UpstreamSettings())
    assert runner.run(EMAIL, PULL)
    assert runner.run(EMAIL, PULL)
    assert len(contacts(store, account_id)) == 30
    with store.transaction() as tx:
        (upstream,) = [device for device in tx.list_devices(account_id) if device.device_ref == UPSTREAM_DEVICE]
        folder = tx.get_folder(account_id, "contacts")
        assert folder is not None
        assert {item.origin_device_id for item in tx.iter_items(folder.id)} == {upstream.id}
        assert len(tx.all_upstream_resources(folder.id)) == 30


def test_items_the_account_had_before_its_upstream_are_matched_not_doubled(store: Store, peer: Peer) -> None:
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        folder = tx.ensure_folder(account.id, "contacts")
        phone = tx.ensure_device(account.id, "IMEI:1")
        # The upstream's contact 4 as a phone sent it before the upstream was linked: no UID, no e-mail.
        same = b"".join(
            line for line in contact(4).splitlines(keepends=True) if not line.startswith((b"UID", b"EMAIL"))
        )
        tx.put_items(folder.id, [NewItem(None, "text/vcard", same)], phone.id)
    account_id = link(store, peer)
    runner = UpstreamRunner(store, UpstreamSettings())
    assert runner.run(EMAIL, PULL) and runner.run(EMAIL, PUSH)
    assert len(contacts(store, account_id)) == 30
    assert len(peer.cards()) == 30


def test_a_pull_that_changed_something_is_a_session_of_the_history_whose_undo_goes_up(store: Store, peer: Peer) -> None:
    account_id = link(store, peer)
    runner = UpstreamRunner(store, UpstreamSettings())
    runner.run(EMAIL, PULL)
    runner.run(EMAIL, PULL)
    peer.put(f"{peer.contacts}contact-005.vcf", contact(5, note="changed upstream"), "text/vcard")
    peer.delete(f"{peer.contacts}contact-006.vcf")
    runner.run(EMAIL, PULL)
    with store.transaction() as tx:
        listed = tx.list_change_sessions(account_id)
    assert [(each.session.source, each.added, each.replaced, each.deleted) for each in listed] == [
        (ChangeSource.UPSTREAM, 30, 0, 0),
        (ChangeSource.UPSTREAM, 0, 1, 1),
    ], "a pull that changed nothing is no session"
    assert listed[1].session.label == peer.root

    with store.transaction() as tx:
        apply_undo(tx, plan_undo(tx, listed[1].session), False, time.time())
    runner.run(EMAIL, PUSH)
    cards = peer.cards()
    assert len(cards) == 30 and not any(b"changed upstream" in card for card in cards)
    assert any(b"UID:upstream-contact-006" in card for card in cards)


def test_an_answer_over_the_size_limit_fails_the_pull_and_writes_nothing(
    store: Store, peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    account_id = link(store, peer)
    with caplog.at_level(logging.WARNING, "syncmld.upstream"):
        UpstreamRunner(store, UpstreamSettings(max_answer=2000)).run(EMAIL, PULL)
    failed = status(store, account_id)
    assert failed.status == UpstreamStatus.FAILING and "larger than 2000 bytes" in failed.note
    assert "pull failed, tried again in 60 s" in caplog.text
    assert contacts(store, account_id) == []
    UpstreamRunner(store, UpstreamSettings()).run(EMAIL, PULL)
    assert len(contacts(store, account_id)) == 30
    assert status(store, account_id).status == UpstreamStatus.OK


class SlowUpstream(BaseHTTPRequestHandler):
    """Answers every sync-collection after ``delay`` seconds, with nothing changed; or trickles forever."""

    delay = 0.4
    trickle = False

    def do_REPORT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.trickle:
            self.send_response(207)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)
            return
        time.sleep(self.delay)
        body = b'<d:multistatus xmlns:d="DAV:"><d:sync-token>token-1</d:sync-token></d:multistatus>'
        self.send_response(207)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def slow_upstream() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowUpstream)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def link_to(store: Store, url: str, folders: int) -> int:
    """Link ``folders`` folders of the account to collections at ``url`` (no discovery)."""
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        tx.set_upstream(UpstreamLink(account.id, url, "anna", "secret"))
        names = ["contacts", "events", "tasks", "journal"][:folders]
        components = [Component.VCARD, Component.VEVENT, Component.VTODO, Component.VJOURNAL]
        tx.set_upstream_collections(
            account.id,
            [
                UpstreamCollection(account.id, tx.ensure_folder(account.id, name).id, f"{url}{name}/", component)
                for name, component in zip(names, components, strict=False)
            ],
        )
        return account.id


def test_a_login_waits_for_a_slow_upstream_no_longer_than_the_timeout_and_the_pull_ends_later(
    store: Store, slow_upstream: ThreadingHTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"http://127.0.0.1:{slow_upstream.server_address[1]}/"
    account_id = link_to(store, url, folders=4)
    runner = UpstreamRunner(store, UpstreamSettings(timeout=1.0))
    with caplog.at_level(logging.INFO, "syncmld.upstream"):
        anyio.run(runner.before_session, EMAIL)
        assert "its changes did not arrive within 1.0 s; the device syncs with what syncmld holds" in caplog.text
        deadline = time.monotonic() + 30
        while "pull in" not in caplog.text:
            assert time.monotonic() < deadline, caplog.text
            time.sleep(0.1)
    with store.transaction() as tx:
        assert {c.sync_token for c in tx.upstream_collections(account_id)} == {"token-1"}
    assert status(store, account_id).status == UpstreamStatus.OK


def test_an_answer_trickling_in_is_cut_at_the_timeout(store: Store, slow_upstream: ThreadingHTTPServer) -> None:
    SlowUpstream.trickle = True
    try:
        account_id = link_to(store, f"http://127.0.0.1:{slow_upstream.server_address[1]}/", folders=1)
        UpstreamRunner(store, UpstreamSettings(timeout=0.5)).run(EMAIL, PULL)
    finally:
        SlowUpstream.trickle = False
    failed = status(store, account_id)
    assert failed.status == UpstreamStatus.FAILING and "took longer than 0.5 s" in failed.note


def test_an_upstream_that_never_answers_fails_at_the_timeout(store: Store) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        account_id = link_to(store, f"http://127.0.0.1:{silent.getsockname()[1]}/", folders=1)
        UpstreamRunner(store, UpstreamSettings(timeout=0.5)).run(EMAIL, PULL)
    failed = status(store, account_id)
    assert failed.status == UpstreamStatus.FAILING and "no answer in time" in failed.note


class EtagOnlyUpstream(BaseHTTPRequestHandler):
    """An address book without sync-collection: getctag and ETags by PROPFIND, cards by multiget."""

    cards: dict[str, bytes] = {}
    ctag = "1"
    requests: list[str] = []

    def do_PROPFIND(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        depth = self.headers.get("Depth", "0")
        self.requests.append(f"PROPFIND {depth}")
        if depth == "0":
            body = f"<d:response><d:href>/book/</d:href>{_props(f'<cs:getctag>{self.ctag}</cs:getctag>')}</d:response>"
        else:
            body = "".join(
                f"<d:response><d:href>/book/{name}</d:href>{_props(f'<d:getetag>{_etag(data)}</d:getetag>')}</d:response>"
                for name, data in self.cards.items()
            )
        self._multistatus(body)

    def do_REPORT(self) -> None:
        asked = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if b"sync-collection" in asked:
            self.requests.append("REPORT sync-collection")
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.requests.append("REPORT multiget")
        body = "".join(
            f"<d:response><d:href>/book/{name}</d:href>"
            + _props(f"<d:getetag>{_etag(data)}</d:getetag><card:address-data>{data.decode()}</card:address-data>")
            + "</d:response>"
            for name, data in self.cards.items()
            if f"/book/{name}".encode() in asked
        )
        self._multistatus(body)

    def _multistatus(self, body: str) -> None:
        document = (
            '<d:multistatus xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/" '
            f'xmlns:card="urn:ietf:params:xml:ns:carddav">{body}</d:multistatus>'
        ).encode()
        self.send_response(207)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(document)))
        self.end_headers()
        self.wfile.write(document)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _props(inner: str) -> str:
    return f"<d:propstat><d:prop>{inner}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"


def _etag(data: bytes) -> str:
    return f'"{hash(data) & 0xFFFFFF:x}"'


def test_an_upstream_without_sync_collection_is_listed_only_when_its_ctag_moves(store: Store) -> None:
    EtagOnlyUpstream.cards = {f"c{n}.vcf": contact(n) for n in range(1, 4)}
    EtagOnlyUpstream.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), EtagOnlyUpstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with store.transaction() as tx:
            account = tx.get_account(EMAIL)
            assert account is not None
            tx.set_upstream(UpstreamLink(account.id, url, "anna", "secret"))
            folder = tx.ensure_folder(account.id, "contacts")
            tx.set_upstream_collections(
                account.id, [UpstreamCollection(account.id, folder.id, url + "book/", Component.VCARD)]
            )
        runner = UpstreamRunner(store, UpstreamSettings())
        runner.run(EMAIL, PULL)
        assert len(contacts(store, account.id)) == 3
        assert EtagOnlyUpstream.requests == ["REPORT sync-collection", "PROPFIND 0", "PROPFIND 1", "REPORT multiget"]

        EtagOnlyUpstream.requests = []
        runner.run(EMAIL, PULL)
        assert EtagOnlyUpstream.requests == ["PROPFIND 0"], "an unchanged getctag: nothing listed"

        EtagOnlyUpstream.cards["c2.vcf"] = contact(2, note="changed")
        del EtagOnlyUpstream.cards["c3.vcf"]
        EtagOnlyUpstream.ctag = "2"
        EtagOnlyUpstream.requests = []
        runner.run(EMAIL, PULL)
        assert EtagOnlyUpstream.requests == ["PROPFIND 0", "PROPFIND 1", "REPORT multiget"]
        held = contacts(store, account.id)
        assert len(held) == 2 and any(b"NOTE:changed" in data for data in held)
    finally:
        server.shutdown()
        server.server_close()


def test_an_upstream_another_process_holds_is_left_to_it_and_a_login_waits_for_it(store: Store, peer: Peer) -> None:
    account_id = link(store, peer)
    with store.transaction() as tx:
        assert tx.claim_upstream(account_id, "another process", time.time(), time.time() + 60)
    runner = UpstreamRunner(store, UpstreamSettings())
    assert not runner.run(EMAIL, PUSH), "another process is at it"
    assert not runner.run(EMAIL, PULL)
    assert contacts(store, account_id) == []

    def let_go() -> None:
        with store.transaction() as tx:
            tx.release_upstream(account_id, "another process")

    threading.Timer(0.5, let_go).start()
    assert runner.run(EMAIL, PULL, wait=30), "a login's pull waits for the other process's sync to end"
    assert len(contacts(store, account_id)) == 30
    with store.transaction() as tx:
        assert tx.claim_upstream(account_id, "another process", time.time(), time.time() + 60), "let go after it"
