"""Acceptance: WAP Push over SMS through Kannel. A change made by a second device results in exactly one
SMS to the registered number within 5 s, whose payload decodes to the right notification (digest checked
with the account's password); a server killed after a change delivers after its restart; two server
processes deliver a notification once."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.accounts import md5_credential
from syncmld.client import Device
from syncmld.protocol.constants import AlertCode
from syncmld.protocol.san import SanSync, decode_san
from syncmld.protocol.wap_push import PushContentType, read_push
from tests.engine.conftest import vcard

from .server import SyncmldServer, syncmld
from .sms_gateway import PASSWORD, USER, SmsGateway, kannel, missing
from .wire import http_transport

pytestmark = pytest.mark.slow

NUMBER = "+4917012345"
EMAIL, SECRET = "sms@example.com", "sms-secret"
DELIVERY_S = 5.0


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[SmsGateway]:
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    work = tmp_path / "kannel"
    work.mkdir()
    with kannel(work) as running:
        yield running


def push_server(data_dir: Path, gateway: SmsGateway, *options: str) -> SyncmldServer:
    server = SyncmldServer(data_dir)
    server.options = (
        "--push-sms-gateway", gateway.sendsms_url, "--push-sms-user", USER, "--push-sms-password", PASSWORD,
        "--push-sms-from", "4900", "--push-quiet", "0.5", "--push-poll-interval", "0.2", "--push-lease", "5",
        *options,
    )  # fmt: skip
    return server


def device(server: SyncmldServer, name: str) -> Device:
    return Device(transport=http_transport(), url=server.url, user=EMAIL, password=SECRET, device_id=name)


def prepared(server: SyncmldServer) -> tuple[Device, Device]:
    """A laptop and a phone that synced, the phone registered for WAP Push SMS."""
    server.add_account(EMAIL, SECRET)
    laptop, phone = device(server, "laptop"), device(server, "phone")
    laptop.sync(201)
    phone.sync(201)
    done = syncmld("device", "push", EMAIL, "phone", "--sms", NUMBER, "--data-dir", str(server.data_dir))
    assert done.returncode == 0, done.stderr
    return laptop, phone


def wait_for_sms(gateway: SmsGateway, count: int, seconds: float) -> float:
    """Seconds until ``count`` SMS reached the network (fails after ``seconds``)."""
    started = time.monotonic()
    while len(gateway.received()) < count:
        assert time.monotonic() - started < seconds, f"{len(gateway.received())} SMS after {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - started


def assert_notification_for_phone(gateway: SmsGateway) -> None:
    (sms,) = gateway.received()
    assert sms.receiver == NUMBER
    push = read_push(sms.udh, [sms.data])
    assert push.content_type == PushContentType.DS_NOTIFICATION
    san = decode_san(push.body)
    assert san.digest_matches(md5_credential(EMAIL, SECRET))
    assert not san.digest_matches(md5_credential(EMAIL, "another password"))
    assert san.notification.syncs == (SanSync(AlertCode.TWO_WAY_BY_SERVER, "contacts", 7),)


def test_a_change_by_another_device_is_one_wap_push_sms_within_5_s(gateway: SmsGateway, tmp_path: Path) -> None:
    server = push_server(tmp_path / "data", gateway)
    server.data_dir.mkdir(parents=True)
    server.start()
    try:
        laptop, _ = prepared(server)
        laptop.add(vcard(1))
        laptop.add(vcard(2))
        laptop.sync()
        wait_for_sms(gateway, 1, DELIVERY_S)
        time.sleep(2)
        assert_notification_for_phone(gateway)
    finally:
        server.stop()


def test_a_server_killed_before_delivery_delivers_after_its_restart(gateway: SmsGateway, tmp_path: Path) -> None:
    server = push_server(tmp_path / "data", gateway, "--push-quiet", "3")
    server.data_dir.mkdir(parents=True)
    server.start()
    laptop, _ = prepared(server)
    laptop.add(vcard(1))
    laptop.sync()
    server.kill()
    assert gateway.received() == []
    server.start()
    try:
        wait_for_sms(gateway, 1, 15)
        time.sleep(2)
        assert_notification_for_phone(gateway)
    finally:
        server.stop()


def test_two_workers_deliver_a_notification_once(gateway: SmsGateway, tmp_path: Path) -> None:
    server = push_server(tmp_path / "data", gateway, "--workers", "2")
    server.data_dir.mkdir(parents=True)
    server.start()
    try:
        laptop, _ = prepared(server)
        laptop.add(vcard(1))
        laptop.sync()
        wait_for_sms(gateway, 1, DELIVERY_S)
        time.sleep(3)
        assert_notification_for_phone(gateway)
    finally:
        server.stop()


def test_a_gateway_refusing_the_push_is_retried_logged_and_marked(gateway: SmsGateway, tmp_path: Path) -> None:
    server = push_server(tmp_path / "data", gateway, "--push-sms-password", "wrong", "--push-retry-delay", "60")
    server.data_dir.mkdir(parents=True)
    server.start()
    try:
        laptop, phone = prepared(server)
        laptop.add(vcard(1))
        laptop.sync()
        deadline = time.monotonic() + 15
        listed = ""
        while "FAILING" not in listed and time.monotonic() < deadline:
            time.sleep(0.2)
            listed = syncmld("device", "list", EMAIL, "--data-dir", str(server.data_dir)).stdout
        assert "FAILING: 1 failed attempts, last: the SMS gateway" in listed, listed
        assert "answered HTTP 403" in listed
        assert "push account=sms@example.com device=phone channel=sms folders=contacts failed (attempt 1)" in (
            server.log_tail(200)
        )
        assert gateway.received() == []
        phone.add(vcard(2))
        phone.sync()
        assert laptop.sync().received["add"] == 1, "the server goes on serving"
    finally:
        server.stop()
