"""``syncmld load`` against a real ``syncmld serve`` on SQLite: the figures it prints, and the errors it finds."""

import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.server.serve_process import ServeProcess

pytestmark = pytest.mark.timeout(300)

DEVICES, ACCOUNTS, ITEMS, ROUNDS, CHANGES = 4, 2, 20, 2, 3
SESSIONS_PER_DEVICE = 1 + ROUNDS + 1
"""The slow sync, the rounds, the last sync before the check."""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def server(tmp_path: Path, data_dir: Path) -> Iterator[ServeProcess]:
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(data_dir)) as running:
        yield running


def load(server: ServeProcess, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "syncmld", "load", "--url", server.url, *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=240)


def small_run(data_dir: Path, *options: str) -> list[str]:
    return [
        "--devices",
        str(DEVICES),
        "--accounts",
        str(ACCOUNTS),
        "--items",
        str(ITEMS),
        "--rounds",
        str(ROUNDS),
        "--changes",
        str(CHANGES),
        "--data-dir",
        str(data_dir),
        *options,
    ]


def figure(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"no {pattern!r} in:\n{text}"
    return float(found.group(1))


def assert_rate(shown: float, count: float, duration: float, shown_to: float) -> None:
    """A printed rate is the count over the printed duration, within what the rounding of both can move it."""
    duration_rounding = 0.0005  # the duration is printed in milliseconds
    slowest = count / (duration + duration_rounding) - shown_to / 2
    fastest = count / (duration - duration_rounding) + shown_to / 2
    assert slowest <= shown <= fastest


def test_a_small_run_prints_throughput_latency_server_usage_and_no_errors(server: ServeProcess, data_dir: Path) -> None:
    done = load(
        server, *small_run(data_dir, "--create-accounts", "--server-pid", str(server.pid), "--sample-every", "0.2")
    )

    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert out.startswith(f"{DEVICES} devices on {ACCOUNTS} accounts, XML, ")
    assert "errors: 0\n" in out
    assert f"final data checked on {DEVICES} of {DEVICES} devices" in out
    duration = figure(r"XML, ([\d.]+) s", out)
    syncs = figure(r"\((\d+) syncs\)", out)
    assert syncs == DEVICES * SESSIONS_PER_DEVICE
    assert_rate(figure(r"([\d.]+) syncs/s", out), syncs, duration, shown_to=0.01)
    items = figure(r"\((\d+) items\)", out)
    sent = DEVICES * (ITEMS + ROUNDS * CHANGES)
    assert items > sent  # what the devices sent, and what each received of its account's other device
    assert_rate(figure(r"([\d.]+) items/s", out), items, duration, shown_to=0.1)
    p50, p95, p99, worst = (figure(rf"{name} ([\d.]+) ms", out) for name in ("p50", "p95", "p99", "max"))
    assert 0 < p50 <= p95 <= p99 <= worst < duration * 1000
    assert 0 < figure(r"mean ([\d.]+) ms", out) <= worst
    messages = figure(r"\((\d+) messages\)", out)
    assert messages >= 3 * syncs  # a session: alert, modifications, map
    by_kind = {
        kind: (int(count), int(slowest))
        for kind, count, slowest in re.findall(
            r"^  (\w+): p50 .* \((\d+) messages, (\d+) of the slowest 1 %\)$", out, re.M
        )
    }
    assert set(by_kind) == {"changes", "login", "other"}
    assert by_kind["login"][0] == syncs  # basic auth: each session's first message logs in
    assert sum(count for count, _ in by_kind.values()) == messages
    assert sum(slowest for _, slowest in by_kind.values()) == math.ceil(messages / 100)
    cpu = figure(r"server pid \d+: CPU ([\d.]+) s", out)
    assert 0 < cpu <= duration * 2  # two cores at most
    assert figure(r"server RSS: ([\d.]+) MB before", out) > 10
    assert figure(r"sampled (\d+) times", out) >= 1


def test_json_over_wbxml_with_events(server: ServeProcess, data_dir: Path) -> None:
    done = load(server, *small_run(data_dir, "--create-accounts", "--events", "5", "--wbxml", "--json"))

    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert (report["devices"], report["accounts"], report["wire"]) == (DEVICES, ACCOUNTS, "WBXML")
    assert report["errors"] == {"count": 0, "first": []}
    assert report["checked_devices"] == DEVICES
    assert report["syncs"] == 2 * DEVICES * SESSIONS_PER_DEVICE  # contacts and events
    assert report["items"] > DEVICES * (ITEMS + 5 + ROUNDS * CHANGES)
    assert set(report["latency_ms"]) == {"p50", "p95", "p99", "max", "mean"}
    by_kind = report["latency_by_kind_ms"]
    assert set(by_kind) == {"changes", "login", "other"}
    assert by_kind["login"]["messages"] == report["syncs"]
    # the slow syncs and each round's changes, of both kinds of data
    assert by_kind["changes"]["messages"] >= 2 * DEVICES * (1 + ROUNDS)
    assert sum(shown["messages"] for shown in by_kind.values()) == report["messages"]
    for shown in by_kind.values():
        assert 0 < shown["p50"] <= shown["p95"] <= shown["p99"] <= shown["max"] <= report["latency_ms"]["max"]
    slowest = report["slowest_1pct_by_kind"]
    assert set(slowest) == set(by_kind)
    assert sum(slowest.values()) == math.ceil(report["messages"] / 100)
    assert report["server"] is None


def test_refused_logins_are_errors_with_their_reasons(server: ServeProcess, data_dir: Path) -> None:
    done = load(server, *small_run(data_dir, "--create-accounts"), "--password", "right")
    assert done.returncode == 0, done.stdout + done.stderr

    refused = load(server, *small_run(data_dir), "--password", "wrong")

    assert refused.returncode == 1
    assert f"errors: {DEVICES}\n" in refused.stdout
    reasons = re.findall(
        r"^  device (\d+) \(load\d@load\.example\) contacts: header status 401", refused.stdout, re.MULTILINE
    )
    assert sorted(reasons) == [str(number) for number in range(DEVICES)]
    assert f"final data checked on 0 of {DEVICES} devices" in refused.stdout


def test_a_device_holding_items_no_device_of_the_run_made_is_an_error(server: ServeProcess, data_dir: Path) -> None:
    first = load(server, *small_run(data_dir, "--create-accounts"))
    assert first.returncode == 0, first.stdout + first.stderr

    again = load(server, *small_run(data_dir, "--json"))  # the accounts still hold the first run's items

    report = json.loads(again.stdout)
    assert again.returncode == 1
    assert report["errors"]["count"] == DEVICES
    for reason in report["errors"]["first"]:
        assert re.fullmatch(
            r"device \d \(load\d@load\.example\) contacts: holds (\d+) items, expected (\d+): "
            r"0 missing, (\d+) unexpected, 0 outdated",
            reason,
        ), reason


def test_a_ramp_spreads_the_devices_first_syncs(server: ServeProcess, data_dir: Path) -> None:
    """--ramp 6 with four devices: device i's first message reaches the server about 1.5 s after device i-1's
    (without a ramp they all come at once)."""
    done = load(server, *small_run(data_dir, "--create-accounts", "--rounds", "0", "--ramp", "6"))

    assert done.returncode == 0, done.stdout + done.stderr
    first: dict[int, datetime] = {}
    for line in server.log.splitlines():
        found = re.match(r"(\S+ \S+) .* device=load-\w+-d(\d+)-contacts session=1 msgid=1 ", line)
        if found:
            first.setdefault(int(found.group(2)), datetime.fromisoformat(found.group(1)))
    assert sorted(first) == list(range(DEVICES))
    gaps = [(first[index] - first[index - 1]).total_seconds() for index in range(1, DEVICES)]
    assert all(gap >= 1.0 for gap in gaps), gaps
