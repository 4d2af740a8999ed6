"""Large objects converted outside the store transaction (the message handled again afterwards) end up
exactly as if converted inside it: slow-sync matching, merges of a Replace, conflicts, backups."""

import logging
from pathlib import Path

import pytest

from syncmld.accounts import hash_password, md5_credential
from syncmld.backup import BackupStore, backup_items
from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext, EngineSettings
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, PASSWORD, URL, vcard
from tests.engine.test_sessions import device_cards, server_cards
from tests.store.backends import empty_store_url


def big_card(number: int, note: str) -> bytes:
    return vcard(number, note=note * 6000)


def run_scenario(store: Store, ctx: EngineContext) -> tuple[list[str], list[list[int]], list[str]]:
    """Two devices with large contacts (36 kB, sent in chunks of 8,000 characters): a slow sync, the
    other device's slow sync matching the same contacts, a Replace of each side and a conflict."""

    def device(device_id: str) -> Device:
        return Device(
            transport=in_process_transport(store, ctx), url=URL, user=EMAIL, password=PASSWORD, device_id=device_id
        )

    phone, tablet = device("IMEI:1"), device("IMEI:2")
    for number in range(3):
        phone.add(vcard(number))
        tablet.add(vcard(number))
    first = phone.add(big_card(7, "phone "))
    tablet.add(big_card(7, "phone "))
    codes = [phone.sync(201, chunk=8000).codes_for("Replace"), tablet.sync(201, chunk=8000).codes_for("Replace")]
    phone.replace(first, big_card(7, "changed on the phone "))
    tablet_luid = next(luid for luid, data in tablet.items.items() if b"phone phone" in data)
    tablet.replace(tablet_luid, big_card(7, "changed on the tablet "))
    codes += [tablet.sync(200, chunk=8000).codes_for("Replace"), phone.sync(200, chunk=8000).codes_for("Replace")]
    return server_cards(store), codes, device_cards(phone)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_large_objects_converted_outside_the_transaction_give_the_same_result(
    backend: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    results = []
    for name, max_msg_size in (("inside", 1_000_000), ("outside", 2000)):
        (tmp_path / name).mkdir()
        with empty_store_url(backend, tmp_path / name) as url:
            store = open_store(url)
            with store.transaction() as tx:
                tx.add_account(EMAIL, md5_credential(EMAIL, PASSWORD), hash_password(PASSWORD))
            ctx = EngineContext(
                settings=EngineSettings(max_msg_size=max_msg_size), backups=BackupStore(tmp_path / name / "backups")
            )
            with caplog.at_level(logging.INFO, logger="syncmld.engine"):
                caplog.clear()
                results.append(run_scenario(store, ctx))
            done_outside = [
                record for record in caplog.records if "done outside the store transaction" in record.getMessage()
            ]
            assert len(done_outside) > 4 if name == "outside" else not done_outside
            store.close()
    assert results[0] == results[1]
    cards, codes, phone = results[1]
    assert len(cards) == 4 and sum("changed on the" in card for card in cards) == 1
    assert codes[0] == [201] * 3 + [213] * 4 + [201] and phone == cards


def test_a_session_with_a_backup_archives_a_large_object_once(tmp_path: Path) -> None:
    """``backup``: the message that completes a large object is handled again after its conversion,
    and the object is archived once."""
    store = open_store(sqlite_url(tmp_path))
    with store.transaction() as tx:
        tx.add_account(EMAIL, md5_credential(EMAIL, PASSWORD), hash_password(PASSWORD))
    backups = BackupStore(tmp_path / "backups")
    ctx = EngineContext(settings=EngineSettings(max_msg_size=2000), backups=backups)
    phone = Device(
        transport=in_process_transport(store, ctx),
        url=URL + "?backup=phone",
        user=EMAIL,
        password=PASSWORD,
        device_id="IMEI:1",
    )
    phone.add(big_card(1, "archived "))
    assert phone.sync(201, chunk=8000).codes_for("Replace") == [213] * 6 + [201]
    [archive] = backups.list_backups()
    assert archive.item_count == 1
    assert [item.data for item in backup_items(backups.read_backup(archive.name))] == [big_card(1, "archived ")]
    store.close()
