"""X-Forwarded-For names the client only when the operator names the proxy (``serve --forwarded-allow-ips``):
otherwise any local client could choose the address its failed logins are counted under. (uvicorn trusted
the header from 127.0.0.1 by default.)"""

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.server.serve_process import ServeProcess

FORWARDED = {"X-Forwarded-For": "203.0.113.9", "Content-Type": "application/vnd.syncml+xml"}
REFUSED = re.compile(r"refused an empty message from (\S+)")


def client_address_seen(tmp_path: Path, *options: str) -> str:
    """The client address a real ``syncmld serve`` logs for an empty message sent from 127.0.0.1 with
    an X-Forwarded-For header."""
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(tmp_path / "data"), *options) as server:
        response = httpx.post(server.url, content=b"", headers=FORWARDED)
        assert response.status_code == 400
        return server.wait_for_log(REFUSED).group(1)


def test_without_the_option_a_local_client_does_not_choose_its_address(tmp_path: Path) -> None:
    assert client_address_seen(tmp_path) == "127.0.0.1"


@pytest.mark.parametrize("proxies", ["127.0.0.1", "127.0.0.0/8, ::1"])
def test_a_named_proxy_names_the_client(tmp_path: Path, proxies: str) -> None:
    assert client_address_seen(tmp_path, "--forwarded-allow-ips", proxies) == "203.0.113.9"


def test_a_proxy_that_is_not_the_sender_is_not_trusted(tmp_path: Path) -> None:
    assert client_address_seen(tmp_path, "--forwarded-allow-ips", "192.0.2.1") == "127.0.0.1"


@pytest.mark.parametrize("proxies", ["proxy.example.org", "127.0.0.1,", "10.0.0.300"])
def test_a_proxy_that_is_no_address_is_one_error_line(tmp_path: Path, proxies: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "syncmld",
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
            "--forwarded-allow-ips",
            proxies,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: proxy ") and len(done.stderr.splitlines()) == 1, done.stderr
