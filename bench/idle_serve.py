"""What an idle ``syncmld serve`` costs: its CPU and its wake-ups while nothing comes in.

    .venv/bin/python bench/idle_serve.py [--seconds 20] [--reps 3] [--compare /tmp/base/src src]

Starts ``syncmld serve`` on a fresh data directory (SQLite, one account, no device) from each source tree
given (default: the one this script belongs to), waits for it to settle, and reads /proc over ``--seconds``:
CPU (utime + stime, in ticks of 10 ms) and voluntary context switches of all its threads (each time one slept
and woke). Trees take turns, ``--reps`` times; the figures are medians. Linux only.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")
SERVING = re.compile(r"serving SyncML at http://127\.0\.0\.1:\d+/syncml")
SETTLE_S = 3.0
"""Seconds after start-up before the window opens (start-up's own work left behind)."""


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wake_ups(pid: int) -> int:
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        for line in status.read_text().splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                total += int(line.split()[1])
    return total


def idle_window(src: str, seconds: float) -> tuple[int, int]:
    """CPU ticks and wake-ups of ``syncmld serve`` from ``src`` over ``seconds`` of idleness."""
    env = {**os.environ, "PYTHONPATH": src}
    with tempfile.TemporaryDirectory() as scratch:
        data = str(Path(scratch) / "data")
        add = [sys.executable, "-m", "syncmld", "account", "add", "a@example.org", "--password", "pw"]
        subprocess.run([*add, "--data-dir", data], env=env, check=True, capture_output=True)
        log_path = Path(scratch) / "serve.log"
        with log_path.open("wb") as log:
            serve = subprocess.Popen(
                [sys.executable, "-m", "syncmld", "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", data],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 60
            while not SERVING.search(log_path.read_text(errors="replace")):
                if time.monotonic() > deadline or serve.poll() is not None:
                    raise SystemExit(f"syncmld serve from {src} did not start:\n{log_path.read_text()}")
                time.sleep(0.1)
            time.sleep(SETTLE_S)
            ticks, woken = cpu_ticks(serve.pid), wake_ups(serve.pid)
            time.sleep(seconds)
            return cpu_ticks(serve.pid) - ticks, wake_ups(serve.pid) - woken
        finally:
            serve.terminate()
            serve.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--compare", nargs="+", metavar="SRC", default=[SRC], help="source trees side by side")
    args = parser.parse_args()
    figures: dict[str, list[tuple[int, int]]] = {src: [] for src in args.compare}
    for _ in range(args.reps):
        for src in args.compare:
            figures[src].append(idle_window(src, args.seconds))
    print(f"idle {args.seconds:.0f} s, median of {args.reps}: CPU ticks of 10 ms, wake-ups (all threads)")
    for src, runs in figures.items():
        ticks = statistics.median(run[0] for run in runs)
        woken = statistics.median(run[1] for run in runs)
        print(f"{src}: {ticks:.0f} ticks [{' '.join(str(run[0]) for run in runs)}], {woken:.0f} wake-ups")


if __name__ == "__main__":
    main()
