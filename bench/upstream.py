"""A phone's syncs through an upstream: Radicale (from the test extra) holding N contacts behind a real
``syncmld serve``, the phone our scripted device over HTTP.

    .venv/bin/python bench/upstream.py [--sizes 1000,5000] [--repeat 3]

Phases, per size N:
- first sync: the phone's first (slow) sync of an account linked to Radicale: the login pulls N contacts
  (sync-collection, then multigets of 100), the phone receives them;
- no-change: a two-way sync with nothing changed anywhere: one sync-collection per linked folder;
- the same two syncs of another account holding the same N contacts, without an upstream;
- upload: the first sync of a phone holding N contacts, of an account linked to an empty address book, until
  the push after it has put them all (PUT with If-None-Match, one by one).
Figures: wall time of the phone's sync, CPU seconds of the syncmld process (and of Radicale) over the phase
(until the push after the session has ended), and Radicale's REPORT requests in the phase, from its log.
Radicale gets its contacts as files in its storage folder (its PUT of thousands of cards takes minutes) and
is read once before measuring, so that its item cache is built. ``--upstream-timeout`` is raised to 600 s so
that the first sync waits for the whole pull, and ``--max-message-size`` to 20 MB because the scripted phone
sends its Map of 5,000 items in one message.
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from peer_servers import free_port, radicale_book, radicale_command, started

from syncmld.accounts import hash_password, item_key, md5_credential
from syncmld.client import Device
from syncmld.client.http import HttpTransport
from syncmld.load.procstats import usage
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import NewItem

LINKED, UPLOADER, PLAIN, PASSWORD = "linked@example.org", "uploader@example.org", "plain@example.org", "bench-secret"
DAV_USER, UPLOAD_USER, DAV_PASSWORD = "anna", "bert", "radicale-secret"
SETTLE_S = 1.0
"""Seconds waited after a sync for the push that follows it, before the CPU figures are read."""


def card(number: int) -> bytes:
    lines = [
        "BEGIN:VCARD", "VERSION:3.0", f"UID:bench-{number:06d}", f"FN:Kontakt {number} Müller",
        f"N:Müller;Kontakt {number};;;", f"TEL;TYPE=CELL:+49 170 {number:07d}", f"EMAIL:k{number}@example.org",
        "END:VCARD",
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode()


@contextmanager
def radicale(work: Path, count: int) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    storage = work / "storage"
    radicale_book(storage, DAV_USER, (card(number) for number in range(count)))
    radicale_book(storage, UPLOAD_USER, ())
    (work / "users").write_text(f"{DAV_USER}:{DAV_PASSWORD}\n{UPLOAD_USER}:{DAV_PASSWORD}\n")
    port = free_port()
    log = work / "radicale.log"
    with started(radicale_command(sys.executable, port, storage, "info", work / "users"), port, log) as process:
        root = f"http://127.0.0.1:{port}/"
        with httpx.Client(auth=(DAV_USER, DAV_PASSWORD), timeout=600) as client:
            client.request("PROPFIND", f"{root}{DAV_USER}/contacts/", headers={"Depth": "1"})
        yield process, root, log


@contextmanager
def syncmld(work: Path, count: int, root: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    data = work / "syncmld"
    data.mkdir(mode=0o700)
    store = open_store(sqlite_url(data))
    with store.transaction() as tx:
        for email in (LINKED, UPLOADER, PLAIN):
            tx.add_account(email, md5_credential(email, PASSWORD), hash_password(PASSWORD), item_key(PASSWORD))
        plain = tx.get_account(PLAIN)
        assert plain is not None
        folder = tx.ensure_folder(plain.id, "contacts")
        tx.put_items(folder.id, [NewItem(None, "text/vcard", card(n)) for n in range(count)], None)
    store.close()
    for email, user in ((LINKED, DAV_USER), (UPLOADER, UPLOAD_USER)):
        added = subprocess.run(
            [sys.executable, "-m", "syncmld", "upstream", "add", email, root, "--user", user, "--password",
             DAV_PASSWORD, "--data-dir", str(data)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if added.returncode != 0:
            raise RuntimeError(added.stderr)
    port = free_port()
    command = [
        sys.executable, "-m", "syncmld", "serve", "--port", str(port), "--data-dir", str(data),
        "--upstream-timeout", "600", "--log-level", "warning", "--max-message-size", "20000000",
    ]  # fmt: skip
    with started(command, port, work / "syncmld.log") as process:
        yield process, f"http://127.0.0.1:{port}/syncml"


def phone(url: str, email: str, name: str) -> Device:
    return Device(
        transport=HttpTransport(timeout=600),
        url=url,
        user=email,
        password=PASSWORD,
        device_id=f"IMEI:{name}",
        content_type="text/vcard",
    )


def measured(work: Callable[[], object], server: int, peer: int, log: Path) -> tuple[float, float, float, int]:
    """Wall seconds of ``work``, then CPU seconds of the server and the peer and the peer's REPORTs over it
    and the settling time after it."""
    cpu_server, cpu_peer = usage(server).cpu_seconds, usage(peer).cpu_seconds
    reports = len(re.findall(r"REPORT request", log.read_text()))
    began = time.perf_counter()
    work()
    wall = time.perf_counter() - began
    time.sleep(SETTLE_S)
    return (
        wall,
        usage(server).cpu_seconds - cpu_server,
        usage(peer).cpu_seconds - cpu_peer,
        len(re.findall(r"REPORT request", log.read_text())) - reports,
    )


def run(count: int) -> dict[str, tuple[float, float, float, int]]:
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        with radicale(work / "radicale", count) as (peer, root, log), syncmld(work, count, root) as (server, url):
            linked, plain = phone(url, LINKED, "linked"), phone(url, PLAIN, "plain")
            figures = {"first sync": measured(lambda: linked.sync(200), server.pid, peer.pid, log)}
            assert len(linked.items) == count, f"the phone holds {len(linked.items)} of {count} contacts"
            figures["first sync, no upstream"] = measured(lambda: plain.sync(200), server.pid, peer.pid, log)
            figures["no-change"] = measured(lambda: linked.sync(200), server.pid, peer.pid, log)
            figures["no-change, no upstream"] = measured(lambda: plain.sync(200), server.pid, peer.pid, log)
            uploader = phone(url, UPLOADER, "uploader")
            for number in range(count):
                uploader.add(card(count + number))
            book = log.parent / "storage" / "collection-root" / UPLOAD_USER / "contacts"

            def upload() -> None:
                uploader.sync(200)
                while len(list(book.glob("*.vcf"))) < count:
                    time.sleep(0.1)

            figures["upload, until the upstream holds all"] = measured(upload, server.pid, peer.pid, log)
            return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print("| contacts | phase | phone's sync (s) | syncmld CPU (s) | Radicale CPU (s) | REPORTs |")
    print("|---|---|---|---|---|---|")
    for count in (int(size) for size in args.sizes.split(",")):
        runs = [run(count) for _ in range(args.repeat)]
        for phase in runs[0]:
            values = list(zip(*(each[phase] for each in runs), strict=True))
            wall, cpu, peer_cpu, reports = (statistics.median(column) for column in values)
            print(f"| {count:,} | {phase} | {wall:.2f} | {cpu:.2f} | {peer_cpu:.2f} | {reports:g} |")


if __name__ == "__main__":
    main()
