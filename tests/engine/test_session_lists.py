"""What a session notes item by item (a slow sync's GUIDs the device holds, a reset device's LUIDs) is kept
in the store one message at a time, not in the session state every message reads and writes whole; it
is bounded, it goes with the session when the session is swept, and it follows a resumed sync."""

from collections.abc import Callable
from dataclasses import replace

import pytest

from syncmld.client import Device
from syncmld.client.device import Interruption
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext, EngineSettings
from syncmld.errors import RemoteError
from syncmld.protocol.messages import SyncML
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, PASSWORD, URL, vcard
from tests.engine.test_resume import session_state_size
from tests.engine.test_sessions import device_cards, server_cards

CARDS = 1200


def fill_server(new_device: Callable[..., Device], count: int) -> None:
    """The server gets ``count`` contacts from a first device."""
    first = new_device("IMEI:0")
    for n in range(count):
        first.add(vcard(n))
    first.sync(201)


def measured_sizes(store: Store, device: Device) -> list[int]:
    """The size of the device's session state after each of its messages, from the second on."""
    sizes: list[int] = []
    send = device.transport

    def measured(message: SyncML, url: str, /) -> SyncML:
        reply = send(message, url)
        if int(message.header.msg_id) > 1:
            sizes.append(session_state_size(store, device))
        return reply

    device.transport = measured
    return sizes


def test_a_slow_sync_of_thousands_of_known_contacts_saves_as_small_a_state_at_its_last_message_as_at_its_first(
    store: Store, new_device: Callable[..., Device]
) -> None:
    """Every card the device sends matches one the server has: the GUIDs it holds grow with every message,
    and used to be saved in the state with each (48 kB at the end here, 1 MB at 20,000 contacts)."""
    fill_server(new_device, CARDS)
    phone = new_device("IMEI:1", items_per_message=50)
    for n in range(CARDS):
        phone.add(vcard(n))
    sizes = measured_sizes(store, phone)
    phone.sync(201)
    assert len(sizes) >= CARDS // 50
    assert max(sizes) < 3000
    assert sorted(server_cards(store)) == sorted(device_cards(phone))
    assert len(server_cards(store)) == CARDS


def test_a_slow_sync_to_the_device_saves_a_small_state_and_deletes_every_item_it_sent(
    store: Store, new_device: Callable[..., Device]
) -> None:
    """``sync=8``: the LUIDs of the device's items are noted, to be deleted on it, in the store."""
    fill_server(new_device, 10)
    phone = new_device("IMEI:1", items_per_message=50, url=URL + "?sync=8")
    for n in range(1000, 1000 + CARDS):
        phone.add(vcard(n))
    sizes = measured_sizes(store, phone)
    phone.sync(200)
    assert max(sizes[: CARDS // 50 - 2]) < 3000  # the messages before the last of its package
    assert device_cards(phone) == server_cards(store)
    assert len(server_cards(store)) == 10


def test_a_slow_sync_bringing_more_items_than_a_session_may_hold_is_refused_and_keeps_what_came_before(
    store: Store, ctx: EngineContext
) -> None:
    small = replace(ctx, settings=EngineSettings(max_session_items=60))
    phone = Device(
        transport=in_process_transport(store, small),
        user=EMAIL,
        password=PASSWORD,
        device_id="IMEI:1",
        url=URL,
        items_per_message=50,
    )
    for n in range(100):
        phone.add(vcard(n))
    with pytest.raises(RemoteError, match="may hold 60 items of a data store") as refused:
        phone.sync(201)
    assert refused.value.status == 420
    assert len(server_cards(store)) == 50  # the first message, and nothing of the second


def test_a_suspended_slow_sync_resumes_with_what_the_device_had_shown_it_holds(
    store: Store, new_device: Callable[..., Device]
) -> None:
    """The GUIDs the device showed before it suspended move to the new session: none of them is sent back
    to it as new when the server's changes go out."""
    fill_server(new_device, 300)
    phone = new_device("IMEI:1", items_per_message=50)
    for n in range(300):
        phone.add(vcard(n))
    phone.sync(201, stop=Interruption(after=4, how="suspend"))
    report = phone.resume()
    assert report.codes_for("Alert")[0] == 200
    assert len(device_cards(phone)) == 300
    assert sorted(device_cards(phone)) == sorted(server_cards(store))


def test_a_swept_session_takes_its_lists_with_it(store: Store, new_device: Callable[..., Device]) -> None:
    fill_server(new_device, 100)
    phone = new_device("IMEI:1", items_per_message=50)
    for n in range(100):
        phone.add(vcard(n))
    phone.sync(201, stop=Interruption(after=2, how="suspend"))
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        token = tx.device_at_login(account.id, "IMEI:1").previous_token
        assert token is not None
        folder = tx.get_folder(account.id, "contacts")
        assert folder is not None
        assert tx.read_chunks(token, f"matched:{folder.id}")
        tx.delete_sessions_before(float("inf"))
        assert tx.read_chunks(token, f"matched:{folder.id}") == b""
