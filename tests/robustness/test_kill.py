"""The kill test (``scripts/kill_test.py``) in its short form: syncs while the server is SIGKILLed
at least 20 times; nothing acknowledged is lost, nothing is doubled, every side ends up the same."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(400)

SYNCS = 25
MIN_KILLS = 20
RUN_TIMEOUT_S = 360


def test_syncs_survive_20_server_kills(repo_root: Path, interop_dir: Path, tmp_path: Path) -> None:
    command = [
        sys.executable,
        str(repo_root / "scripts" / "kill_test.py"),
        "--syncs",
        str(SYNCS),
        "--min-kills",
        str(MIN_KILLS),
        "--devices",
        "3",
        "--contacts",
        "20",
        "--work-dir",
        str(tmp_path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-12000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["ok"] is True, output[-12000:]
    assert summary["kills"] >= MIN_KILLS, output[-12000:]
    assert summary["syncs"] >= SYNCS, output[-12000:]
