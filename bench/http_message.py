"""A message's fixed cost over HTTP: the server's CPU per message of one device syncing alone, nothing in it.

    .venv/bin/python bench/http_message.py [--rounds 200] [--reps 3] [--compare TREE ...] [--serve-args "..."]

Each run starts a fresh ``syncmld serve`` (SQLite, one worker) and has ``syncmld load --devices 1 --items 0
--changes 0 --rounds N`` sync against it (two-way sessions of three messages: login, sync, end); the server's
CPU over the run (from its first answer), read from /proc, divided by the messages, whole and split by thread:
the event loop's (HTTP, routing, logging, the hand-over) and the worker threads' (decoding, the engine).
With ``--compare``, each
TREE's server runs (``PYTHONPATH=TREE/src``, with TREE/.venv/bin/python when that exists, so a tree keeps its
own dependencies) in turn with this one's, round after round; the load generator is always this tree's.
``--serve-args`` are added to a server's command line (once per tree, in the order of the trees, this one
first).
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from load import running

REPO = Path(__file__).resolve().parents[1]
NO_LOGIN_THROTTLING = ("--login-delay-after", "1000000", "--login-lock-after", "1000000")


def python_of(tree: Path) -> str:
    own = tree / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


@contextmanager
def served(tree: Path, work: Path, extra: list[str]) -> Iterator[tuple[str, int]]:
    """``syncmld serve`` of ``tree`` on a free port: its URL and pid; stopped with SIGTERM afterwards."""
    environment = {**os.environ, "PYTHONPATH": str(tree / "src")}
    command = [python_of(tree), "-m", "syncmld", "serve", "--port", "0", "--data-dir", str(work / "data")]
    with running([*command, *NO_LOGIN_THROTTLING, *extra], work / "serve.log", environment) as served_at:
        yield served_at


def cpu_seconds(stat: Path) -> float:
    """Seconds of CPU (user and system) in a /proc stat file."""
    fields = stat.read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_now(pid: int) -> tuple[float, float]:
    """Seconds of CPU the process has used, and its main thread (the event loop's)."""
    return cpu_seconds(Path(f"/proc/{pid}/stat")), cpu_seconds(Path(f"/proc/{pid}/task/{pid}/stat"))


def wait_until_answering(url: str) -> None:
    """Until the endpoint answers a GET: uvicorn has started (the CPU of start-up is left out)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def ms_per_message(tree: Path, rounds: int, extra: list[str]) -> tuple[float, float]:
    """The server's CPU per message, in ms, over one device's ``rounds`` two-way sessions: the whole process's
    and the event loop thread's."""
    with tempfile.TemporaryDirectory(prefix="syncmld-bench-") as work_dir:
        work = Path(work_dir)
        with served(tree, work, extra) as (url, pid):
            wait_until_answering(url)
            before = cpu_now(pid)
            done = subprocess.run(
                [
                    *(sys.executable, "-m", "syncmld", "load", "--url", url),
                    *("--create-accounts", "--data-dir", str(work / "data"), "--json"),
                    *("--devices", "1", "--items", "0", "--changes", "0", "--rounds", str(rounds)),
                ],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(REPO / "src")},
            )
            after = cpu_now(pid)
        if not done.stdout.strip():
            raise SystemExit(f"syncmld load failed ({done.returncode}):\n{done.stderr}")
        report = json.loads(done.stdout)
    if report["errors"]["count"]:
        raise SystemExit(f"the load run had errors: {report['errors']['first']}")
    messages = int(report["messages"])
    return (after[0] - before[0]) * 1000 / messages, (after[1] - before[1]) * 1000 / messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200, help="two-way sessions of the device (3 messages each)")
    parser.add_argument("--reps", type=int, default=3, help="runs of each tree, taken in turn")
    parser.add_argument("--compare", type=Path, nargs="*", default=[], help="other trees to run beside this one")
    parser.add_argument("--serve-args", action="append", default=[], help="more serve options, one per tree")
    args = parser.parse_args()
    trees = [REPO, *(tree.resolve() for tree in args.compare)]
    extras = [shlex.split(text) for text in args.serve_args] + [[]] * len(trees)
    figures: dict[int, list[tuple[float, float]]] = {number: [] for number in range(len(trees))}
    for _ in range(args.reps):
        for number, tree in enumerate(trees):
            figures[number].append(ms_per_message(tree, args.rounds, extras[number]))
    print(
        f"server CPU per message, ms (one device, {args.rounds} sessions of 3 messages; median [min-max]): "
        "whole process, event loop thread, worker threads"
    )
    for number, tree in enumerate(trees):
        whole = [total for total, _ in figures[number]]
        loop = [in_loop for _, in_loop in figures[number]]
        workers = [total - in_loop for total, in_loop in figures[number]]
        shown = " ".join(extras[number])
        print(f"{spread(whole)}  {spread(loop)}  {spread(workers)}  {tree}" + (f" {shown}" if shown else ""))


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f} [{min(values):.3f}-{max(values):.3f}]"


if __name__ == "__main__":
    main()
