"""An idle ``syncmld serve`` sleeps: no timer wakes it several times a second (it used to wake 13 times a
second, uvicorn's own loop and the push worker's look at the store, and the parent of ``--workers`` twice a
second), and it still stops at once on SIGTERM and dates its answers."""

import sys
import time
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from tests.server.serve_process import ServeProcess

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="counts wake-ups in /proc")

IDLE_S = 5.0
MOST_WAKES = 10
"""Wake-ups allowed in ``IDLE_S`` seconds, all processes together (the background loops look every 10 s or
more)."""


def family(pid: int) -> list[int]:
    """The process and its children (the workers of ``--workers``)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return [pid, *children]


def wake_ups(pid: int) -> int:
    """The voluntary context switches of every thread of the process and its children: each time one slept
    and woke."""
    total = 0
    for member in family(pid):
        for status in Path(f"/proc/{member}/task").glob("*/status"):
            for line in status.read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
    return total


@pytest.mark.parametrize("workers", [(), ("--workers", "2")], ids=["one process", "two workers"])
def test_an_idle_server_sleeps_dates_its_answers_and_stops_on_sigterm(tmp_path: Path, workers: tuple[str, ...]) -> None:
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(tmp_path / "data"), *workers) as serve:
        first = httpx.get(serve.url, timeout=10)
        time.sleep(1.0)
        before = wake_ups(serve.pid)
        time.sleep(IDLE_S)
        woken = wake_ups(serve.pid) - before
        second = httpx.get(serve.url, timeout=10)
        assert serve.stop() == 0
    assert woken <= MOST_WAKES, f"woke {woken} times in {IDLE_S:.0f} s with nothing to do"
    dates = [parsedate_to_datetime(answer.headers["date"]).timestamp() for answer in (first, second)]
    assert dates[1] - dates[0] >= IDLE_S, "the Date header did not move on"
    assert abs(dates[1] - time.time()) < 60
