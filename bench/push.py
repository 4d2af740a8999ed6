"""Push benchmark: how long from a change to its notification leaving syncmld, and what idle push devices cost.

    .venv/bin/python bench/push.py                          # 100 devices x 2 rounds = 200 changes; 1,000 idle for 600 s
    .venv/bin/python bench/push.py --idle-seconds 60 --quiet 0.5
    .venv/bin/python bench/push.py --only idle-mail --idle-mailboxes 1000 --idle-seconds 600

Latency: ``--devices`` accounts, each with one push device registered for a webhook (a receiver in this
process) that syncs its Contacts; ``--rounds`` times, every account gets one change written into the store
(as a DAV client or a second device's Sync would), at random moments over ``--spread`` seconds, and the
time from the change's commit to the webhook's receipt is measured; then every device syncs (it may be
told again). Idle: ``--idle-devices`` registered push devices and nothing changing; the CPU the server
process uses over ``--idle-seconds``. Idle mail: ``--idle-mailboxes`` accounts on a Dovecot started here, each
with a push device syncing its INBOX, so the server keeps one IMAP IDLE connection per account; how long
until all are watched, then the server's CPU and memory over ``--idle-seconds`` with no mail arriving.
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
from syncmld.store.base import MailServer, NewItem, Store
from syncmld.store.pushes import PushChannel, PushFolder, PushSource, SyncedFolder

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.mail.dovecot import Dovecot  # noqa: E402

MANY_CONNECTIONS = """
default_process_limit = {processes}
default_client_limit = {clients}
service anvil {{
  client_limit = {clients}
}}
"""
"""Dovecot settings for one IMAP process per watched mailbox (its default is 100 processes)."""


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


def populate(
    store: Store, devices: int, channel: PushChannel, address: str, folder_name: str = "Contacts"
) -> list[tuple[int, int, str]]:
    """``devices`` accounts with one push device each, syncing ``folder_name`` (as ``card``, or ``Mail``);
    (folder id, device id, ref) each. The accounts' password is ``pw``, their mail password too."""
    made = []
    remote = PushFolder(0, "Mail", "") if folder_name == "mail" else PushFolder(0, "card", "text/x-vcard")
    with store.transaction() as tx:
        for number in range(devices):
            email = f"push{number}@bench.example"
            account = tx.add_account(email, md5_credential(email, "pw"), hash_password("pw"), item_key("pw"))
            tx.set_mail_password(account.id, "pw")
            device = tx.ensure_device(account.id, f"phone-{number}")
            folder = tx.ensure_folder(account.id, folder_name)
            tx.set_push(device.id, channel, address, PushSource.ADMIN)
            tx.push_synced(device.id, [SyncedFolder(PushFolder(folder.id, remote.remote_uri, remote.content_type), 0)])
            made.append((folder.id, device.id, device.device_ref))
    return made


def serve(data_dir: Path, port: int, *options: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "syncmld", "serve", "--port", str(port), "--data-dir", str(data_dir), *options]
    output = subprocess.DEVNULL if log is None else log.open("wb")
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=REPO)
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


def idle_mail(args: argparse.Namespace, work: Path) -> None:
    count = args.idle_mailboxes
    dovecot = Dovecot.start(MANY_CONNECTIONS.format(processes=count + 100, clients=count * 3 + 100))
    server = None
    try:
        dovecot.add_users({f"push{number}@bench.example": "pw" for number in range(count)})
        data_dir = work / "idle-mail"
        data_dir.mkdir()
        store = open_store(sqlite_url(data_dir))
        populate(store, count, PushChannel.SMS, "+4917000000", folder_name="mail")
        with store.transaction() as tx:
            tx.set_mail_server(MailServer("bench.example", f"imap://127.0.0.1:{dovecot.port}", "smtp://127.0.0.1:25"))
        store.close()
        log = work / "idle-mail.log"
        started = time.monotonic()
        server = serve(data_dir, args.port + 2, "--push-poll-interval", str(args.poll), log=log)
        watched = 0
        while watched < count and time.monotonic() - started < 600:
            time.sleep(1)
            watched = log.read_text(errors="replace").count("push e-mail: watching the mailbox of")
        connected = time.monotonic() - started
        before = usage(server.pid)
        time.sleep(args.idle_seconds)
        after = usage(server.pid)
        failures = log.read_text(errors="replace").count("failed")
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        dovecot.remove()
    spent = after.cpu_seconds - before.cpu_seconds
    print(
        f"idle mail: {watched} of {count} mailboxes watched by IDLE after {connected:.0f} s (server start "
        f"included); {args.idle_seconds:.0f} s idle: server CPU {spent:.2f} s "
        f"({spent / args.idle_seconds * 100:.2f} % of a core), "
        f"RSS {after.rss_bytes / 2**20:.0f} MB; {failures} lines with 'failed' in its log"
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
    parser.add_argument("--idle-mailboxes", type=int, default=1000)
    parser.add_argument("--only", choices=["latency", "idle", "idle-mail"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        if args.only in (None, "latency"):
            latency(args, Path(work))
        if args.only in (None, "idle"):
            idle(args, Path(work))
        if args.only in (None, "idle-mail"):
            idle_mail(args, Path(work))


if __name__ == "__main__":
    main()
