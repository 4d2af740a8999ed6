"""Acceptance: a real consumer of server alerted notifications. SyncEvolution's D-Bus server, handed the
notification syncmld sent for a change another device made, recognises the server and starts a sync with
syncmld that brings the change."""

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from syncmld.protocol.codec import decode
from syncmld.protocol.san import decode_san

from .client import Device, succeeded
from .san_consumer import missing, san_consumer
from .server import Login, SyncmldServer, syncmld

pytestmark = pytest.mark.slow

PUSH_WAIT_S = 30.0


class Inbox:
    """A webhook on a free loopback port: what the server posts to it."""

    def __init__(self) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.arrived = threading.Event()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                inbox.received.append((self.headers["Content-Type"], body))
                inbox.arrived.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/push"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self) -> tuple[str, bytes]:
        assert self.arrived.wait(PUSH_WAIT_S), "no notification reached the webhook"
        self.arrived.clear()
        return self.received[-1]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    hook = Inbox()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture(scope="module")
def push_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncmldServer]:
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    data_dir = tmp_path_factory.mktemp("syncmld-push") / "data"
    running = SyncmldServer(data_dir)
    running.options = ("--push-server-id", running.url, "--push-quiet", "0.5", "--push-poll-interval", "0.2")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def home_of(device: Device) -> dict[str, str]:
    """The environment client.sh gives the device's SyncEvolution: its configuration lives there."""
    root = device.state / "devices" / device.name
    return {
        "HOME": str(root / "home"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "XDG_DATA_HOME": str(root / "share"),
        "SE_HARNESS_PASSWORD": device.password,
    }


def two_devices(
    interop_dir: Path, tmp_path: Path, server: SyncmldServer, name: str, *phone_options: str, wire: str = "1"
) -> tuple[Login, Device, Device]:
    login = Login(f"{name}@example.com", "push-secret")
    server.add_account(login.email, login.password)
    laptop = Device(interop_dir, tmp_path / "se", f"laptop-{name}", server.url, login.email, login.password, "1")
    phone = Device(interop_dir, tmp_path / "se", f"phone-{name}", server.url, login.email, login.password, wire)
    laptop.generate(2)
    succeeded(laptop.sync("slow"))
    succeeded(phone.sync("slow", *phone_options))
    return login, laptop, phone


def notified(
    inbox: Inbox, server: SyncmldServer, login: Login, laptop: Device, phone: Device, *phone_options: str
) -> tuple[str, bytes]:
    """Register the phone for push by webhook, let the laptop add a contact, and return what the phone is told
    (content type and bytes). With ``phone_options`` the phone syncs once more with them first, so that the
    server knows the SyncML version it speaks."""
    registered = syncmld(
        "device",
        "push",
        login.email,
        f"sc-harness-{phone.name}",
        "--url",
        inbox.url,
        "--data-dir",
        str(server.data_dir),
    )
    assert registered.returncode == 0, registered.stderr
    if phone_options:
        succeeded(phone.sync("two-way", *phone_options))
    laptop.generate(1, start=3)
    succeeded(laptop.sync())
    return inbox.next()


def test_syncevolution_handed_the_notification_syncs_the_change(
    interop_dir: Path, tmp_path: Path, push_server: SyncmldServer, inbox: Inbox
) -> None:
    login, laptop, phone = two_devices(interop_dir, tmp_path, push_server, "san12")
    content_type, body = notified(inbox, push_server, login, laptop, phone)
    assert content_type == "application/vnd.syncml.ds.notification"
    assert decode_san(body).notification.server_id == push_server.url
    assert len(phone.files()) == 2
    with san_consumer(home_of(phone), tmp_path) as consumer:
        relayed = consumer.process(body, content_type)
    assert relayed.closed and relayed.messages >= 2, relayed
    assert len(phone.files()) == 3, "the push brought the laptop's new contact"
    dbus_log = (tmp_path / "syncevo-dbus-server.log").read_text(errors="replace")
    assert "SAN sync with config target" in dbus_log  # found by the server identifier
    assert "SAN entry #0 = datastore addressbook with mode two-way" in dbus_log
    session_logs = sorted((phone.state / "devices" / phone.name / "logs").glob("*/syncevolution-log.html"))
    assert "server alerted" in session_logs[-1].read_text(errors="replace")
    log = push_server.log_path.read_text()
    assert re.search(rf"sync account={login.email} device=sc-harness-{phone.name} folder=\S+ mode=two-way", log)


def test_syncevolution_reads_the_11_message_form_as_syncml_11(
    interop_dir: Path, tmp_path: Path, push_server: SyncmldServer, inbox: Inbox
) -> None:
    """SyncEvolution 2.0 has no client path for the 1.1 form (it acts on SyncML it is handed as a server):
    what it shows is that it reads syncmld's 1.1 package #0, header and Alert, as SyncML 1.1 WBXML."""
    login, laptop, phone = two_devices(interop_dir, tmp_path, push_server, "san11", "--syncml", "1.1")
    phone_ref = f"sc-harness-{phone.name}"
    content_type, body = notified(inbox, push_server, login, laptop, phone, "--syncml", "1.1")
    assert content_type == "application/vnd.syncml+wbxml"
    # SyncEvolution takes SyncML it is handed for the peer whose remoteDeviceId is the message's Source
    subprocess.run(
        ["syncevolution", "--daemon=no", "--configure", f"remoteDeviceId={push_server.url}", "target"],
        env={**os.environ, **home_of(phone)},
        check=True,
        capture_output=True,
    )
    with san_consumer(home_of(phone), tmp_path) as consumer:
        relayed = consumer.process(body, content_type)
    assert relayed.unrelayed is not None, relayed
    answer = decode(relayed.unrelayed, relayed.unrelayed_type).message
    assert answer.header.version.value == "1.1"
    assert (answer.header.target.uri, answer.header.source.uri) == (push_server.url, phone_ref)
    assert [command.cmd for command in answer.commands[:2]] == ["SyncHdr", "Alert"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("wire", "content_type"), [("1", "application/vnd.syncml+wbxml"), ("0", "application/vnd.syncml+xml")]
)
def test_syncevolution_handed_the_11_message_form_as_a_notification_syncs_the_change(
    interop_dir: Path, tmp_path: Path, push_server: SyncmldServer, inbox: Inbox, wire: str, content_type: str
) -> None:
    """The 1.1 form handed as ``application/vnd.syncml.ds.notification``: SyncEvolution 2.0 tries it as a 1.2
    notification only, which fails, and then syncs its peer configuration named ``default`` as server
    alerted, all its data stores, without reading the server or folders out of the message."""
    name = f"san11n{wire}"
    login, laptop, phone = two_devices(interop_dir, tmp_path, push_server, name, "--syncml", "1.1", wire=wire)
    phone_ref = f"sc-harness-{phone.name}"
    sent_type, body = notified(inbox, push_server, login, laptop, phone, "--syncml", "1.1")
    assert sent_type == content_type
    notification_file = tmp_path / "notification"
    notification_file.write_bytes(body)
    shown = syncmld("push", "decode", str(notification_file))
    assert shown.returncode == 0, shown.stderr
    assert "form SyncML message (package #0)" in shown.stdout
    assert f"server id {push_server.url}" in shown.stdout
    assert re.search(r"^sync 206 \S+ ", shown.stdout, re.MULTILINE), shown.stdout
    peers = Path(home_of(phone)["XDG_CONFIG_HOME"]) / "syncevolution" / "default" / "peers"
    shutil.copytree(peers / "target", peers / "default")  # the peer SyncEvolution falls back to
    assert len(phone.files()) == 2
    with san_consumer(home_of(phone), tmp_path) as consumer:
        relayed = consumer.process(body, "application/vnd.syncml.ds.notification")
    assert relayed.closed and relayed.messages >= 2, relayed
    assert len(phone.files()) == 3, "the push brought the laptop's new contact"
    dbus_log = (tmp_path / "syncevo-dbus-server.log").read_text(errors="replace")
    assert "SAN parsing failed, falling back to 'default' config" in dbus_log
    (session_log,) = (phone.state / "devices" / phone.name / "logs").glob("SyncEvolution-default-*/*.html")
    assert "server alerted" in session_log.read_text(errors="replace")
    log = push_server.log_path.read_text()
    assert re.search(rf"sync account={login.email} device={phone_ref} folder=\S+ mode=two-way", log)
