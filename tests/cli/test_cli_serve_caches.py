"""The cache limits of ``syncmld serve`` reach the caches: a real process with --cache-devinfs 1 keeps one of
two devices' DevInfs, as its /metrics show."""

import re
from pathlib import Path

import httpx

from tests.cli.test_cli_serve import SERVING, serving, wait_for_log
from tests.hostile.wire import XML, devinf_put, message

DEVINFS_KEPT = re.compile(r'^syncmld_cache_entries\{cache="devinfs"\} (\S+)$', re.MULTILINE)


def test_serve_takes_the_cache_limits(tmp_path: Path) -> None:
    log_path = tmp_path / "serve.log"
    options = ("--cache-devinfs", "1", "--cache-headers", "100", "--cache-name-chars", "64")
    with serving(log_path, tmp_path / "data", *options) as process:
        url = wait_for_log(log_path, SERVING, process).group(1)
        for device in ("IMEI:first", "IMEI:second"):
            body = message(devinf_put(device), device=device)
            answered = httpx.post(url, content=body, headers={"Content-Type": XML}, timeout=10)
            assert answered.status_code == 200
        scraped = httpx.get(url.replace("/syncml", "/metrics"), timeout=10).text
        assert DEVINFS_KEPT.findall(scraped) == ["1.0"]
