"""Clients that send too slowly, or too many connections, against a real ``syncmld serve``: slow ones are
cut off after --read-timeout (a phone on a slow mobile link is not), normal clients keep syncing, and
beyond --max-connections requests get 503 until the server has recovered."""

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from syncmld.client import Device
from syncmld.client.http import HttpTransport
from tests.hostile.served import PARSERS, served
from tests.hostile.wire import ALICE, PASSWORD, XML, alert, basic_cred, message, reply_of, vcard
from tests.server.serve_process import ServeProcess

pytestmark = pytest.mark.timeout(300)


def address(server: ServeProcess) -> tuple[str, int]:
    parts = urlsplit(server.url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


def request_head(body_size: int) -> bytes:
    return (
        f"POST /syncml HTTP/1.1\r\nHost: localhost\r\nContent-Type: {XML}\r\nContent-Length: {body_size}\r\n\r\n"
    ).encode()


class Drip:
    """Connections sending a byte a second each (headers that never end, or a body), until the server
    closes them; ``closed`` counts those it closed."""

    def __init__(self, server: ServeProcess, headers_only: int, slow_bodies: int) -> None:
        self.sockets: list[socket.socket] = []
        for number in range(headers_only + slow_bodies):
            connection = socket.create_connection(address(server), timeout=10)
            connection.sendall(b"POST /syncml HTTP/1.1\r\n" if number < headers_only else request_head(100_000))
            self.sockets.append(connection)
        self.open = set(range(len(self.sockets)))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip)
        self._thread.start()

    @property
    def closed(self) -> int:
        return len(self.sockets) - len(self.open)

    def _drip(self) -> None:
        while self.open and not self._stop.wait(1):
            for number in list(self.open):
                try:
                    self.sockets[number].sendall(b"x")
                except OSError:
                    self.open.discard(number)

    def wait_until_closed(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.open and time.monotonic() < deadline:
            time.sleep(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self.sockets:
            connection.close()


@contextmanager
def dripping(server: ServeProcess, headers_only: int, slow_bodies: int) -> Iterator[Drip]:
    drip = Drip(server, headers_only, slow_bodies)
    try:
        yield drip
    finally:
        drip.stop()


def normal_sync(server: ServeProcess, device_id: str) -> None:
    """A whole slow sync of three contacts by a scripted device over HTTP."""
    with HttpTransport(timeout=60) as transport:
        phone = Device(transport=transport, url=server.url, user=ALICE, password=PASSWORD, device_id=device_id)
        for number in range(3):
            phone.add(vcard(f"{device_id}{number}").encode())
        report = phone.sync(201)
    assert report.header_status == 212
    assert report.codes_for("Replace") == [201, 201, 201]


@pytest.mark.parametrize("http", PARSERS)
def test_200_slow_connections_do_not_stop_a_normal_sync_and_are_closed_after_the_timeout(
    tmp_path: Path, http: str
) -> None:
    """100 connections sending their headers a byte a second and 100 sending a body so (they stayed open
    for as long as they liked): a normal client syncs meanwhile, and with --read-timeout 3 every one of
    them is closed (with either HTTP parser)."""
    with served(tmp_path, "--http", http, "--read-timeout", "3") as server, dripping(server, 100, 100) as drip:
        normal_sync(server, "normal-phone")
        drip.wait_until_closed(60)
        assert drip.closed == 200
        assert (
            len(
                re.findall(r"closed a connection from 127\.0\.0\.1: no complete request headers within 3 s", server.log)
            )
            == 100
        )
        assert (
            len(
                re.findall(
                    r"closed a connection from 127\.0\.0\.1: request body slower than 1000 bytes a second", server.log
                )
            )
            == 100
        )
        normal_sync(server, "normal-tablet")


def post_slowly(server: ServeProcess, body: bytes, rate: int) -> bytes:
    """Send one request with its body at ``rate`` bytes a second (pieces every 0.1 s); what comes back."""
    with socket.create_connection(address(server), timeout=60) as connection:
        connection.sendall(request_head(len(body)))
        piece = rate // 10
        try:
            for start in range(0, len(body), piece):
                connection.sendall(body[start : start + piece])
                time.sleep(0.1)
        except OSError:
            pass
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
                if b"</SyncML>" in answer:
                    break
        except OSError:
            pass
        return answer


@pytest.mark.parametrize("http", PARSERS)
def test_a_phone_on_a_slow_link_gets_through_and_a_slower_body_is_cut_off(tmp_path: Path, http: str) -> None:
    """With --read-timeout 2: a 24 kB login sent at 8,000 bytes a second (64 kbit/s; 3 s, longer than
    the timeout) is answered; the same sent at 400 bytes a second is cut off."""
    login = message(alert(1, 200) + "<!--" + "p" * 24_000 + "-->", cred=basic_cred(ALICE))
    with served(tmp_path, "--http", http, "--read-timeout", "2") as server:
        answer = post_slowly(server, login, 8000)
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert b"<Data>212</Data>" in answer
        assert post_slowly(server, login, 400) == b""
        assert "request body slower than 1000 bytes a second" in server.log


@pytest.mark.parametrize("http", PARSERS)
def test_beyond_max_connections_requests_get_503_and_the_server_recovers(tmp_path: Path, http: str) -> None:
    """--max-connections 20: with 30 connections open and silent, a login gets 503; once --read-timeout
    (5 s) has closed them, logins are answered again."""
    with served(tmp_path, "--http", http, "--max-connections", "20", "--read-timeout", "5") as server:
        silent = [socket.create_connection(address(server), timeout=10) for _ in range(30)]
        try:
            with httpx.Client(timeout=30) as http:
                login = message(alert(1, 200), cred=basic_cred(ALICE))
                refused = http.post(server.url, content=login, headers={"Content-Type": XML})
                assert refused.status_code == 503
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and any(connection.recv(1) != b"" for connection in silent):
                    time.sleep(0.2)
                assert all(connection.recv(1) == b"" for connection in silent)
                answered = http.post(server.url, content=login, headers={"Content-Type": XML})
                assert reply_of(answered).header.resp_uri
        finally:
            for connection in silent:
                connection.close()
        assert "Exceeded concurrency limit." in server.log
