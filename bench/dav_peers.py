"""CardDAV side by side: syncmld, Radicale and xandikos (both from PyPI), each started by this script with
the same contacts, then the phases of a DAV client's life, with each server's CPU time per phase.

    .venv/bin/python bench/dav_peers.py [--sizes 1000,10000] [--repeat 3]

Phases, as a CardDAV client (DAVx5, vdirsyncer) runs them on an address book of N contacts:
- download: PROPFIND Depth 1 (every ETag), then addressbook-multiget of every card, 100 hrefs a REPORT;
- no-change: one sync-collection with the token the download ended with;
- 10 changes: ten PUTs of edited cards with If-Match, then the sync-collection that fetches them.
Server CPU is read from /proc (utime+stime of the server process and its children, 10 ms resolution);
wall time is the client's. The peers run from a virtual environment of their own (``--peers-venv``,
made and filled with ``pip install radicale xandikos`` on first use): they are GPL-3 and no dependency
of syncmld. Contacts reach xandikos by PUT, Radicale as files in its storage folder (its PUT of the 10,000th
card costs seconds), syncmld's store directly, as fast as Radicale's files; the phases measured are the same.
``--servers`` names the servers run (all three), ``--large-servers`` those run past 1,000 contacts (syncmld and
Radicale: loading 10,000 cards into xandikos by PUT takes it more than 15 minutes of CPU).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
from lxml import etree
from peer_servers import free_port, radicale_book, radicale_command, started

from syncmld.accounts import hash_password, md5_credential
from syncmld.dav.adapter import DAV_DEVICE
from syncmld.load.procstats import usage
from syncmld.store import new_guid, open_store, sqlite_url
from syncmld.store.base import NewItem

USER, PASSWORD = "bench@example.com", "bench-secret"
BATCH = 100
CHANGES = 10
NS = {"d": "DAV:", "card": "urn:ietf:params:xml:ns:carddav"}
XML = {"Content-Type": "application/xml; charset=utf-8"}
ROOT = Path(__file__).resolve().parent


def card(number: int, note: str = "") -> bytes:
    lines = [
        "BEGIN:VCARD", "VERSION:3.0", f"UID:bench-{number:06d}", f"FN:Contact {number} Müller",
        f"N:Müller;Contact {number};;;", f"TEL;TYPE=CELL:+49 170 {number:07d}", f"EMAIL:c{number}@example.org",
        *( [f"NOTE:{note}"] if note else []), "END:VCARD",
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode()


@dataclass
class Peer:
    name: str
    process: subprocess.Popen[bytes]
    collection: str
    """The address book's URL."""
    auth: tuple[str, str] | None


def peers_python(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "radicale", "xandikos"], check=True)
    return python


@contextmanager
def syncmld_peer(work: Path, count: int) -> Iterator[Peer]:
    data = work / "syncmld"
    data.mkdir(mode=0o700)
    store = open_store(sqlite_url(data))
    with store.transaction() as tx:
        account = tx.add_account(USER, md5_credential(USER, PASSWORD), hash_password(PASSWORD))
        folder = tx.ensure_folder(account.id, "contacts")
        device = tx.ensure_device(account.id, DAV_DEVICE)
        guids = [new_guid() for _ in range(count)]
        tx.put_items(folder.id, [NewItem(guid, "text/vcard", card(n)) for n, guid in enumerate(guids)], device.id)
        tx.set_maps(device.id, folder.id, {guid: f"bench-{n:06d}.vcf" for n, guid in enumerate(guids)})
    store.close()
    port = free_port()
    command = [sys.executable, "-m", "syncmld", "serve", "--port", str(port), "--data-dir", str(data)]
    with started(command, port, work / "syncmld.log") as process:
        yield Peer("syncmld", process, f"http://127.0.0.1:{port}/dav/{USER}/contacts/", (USER, PASSWORD))


@contextmanager
def radicale_peer(work: Path, python: Path, count: int) -> Iterator[Peer]:
    """Radicale with its address book written as files (its own storage layout), read once before measuring
    so that its item cache is built."""
    radicale_book(work / "radicale", USER, (card(number) for number in range(count)))
    port = free_port()
    command = radicale_command(python, port, work / "radicale", "warning", None)
    with started(command, port, work / "radicale.log") as process:
        peer = Peer("radicale", process, f"http://127.0.0.1:{port}/{USER}/contacts/", (USER, PASSWORD))
        with httpx.Client(auth=peer.auth, timeout=600) as client:
            propfind_etags(client, peer.collection)
        yield peer


@contextmanager
def xandikos_peer(work: Path, python: Path, count: int) -> Iterator[Peer]:
    port = free_port()
    command = [
        str(python), "-m", "xandikos", "--defaults", "-d", str(work / "xandikos"), "-l", "127.0.0.1",
        "-p", str(port), "--current-user-principal", "/user/",
    ]  # fmt: skip
    with started(command, port, work / "xandikos.log") as process:
        peer = Peer("xandikos", process, f"http://127.0.0.1:{port}/user/contacts/addressbook/", None)
        upload(peer, count)
        yield peer


def upload(peer: Peer, count: int) -> None:
    def put(number: int) -> None:
        with httpx.Client(auth=peer.auth, timeout=60) as client:
            for each in range(number, count, 4):
                response = client.put(
                    f"{peer.collection}bench-{each:06d}.vcf", content=card(each), headers={"Content-Type": "text/vcard"}
                )
                response.raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(put, range(4)))


# -------------------------------------------------------------------------------------- a client's phases


def propfind_etags(client: httpx.Client, url: str) -> dict[str, str]:
    body = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>'
    response = client.request("PROPFIND", url, content=body, headers={"Depth": "1", **XML})
    response.raise_for_status()
    etags = {}
    for found in etree.fromstring(response.content).findall("d:response", NS):
        href, etag = found.findtext("d:href", namespaces=NS), found.findtext(".//d:getetag", namespaces=NS)
        if href and etag and href.endswith(".vcf"):
            etags[href] = etag
    return etags


def multiget(client: httpx.Client, url: str, hrefs: list[str]) -> int:
    listed = "".join(f"<d:href>{href}</d:href>" for href in hrefs)
    body = (
        '<?xml version="1.0"?><card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">'
        f"<d:prop><d:getetag/><card:address-data/></d:prop>{listed}</card:addressbook-multiget>"
    )
    response = client.request("REPORT", url, content=body, headers={"Depth": "1", **XML})
    response.raise_for_status()
    return response.content.count(b"BEGIN:VCARD")


def sync_collection(client: httpx.Client, url: str, token: str) -> tuple[str, int]:
    body = (
        f'<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>'
        "<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
    response = client.request("REPORT", url, content=body, headers=XML)
    response.raise_for_status()
    root = etree.fromstring(response.content)
    return root.findtext("d:sync-token", namespaces=NS) or "", len(root.findall("d:response", NS))


def current_token(client: httpx.Client, url: str) -> str:
    body = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>'
    response = client.request("PROPFIND", url, content=body, headers={"Depth": "0", **XML})
    response.raise_for_status()
    return etree.fromstring(response.content).findtext(".//d:sync-token", namespaces=NS) or ""


@dataclass(frozen=True)
class Measure:
    cpu_ms: float
    wall_ms: float


def measured(peer: Peer, work: Callable[[], object]) -> Measure:
    before, started_at = usage(peer.process.pid).cpu_seconds, time.perf_counter()
    work()
    wall = time.perf_counter() - started_at
    time.sleep(0.05)  # let the server finish its bookkeeping of the last answer
    return Measure((usage(peer.process.pid).cpu_seconds - before) * 1000, wall * 1000)


def run_phases(peer: Peer, count: int, round_number: int) -> dict[str, Measure]:
    results: dict[str, Measure] = {}
    with httpx.Client(auth=peer.auth, timeout=300) as client:
        url = peer.collection
        token = current_token(client, url)

        def download() -> None:
            etags = propfind_etags(client, url)
            hrefs = sorted(etags)
            got = sum(multiget(client, url, hrefs[start : start + BATCH]) for start in range(0, len(hrefs), BATCH))
            assert got == count, (peer.name, got, count)

        results["download"] = measured(peer, download)
        token = current_token(client, url)

        def no_change() -> None:
            _, changed = sync_collection(client, url, token)
            assert changed == 0, (peer.name, changed)

        results["no-change"] = measured(peer, no_change)
        etags = propfind_etags(client, url)
        chosen = sorted(etags)[:CHANGES]

        def changes() -> None:
            for number, href in enumerate(chosen):
                body = card(int(href.rsplit("-", 1)[1].split(".")[0]), note=f"round {round_number} change {number}")
                response = client.put(
                    httpx.URL(url).join(href),
                    content=body,
                    headers={"Content-Type": "text/vcard", "If-Match": etags[href]},
                )
                response.raise_for_status()
            _, changed = sync_collection(client, url, token)
            assert changed == CHANGES, (peer.name, changed)

        results["10 changes"] = measured(peer, changes)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peers-venv", type=Path, default=ROOT / ".dav-peers-venv")
    parser.add_argument("--servers", default="syncmld,radicale,xandikos", help="the servers run up to 1,000 contacts")
    parser.add_argument("--large-servers", default="syncmld,radicale", help="the servers run past 1,000 contacts")
    options = parser.parse_args()
    python = peers_python(options.peers_venv)
    print(f"{'contacts':>8} {'server':>9} {'phase':>11} {'cpu ms':>8} {'wall ms':>8}   (median of {options.repeat})")
    for count in (int(size) for size in options.sizes.split(",")):
        with tempfile.TemporaryDirectory() as directory:
            work = Path(directory)
            makers = {
                "syncmld": partial(syncmld_peer, work, count),
                "radicale": partial(radicale_peer, work, python, count),
                "xandikos": partial(xandikos_peer, work, python, count),
            }
            chosen = (options.servers if count <= 1000 else options.large_servers).split(",")
            for name, make in makers.items():
                if name not in chosen:
                    continue
                with make() as peer:
                    rounds = [run_phases(peer, count, number) for number in range(options.repeat)]
                for phase in rounds[0]:
                    cpu = statistics.median(each[phase].cpu_ms for each in rounds)
                    wall = statistics.median(each[phase].wall_ms for each in rounds)
                    print(f"{count:>8} {name:>9} {phase:>11} {cpu:>8.0f} {wall:>8.0f}", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
