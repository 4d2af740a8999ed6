"""The load targets of the scale issue, measured with ``syncmld load`` against fresh ``syncmld serve`` processes.

    .venv/bin/python bench/load.py [--devices 200] [--items 200] [--repeat 3] [--minutes 30] [--ramp 0]
                                   [--postgres URL] [--only sqlite,postgres,workers,memory] [--pin] [--timings]

Scenarios (each on a new, empty store; the server at the default log level):
  sqlite    N devices x M contacts on SQLite, one worker: errors, p99 latency, throughput, server CPU and RSS
  postgres  the same on PostgreSQL
  workers   the same on PostgreSQL with 1 and then 2 workers: the throughput ratio
  memory    a run of --minutes (fewer devices, a pause between rounds) with the server's RSS sampled:
            growth from the end of the warm-up (first quarter) to the end (last quarter)
PostgreSQL is the server at --postgres (default $SYNCMLD_TEST_POSTGRES); each run gets a schema of its
own, dropped afterwards; without one, the PostgreSQL scenarios are skipped. --repeat runs each
scenario that many times and prints min/median/max of every figure (the machine's noise). --timings serves at
DEBUG and prints, per run, where the server's time went: each message's wait for a worker thread and its run
there, and each transaction's wait for SQLite's write turn and its hold of it (p50/p95/p99 ms).
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from syncmld.load.report import percentile  # noqa: E402
from syncmld.store.postgres import DRIVER_NAME  # noqa: E402
from tests.store.backends import postgres_schema  # noqa: E402

SERVING = re.compile(r"serving SyncML at (http://127\.0\.0\.1:\d+/syncml)")
SCENARIOS = ("sqlite", "postgres", "workers", "memory")
FIRST_SYNC_MESSAGES = 3
"""A load device's messages up to its slow sync's reply: the MD5 login it is challenged on, the login, the items."""
NO_LOGIN_THROTTLING = ("--login-delay-after", "1000000", "--login-lock-after", "1000000", "--login-queue", "100000")
"""Every device logs in from 127.0.0.1, a first MD5 login (no nonce yet) counts as a failed one, and all
of them log in at the same instant (beyond the login queue they would get 503)."""
SERVER_TIMINGS = {
    "thread wait": re.compile(r"message thread: asked [\d.]+ ms after arrival, waited ([\d.]+) ms"),
    "thread run": re.compile(r"message thread: .*, ran ([\d.]+) ms"),
    "write wait": re.compile(r"write turn: waited ([\d.]+) ms"),
    "write hold": re.compile(r"write turn: .*, held ([\d.]+) ms"),
}
"""The server's DEBUG lines (``server/threads.py``, ``store/writers.py``) and the milliseconds each gives."""


@dataclass(frozen=True)
class Run:
    """One ``syncmld load`` run: what it was given, and the JSON it printed."""

    scenario: str
    store: str
    workers: int
    report: dict[str, Any]


def syncmld(*args: str, cpu: int | None = None) -> list[str]:
    """The command running ``syncmld ARGS``, on CPU ``cpu`` alone when given (``taskset``)."""
    pinned = ["taskset", "--cpu-list", str(cpu)] if cpu is not None else []
    return [*pinned, sys.executable, "-m", "syncmld", *args]


@contextmanager
def served(work: Path, workers: int, db: str | None, cpu: int | None, debug: bool = False) -> Iterator[tuple[str, int]]:
    """A ``syncmld serve`` on a free port (on CPU ``cpu`` alone when given, at DEBUG with ``debug``): its URL and
    pid; stopped with SIGTERM afterwards."""
    store = ["--db", db] if db else []
    store += ["--log-level", "debug"] if debug else []
    command = syncmld(
        "serve",
        "--port",
        "0",
        "--data-dir",
        str(work / "data"),
        "--workers",
        str(workers),
        *store,
        *NO_LOGIN_THROTTLING,
        cpu=cpu,
    )
    with running(command, work / "serve.log") as served_at:
        yield served_at


@contextmanager
def running(command: list[str], log_path: Path, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """``command`` (a ``syncmld serve``) with its output in ``log_path``: its URL once it says it serves, and its
    pid; stopped with SIGTERM afterwards."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 60
        while not (found := SERVING.search(log_path.read_text(errors="replace"))):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"syncmld serve did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        yield found.group(1), process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def load_run(
    scenario: str, workers: int, postgres: str | None, load_options: list[str], pin: bool = False, timings: bool = False
) -> Run:
    """A fresh server (SQLite unless ``postgres``), one ``syncmld load`` against it; ``pin``: the server
    on CPU 0 and the generator on CPU 1, so that the figures are the server's; ``timings``: the server's own
    timings printed too."""
    schema = postgres_schema(make_url(postgres).set(drivername=DRIVER_NAME), "bench") if postgres else _no_schema()
    with tempfile.TemporaryDirectory(prefix="syncmld-bench-") as work_dir, schema as db:
        work = Path(work_dir)
        with served(work, workers, db, 0 if pin else None, timings) as (url, pid):
            store = ["--db", db] if db else ["--data-dir", str(work / "data")]
            done = subprocess.run(
                syncmld(
                    "load",
                    "--url",
                    url,
                    "--server-pid",
                    str(pid),
                    "--create-accounts",
                    *store,
                    "--json",
                    *load_options,
                    cpu=1 if pin else None,
                ),
                capture_output=True,
                text=True,
            )
        if not done.stdout.strip():
            raise SystemExit(f"syncmld load failed ({done.returncode}):\n{done.stderr}")
        report: dict[str, Any] = json.loads(done.stdout)
        shown_timings = server_timings((work / "serve.log").read_text(errors="replace")) if timings else ""
    run = Run(scenario + (" pinned" if pin else ""), "PostgreSQL" if postgres else "SQLite", workers, report)
    print(describe(run) + shown_timings, flush=True)
    return run


def server_timings(log: str) -> str:
    """p50/p95/p99 ms of each of ``SERVER_TIMINGS`` in a server's log, as a line of its own."""
    shown = []
    for name, pattern in SERVER_TIMINGS.items():
        values = [float(found.group(1)) for found in pattern.finditer(log)]
        figures = "/".join(f"{percentile(values, fraction):.1f}" for fraction in (0.5, 0.95, 0.99))
        shown.append(f"{name} {figures} ms (n={len(values)})")
    return "\n  server p50/p95/p99: " + ", ".join(shown)


@contextmanager
def _no_schema() -> Iterator[None]:
    yield None


def describe(run: Run) -> str:
    report, server = run.report, run.report["server"]
    latency = report["latency_ms"]
    messages_per_s = report["messages"] / report["duration_s"]
    return (
        f"{run.scenario:8} {run.store:10} workers={run.workers} devices={report['devices']} "
        f"errors={report['errors']['count']} syncs/s={report['syncs_per_s']} items/s={report['items_per_s']} "
        f"msgs/s={messages_per_s:.0f} p50={latency['p50']}ms p95={latency['p95']}ms p99={latency['p99']}ms "
        f"server_cpu={server['cpu_s']}s ({server['cpu_s'] / report['messages'] * 1000:.1f}ms/msg) "
        f"load_cpu={report['client_cpu_s']}s rss={server['rss_mb_before']}->{server['rss_mb_after']}MB "
        f"wall={report['duration_s']}s"
        + (f"  first error: {report['errors']['first'][0]}" if report["errors"]["count"] else "")
        + "\n  by kind: "
        + ", ".join(
            f"{kind} n={shown['messages']} p50={shown['p50']}ms p99={shown['p99']}ms "
            f"({report['slowest_1pct_by_kind'][kind]} of the slowest 1 %)"
            for kind, shown in report["latency_by_kind_ms"].items()
        )
    )


def against_target(run: Run) -> str:
    """The latency target (zero errors, p99 under 1 s) met or not, and the arithmetic of the closed loop
    (bench/README.md, "Load, round 6"): every device always has one message at the server or in the making,
    so by Little's law devices = messages per second x (mean latency + the device's own time); and with
    every device starting at once, the device whose slow sync is answered k-th has waited k slow syncs'
    worth of server CPU over its first ``FIRST_SYNC_MESSAGES`` messages, so p99 under 1 s (at most 1 % of the
    messages over 1 s) needs a slow sync under ``FIRST_SYNC_MESSAGES`` s / (devices - 1 % of the messages)."""
    report = run.report
    devices, messages = report["devices"], report["messages"]
    messages_per_s = messages / report["duration_s"]
    latency = report["latency_ms"]
    met = report["errors"]["count"] == 0 and latency["p99"] < 1000
    slow_sync_ms = FIRST_SYNC_MESSAGES * 1000 / max(1, devices - messages // 100)
    return (
        f"{run.scenario}: target (0 errors, p99 < 1 s) {'met' if met else 'missed'}: "
        f"p99 {latency['p99'] / 1000:.2f} s, "
        f"mean {latency['mean'] / 1000:.2f} s = {latency['mean'] * messages_per_s / devices / 1000:.2f} x "
        f"{devices} devices / {messages_per_s:.0f} msgs/s; "
        f"server CPU {report['server']['cpu_s'] / messages * 1000:.1f} ms a message. "
        f"p99 < 1 s needs a mean well under 1 s (over {devices} msgs/s) and each device's slow sync "
        f"under {slow_sync_ms:.0f} ms of server CPU"
    )


def spread(values: list[float]) -> str:
    """min/median/max of repeated measurements."""
    if len(values) == 1:
        return f"{values[0]:g}"
    return f"{min(values):g}/{statistics.median(values):g}/{max(values):g}"


def rss_growth(report: dict[str, Any]) -> float:
    """RSS at the end (max of the last quarter of samples) over RSS after the warm-up (max of the first quarter)."""
    samples: list[float] = [rss for _, rss in report["server"]["rss_mb_samples"]]
    if len(samples) < 4:
        raise SystemExit("too few RSS samples for a memory figure: run longer or sample more often")
    quarter = len(samples) // 4
    return max(samples[-quarter:]) / max(samples[:quarter]) - 1


def summary(runs: list[Run]) -> list[str]:
    """One line per scenario and store: every figure as min/median/max over the repetitions."""
    lines = []
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run.scenario, run.store, run.workers), []).append(run.report)
    for (scenario, store, workers), reports in groups.items():
        figures = {
            "errors": [float(r["errors"]["count"]) for r in reports],
            "syncs/s": [float(r["syncs_per_s"]) for r in reports],
            "items/s": [float(r["items_per_s"]) for r in reports],
            "p99 ms": [float(r["latency_ms"]["p99"]) for r in reports],
            "server CPU s": [float(r["server"]["cpu_s"]) for r in reports],
            "RSS after MB": [float(r["server"]["rss_mb_after"]) for r in reports],
        }
        if scenario == "memory":
            figures["RSS growth %"] = [round(rss_growth(r) * 100, 1) for r in reports]
        shown = ", ".join(f"{name} {spread(values)}" for name, values in figures.items())
        lines.append(f"{scenario} {store} workers={workers} (n={len(reports)}): {shown}")
    two = [r for r in runs if r.scenario == "workers" and r.workers == 2]
    one = [r for r in runs if r.scenario == "workers" and r.workers == 1]
    if one and two:
        ratios = [b.report["syncs_per_s"] / a.report["syncs_per_s"] for a, b in zip(one, two, strict=True)]
        lines.append(f"workers: 2 vs 1 on PostgreSQL, sync throughput ratio {spread([round(r, 2) for r in ratios])}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--items", type=int, default=200, help="contacts per device")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=30.0, help="length of the memory run")
    parser.add_argument("--memory-devices", type=int, default=50)
    parser.add_argument("--pause", type=float, default=5.0, help="seconds between a device's rounds (memory run)")
    parser.add_argument(
        "--ramp", type=float, default=0.0, help="seconds over which the devices' first syncs are spread (0: at once)"
    )
    parser.add_argument(
        "--auth",
        choices=("basic", "md5"),
        default="md5",
        help="the devices' login (basic costs the server a 32 ms, 16 MB scrypt per session)",
    )
    parser.add_argument(
        "--timings", action="store_true", help="serve at DEBUG and print the server's thread and write-turn timings"
    )
    parser.add_argument("--postgres", default=os.environ.get("SYNCMLD_TEST_POSTGRES"))
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument(
        "--pin", action="store_true", help="also run sqlite with the server on CPU 0 and the generator on CPU 1"
    )
    args = parser.parse_args()
    chosen = args.only.split(",")
    size = [
        "--devices",
        str(args.devices),
        "--items",
        str(args.items),
        "--rounds",
        str(args.rounds),
        "--changes",
        str(args.changes),
        "--auth",
        args.auth,
        "--ramp",
        str(args.ramp),
    ]
    runs: list[Run] = []
    for _ in range(args.repeat):
        if "sqlite" in chosen:
            runs.append(load_run("sqlite", 1, None, size, timings=args.timings))
            if args.pin:
                runs.append(load_run("sqlite", 1, None, size, pin=True, timings=args.timings))
        if args.postgres and "postgres" in chosen:
            runs.append(load_run("postgres", 1, args.postgres, size))
        if args.postgres and "workers" in chosen:
            runs += [load_run("workers", workers, args.postgres, size) for workers in (1, 2)]
        if "memory" in chosen:
            memory = [
                "--devices",
                str(args.memory_devices),
                "--items",
                str(args.items),
                "--changes",
                str(args.changes),
                "--minutes",
                str(args.minutes),
                "--pause",
                str(args.pause),
                "--sample-every",
                str(max(1.0, args.minutes * 60 / 120)),
                "--auth",
                args.auth,
            ]
            runs.append(load_run("memory", 1, args.postgres, memory))
    if not args.postgres:
        print("no PostgreSQL (--postgres or $SYNCMLD_TEST_POSTGRES): its scenarios skipped", file=sys.stderr)
    print()
    print("\n".join(summary(runs)))
    print("\n".join(against_target(run) for run in runs if run.scenario.startswith("sqlite")))


if __name__ == "__main__":
    main()
