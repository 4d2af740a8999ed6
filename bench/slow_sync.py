"""Server CPU of a slow sync that brings N contacts into an empty SQLite store (the incoming path: decode,
content, duplicate matching, store writes), in process, without HTTP.

    .venv/bin/python bench/slow_sync.py [--sizes 1000 5000] [--reps 3] [--per-message 250]

The contacts are the interop generator's (``shared/interop/pimgen.py``, seed 1: the ones
``shared/peers/bench_peers.sh`` sends, photos and all), vCard 3.0. Our scripted device sends them in
messages of ``--per-message`` items, as SyncEvolution does within its message size. Each figure is the
process CPU seconds spent in the server's part of the sync (decoding every request and
``handle_message``), median [min-max] of ``--reps``; the device's own work is not counted.

With ``--into-full`` the figure is a second device's slow sync of the same contacts into the folder the first
filled, every contact matched as a duplicate of the server's (a new phone of a user who has the contacts).
"""

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from syncmld.accounts import hash_password, md5_credential
from syncmld.client import Device
from syncmld.client.device import Signer, Transport
from syncmld.engine import EngineContext, EngineSettings, Request, handle_message
from syncmld.engine.api import split_session_url
from syncmld.protocol.codec import Encoding, decode_xml, encode_xml
from syncmld.protocol.messages import SyncML
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import Store

REPO = Path(__file__).resolve().parents[1]
EMAIL, PASSWORD, URL = "bench@example.org", "secret", "http://bench.example.org/syncml"


class TimedServer:
    """A device transport to the engine that adds up the CPU time of the server's part of each message."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ctx = EngineContext(settings=EngineSettings())
        self.seconds = 0.0

    def __call__(self, message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        base, token = split_session_url(url)
        body = encode_xml(message)
        began = time.process_time()
        reply = handle_message(Request(decode_xml(body), Encoding.XML, base, token), self.store, self.ctx).body
        self.seconds += time.process_time() - began
        return decode_xml(reply)


def contacts(shared: Path, count: int, where: Path) -> list[bytes]:
    folder = where / f"contacts-{count}"
    subprocess.run(
        [str(shared / "interop" / "pimgen.py"), "contacts", str(count), str(folder), "--seed", "1"],
        check=True,
        capture_output=True,
    )
    return [path.read_bytes() for path in sorted(folder.iterdir())]


def slow_sync(cards: list[bytes], per_message: int, where: Path, into_full: bool = False) -> float:
    """The server CPU seconds of one slow sync of ``cards`` into a new store, or (``into_full``) of a second
    device's slow sync of the same cards into the folder the first one filled, each card matched."""
    where.mkdir()
    store = open_store(sqlite_url(where))
    with store.transaction() as tx:
        tx.add_account(EMAIL, md5_credential(EMAIL, PASSWORD), hash_password(PASSWORD))
    for device_id in ("IMEI:bench-slow", "IMEI:bench-second")[: 2 if into_full else 1]:
        server = TimedServer(store)
        transport: Transport = server
        device = Device(
            transport=transport,
            url=URL,
            user=EMAIL,
            password=PASSWORD,
            device_id=device_id,
            content_type="text/vcard",
            items_per_message=per_message,
        )
        for card in cards:
            device.add(card)
        report = device.sync(201)
    store.close()
    expected = 201 if not into_full else 200
    assert report.codes_for("Replace").count(expected) == len(cards), "not every contact was added or matched"
    return server.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--per-message", type=int, default=250)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument(
        "--into-full", action="store_true", help="time a second device's slow sync of the same contacts instead"
    )
    args = parser.parse_args()
    print(f"{'contacts':>8} {'server CPU s, median [min-max]':>34} {'ms/item':>8}")
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            cards = contacts(args.shared, size, Path(scratch))
            runs = [
                slow_sync(cards, args.per_message, Path(scratch) / f"{size}-{rep}", args.into_full)
                for rep in range(args.reps)
            ]
            median = statistics.median(runs)
            print(f"{size:>8} {median:>10.3f} [{min(runs):.3f}-{max(runs):.3f}] {1000 * median / size:>19.3f}")


if __name__ == "__main__":
    main()
