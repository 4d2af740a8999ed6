"""The login and identifier limits of ``syncmld serve`` reach the server: a real process with small ones."""

from pathlib import Path

import httpx

from tests.cli.test_cli_serve import SERVING, serving, wait_for_log
from tests.hostile.wire import XML, alert, message

LIMITS = [
    "--max-id-length",
    "12",
    "--max-uri-length",
    "100",
    "--login-address-delay-after",
    "3",
    "--login-address-lock-after",
    "4",
    "--login-max-keys",
    "10",
    "--nonce-lifetime",
    "60",
    "--challenge-window",
    "30",
    "--session-timeout",
    "60",
    "--session-sweep-interval",
    "1",
]


def test_serve_takes_the_login_and_identifier_limits(tmp_path: Path) -> None:
    log_path = tmp_path / "serve.log"
    with serving(log_path, tmp_path / "data", *LIMITS) as process:
        url = wait_for_log(log_path, SERVING, process).group(1)
        headers = {"Content-Type": XML}
        at_limit = httpx.post(url, content=message(alert(1, 201), device="IMEI:1234567"), headers=headers, timeout=10)
        assert at_limit.status_code == 200
        over = httpx.post(url, content=message(alert(1, 201), device="IMEI:12345678"), headers=headers, timeout=10)
        assert over.status_code == 400
        assert over.text.strip() == "device ID (SyncHdr Source LocURI) of 13 characters is longer than 12"
