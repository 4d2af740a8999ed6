"""``syncmld serve --workers N``: processes sharing the port, stopped together, replaced when one dies,
correct on SQLite with concurrent devices."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from syncmld.load.procstats import stat_fields
from tests.server.serve_process import ServeProcess

pytestmark = pytest.mark.timeout(300)

WORKER = re.compile(r"worker (\d+) \(pid (\d+)\) serving")


def workers_serving(server: ServeProcess, count: int) -> dict[int, int]:
    """Worker number -> pid of the latest start of each, once ``count`` distinct workers have logged."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = {int(number): int(pid) for number, pid in WORKER.findall(server.log)}
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{count} workers did not start:\n{server.log}")


def proc_fields(pid: int) -> list[str] | None:
    """``stat_fields``, None once the process is gone."""
    try:
        return stat_fields(pid)
    except OSError:
        return None


def running(pid: int) -> bool:
    fields = proc_fields(pid)
    return fields is not None and fields[0] != "Z"


def eventually(condition: Callable[[], bool], timeout: float = 30, poll: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(poll)
    return condition()


def test_workers_share_the_port_and_sigterm_stops_them_all(tmp_path: Path) -> None:
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(tmp_path / "data"), "--workers", "3") as server:
        workers = workers_serving(server, 3)
        assert sorted(workers) == [1, 2, 3]
        assert all((proc_fields(pid) or [])[1:2] == [str(server.pid)] for pid in workers.values())
        for _ in range(6):
            assert httpx.get(server.url, timeout=10).status_code == 200

        assert server.stop() == 0

    assert not any(running(pid) for pid in workers.values())
    assert "all workers stopped" in server.log
    assert "Traceback" not in server.log


def test_a_dead_worker_is_reported_and_replaced(tmp_path: Path) -> None:
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(tmp_path / "data"), "--workers", "2") as server:
        victim = workers_serving(server, 2)[1]

        os.kill(victim, signal.SIGKILL)

        server.wait_for_log(re.compile(rf"ERROR .*worker 1 \(pid {victim}\) killed by SIGKILL; starting another"))
        assert eventually(lambda: workers_serving(server, 2)[1] != victim), server.log
        for _ in range(4):
            assert httpx.get(server.url, timeout=10).status_code == 200
        assert server.stop() == 0


def test_the_serving_process_killed_takes_its_workers_along(tmp_path: Path) -> None:
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(tmp_path / "data"), "--workers", "2") as server:
        workers = workers_serving(server, 2)
        assert server.process is not None

        server.process.kill()
        server.process.wait()

        assert eventually(lambda: not any(running(pid) for pid in workers.values()))


def test_two_workers_on_sqlite_serve_concurrent_devices_without_errors(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(data_dir), "--workers", "2") as server:
        workers_serving(server, 2)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "syncmld",
                "load",
                "--url",
                server.url,
                "--devices",
                "6",
                "--accounts",
                "2",
                "--items",
                "20",
                "--events",
                "4",
                "--rounds",
                "2",
                "--changes",
                "4",
                "--create-accounts",
                "--data-dir",
                str(data_dir),
                "--server-pid",
                str(server.pid),
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads(done.stdout)
        assert server.stop() == 0

    assert report["errors"]["count"] == 0, report["errors"]
    assert report["checked_devices"] == 6
    assert report["server"]["cpu_s"] > 0
    assert " ERROR " not in server.log


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_stop_signal_right_after_start_stops_serve_cleanly(tmp_path: Path, workers: str) -> None:
    """SIGTERM at moments from 0 to 27 ms after ``serve`` announces itself (while the event loop is set
    up, or workers are forked): every time the server stops with status 0 and no traceback."""
    for attempt in range(10):
        log_path = tmp_path / f"serve-{attempt}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "syncmld",
                    "serve",
                    "--port",
                    "0",
                    "--workers",
                    workers,
                    "--data-dir",
                    str(tmp_path / "data"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            assert eventually(lambda path=log_path: "serving SyncML at" in path.read_text(errors="replace"), poll=0.001)
            time.sleep(0.003 * attempt)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0, log_path.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert "Traceback" not in log_path.read_text(errors="replace")
