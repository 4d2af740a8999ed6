"""Radicale and xandikos (both from PyPI) as an account's upstream: started on a free loopback port from a
temporary directory, seeded with plain HTTP requests (not syncmld's DAV client), and read back either with
plain HTTP (quick, for waiting on a push) or through vdirsyncer, a real CardDAV/CalDAV client that syncs the
collection to a directory of its own (what a user's other client would see)."""

import importlib.util
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, launch, stop

from .vdirsyncer import Vdirsyncer

START_TIMEOUT_S = 60.0
MKCOL_ADDRESSBOOK = (
    b'<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">'
    b"<d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>"
    b"<d:displayname>Contacts</d:displayname></d:prop></d:set></d:mkcol>"
)
MKCALENDAR_EVENTS = (
    b'<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    b'<d:set><d:prop><d:displayname>Calendar</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/>'
    b"</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"
)


def contact(number: int, note: str = "") -> bytes:
    lines = [
        "BEGIN:VCARD", "VERSION:3.0", f"UID:upstream-contact-{number:03d}", f"FN:Jürgen Größer {number:03d}",
        f"N:Größer {number:03d};Jürgen;;;", f"TEL;TYPE=CELL:+49 170 {number:07d}",
        f"EMAIL;TYPE=INTERNET:juergen{number}@example.org", *([f"NOTE:{note}"] if note else []), "END:VCARD",
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode()


def event(number: int) -> bytes:
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//syncmld tests//upstream//EN", "BEGIN:VEVENT",
        f"UID:upstream-event-{number:03d}", "DTSTAMP:20260101T000000Z", f"DTSTART:202603{number + 1:02d}T090000Z",
        f"DTEND:202603{number + 1:02d}T100000Z", f"SUMMARY:Besprechung Nr. {number:03d} über Straßen",
        "END:VEVENT", "END:VCALENDAR",
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode()


@dataclass
class Peer:
    """A DAV server as an account's upstream."""

    name: str
    command: list[str]
    port: int
    root: str
    """The URL ``syncmld upstream add`` is given (the server's root)."""
    contacts: str
    """The address book's URL."""
    calendar: str
    user: str
    password: str
    log_path: Path
    storage: Path
    premade: bool = False
    """Whether the address book and calendar exist from the start."""
    process: subprocess.Popen[bytes] | None = None
    read_backs: int = 0
    """vdirsyncer read-backs so far (each in a directory of its own)."""

    def start(self) -> None:
        self.process = launch(self.command, self.port, self.log_path, START_TIMEOUT_S)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            stop(process)

    def http(self) -> httpx.Client:
        return httpx.Client(auth=(self.user, self.password), timeout=30)

    def put(self, url: str, data: bytes, media_type: str) -> None:
        """PUT as another DAV client would; xandikos answers 500 while another write holds its Git index lock,
        so that is tried again a few times."""
        with self.http() as client:
            for _ in range(10):
                answer = client.put(url, content=data, headers={"Content-Type": media_type})
                if answer.status_code != 500:
                    break
                time.sleep(0.2)
        assert answer.status_code in (201, 204), f"{self.name} PUT {url}: {answer.status_code} {answer.text}"

    def delete(self, url: str) -> None:
        with self.http() as client:
            answer = client.delete(url)
        assert answer.status_code in (200, 204), f"{self.name} DELETE {url}: {answer.status_code} {answer.text}"

    def seed(self, contacts: int, events: int) -> None:
        made = (
            ()
            if self.premade
            else ((self.contacts, "MKCOL", MKCOL_ADDRESSBOOK), (self.calendar, "MKCALENDAR", MKCALENDAR_EVENTS))
        )
        with self.http() as client:
            for url, method, body in made:
                answer = client.request(method, url, content=body, headers={"Content-Type": "application/xml"})
                assert answer.status_code == 201, f"{self.name} {method} {url}: {answer.status_code} {answer.text}"
        for number in range(1, contacts + 1):
            self.put(f"{self.contacts}contact-{number:03d}.vcf", contact(number), "text/vcard")
        for number in range(1, events + 1):
            self.put(f"{self.calendar}event-{number:03d}.ics", event(number), "text/calendar")

    def cards(self) -> list[bytes]:
        """The address book's vCards, as the server serves them."""
        return self._files(self.contacts, ".vcf")

    def events(self) -> list[bytes]:
        return self._files(self.calendar, ".ics")

    def synced_cards(self) -> list[bytes]:
        """The address book's vCards as vdirsyncer syncs them from the server (discovered from its root)."""
        return self._synced("carddav", self.contacts)

    def synced_events(self) -> list[bytes]:
        """The calendar's objects as vdirsyncer syncs them from the server."""
        return self._synced("caldav", self.calendar)

    def _synced(self, storage: str, collection_url: str) -> list[bytes]:
        """A first sync of vdirsyncer, in a new state directory, of the collection at ``collection_url``
        (named as vdirsyncer names it: the last segment of its URL) with a local directory: the files it
        wrote there."""
        self.read_backs += 1
        name = collection_url.rstrip("/").rsplit("/", 1)[-1]
        client = Vdirsyncer(
            self.storage.parent / f"vdirsyncer-{self.read_backs}", self.root, self.user, self.password, storage, (name,)
        )
        client.discover()
        client.sync()
        return list(client.files(name).values())

    def _files(self, url: str, extension: str) -> list[bytes]:
        with self.http() as client:
            answer = client.request("PROPFIND", url, headers={"Depth": "1"})
            if answer.status_code >= 500:  # once seen from Radicale while the upstream was deleting: asked once more
                time.sleep(0.2)
                answer = client.request("PROPFIND", url, headers={"Depth": "1"})
            assert answer.status_code == 207, answer.text
            hrefs = sorted(set(_hrefs(answer.text)))
            found = []
            for href in hrefs:
                if href.endswith(extension):
                    got = client.get(httpx.URL(url).join(href))
                    if got.status_code == 200:
                        found.append(got.content)
        return found


def _hrefs(text: str) -> Iterator[str]:
    from lxml import etree

    root = etree.fromstring(text.encode())
    for href in root.iter("{DAV:}href"):
        yield (href.text or "").strip()


def _python_module(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")


@contextmanager
def radicale(
    work: Path, user: str = "anna", password: str = "radicale-secret", log_level: str = "warning"
) -> Iterator[Peer]:
    """Radicale with one htpasswd user, its storage in ``work``; at ``log_level`` info its log has a line for
    each request."""
    _python_module("radicale")
    work.mkdir(parents=True, exist_ok=True)
    users = work / "users"
    users.write_text(f"{user}:{password}\n")
    port = free_port()
    storage = work / "storage"
    command = [
        sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}", "--auth-type", "htpasswd",
        "--auth-htpasswd-filename", str(users), "--auth-htpasswd-encryption", "plain",
        "--storage-filesystem-folder", str(storage), "--logging-level", log_level,
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    peer = Peer(
        "radicale", command, port, f"{base}/", f"{base}/{user}/contacts/", f"{base}/{user}/calendar/",
        user, password, work / "radicale.log", storage,
    )  # fmt: skip
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


@contextmanager
def xandikos(work: Path) -> Iterator[Peer]:
    """xandikos with its default address book and calendar (it has no login of its own over plain HTTP)."""
    _python_module("xandikos")
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    storage = work / "storage"
    command = [
        sys.executable, "-m", "xandikos", "serve", "-d", str(storage), "--defaults", "-l", "127.0.0.1",
        "-p", str(port), "--current-user-principal", "/anna/", "--no-detect-systemd",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    peer = Peer(
        "xandikos", command, port, f"{base}/", f"{base}/anna/contacts/addressbook/", f"{base}/anna/calendars/calendar/",
        "anna", "unused", work / "xandikos.log", storage, premade=True,
    )  # fmt: skip
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()
