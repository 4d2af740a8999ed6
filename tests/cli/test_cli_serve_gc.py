"""The garbage collector's threshold of ``syncmld serve`` reaches the server process, once start-up is done."""

import re
from pathlib import Path

from tests.cli.test_cli_serve import SERVING, serving, wait_for_log

COLLECTOR = re.compile(
    r"garbage collector: (\d+) objects of start-up frozen, the youngest collected after (\d+) new ones"
)


def test_serve_collects_the_youngest_objects_after_gc_threshold_new_ones(tmp_path: Path) -> None:
    log_path = tmp_path / "serve.log"
    with serving(log_path, tmp_path / "data", "--gc-threshold", "12345", "--log-level", "debug") as process:
        wait_for_log(log_path, SERVING, process)
        frozen, threshold = wait_for_log(log_path, COLLECTOR, process).groups()
    assert int(threshold) == 12345
    assert int(frozen) > 10_000


def test_serve_collects_after_ten_thousand_new_objects_by_default(tmp_path: Path) -> None:
    log_path = tmp_path / "serve.log"
    with serving(log_path, tmp_path / "data", "--log-level", "debug") as process:
        wait_for_log(log_path, SERVING, process)
        assert wait_for_log(log_path, COLLECTOR, process).group(2) == "10000"
