"""A real ``syncmld serve`` for hostile tests that measure the server process: Alice's and Bob's
accounts, logins over HTTP, the process's peak memory."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from syncmld.load.procstats import peak_rss_bytes, reset_peak_rss, usage
from tests.hostile.wire import ALICE, BOB, PASSWORD, XML, alert, basic_cred, message, reply_of
from tests.server.serve_process import ServeProcess, syncmld

MB = 1024 * 1024
PARSERS = ("httptools", "h11")
"""The HTTP parsers ``syncmld serve --http`` offers: the tests of what arrives on the wire run with each."""


@contextmanager
def served(tmp_path: Path, *args: str) -> Iterator[ServeProcess]:
    """``syncmld serve ARGS`` on a data dir holding the accounts of Alice and Bob."""
    data = tmp_path / "data"
    for email in (ALICE, BOB):
        syncmld("account", "add", email, "--password", PASSWORD, "--data-dir", str(data))
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(data), *args) as server:
        yield server


def logged_in(http: httpx.Client, url: str, email: str = ALICE, device: str = "IMEI:hostile") -> str:
    """Log in with basic auth and alert contacts; the RespURI of the session opened."""
    reply = reply_of(
        http.post(
            url, content=message(alert(1, 200), device=device, cred=basic_cred(email)), headers={"Content-Type": XML}
        )
    )
    assert reply.header.resp_uri, "no RespURI in the reply to a login"
    return reply.header.resp_uri


class PeakMemory:
    """How much more memory a process had resident at its peak than when the measure started."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        reset_peak_rss(pid)
        self.start = usage(pid).rss_bytes

    @property
    def growth(self) -> int:
        return peak_rss_bytes(self.pid) - self.start
