"""``/metrics`` of a real ``syncmld serve`` (one worker and two) across SyncEvolution syncs: it passes
``promtool check metrics``, and its counters move by what the syncs did, whichever worker answers."""

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from .client import Device, succeeded
from .server import Login, SyncmldServer

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

PROMTOOL = shutil.which("promtool")
SCRAPES = 6
"""Scrapes per reading: with two workers each reading is likely answered by both."""

MOMENTARY = frozenset({"syncmld_active_sessions", "syncmld_cache_entries"})
"""Gauges that change between scrapes, or differ between the workers that answer them."""

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture(params=[1, 2], ids=["1-worker", "2-workers"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SyncmldServer]:
    running = SyncmldServer(tmp_path / "data", options=("--workers", str(request.param)))
    running.data_dir.mkdir(parents=True)
    running.add_account("metrics@example.org", "pw")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def scrape(server: SyncmldServer) -> str:
    response = httpx.get(f"{server.base}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


def samples(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def reading(server: SyncmldServer) -> Samples:
    """The counters, the same in every scrape whichever worker answered it (not the gauges of the moment)."""
    first, *others = [samples(scrape(server)) for _ in range(SCRAPES)]
    for other in others:
        assert {k: v for k, v in other.items() if k[0] not in MOMENTARY} == {
            k: v for k, v in first.items() if k[0] not in MOMENTARY
        }
    return first


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (Debian package prometheus)")
def test_metrics_pass_promtool_and_count_a_syncevolution_sync(
    served: SyncmldServer, interop_dir: Path, tmp_path: Path
) -> None:
    login = Login("metrics@example.org", "pw")
    device = Device(interop_dir, tmp_path / "se", "metrics-phone", served.url, login.email, login.password)
    device.generate(5)
    before = reading(served)

    succeeded(device.sync("slow"))
    device.generate(2, start=6)
    succeeded(device.sync("two-way"))
    wrong = device.sync("two-way", password="wrong")
    assert not wrong.ok

    after = reading(served)
    assert moved(before, after, "syncmld_syncs_total", mode="slow", result="ok") == 1
    assert moved(before, after, "syncmld_syncs_total", mode="two-way", result="ok") == 1
    added = moved(before, after, "syncmld_items_total", direction="received", operation="added", kind="contacts")
    assert added == 7
    assert moved(before, after, "syncmld_failed_logins_total") >= 1
    assert moved(before, after, "syncmld_messages_total") >= 4
    assert moved(before, after, "syncmld_message_duration_seconds_count") == moved(
        before, after, "syncmld_messages_total"
    )
    assert moved(before, after, "syncmld_session_duration_seconds_count") == 2
    assert after[("syncmld_active_sessions", ())] >= 2

    text = scrape(served)
    assert "metrics@example.org" not in text and "metrics-phone" not in text
    assert PROMTOOL is not None
    checked = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
