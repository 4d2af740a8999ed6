"""``syncmld serve --tls-cert --tls-key``: HTTPS with the operator's certificate, announced as https, handing
out https RespURIs; a certificate without its key, or with another key, is one error line."""

import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from syncmld.protocol.codec import decode
from tests.hostile.wire import ALICE, PASSWORD, XML, alert, basic_cred, message
from tests.server.certificates import make_certificates
from tests.server.serve_process import ServeProcess, syncmld


def test_serve_speaks_https_with_the_certificate_given(tmp_path: Path) -> None:
    certificates = make_certificates(tmp_path / "tls")
    data = tmp_path / "data"
    syncmld("account", "add", ALICE, "--password", PASSWORD, "--data-dir", str(data))
    options = ("--data-dir", str(data), "--tls-cert", str(certificates.cert), "--tls-key", str(certificates.key))
    with ServeProcess(tmp_path / "serve.log", *options) as server:
        assert server.url.startswith("https://127.0.0.1:")
        trusted = ssl.create_default_context(cafile=certificates.ca)
        assert httpx.get(server.url, verify=trusted).status_code == 200
        response = httpx.post(
            server.url,
            verify=trusted,
            headers={"Content-Type": XML},
            content=message(alert(1, 201), cred=basic_cred(ALICE)),
        )
        reply = decode(response.content, response.headers["content-type"]).message
        assert (reply.header.resp_uri or "").startswith(server.url + "?sid=")
        with pytest.raises(httpx.ConnectError):
            httpx.get(server.url)  # a client that does not trust the CA
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(server.url.replace("https:", "http:"))
        assert server.stop() == 0


def serve_error(tmp_path: Path, *options: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "syncmld", "serve", "--port", "0", "--data-dir", str(tmp_path), *options],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: "), done.stderr
    return done.stderr


def test_a_certificate_without_its_key_or_with_another_is_one_error_line(tmp_path: Path) -> None:
    one, other = make_certificates(tmp_path / "one"), make_certificates(tmp_path / "other")
    assert "--tls-key" in serve_error(tmp_path, "--tls-cert", str(one.cert))
    assert "--tls-cert" in serve_error(tmp_path, "--tls-key", str(one.key))
    assert "cannot use TLS certificate" in serve_error(
        tmp_path, "--tls-cert", str(one.cert), "--tls-key", str(other.key)
    )
    assert "No such file" in serve_error(
        tmp_path, "--tls-cert", str(tmp_path / "missing.pem"), "--tls-key", str(one.key)
    )
