"""The server CPU of one SyncEvolution session over HTTP: no change, and ten changes, repeated.

    .venv/bin/python bench/session_cost.py [--sizes 1000 5000] [--sessions 10] [--rounds 1]
        [--compare /tmp/base/src src] [--count] [--fill store|sync]

For each source tree (default: the one this script belongs to) and size N: ``syncmld serve`` (SQLite, one
account) on a fresh data directory holding N pimgen contacts that a SyncEvolution device
(shared/interop/client.sh, vCard 3.0 over XML) is up to date with; the device runs ``--sessions`` no-change
two-way sessions in a row, then ``--sessions`` ten-change ones (before each, 6 contacts edited, 2 deleted,
2 added, as bench_peers.sh does).

With ``--fill store`` (the default, minutes at 100,000) the device sends 100 of the contacts in a slow sync,
and the server, stopped, gets the other N - 100 written through its store's own write path in batches: the
items in their stored form with their identity keys, from the device (so they are no change to send it), its
maps to them, and its sync state moved past them, which is what a slow sync of all N leaves; the device holds
100 contacts, the server's folder N. With ``--fill sync`` the device sends all N in its slow sync (slow: a
slow sync of 5,000 contacts did not finish in 600 s on a loaded machine).
The server's CPU (utime + stime from /proc, ticks of 10 ms) is read before each session and again once its
counters stop moving after it; the figure is the sum over the sessions divided by their number, so the ticks
average out. Trees take turns, ``--rounds`` times; with several rounds the figure is the median.

With ``--count`` the server also counts, in a separate run (the counting costs CPU of its own), the HTTP
messages (its ``msg`` log lines), SQL statements and commits per session: the server runs under this script,
which listens to SQLAlchemy's ``before_cursor_execute`` and ``commit`` events and writes its counts to a file
when asked (SIGUSR1). Linux only; needs shared/interop beside the repository.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from peer_servers import free_port, started

REPO = Path(__file__).resolve().parents[1]
SRC = str(REPO / "src")
INTEROP = REPO.parent / "shared" / "interop"
USER, PASSWORD = "bench@example.com", "bench-secret"
MESSAGE_LINE = re.compile(rb"\bmsg account=")
SETTLE_S = 0.4
"""The server has finished a session when its CPU counters have not moved for this long."""
GAP_S = 1.1
"""Seconds before each session: the client's file store tells changes by timestamps of 1 s resolution."""
PHASES = ("no change", "ten changes")
SYNCED = 100
"""Contacts the device sends in its slow sync when the rest is written through the store."""
BATCH = 5000
"""Contacts written to the store per transaction."""


@dataclass(frozen=True)
class Figures:
    """What one run of a phase cost the server, per session."""

    cpu_s: float
    ticks: list[int]
    messages: float | None = None
    statements: float | None = None
    commits: float | None = None


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(field) for field in fields[11:15])


def settled_ticks(pid: int) -> int:
    """The server's CPU ticks once they have stopped moving."""
    last = cpu_ticks(pid)
    while True:
        time.sleep(SETTLE_S)
        now = cpu_ticks(pid)
        if now == last:
            return now
        last = now


class Device:
    """A SyncEvolution device syncing its contact files with the server at ``url``."""

    def __init__(self, state: Path, url: str) -> None:
        self.state, self.url = state, url
        self.data = state / "devices" / "bench1" / "data" / "contacts"
        self.added = 0

    def sync(self, mode: str) -> dict[str, object]:
        command = [
            str(INTEROP / "client.sh"), "--url", self.url, "--user", USER, "--password", PASSWORD,
            "--device", "bench1", "--type", "contacts", "--remote-db", "contacts", "--mode", mode,
            "--wbxml", "0", "--syncml", "1.2", "--loglevel", "1", "--retry-interval", "0", "--quiet",
            "--state", str(self.state),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        if not result.get("ok"):
            raise SystemExit(f"a {mode} sync failed: {done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        return result

    def ten_changes(self) -> None:
        """Six contacts edited, two deleted, two added."""
        files = sorted(self.data.iterdir())[:8]
        for path in files[:6]:
            text = path.read_bytes()
            path.write_bytes(re.sub(rb"^(FN:[^\r\n]*)", rb"\1 (bench edit)", text, count=1, flags=re.M))
        for path in files[6:]:
            path.unlink()
        start = 900001 + self.added
        self.added += 2
        generate(2, self.data, start)


def generate(count: int, folder: Path, start: int = 0) -> None:
    extra = ["--start", str(start)] if start else []
    subprocess.run(
        [sys.executable, str(INTEROP / "gen_contacts.py"), str(count), str(folder), "--seed", "1", *extra],
        check=True,
        capture_output=True,
    )


def count_messages(log: Path) -> int:
    return len(MESSAGE_LINE.findall(log.read_bytes()))


def read_counts(pid: int, counts: Path) -> dict[str, int]:
    """The counting server's statements and commits so far."""
    counts.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while not counts.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the counting server did not write its counts")
        time.sleep(0.05)
    figures: dict[str, int] = json.loads(counts.read_text())
    return figures


@contextmanager
def serving(src: str, scratch: Path, counts: Path | None) -> Iterator[tuple[int, str, Path]]:
    """``syncmld serve`` from ``src`` on the data directory in ``scratch``: its pid, URL and log."""
    data = scratch / "data"
    port = free_port()
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data)]
    runner = [sys.executable, "-m", "syncmld"]
    if counts is not None:
        runner = [sys.executable, str(Path(__file__).resolve()), "--serve-counting", str(counts), "--"]
    log = scratch / "serve.log"
    with started(["env", f"PYTHONPATH={src}", *runner, *serve], port, log) as process:
        yield process.pid, f"http://127.0.0.1:{port}/syncml", log


def run_phase(
    device: Device, pid: int, sessions: int, before: Callable[[], None], log: Path, counts: Path | None
) -> Figures:
    """``sessions`` two-way sessions, ``before`` run ahead of each; the server's cost per session."""
    ticks: list[int] = []
    messages = count_messages(log)
    counted = read_counts(pid, counts) if counts is not None else {}
    for _ in range(sessions):
        before()
        time.sleep(GAP_S)
        start = settled_ticks(pid)
        device.sync("two-way")
        ticks.append(settled_ticks(pid) - start)
    hertz = os.sysconf("SC_CLK_TCK")
    cpu = sum(ticks) / hertz / sessions
    if counts is None:
        return Figures(cpu, ticks)
    after = read_counts(pid, counts)
    return Figures(
        cpu,
        ticks,
        (count_messages(log) - messages) / sessions,
        (after["statements"] - counted["statements"]) / sessions,
        (after["commits"] - counted["commits"]) / sessions,
    )


def template(size: int) -> Path:
    """A folder of ``size`` pimgen contacts (made once, kept for later runs)."""
    folder = TEMPLATES / f"contacts-{size}"
    if not folder.exists():
        making = Path(tempfile.mkdtemp(dir=TEMPLATES))
        generate(size, making / "contacts")
        (making / "contacts").rename(folder)
        making.rmdir()
    return folder


def measure(src: str, size: int, sessions: int, count: bool, fill: str) -> dict[str, Figures]:
    """Both phases at ``size`` contacts against a server from ``src``."""
    with tempfile.TemporaryDirectory(prefix="session-cost-") as name:
        scratch = Path(name)
        counts = scratch / "counts.json" if count else None
        cards = sorted(template(size).iterdir())
        env = {**os.environ, "PYTHONPATH": src}
        synced = cards if fill == "sync" else cards[:SYNCED]
        device = Device(scratch / "clients", "")
        device.data.mkdir(parents=True)
        for card in synced:
            shutil.copyfile(card, device.data / card.name)
        add = ["account", "add", USER, "--password", PASSWORD, "--data-dir", str(scratch / "data")]
        subprocess.run([sys.executable, "-m", "syncmld", *add], env=env, check=True, capture_output=True)
        with serving(src, scratch, None) as (_, url, _):
            device.url = url
            device.sync("slow")
        if len(synced) < size:
            store_fill = [sys.executable, str(Path(__file__).resolve()), "--fill-store", str(scratch / "data")]
            names = "\n".join(str(card) for card in cards[len(synced) :])
            subprocess.run(store_fill, input=names, text=True, env=env, check=True, capture_output=True)
        with serving(src, scratch, counts) as (pid, url, log):
            device.url = url
            device.sync("two-way")
            if len(list(device.data.iterdir())) != len(synced):
                raise SystemExit("the device was sent contacts: its sync state does not cover the folder")
            return {
                PHASES[0]: run_phase(device, pid, sessions, lambda: None, log, counts),
                PHASES[1]: run_phase(device, pid, sessions, device.ten_changes, log, counts),
            }


def fill_store(data_dir: str, cards: list[Path]) -> None:
    """Write ``cards`` into the contacts folder of the one device in ``data_dir``'s store as its slow sync
    would have: stored form and identity keys, from the device, mapped to it, its sync state past them."""
    from syncmld import content
    from syncmld.store import open_store, sqlite_url
    from syncmld.store.base import NewItem
    from syncmld.store.uids import identity_key

    store = open_store(sqlite_url(Path(data_dir)), create=False)
    try:
        for start in range(0, len(cards), BATCH):
            batch = cards[start : start + BATCH]
            parsed = [content.from_device("text/vcard", card.read_bytes(), None, None, "contacts") for card in batch]
            with store.transaction() as tx:
                account = tx.get_account(USER)
                assert account is not None
                folder = tx.ensure_folder(account.id, "contacts")
                (device,) = tx.list_devices(account.id)
                new = [
                    NewItem(None, item.content_type, item.data, identity=identity_key(item.identity)) for item in parsed
                ]
                written = tx.put_items(folder.id, new, device.id)
                tx.set_maps(
                    device.id,
                    folder.id,
                    {item.guid: card.name for item, card in zip(written, batch, strict=True)},
                    new=True,
                )
                state = tx.get_sync_state(device.id, folder.id)
                assert state is not None
                tx.set_sync_state(replace(state, seq=tx.folder_seq(folder.id)))
    finally:
        store.close()


TEMPLATES = Path(tempfile.gettempdir()) / "session-cost-templates"


def serve_counting(counts: str, argv: list[str]) -> None:
    """Run ``syncmld`` with ``argv``, counting SQL statements and commits; SIGUSR1 writes them to ``counts``."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from syncmld.cli import main as syncmld_main

    tally = {"statements": 0, "commits": 0}

    def statement(*_: object) -> None:
        tally["statements"] += 1

    def commit(*_: object) -> None:
        tally["commits"] += 1

    def write(*_: object) -> None:
        Path(counts + ".tmp").write_text(json.dumps(tally))
        os.replace(counts + ".tmp", counts)

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", commit)
    signal.signal(signal.SIGUSR1, write)
    syncmld_main(argv)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--serve-counting":
        serve_counting(sys.argv[2], sys.argv[4:])
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--fill-store":
        fill_store(sys.argv[2], [Path(line) for line in sys.stdin.read().splitlines()])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--sessions", type=int, default=10, help="sessions per phase")
    parser.add_argument("--rounds", type=int, default=1, help="turns each tree takes")
    parser.add_argument("--compare", nargs="+", metavar="SRC", default=[SRC], help="source trees side by side")
    parser.add_argument("--count", action="store_true", help="also count messages, statements and commits")
    parser.add_argument("--fill", choices=("store", "sync"), default="store", help="how the folder is filled")
    args = parser.parse_args()
    TEMPLATES.mkdir(exist_ok=True)
    print(f"server CPU s per SyncEvolution session, {args.sessions} sessions per phase; load {os.getloadavg()[0]:.1f}")
    for size in args.sizes:
        runs: dict[str, list[dict[str, Figures]]] = {src: [] for src in args.compare}
        for _ in range(args.rounds):
            for src in args.compare:
                runs[src].append(measure(src, size, args.sessions, False, args.fill))
        counted = (
            {src: measure(src, size, args.sessions, True, args.fill) for src in args.compare} if args.count else {}
        )
        for src, figures in runs.items():
            for phase in PHASES:
                cpu = statistics.median(run[phase].cpu_s for run in figures)
                ticks = " ".join(str(tick) for run in figures for tick in run[phase].ticks)
                line = f"{src} N={size} {phase}: {cpu:.4f} s [ticks {ticks}]"
                if src in counted:
                    each = counted[src][phase]
                    line += (
                        f"; {each.messages:.1f} messages, {each.statements:.1f} statements, {each.commits:.1f} commits"
                    )
                print(line, flush=True)
    print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
