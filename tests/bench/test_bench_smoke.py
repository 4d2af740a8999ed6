"""Every benchmark in bench/ runs to its end on a tiny size and prints its figures; the figures themselves
are not asserted (they are read in bench/README.md, measured on a quiet machine)."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import free_port

REPO = Path(__file__).resolve().parents[2]
SHARED_PEERS = REPO.parent / "shared" / "peers"

pytestmark = pytest.mark.slow

TINY = {
    "codec_throughput.py": ["--seconds", "0.05"],
    "idle_serve.py": ["--seconds", "1", "--reps", "1"],
    "convert_throughput.py": ["--items", "20", "--reps", "1"],
    "contact_reads.py": ["--items", "20", "--reps", "1"],
    "device_items.py": ["--items", "20", "--reps", "1"],
    "normal_sync_scaling.py": ["--sizes", "50", "100", "--reps", "1"],
    "session_state.py": ["--reps", "1", "--items", "120"],
    "history_record.py": ["--items", "200"],
    "dedupe.py": ["--sizes", "100"],
    "slow_sync.py": ["--sizes", "20", "--reps", "1", "--per-message", "7"],
    "first_session.py": ["--devices", "3", "--items", "2", "--rounds", "1", "--profile", "3", "--statements"],
    "http_message.py": ["--rounds", "2", "--reps", "1"],
    "load.py": ["--only", "sqlite", "--devices", "3", "--items", "5", "--rounds", "1", "--changes", "1", "--timings"],
    "mail_first_sync.py": ["--messages", "30"],
    "upstream.py": ["--sizes", "20", "--repeat", "1"],
    "receive.py": ["--sizes", "20", "--reps", "1"],
    "session_cost.py": ["--sizes", "110", "--sessions", "1", "--count"],
    "rejected_requests.py": ["--baseline-src", str(REPO / "src"), "--repeat", "1", "--skip-baseline-bomb"],
}


def run(command: list[str], timeout: float = 600) -> str:
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    assert done.stdout.strip(), f"{command} printed nothing"
    return done.stdout


def test_every_python_benchmark_has_a_smoke_run() -> None:
    scripts = {path.name for path in (REPO / "bench").glob("*.py") if "__main__" in path.read_text()}
    assert scripts - {"push.py", "dav_peers.py"} == set(TINY)


@pytest.mark.parametrize("script", sorted(TINY))
def test_a_benchmark_runs_on_a_tiny_size(script: str) -> None:
    run([sys.executable, str(REPO / "bench" / script), *TINY[script]])


def test_the_push_benchmark_runs_on_a_tiny_size() -> None:
    run(
        [
            sys.executable,
            str(REPO / "bench" / "push.py"),
            "--devices", "2", "--rounds", "1", "--spread", "0.5", "--quiet", "0.1", "--poll", "0.1",
            "--idle-devices", "5", "--idle-seconds", "2", "--port", str(free_port()),
        ]
    )  # fmt: skip


@pytest.mark.skipif(importlib.util.find_spec("radicale") is None, reason="Radicale is not in this environment")
def test_the_dav_benchmark_runs_beside_radicale_and_xandikos_on_a_tiny_size() -> None:
    run(
        [
            sys.executable,
            str(REPO / "bench" / "dav_peers.py"),
            "--sizes",
            "20",
            "--repeat",
            "1",
            "--peers-venv",
            sys.prefix,
        ]
    )


@pytest.mark.skipif(not (SHARED_PEERS / "bench_peers.sh").exists(), reason="shared/peers is not beside the repository")
def test_the_peers_benchmark_runs_a_syncevolution_client_on_a_tiny_size(tmp_path: Path) -> None:
    environment = {**os.environ, "BENCH_OUT": str(tmp_path / "syncmld.jsonl")}
    command = [str(REPO / "bench" / "peers.sh"), "--sizes", "20", "--reps", "1"]
    command += ["--port", str(free_port()), "--work", str(tmp_path / "work")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, env=environment)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "syncmld" in done.stdout and (tmp_path / "syncmld.jsonl").exists()


def test_the_normal_sync_benchmark_runs_with_a_devinf_each_session() -> None:
    run(
        [
            sys.executable,
            str(REPO / "bench" / "normal_sync_scaling.py"),
            "--sizes",
            "50",
            "100",
            "--reps",
            "1",
            "--devinf",
        ]
    )
