"""A request line and headers longer than --max-header-size, with either HTTP parser of ``syncmld serve``: answered
431 with a one-line reason and the connection closed, whether the head arrives whole or never ends, and the
server's memory does not grow with what the client sends."""

import contextlib
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.hostile.served import MB, PARSERS, PeakMemory, served
from tests.hostile.wire import ALICE, XML, alert, basic_cred, message
from tests.server.serve_process import ServeProcess

pytestmark = pytest.mark.timeout(300)


def exchange(server: ServeProcess, request: bytes) -> bytes:
    """Send ``request`` on a new connection (as much of it as the server takes) and read until it closes."""
    parts = urlsplit(server.url)
    assert parts.hostname and parts.port
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
        with contextlib.suppress(OSError):  # the server closed the connection before it had taken everything
            connection.sendall(request)
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except OSError:
            pass
        return answer


def login_request(extra_header: bytes, path: bytes = b"/syncml") -> bytes:
    body = message(alert(1, 200), cred=basic_cred(ALICE))
    return (
        b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n"
        % (path, XML.encode(), len(body), extra_header)
        + body
    )


@pytest.mark.parametrize("http", PARSERS)
def test_a_head_over_the_limit_is_answered_431_and_one_under_it_is_served(tmp_path: Path, http: str) -> None:
    """--max-header-size 8192: a login with a 40 kB cookie, sent whole in one piece, gets 431 and nothing of it
    is answered; a 40 kB request line as well; the same login with a 7 kB cookie logs in."""
    with served(tmp_path, "--http", http, "--max-header-size", "8192") as server:
        for request in (
            login_request(b"Cookie: " + b"c" * 40_000 + b"\r\n"),
            login_request(b"", path=b"/syncml?" + b"q" * 40_000),
        ):
            answer = exchange(server, request)
            head, _, reason = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 431 "), answer[:300]
            assert reason == b"request line and headers longer than 8192 bytes\n"
        served_answer = exchange(server, login_request(b"Cookie: " + b"c" * 7_000 + b"\r\n"))
        assert served_answer.startswith(b"HTTP/1.1 200 "), served_answer[:300]
        assert b"<Data>212</Data>" in served_answer
        assert server.log.count("request line and headers longer than 8192 bytes") == 2


@pytest.mark.parametrize("http", PARSERS)
def test_headers_that_never_end_are_cut_off_at_the_limit_and_cost_no_memory(tmp_path: Path, http: str) -> None:
    """20 connections each sending 50 MB of headers without the blank line that ends them (at the default
    16,384 bytes): each is answered 431 and closed, and the server's memory grows by less than 20 MB."""
    endless = b"POST /syncml HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + b"p" * (50 * MB)
    with served(tmp_path, "--http", http) as server:
        memory = PeakMemory(server.pid)
        for _ in range(20):
            answer = exchange(server, endless)
            assert answer.startswith(b"HTTP/1.1 431 "), answer[:300]
        assert memory.growth < 20 * MB
        assert server.log.count("request line and headers longer than 16384 bytes") == 20


@pytest.mark.parametrize("http", PARSERS)
def test_a_body_after_a_blank_line_split_between_two_reads_is_not_taken_for_head(tmp_path: Path, http: str) -> None:
    """--max-header-size 1024: a login whose head ends with a line break, and whose next piece brings the
    blank line's second half and a 30 kB body, is served."""
    body = message(alert(1, 200) + "<!--" + "p" * 30_000 + "-->", cred=basic_cred(ALICE))
    head = b"POST /syncml HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s\r\nContent-Length: %d\r\n" % (
        XML.encode(),
        len(body),
    )
    with served(tmp_path, "--http", http, "--max-header-size", "1024") as server:
        parts = urlsplit(server.url)
        assert parts.hostname and parts.port
        with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
            connection.sendall(head)
            time.sleep(0.5)
            connection.sendall(b"\r\n" + body)
            answer = b""
            while b"</SyncML>" not in answer and (chunk := connection.recv(65536)):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
        assert b"<Data>212</Data>" in answer
