"""Push benchmark: how long from a change to its notification leaving syncmld, and what idle push devices cost.

    .venv/bin/python bench/push.py                          # 100 devices x 2 rounds = 200 changes; 1,000 idle for 600 s
    .venv/bin/python bench/push.py --idle-seconds 60 --quiet 0.5

Latency: ``--devices`` accounts, each with one push device registered for a webhook (a receiver in this
process) that syncs its Contacts; ``--rounds`` times, every account gets one change written into the store
(as a DAV client or a second device's Sync would), at random moments over ``--spread`` seconds, and the
time from the change's commit to the webhook's receipt is measured; then every device syncs (it may be
told again). Idle: ``--idle-devices`` registered push devices and nothing changing; the CPU the server
process uses over ``--idle-seconds``.
"""

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from syncmld.accounts import hash_password, item_key, md5_credential
from syncmld.load.procstats import usage
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import NewItem, Store
from syncmld.store.pushes import PushChannel, PushFolder, PushSource, SyncedFolder

REPO = Path(__file__).resolve().parent.parent


class Receiver:
    """A webhook: when the notification for each device arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.arrived.setdefault(unquote(self.headers["X-SyncML-Device"]), []).append(time.time())
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/push"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return sum(len(times) for times in self.arrived.values())


def populate(store: Store, devices: int, channel: PushChannel, address: str) -> list[tuple[int, int, str]]:
    """``devices`` accounts with one push device each, syncing Contacts; (folder id, device id, ref) each."""
    made = []
    with store.transaction() as tx:
        for number in range(devices):
            email = f"push{number}@bench.example"
            account = tx.add_account(email, md5_credential(email, "pw"), hash_password("pw"), item_key("pw"))
            device = tx.ensure_device(account.id, f"phone-{number}")
            folder = tx.ensure_folder(account.id, "Contacts")
            tx.set_push(device.id, channel, address, PushSource.ADMIN)
            tx.push_synced(device.id, [SyncedFolder(PushFolder(folder.id, "card", "text/x-vcard"), 0)])
            made.append((folder.id, device.id, device.device_ref))
    return made


def serve(data_dir: Path, port: int, *options: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "syncmld", "serve", "--port", str(port), "--data-dir", str(data_dir), *options]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    time.sleep(3)
    return process


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def latency(args: argparse.Namespace, work: Path) -> None:
    data_dir = work / "latency"
    data_dir.mkdir()
    receiver = Receiver()
    store = open_store(sqlite_url(data_dir))
    devices = populate(store, args.devices, PushChannel.WEBHOOK, receiver.url)
    server = serve(data_dir, args.port, "--push-quiet", str(args.quiet), "--push-poll-interval", str(args.poll))
    delays: list[float] = []
    try:
        for round_number in range(args.rounds):
            moments = sorted((random.uniform(0, args.spread), device) for device in devices)
            started = time.monotonic()
            changed: dict[str, float] = {}
            for offset, (folder_id, _, ref) in moments:
                time.sleep(max(0.0, offset - (time.monotonic() - started)))
                with store.transaction() as tx:
                    tx.put_items(folder_id, [NewItem(None, "text/x-vcard", b"BEGIN:VCARD\nFN:x\nEND:VCARD\n")], None)
                changed[ref] = time.time()
            expected = (round_number + 1) * len(devices)
            deadline = time.monotonic() + args.quiet + 60
            while receiver.count() < expected and time.monotonic() < deadline:
                time.sleep(0.05)
            with receiver.lock:
                delays += [receiver.arrived[ref][-1] - at for ref, at in changed.items() if ref in receiver.arrived]
            with store.transaction() as tx:
                seq = tx.current_seq()
                for folder_id, device_id, _ in devices:
                    tx.push_synced(device_id, [SyncedFolder(PushFolder(folder_id, "card", "text/x-vcard"), seq)])
        got = receiver.count()
    finally:
        server.terminate()
        server.wait()
        store.close()
    print(
        f"latency: {len(delays)} changes, {args.devices} push devices, {got} notifications, quiet {args.quiet} s, "
        f"poll {args.poll} s: p50 {statistics.median(delays) * 1000:.0f} ms, "
        f"p99 {percentile(delays, 0.99) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms"
    )


def idle(args: argparse.Namespace, work: Path) -> None:
    data_dir = work / "idle"
    data_dir.mkdir()
    store = open_store(sqlite_url(data_dir))
    populate(store, args.idle_devices, PushChannel.SMS, "+4917000000")
    store.close()
    server = serve(data_dir, args.port + 1, "--push-poll-interval", str(args.poll))
    try:
        before = usage(server.pid).cpu_seconds
        time.sleep(args.idle_seconds)
        spent = usage(server.pid).cpu_seconds - before
    finally:
        server.terminate()
        server.wait()
    print(
        f"idle: {args.idle_devices} push devices, {args.idle_seconds:.0f} s, poll {args.poll} s: server CPU "
        f"{spent:.2f} s ({spent / args.idle_seconds * 100:.2f} % of a core)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--spread", type=float, default=10.0, help="Seconds a round's changes are spread over.")
    parser.add_argument("--quiet", type=float, default=2.0, help="--push-quiet of the server.")
    parser.add_argument("--poll", type=float, default=1.0, help="--push-poll-interval of the server.")
    parser.add_argument("--idle-devices", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=float, default=600.0)
    parser.add_argument("--port", type=int, default=18790)
    parser.add_argument("--only", choices=["latency", "idle"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        if args.only in (None, "latency"):
            latency(args, Path(work))
        if args.only in (None, "idle"):
            idle(args, Path(work))


if __name__ == "__main__":
    main()
