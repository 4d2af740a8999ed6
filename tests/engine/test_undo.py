"""Undoing a sync with scripted devices: the items come back as new changes every device gets, items
changed after the session are conflicts."""

import time
from collections import Counter
from collections.abc import Callable

from syncmld.client import Device
from syncmld.engine import EngineSettings
from syncmld.engine.housekeeping import DAY, sweep
from syncmld.history.undo import apply_undo, plan_undo
from syncmld.settings import HISTORY_DAYS
from syncmld.store.base import Change, ChangeSession, ChangeSource, Store
from tests.engine.conftest import EMAIL, URL, vcard
from tests.engine.test_control import filled
from tests.engine.test_sessions import device_cards, server_cards


def sessions(store: Store) -> list[ChangeSession]:
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        return list({entry.session.id: entry.session for entry in tx.list_change_sessions(account.id)}.values())


def undo(store: Store, session: ChangeSession, force: bool = False) -> int | None:
    with store.transaction() as tx:
        return apply_undo(tx, plan_undo(tx, session), force, time.time())


def test_each_sync_session_is_recorded_once_with_its_device_and_changes(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = filled(new_device, "IMEI:1", 0, 5, max_msg_size=3000)  # several messages in one session
    phone.sync()
    luid = next(iter(phone.items))
    phone.replace(luid, vcard(99))
    phone.delete(next(iter(list(phone.items)[1:])))
    phone.sync()
    first, second = sessions(store)
    assert (first.source, first.label) == (ChangeSource.SYNC, "IMEI:1")
    with store.transaction() as tx:
        assert [c.change for c in tx.session_changes(first.id)] == [Change.ADDED] * 5
        assert sorted(c.change for c in tx.session_changes(second.id)) == [Change.DELETED, Change.REPLACED]


def test_undo_of_a_slow_to_server_brings_the_folder_back_on_every_device(
    store: Store, new_device: Callable[..., Device]
) -> None:
    laptop = filled(new_device, "IMEI:1", 0, 100)
    laptop.sync()
    before = server_cards(store)
    phone = filled(new_device, "IMEI:2", 500, 3, url=URL + "?sync=7")
    phone.sync()
    assert len(server_cards(store)) == 3
    wipe = sessions(store)[-1]
    with store.transaction() as tx:
        plan = plan_undo(tx, wipe)
    assert Counter(r.action for r in plan.reversals) == {Change.DELETED: 3, Change.ADDED: 100}
    assert plan.conflicts == ()
    assert undo(store, wipe) is not None
    assert server_cards(store) == before
    laptop.sync()
    phone.url = URL
    phone.sync()
    assert device_cards(laptop) == before
    assert device_cards(phone) == before


def test_undo_reports_the_items_changed_later_as_conflicts_and_leaves_them_unless_forced(
    store: Store, new_device: Callable[..., Device]
) -> None:
    laptop = filled(new_device, "IMEI:1", 0, 10)
    laptop.sync()
    original = server_cards(store)
    phone = new_device("IMEI:2")
    phone.sync()
    edited = sorted(phone.items)[:4]
    for luid in edited:
        phone.replace(luid, phone.items[luid].replace(b"END:VCARD", b"NOTE:phone edit\r\nEND:VCARD"))
    phone.sync()
    edits = sessions(store)[-1]
    laptop.sync()
    later = next(luid for luid, data in laptop.items.items() if b"phone edit" in data)
    laptop.replace(later, laptop.items[later].replace(b"phone edit", b"edited later"))
    laptop.sync()
    with store.transaction() as tx:
        plan = plan_undo(tx, edits)
    assert [r.action for r in plan.reversals] == [Change.REPLACED] * 4
    assert [b"edited later" in r.now.data for r in plan.conflicts] == [True]
    undo(store, edits)
    cards = server_cards(store)
    assert sum("phone edit" in card for card in cards) == 0
    assert sum("edited later" in card for card in cards) == 1
    assert len(set(cards) & set(original)) == 9
    with store.transaction() as tx:
        again = plan_undo(tx, edits)
    assert (len(again.to_apply(force=False)), len(again.conflicts)) == (0, 1)
    undo(store, edits, force=True)
    assert server_cards(store) == original


def test_the_sweep_forgets_change_sessions_older_than_history_days(
    store: Store, new_device: Callable[..., Device]
) -> None:
    filled(new_device, "IMEI:1", 0, 3).sync()
    with store.transaction() as tx:
        tx.set_setting(HISTORY_DAYS.name, "2")
        assert sweep(tx, EngineSettings(), time.time() + 1.5 * DAY).change_sessions == 0
        assert sweep(tx, EngineSettings(), time.time() + 2.5 * DAY).change_sessions == 1
    assert sessions(store) == []


def test_items_an_undo_brings_back_reach_a_device_that_deleted_them_as_adds(
    store: Store, new_device: Callable[..., Device]
) -> None:
    laptop = filled(new_device, "IMEI:1", 0, 5)
    laptop.sync()
    phone = new_device("IMEI:2")
    phone.sync()
    for luid in sorted(laptop.items)[:2]:
        laptop.delete(luid)
    laptop.sync()
    deletes = sessions(store)[-1]
    assert phone.sync().received["delete"] == 2
    undo(store, deletes)
    for device in (phone, laptop):
        received = device.sync().received
        assert (received["add"], received["replace"]) == (2, 0), device.device_id
    assert device_cards(phone) == device_cards(laptop) == server_cards(store)


def test_a_sync_keeps_each_replaced_or_deleted_version_once_and_the_record_refers_to_it(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = filled(new_device, "IMEI:1", 0, 3)
    phone.sync()
    first, second, _ = sorted(phone.items)
    phone.replace(first, vcard(10))
    phone.delete(second)
    phone.sync()
    edits = sessions(store)[-1]
    with store.transaction() as tx:
        changes = tx.session_changes(edits.id)
        kept = [entry for change in changes for entry in tx.list_history(change.folder_id, change.guid)]
    assert sorted(entry.reason for entry in kept) == ["deleted", "replaced"]
    assert sorted(change.before.data for change in changes if change.before) == sorted(entry.data for entry in kept)
