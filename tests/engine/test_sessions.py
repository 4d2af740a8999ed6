"""Whole sessions between scripted devices and the engine, on the memory and SQLite stores."""

from collections.abc import Callable

from syncmld.client import Device
from syncmld.content import normalise_vcard
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, vcard


def server_cards(store: Store) -> list[str]:
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        if folder is None:
            return []
        return sorted(normalise_vcard(item.data) for item in tx.iter_items(folder.id))


def device_cards(device: Device) -> list[str]:
    return sorted(normalise_vcard(data) for data in device.items.values())


def test_first_sync_is_slow_and_second_device_receives_everything(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = new_device("IMEI:1")
    for n in range(20):
        phone.add(vcard(n))
    report = phone.sync(200)
    assert report.alerted_mode == 201
    assert report.codes_for("Alert")[0] == 508
    assert report.codes_for("Replace") == [201] * 20
    assert len(server_cards(store)) == 20

    tablet = new_device("IMEI:2")
    report = tablet.sync(200)
    assert report.alerted_mode == 201
    assert report.received["add"] == 20
    assert device_cards(tablet) == device_cards(phone) == server_cards(store)


def test_two_way_moves_only_changes_both_ways(store: Store, new_device: Callable[..., Device]) -> None:
    phone, tablet = new_device("IMEI:1"), new_device("IMEI:2")
    luids = [phone.add(vcard(n)) for n in range(10)]
    phone.sync()
    tablet.sync()

    phone.replace(luids[0], vcard(0, note="edited"))
    phone.delete(luids[1])
    phone.add(vcard(100))
    report = phone.sync(200)
    assert report.alerted_mode == 200
    assert report.received == {"add": 0, "replace": 0, "delete": 0}

    report = tablet.sync(200)
    assert report.alerted_mode == 200
    assert report.received == {"add": 1, "replace": 1, "delete": 1}
    assert device_cards(tablet) == device_cards(phone) == server_cards(store)

    report = tablet.sync(200)
    assert report.received == {"add": 0, "replace": 0, "delete": 0}


def test_wrong_password_is_refused_and_touches_nothing(store: Store, new_device: Callable[..., Device]) -> None:
    intruder = new_device("IMEI:9", password="wrong")
    intruder.add(vcard(1))
    report = intruder.sync(201)
    assert report.header_status == 401
    assert server_cards(store) == []


def test_small_messages_and_large_objects_both_ways(store: Store, new_device: Callable[..., Device]) -> None:
    phone = new_device("IMEI:1", max_msg_size=10240)
    for n in range(40):
        phone.add(vcard(n))
    big = vcard(999, note="x" * 30000)
    phone.add(big)
    report = phone.sync(201, chunk=8000)
    assert 213 in report.codes_for("Replace")
    assert len(server_cards(store)) == 41

    tablet = new_device("IMEI:2", max_msg_size=10240)
    report = tablet.sync(200)
    assert report.messages > 3
    assert device_cards(tablet) == server_cards(store)


def test_anchor_mismatch_forces_slow_sync_without_duplicates(store: Store, new_device: Callable[..., Device]) -> None:
    phone = new_device("IMEI:1")
    for n in range(5):
        phone.add(vcard(n))
    phone.sync()
    phone.last_anchor = "lost"
    report = phone.sync(200)
    assert report.alerted_mode == 201
    assert report.codes_for("Alert")[0] == 508
    assert len(server_cards(store)) == 5
    assert len(phone.items) == 5


def test_refresh_from_server_and_from_client(store: Store, new_device: Callable[..., Device]) -> None:
    phone, tablet = new_device("IMEI:1"), new_device("IMEI:2")
    for n in range(6):
        phone.add(vcard(n))
    phone.sync()
    tablet.sync()
    tablet.add(vcard(50))
    report = tablet.sync(205)
    assert report.alerted_mode == 205
    assert device_cards(tablet) == server_cards(store)
    assert len(tablet.items) == 6

    luid = next(iter(phone.items))
    phone.delete(luid)
    phone.changes.clear()
    report = phone.sync(203)
    assert report.alerted_mode == 203
    assert server_cards(store) == device_cards(phone)
    assert len(server_cards(store)) == 5


def test_one_way_modes(store: Store, new_device: Callable[..., Device]) -> None:
    phone, tablet = new_device("IMEI:1"), new_device("IMEI:2")
    phone.add(vcard(1))
    phone.sync()
    tablet.sync()
    tablet.add(vcard(2))
    phone.add(vcard(3))
    report = phone.sync(202)
    assert report.alerted_mode == 202
    assert report.received == {"add": 0, "replace": 0, "delete": 0}
    report = tablet.sync(204)
    assert report.alerted_mode == 204
    assert report.received["add"] == 1
    assert len(server_cards(store)) == 2
    report = phone.sync(200)
    assert report.received["add"] == 0


def test_slow_sync_of_the_same_contacts_from_another_device_doubles_nothing(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = new_device("IMEI:1")
    for n in range(5):
        phone.add(vcard(n))
    phone.sync()
    tablet = new_device("IMEI:2")
    for n in range(4):
        tablet.add(vcard(n).replace(f"+49 170 {n:07d}".encode(), f"+49170{n:07d}".encode()))
    tablet.add(vcard(4, note="only on the tablet"))
    report = tablet.sync(201)
    assert report.received["add"] == 0
    assert len(server_cards(store)) == 5
    assert any("NOTE:only on the tablet" in card for card in server_cards(store))
    for _ in range(2):
        phone.sync(201)
        tablet.sync(201)
    assert len(phone.items) == len(tablet.items) == len(server_cards(store)) == 5
