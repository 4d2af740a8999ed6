"""A preview of a sync says, item for item, what the sync then does on the server, and changes nothing."""

from collections.abc import Callable

import pytest

from syncmld.client import Device
from syncmld.content import to_stored
from syncmld.engine.modes import SyncMode
from syncmld.engine.session import ChangeKind
from syncmld.history.names import item_name
from syncmld.history.preview import Preview, preview_sync
from syncmld.store.base import Change, Store, StoredItem
from tests.engine.conftest import EMAIL, URL, vcard
from tests.engine.test_control import filled
from tests.engine.test_sessions import server_cards
from tests.engine.test_undo import sessions


def previewed(store: Store, device_ref: str, mode: SyncMode | None) -> Preview:
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        device = next(d for d in tx.list_devices(account.id) if d.device_ref == device_ref)
        folder = tx.get_folder(account.id, "contacts")
        assert folder is not None
    return preview_sync(store, account.id, device, folder, mode)


def last_session_deletes(store: Store) -> set[str]:
    last = sessions(store)[-1]
    with store.transaction() as tx:
        changes = tx.session_changes(last.id)
    return {change.guid for change in changes if change.change == Change.DELETED}


def test_preview_of_a_slow_to_server_names_exactly_the_items_the_sync_deletes(
    store: Store, new_device: Callable[..., Device]
) -> None:
    filled(new_device, "IMEI:1", 0, 30).sync()
    phone = filled(new_device, "IMEI:2", 500, 3)
    phone.sync()
    before = server_cards(store)
    shown = previewed(store, "IMEI:2", SyncMode.SLOW_TO_SERVER)
    assert server_cards(store) == before, "a preview changes nothing"
    assert (shown.mode, len(shown.deleted), shown.sent) == (SyncMode.SLOW_TO_SERVER, 33, ())
    phone.url = URL + "?sync=7"
    phone.sync()
    assert {item.guid for item in shown.deleted} == last_session_deletes(store)


@pytest.mark.parametrize("mode", [None, SyncMode.SLOW_TO_CLIENT, SyncMode.REFRESH_FROM_SERVER])
def test_preview_names_exactly_what_the_device_then_gets(
    store: Store, new_device: Callable[..., Device], mode: SyncMode | None
) -> None:
    laptop = filled(new_device, "IMEI:1", 0, 20)
    laptop.sync()
    phone = new_device("IMEI:2")
    phone.sync()
    for n, luid in enumerate(sorted(laptop.items)[:3]):
        laptop.replace(luid, vcard(100 + n))
    laptop.delete(sorted(laptop.items)[5])
    laptop.add(vcard(900))
    laptop.sync()
    shown = previewed(store, "IMEI:2", mode)
    phone.url = URL + (f"?sync={int(mode)}" if mode else "")
    report = phone.sync()
    got = {kind: count for kind, count in report.received.items() if count}
    expected: dict[str, int] = {}
    for kind, _ in shown.sent:
        expected[kind.value] = expected.get(kind.value, 0) + 1
    if mode == SyncMode.SLOW_TO_CLIENT:
        expected[ChangeKind.DELETE.value] = 20  # the device's own items, which the server does not know of
    assert got == expected
    names = {item_name(item) for kind, item in shown.sent if kind != ChangeKind.DELETE}
    on_device = {
        item_name(StoredItem(0, luid, *to_stored("text/x-vcard", data, None, None), 0, 0, None))
        for luid, data in phone.items.items()
    }
    assert names <= on_device
    assert len(names) == sum(count for kind, count in expected.items() if kind != ChangeKind.DELETE.value)
