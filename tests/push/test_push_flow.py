"""Push end to end in process: who is told, when, once, in which form, and what a failing channel does."""

import logging
from collections.abc import Callable

import pytest

from syncmld.accounts import md5_credential
from syncmld.client import Device
from syncmld.protocol.codec import decode
from syncmld.protocol.constants import AlertCode, SyncMLVersion
from syncmld.protocol.san import SanSync, decode_san
from syncmld.protocol.san_message import notification_of
from syncmld.push.settings import DefaultChannel, PushSettings
from syncmld.push.triggers import folder_changed
from syncmld.store.base import Store
from syncmld.store.pushes import PushChannel, PushDevice, PushSource
from tests.engine.conftest import EMAIL, PASSWORD, URL, vcard
from tests.push.conftest import SETTINGS, Hook, deliver
from tests.statements import recorded_statements, writing

PUSH_URL = URL + "?push"


def push_of(store: Store, device_ref: str) -> PushDevice:
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        device = next(d for d in tx.list_devices(account.id) if d.device_ref == device_ref)
        push = tx.get_push(device.id)
    assert push is not None
    return push


def set_channel(store: Store, device_ref: str, channel: PushChannel, address: str = "") -> None:
    device_id = push_of(store, device_ref).device_id
    with store.transaction() as tx:
        tx.set_push(device_id, channel, address, PushSource.ADMIN)


def pair(new_device: Callable[..., Device], **phone_options: object) -> tuple[Device, Device]:
    """A laptop and a phone that asked for push, both synced once."""
    laptop = new_device("laptop")
    phone = new_device("phone", url=PUSH_URL, **phone_options)
    laptop.sync(201)
    phone.sync(201)
    return laptop, phone


def test_a_device_asking_for_push_is_registered_without_a_channel(
    store: Store, new_device: Callable[..., Device]
) -> None:
    pair(new_device)
    push = push_of(store, "phone")
    assert (push.channel, push.source, push.version, push.wbxml) == (PushChannel.NONE, PushSource.URL, "1.2", False)


def test_a_device_that_synced_without_push_and_later_asks_for_it_is_registered_and_told(
    store: Store, new_device: Callable[..., Device], webhook: Hook
) -> None:
    laptop = new_device("laptop")
    phone = new_device("phone")
    laptop.sync(201)
    phone.sync(201)
    phone.sync()
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        assert tx.list_pushes(account.id) == {}
    phone.url = PUSH_URL
    phone.sync()
    set_channel(store, "phone", PushChannel.WEBHOOK, webhook.url)
    laptop.add(vcard(1))
    laptop.sync()
    assert deliver(store) == 1
    assert decode_san(webhook.received[0][1]).notification.syncs[0].server_uri == "contacts"


def test_a_push_device_is_told_in_the_form_of_its_latest_login_and_an_unchanged_form_is_not_written_again(
    store: Store, new_device: Callable[..., Device]
) -> None:
    _, phone = pair(new_device)
    phone.url = URL
    with recorded_statements() as statements:
        phone.sync()
    assert not [s for s in writing(statements) if s.startswith("UPDATE push_devices SET version")]
    phone.version = SyncMLVersion.V1_1
    phone.sync()
    push = push_of(store, "phone")
    assert (push.channel, push.version, push.wbxml) == (PushChannel.NONE, "1.1", False)


def test_a_change_by_another_device_is_notified_once_until_the_device_synced(
    store: Store, new_device: Callable[..., Device], webhook: Hook
) -> None:
    laptop, phone = pair(new_device)
    set_channel(store, "phone", PushChannel.WEBHOOK, webhook.url)
    laptop.add(vcard(1))
    laptop.add(vcard(2))
    laptop.sync()
    laptop.add(vcard(3))
    laptop.sync()
    assert deliver(store) == 1
    ((headers, body),) = webhook.received
    assert headers["Content-Type"] == "application/vnd.syncml.ds.notification"
    san = decode_san(body)
    assert san.notification.server_id == SETTINGS.server_id
    assert san.notification.syncs == (SanSync(AlertCode.TWO_WAY_BY_SERVER, "contacts", 7),)
    assert san.digest_matches(md5_credential(EMAIL, PASSWORD))
    laptop.add(vcard(4))
    laptop.sync()
    assert deliver(store) == 0, "told again before it synced"
    phone.sync()
    assert len(phone.items) == 4
    assert deliver(store) == 0, "the sync brought everything"
    laptop.add(vcard(5))
    laptop.sync()
    assert deliver(store) == 1
    assert len(webhook.received) == 2
    assert push_of(store, "phone").sent == 2


def test_a_device_is_never_told_of_its_own_changes(store: Store, new_device: Callable[..., Device]) -> None:
    _, phone = pair(new_device)
    set_channel(store, "phone", PushChannel.LOG)
    phone.add(vcard(1))
    phone.sync()
    assert deliver(store) == 0


def test_a_folder_the_device_does_not_sync_is_not_notified(store: Store, new_device: Callable[..., Device]) -> None:
    pair(new_device)
    set_channel(store, "phone", PushChannel.LOG)
    notes = new_device("laptop", server_db="notes", local_uri="./notes", content_type="text/plain")
    notes.sync(201)
    notes.add(b"a note")
    notes.sync()
    assert deliver(store) == 0


def test_the_log_channel_writes_a_notification_that_decodes(
    store: Store, new_device: Callable[..., Device], caplog: pytest.LogCaptureFixture
) -> None:
    laptop, _ = pair(new_device)
    set_channel(store, "phone", PushChannel.LOG)
    laptop.add(vcard(1))
    laptop.sync()
    with caplog.at_level(logging.INFO, "syncmld.push"):
        assert deliver(store) == 1
    (logged,) = [r.getMessage() for r in caplog.records if "by the log" in r.getMessage()]
    assert decode_san(bytes.fromhex(logged.split()[-1])).notification.syncs[0].server_uri == "contacts"


def test_a_syncml_11_device_gets_the_message_form(
    store: Store, new_device: Callable[..., Device], webhook: Hook
) -> None:
    laptop, _ = pair(new_device, version=SyncMLVersion.V1_1)
    set_channel(store, "phone", PushChannel.WEBHOOK, webhook.url)
    laptop.add(vcard(1))
    laptop.sync()
    assert deliver(store) == 1
    ((headers, body),) = webhook.received
    assert headers["Content-Type"] == "application/vnd.syncml+xml"
    message = decode(body, headers["Content-Type"]).message
    assert message.header.target.uri == "phone"
    assert notification_of(message).syncs == (SanSync(AlertCode.TWO_WAY_BY_SERVER, "contacts"),)


def test_a_gateway_answering_500_is_retried_later_and_the_device_marked(
    store: Store, new_device: Callable[..., Device], webhook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    laptop, _ = pair(new_device)
    other = new_device("tablet", url=PUSH_URL)
    other.sync(201)
    set_channel(store, "phone", PushChannel.WEBHOOK, webhook.url + "?broken")
    set_channel(store, "tablet", PushChannel.LOG)
    webhook.status = 500
    laptop.add(vcard(1))
    laptop.sync()
    with caplog.at_level(logging.INFO, "syncmld.push"):
        assert deliver(store) == 2
    assert "HTTP 500" in push_of(store, "phone").last_error
    assert push_of(store, "phone").failures == 1
    assert push_of(store, "tablet").sent == 1, "the other device is told all the same"
    assert any("failed (attempt 1)" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert deliver(store) == 0, "not before the retry delay"
    webhook.status = 204
    assert deliver(store, ahead=SETTINGS.retry_delay + 10) == 1
    push = push_of(store, "phone")
    assert (push.sent, push.failures, push.last_error) == (1, 0, "")


def test_notifications_that_keep_failing_are_given_up(
    store: Store, new_device: Callable[..., Device], webhook: Hook
) -> None:
    laptop, _ = pair(new_device)
    set_channel(store, "phone", PushChannel.WEBHOOK, webhook.url)
    webhook.status = 503
    settings = PushSettings(quiet=1.0, max_attempts=2, retry_delay=1.0)
    laptop.add(vcard(1))
    laptop.sync()
    assert deliver(store, settings) == 1
    assert deliver(store, settings, ahead=60) == 1
    assert deliver(store, settings, ahead=600) == 0
    assert push_of(store, "phone").failures == 2
    with store.transaction() as tx:
        assert tx.count_pending_pushes() == 0


def test_a_device_without_a_channel_is_logged_and_marked(
    store: Store, new_device: Callable[..., Device], caplog: pytest.LogCaptureFixture
) -> None:
    laptop, _ = pair(new_device)
    laptop.add(vcard(1))
    laptop.sync()
    with caplog.at_level(logging.INFO, "syncmld.push"):
        assert deliver(store) == 1
    assert any("has no push channel" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert push_of(store, "phone").failures == 1
    laptop.add(vcard(2))
    laptop.sync()
    log_unrouted = PushSettings(quiet=1.0, default_channel=DefaultChannel.LOG)
    with caplog.at_level(logging.INFO, "syncmld.push"):
        assert deliver(store, log_unrouted) == 1
    assert push_of(store, "phone").sent == 1


def test_a_change_outside_syncml_is_notified_through_the_trigger(
    store: Store, new_device: Callable[..., Device]
) -> None:
    pair(new_device)
    set_channel(store, "phone", PushChannel.LOG)
    assert folder_changed(store, EMAIL, "Contacts") == 1
    assert folder_changed(store, EMAIL, "contacts", origin_device_ref="phone") == 0
    assert folder_changed(store, EMAIL, "Nowhere") == 0
    assert deliver(store) == 1


def test_a_folder_name_too_long_for_a_notification_is_left_out(
    store: Store, new_device: Callable[..., Device], webhook: Hook
) -> None:
    long_name = "bookmarks-" + "x" * 300
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        tx.ensure_folder(account.id, long_name)
    laptop = new_device("laptop", server_db=long_name)
    phone = new_device("phone", url=PUSH_URL, server_db=long_name)
    laptop.sync(201)
    phone.sync(201)
    set_channel(store, "phone", PushChannel.WEBHOOK, webhook.url)
    laptop.add(vcard(1))
    laptop.sync()
    assert deliver(store) == 1
    ((_, body),) = webhook.received
    assert decode_san(body).notification.syncs == (), "no name that fits: every data store"


def test_a_look_for_due_notifications_with_none_waiting_writes_nothing(
    store: Store, new_device: Callable[..., Device]
) -> None:
    """The worker looks every second: with nothing pending it takes no write turn of the store (on SQLite
    writers take turns, so a write each second would queue behind, and hold up, the devices' messages)."""
    new_device("IMEI:1").sync()
    with recorded_statements() as statements:
        assert deliver(store) == 0
    assert writing(statements) == []
