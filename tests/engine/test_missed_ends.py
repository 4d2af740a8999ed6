"""A device that did all of a sync but missed its end, and slow syncs of items deleted elsewhere:
nothing doubled, no deleted item brought back unless the device changed it, no needless slow sync."""

from collections.abc import Callable

import pytest

from syncmld.client import Device
from syncmld.client.device import Interruption
from syncmld.store.base import Store
from tests.engine.conftest import vcard
from tests.engine.test_resume import sync_state
from tests.engine.test_sessions import device_cards, server_cards


def shared_cards(new_device: Callable[..., Device], count: int) -> tuple[Device, Device, list[str]]:
    """A phone and a tablet holding the same ``count`` cards; the phone's LUIDs."""
    phone, tablet = new_device("IMEI:1"), new_device("IMEI:2")
    luids = [phone.add(vcard(n)) for n in range(count)]
    phone.sync()
    tablet.sync()
    return phone, tablet, luids


def luid_of(device: Device, n: int) -> str:
    """The LUID of the device's copy of ``vcard(n)``, found by its phone number."""
    return next(luid for luid, data in device.items.items() if f"+49 170 {n:07d}".encode() in data)


def test_a_device_that_missed_the_end_of_a_completed_sync_goes_on_two_way(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone, tablet, luids = shared_cards(new_device, 5)
    tablet.replace(luid_of(tablet, 2), vcard(2, note="from the tablet"))
    tablet.delete(luid_of(tablet, 3))
    tablet.add(vcard(100))
    tablet.sync()
    phone.replace(luids[0], vcard(0, note="from the phone"))
    phone.add(vcard(50))
    report = phone.sync(stop=Interruption(after=3, how="lost"))
    assert report.received == {"add": 1, "replace": 1, "delete": 1}
    completed = sync_state(store, phone)
    assert completed is not None and completed.client_anchor == "A000002"
    assert phone.last_anchor == "A000001"

    tablet.replace(luid_of(tablet, 4), vcard(4, note="later, from the tablet"))
    tablet.sync()
    report = phone.sync()
    assert report.alerted_mode == 200
    assert report.codes_for("Alert")[0] == 200
    assert report.received == {"add": 0, "replace": 1, "delete": 0}
    assert len(server_cards(store)) == 6
    assert device_cards(phone) == server_cards(store)

    report = tablet.sync()
    assert report.alerted_mode == 200
    assert device_cards(tablet) == device_cards(phone) == server_cards(store)
    assert b"later, from the tablet" in phone.items[luid_of(phone, 4)]


def test_a_device_whose_anchor_is_older_still_slow_syncs(store: Store, new_device: Callable[..., Device]) -> None:
    phone, _, _ = shared_cards(new_device, 3)
    phone.sync()
    phone.sync()
    phone.last_anchor = "A000001"
    report = phone.sync()
    assert report.alerted_mode == 201
    assert len(server_cards(store)) == 3


def test_a_slow_sync_does_not_bring_back_an_unchanged_item_deleted_elsewhere(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone, tablet, luids = shared_cards(new_device, 5)
    tablet.delete(luid_of(tablet, 1))
    tablet.delete(luid_of(tablet, 2))
    tablet.sync()
    phone.replace(luids[2], vcard(2, note="kept on the phone"))
    report = phone.sync(201)
    assert report.alerted_mode == 201
    assert report.received["delete"] == 1
    assert luids[1] not in phone.items
    assert b"kept on the phone" in phone.items[luids[2]]
    assert len(server_cards(store)) == 4
    assert device_cards(phone) == server_cards(store)

    tablet.sync()
    assert device_cards(tablet) == server_cards(store)


def test_an_interrupted_device_sending_a_deleted_item_again_gets_the_delete(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone, tablet, luids = shared_cards(new_device, 3)
    phone.replace(luids[1], vcard(1, note="edited on the phone"))
    phone.sync(stop=Interruption(after=2, how="lost"))
    tablet.sync()
    tablet.delete(luid_of(tablet, 1))
    tablet.sync()
    report = phone.sync()
    assert report.alerted_mode == 200
    assert report.received["delete"] == 1
    assert luids[1] not in phone.items
    assert device_cards(phone) == server_cards(store) == device_cards(tablet)


@pytest.mark.parametrize("mode", [202, 203, 250])
def test_a_sync_from_the_client_only_is_complete_without_a_map_package(
    store: Store, new_device: Callable[..., Device], mode: int
) -> None:
    """When the server sends nothing back (one-way or refresh from the client, Funambol's 250), a
    client may end the session after the server's answer to its changes: there is nothing to map
    (Funambol's Java clients do, "No mapping message to send"). The sync is complete then, and the
    next one from the client runs incrementally instead of erasing the server's folder."""
    new_device("IMEI:other").sync()
    phone = new_device("fbb-1")
    phone.add(vcard(1))
    phone.sync()
    phone.add(vcard(2))
    phone.sync(mode, stop=Interruption(after=2, how="silent"))
    assert phone.stopped is not None
    phone.last_anchor, phone.stopped = phone.stopped.next_anchor, None
    completed = sync_state(store, phone)
    assert completed is not None and completed.client_anchor == phone.last_anchor

    phone.add(vcard(3))
    report = phone.sync(202)
    assert (report.codes_for("Alert"), report.alerted_mode) == ([200], 202)
    assert len(server_cards(store)) == 3
