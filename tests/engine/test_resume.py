"""Large objects kept in the store, and SyncML 1.2 suspend/resume (Alert 224/225): a sync the device
stopped continues in a new session, a half-sent large object included, and anchors advance only when
the resumed sync completes."""

from collections.abc import Callable
from dataclasses import replace

import pytest

from syncmld.client import Device
from syncmld.client.device import Interruption
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext
from syncmld.protocol.constants import SyncMLVersion
from syncmld.store.base import Store, SyncState
from tests.engine.conftest import EMAIL, PASSWORD, URL, after_each_reply, stored_contacts, vcard
from tests.engine.test_sessions import device_cards, server_cards

STOPS = ["suspend"]
BIG_NOTE = "Grüße aus Köln, 東京 " * 2500
"""About 60 kB of text with two- and three-byte characters: pieces must not split them."""


def big_card(n: int) -> bytes:
    return vcard(n, note=BIG_NOTE)


def sync_state(store: Store, device: Device) -> SyncState | None:
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        known = next(d for d in tx.list_devices(account.id) if d.device_ref == device.device_id)
        return tx.get_sync_state(known.id, folder.id) if folder else None


def session_state_size(store: Store, device: Device) -> int:
    """Bytes of the device's latest session state, as saved after its last message."""
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        token = tx.device_at_login(account.id, device.device_id).previous_token
        assert token is not None
        record = tx.load_session(token)
        assert record is not None
        return len(record.state)


def test_a_large_object_travels_through_the_store_not_the_session_state(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = new_device("IMEI:1")
    phone.add(vcard(1, note="x" * 400_000))
    phone.sync(201, chunk=4000, stop=Interruption(after=60, how="suspend"))
    assert session_state_size(store, phone) < 5000
    phone.resume(chunk=4000)
    assert server_cards(store) == device_cards(phone)

    tablet = new_device("IMEI:2", max_msg_size=6000)
    tablet.sync(200, stop=Interruption(after=60, how="suspend"))
    assert session_state_size(store, tablet) < 5000
    report = tablet.resume()
    assert report.codes_for("Alert")[0] == 200
    assert device_cards(tablet) == server_cards(store)


@pytest.mark.parametrize("how", STOPS)
def test_an_upload_stopped_mid_object_resumes_where_it_stopped(
    store: Store, new_device: Callable[..., Device], how: str
) -> None:
    phone = new_device("IMEI:1")
    for n in range(3):
        phone.add(vcard(n))
    phone.add(big_card(100))
    phone.add(vcard(200))
    report = phone.sync(200, chunk=9000, stop=Interruption(after=4, how=how))
    assert report.alerted_mode == 201
    assert phone.stopped is not None
    assert sync_state(store, phone) is None

    report = phone.resume(chunk=9000)
    assert report.codes_for("Alert")[0] == 200
    assert report.alerted_mode == 201
    assert phone.stopped is None
    assert len(server_cards(store)) == 5
    assert server_cards(store) == device_cards(phone)
    assert sync_state(store, phone) is not None
    assert phone.sync(200).received == {"add": 0, "replace": 0, "delete": 0}


@pytest.mark.parametrize("how", STOPS)
def test_a_download_stopped_mid_object_resumes_without_resending_what_arrived(
    store: Store, new_device: Callable[..., Device], how: str
) -> None:
    phone = new_device("IMEI:1")
    for n in range(6):
        phone.add(vcard(n))
    phone.add(big_card(100))
    phone.sync(201)
    tablet = new_device("IMEI:2", max_msg_size=8000)
    first = tablet.sync(200, stop=Interruption(after=5, how=how))
    assert tablet.stopped is not None

    report = tablet.resume()
    assert report.codes_for("Alert")[0] == 200
    assert len(tablet.items) == 7
    assert device_cards(tablet) == server_cards(store)
    if how != "silent":  # a reply the device took in without answering is sent again
        assert sum(first.received.values()) + sum(report.received.values()) == 7
    assert tablet.sync(200).received == {"add": 0, "replace": 0, "delete": 0}


def test_anchors_advance_only_when_the_resumed_sync_completes(store: Store, new_device: Callable[..., Device]) -> None:
    phone, tablet = new_device("IMEI:1"), new_device("IMEI:2", max_msg_size=8000)
    phone.add(vcard(1))
    phone.sync(201)
    tablet.sync(201)
    agreed = sync_state(store, tablet)
    phone.add(big_card(2))
    phone.add(vcard(3))
    phone.sync(200)

    tablet.sync(200, stop=Interruption(after=3))
    assert sync_state(store, tablet) == agreed
    tablet.resume(stop=Interruption(after=2))
    assert sync_state(store, tablet) == agreed
    report = tablet.resume()
    assert report.alerted_mode == 200
    after = sync_state(store, tablet)
    assert after is not None and agreed is not None and after.seq > agreed.seq
    assert device_cards(tablet) == server_cards(store)


def test_a_completed_sync_is_not_resumed_509_and_a_normal_sync_runs(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = new_device("IMEI:1")
    phone.add(vcard(1))
    phone.sync(201, stop=Interruption(after=2, how="lost"))
    stopped = phone.stopped
    phone.resume()
    phone.add(vcard(2))
    phone.stopped = stopped
    report = phone.resume()
    assert report.codes_for("Alert")[0] == 509
    assert report.alerted_mode == 200
    assert server_cards(store) == device_cards(phone)
    assert len(server_cards(store)) == 2


def test_a_sync_1_1_device_cannot_resume(store: Store, new_device: Callable[..., Device]) -> None:
    phone = new_device("IMEI:1", version=SyncMLVersion.V1_1)
    phone.add(vcard(1))
    phone.sync(201)
    phone.add(vcard(2))
    phone.sync(200, stop=Interruption(after=2, how="suspend"))
    report = phone.resume()
    assert report.codes_for("Alert")[0] == 509
    assert server_cards(store) == device_cards(phone)


def test_a_long_queue_waits_in_the_store_and_survives_a_resume(store: Store, new_device: Callable[..., Device]) -> None:
    """A new device receiving 1,500 contacts: the session state holds a window of the queue, not the
    whole of it, and a sync stopped half-way resumes with nothing lost and nothing doubled."""
    phone = new_device("IMEI:1")
    for n in range(1500):
        phone.add(vcard(n))
    phone.sync(201)
    tablet = new_device("IMEI:2", max_msg_size=20_000)
    tablet.sync(200, stop=Interruption(after=5, how="suspend"))
    assert 0 < len(tablet.items) < 1000
    assert session_state_size(store, tablet) < 40_000
    tablet.resume()
    assert len(tablet.items) == 1500
    assert device_cards(tablet) == server_cards(store)


def test_a_suspended_session_that_expired_is_not_resumed_before_the_sweep_drops_it(
    store: Store, ctx: EngineContext
) -> None:
    """Expired sessions are swept in the background, not at logins: one that is still stored but idle for
    longer than the session timeout is not resumed (509, and a normal sync)."""
    now = [1_000_000.0]
    late = replace(ctx, clock=lambda: now[0])
    phone = Device(
        transport=in_process_transport(store, late), user=EMAIL, password=PASSWORD, device_id="IMEI:1", url=URL
    )
    phone.add(vcard(1))
    phone.sync(201)
    phone.add(vcard(2))
    phone.sync(200, stop=Interruption(after=2, how="suspend"))
    now[0] += ctx.settings.session_timeout + 1
    report = phone.resume()
    assert report.codes_for("Alert")[0] == 509
    assert server_cards(store) == device_cards(phone)


def test_the_session_state_of_a_device_receiving_thousands_of_contacts_holds_at_most_a_window_of_the_queue(
    store: Store, new_device: Callable[..., Device]
) -> None:
    """Read back from the store, the queue is topped up to its window and no further: the session state,
    saved with every message, stays as small as the window (it held up to a whole read of the backlog)."""
    stored_contacts(store, 3000)
    tablet = new_device("IMEI:2", max_msg_size=20_000)
    sizes = after_each_reply(tablet, lambda: session_state_size(store, tablet))
    tablet.sync(200)
    assert len(tablet.items) == 3000
    assert len(sizes) > 20
    assert max(sizes) < 40_000
