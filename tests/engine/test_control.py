"""Sync control through the URL (modes 7-9, reset, backup) and who may sync, with scripted devices."""

from collections.abc import Callable
from pathlib import Path

import pytest

from syncmld.client import Device
from syncmld.engine import EngineContext
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, URL, vcard
from tests.engine.test_sessions import device_cards, server_cards


def filled(new_device: Callable[..., Device], device_id: str, first: int, count: int, **options: object) -> Device:
    device = new_device(device_id, **options)
    for n in range(first, first + count):
        device.add(vcard(n))
    return device


def test_slow_to_client_leaves_the_device_with_exactly_the_server_items(
    store: Store, new_device: Callable[..., Device]
) -> None:
    filled(new_device, "IMEI:1", 0, 20).sync()
    phone = filled(new_device, "IMEI:2", 100, 10, url=URL + "?sync=8")
    report = phone.sync(200)
    assert report.alerted_mode == 201
    assert report.received["delete"] == 10
    assert report.received["add"] == 20
    assert device_cards(phone) == server_cards(store)
    assert len(server_cards(store)) == 20


def test_slow_to_server_leaves_the_server_with_exactly_the_device_items_and_a_backup(
    store: Store, new_device: Callable[..., Device], ctx: EngineContext, backups_dir: Path
) -> None:
    filled(new_device, "IMEI:1", 0, 20).sync()
    phone = filled(new_device, "IMEI:2", 100, 15, url=URL + "?sync=7")
    report = phone.sync(200)
    assert report.alerted_mode == 201
    assert server_cards(store) == device_cards(phone)
    assert len(server_cards(store)) == 15
    archives = list(backups_dir.glob("erased*.wot"))
    assert len(archives) == 1


def test_reset_empties_the_device_and_leaves_the_server_alone(store: Store, new_device: Callable[..., Device]) -> None:
    filled(new_device, "IMEI:1", 0, 5).sync()
    phone = filled(new_device, "IMEI:2", 100, 3, url=URL + "?reset")
    before = server_cards(store)
    report = phone.sync(200)
    assert report.received["delete"] == 3
    assert phone.items == {}
    assert server_cards(store) == before


def test_backup_parameter_archives_what_arrives(
    store: Store, new_device: Callable[..., Device], backups_dir: Path
) -> None:
    phone = filled(new_device, "IMEI:1", 0, 4, url=URL + "?backup=nokia")
    phone.sync()
    [archive] = list(backups_dir.glob("nokia*.wot"))
    assert len(archive.name) == len("nokia") + 8 + 4 + 4


def test_bad_url_value_gets_an_error_status_on_the_alert(store: Store, new_device: Callable[..., Device]) -> None:
    phone = filled(new_device, "IMEI:1", 0, 2, url=URL + "?sync=12")
    report = phone.sync(200)
    assert report.codes_for("Alert") == [400]
    assert server_cards(store) == []


@pytest.mark.parametrize("switch", ["server", "domain", "account", "access"])
def test_refused_sync_touches_nothing(store: Store, new_device: Callable[..., Device], switch: str) -> None:
    with store.transaction() as tx:
        if switch == "server":
            tx.set_setting("syncml", "off")
        elif switch == "domain":
            tx.add_domain("example.org")
            tx.set_domain_enabled("example.org", False)
        elif switch == "account":
            tx.set_account_enabled(EMAIL, False)
        else:
            tx.access_allow("someone@else.org")
    phone = filled(new_device, "IMEI:1", 0, 3)
    report = phone.sync(201)
    assert report.header_status == 403
    assert server_cards(store) == []


def test_access_list_lets_listed_domains_in(store: Store, new_device: Callable[..., Device]) -> None:
    with store.transaction() as tx:
        tx.access_allow("example.org")
    phone = filled(new_device, "IMEI:1", 0, 3)
    assert phone.sync(201).header_status == 212
    assert len(server_cards(store)) == 3


def test_funambol_one_way_from_client_is_never_turned_slow(store: Store, new_device: Callable[..., Device]) -> None:
    """Funambol's media clients (BlackBerry, Android) upload with Alert 250, one-way from client that must
    never become a slow sync: on a first sync and with anchors the server never gave, the server takes the
    device's new items, answers 250 and sends nothing back."""
    filled(new_device, "IMEI:1", 0, 3).sync()
    phone = filled(new_device, "fbb-1", 100, 2)

    first = phone.sync(250)

    assert (first.codes_for("Alert"), first.alerted_mode) == ([200], 250)
    assert first.received == {"add": 0, "replace": 0, "delete": 0}
    assert len(server_cards(store)) == 5
    phone.last_anchor = "an anchor the server never saw"
    phone.add(vcard(102))
    again = phone.sync(250)
    assert (again.codes_for("Alert"), again.alerted_mode) == ([200], 250)
    assert again.received == {"add": 0, "replace": 0, "delete": 0}
    assert len(server_cards(store)) == 6
