"""A slow sync matches server items by what they are now, reading only those its items may duplicate."""

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext
from syncmld.protocol.messages import Sync, SyncML
from syncmld.store.base import Candidate, Folder, NewItem, Store, Transaction
from tests.engine.conftest import EMAIL, PASSWORD, URL, vcard
from tests.engine.test_sessions import server_cards


def renamed(n: int, name: str) -> bytes:
    """Contact ``n`` of ``vcard`` under another family name, with the same phone number."""
    return vcard(n).replace(f"Müller{n}".encode(), name.encode())


def contacts_folder(tx: Transaction) -> Folder:
    account = tx.get_account(EMAIL)
    assert account is not None
    folder = tx.get_folder(account.id, "contacts")
    assert folder is not None
    return folder


def test_a_server_contact_changed_since_it_was_last_matched_is_matched_by_what_it_is_now(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = new_device("IMEI:1")
    for n in range(3):
        phone.add(vcard(n))
    phone.sync()
    tablet = new_device("IMEI:2")
    tablet.add(vcard(0))
    assert tablet.sync(201).codes_for("Replace") == [200]  # the server's contacts were read to match it
    luid = next(luid for luid, data in phone.items.items() if b"M\xc3\xbcller2" in data)
    phone.replace(luid, renamed(2, "Schmidt"))
    phone.sync()

    laptop = new_device("IMEI:3")
    laptop.add(renamed(2, "Schmidt"))
    assert laptop.sync(201).codes_for("Replace") == [200]
    assert len(server_cards(store)) == 3, "the contact under its new name was not found on the server"

    old_phone = new_device("IMEI:4")
    old_phone.add(vcard(2))
    assert old_phone.sync(201).codes_for("Replace") == [201], "the contact was matched under its old name"
    assert len(server_cards(store)) == 4


def test_a_slow_sync_into_a_full_folder_reads_only_the_server_items_its_messages_may_duplicate(
    store: Store, new_device: Callable[..., Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = new_device("IMEI:1")
    for n in range(60):
        phone.add(vcard(n))
    phone.sync()
    with store.transaction() as tx:
        folder = contacts_folder(tx)
        tx.put_items(folder.id, [NewItem(None, "text/vcard", renamed(n, f"Other{n}")) for n in range(60)], None)
        transaction_type = type(tx)
    look_ups: list[tuple[int, int]] = []
    read = transaction_type.duplicate_candidates

    def counted(tx: Transaction, folder_id: int, identities: Iterable[str], *rest: Any) -> list[Candidate]:
        wanted = list(identities)
        found = read(tx, folder_id, wanted, *rest)
        look_ups.append((len(wanted), len(found)))
        return found

    monkeypatch.setattr(transaction_type, "duplicate_candidates", counted)
    tablet = new_device("IMEI:2", items_per_message=4)
    for n in range(0, 60, 5):
        tablet.add(vcard(n))
    assert tablet.sync(201).codes_for("Replace") == [200] * 12
    # the first message reads the 120 items whose identity nobody worked out yet; the others, their own 4
    assert look_ups == [(4, 120), (4, 4), (4, 4)], "not one look-up per message, of what its contacts may duplicate"
    look_ups.clear()
    laptop = new_device("IMEI:3", items_per_message=6)
    for n in range(0, 60, 5):
        laptop.add(renamed(n, f"Other{n}"))
    assert laptop.sync(201).codes_for("Replace") == [200] * 12
    assert look_ups == [(6, 6), (6, 6)]
    assert len(server_cards(store)) == 120


class CheckSteps:
    """The SQLite VM steps of each look for server items a slow sync's items may duplicate (its EXISTS), in order."""

    def __init__(self) -> None:
        self.steps: list[int] = []

    def before(self, conn: Connection, _cursor: object, statement: str, *_args: Any) -> None:
        if statement.startswith("SELECT") and "EXISTS" in statement and "FROM items" in statement:
            self.steps.append(0)
            conn.connection.driver_connection.set_progress_handler(self._step, 1)  # type: ignore[union-attr]

    def after(self, conn: Connection, *_args: Any) -> None:
        conn.connection.driver_connection.set_progress_handler(None, 1)  # type: ignore[union-attr]

    def _step(self) -> int:
        self.steps[-1] += 1
        return 0


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_each_message_of_a_slow_sync_looks_for_server_items_among_the_changes_since_the_message_before(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = new_device("IMEI:1", items_per_message=25)
    for n in range(200):
        phone.add(vcard(n))
    checks = CheckSteps()
    event.listen(Engine, "before_cursor_execute", checks.before)
    event.listen(Engine, "after_cursor_execute", checks.after)
    try:
        assert phone.sync(201).codes_for("Replace") == [201] * 200
    finally:
        event.remove(Engine, "before_cursor_execute", checks.before)
        event.remove(Engine, "after_cursor_execute", checks.after)
    assert len(checks.steps) == 8
    # the eighth message's look passes over the 25 items the seventh wrote, not over the 175 of all seven
    assert checks.steps[-1] < 2 * checks.steps[1], checks.steps


def test_a_server_item_written_between_two_messages_of_a_slow_sync_into_an_empty_folder_is_matched(
    store: Store, ctx: EngineContext
) -> None:
    post = in_process_transport(store, ctx)
    messages_with_items = 0

    def written_meanwhile(message: SyncML, url: str, *sign: Any) -> SyncML:
        nonlocal messages_with_items
        reply = post(message, url, *sign)
        if any(isinstance(command, Sync) and command.commands for command in message.commands):
            messages_with_items += 1
            if messages_with_items == 1:  # another client adds contact 3 before the phone sends it
                with store.transaction() as tx:
                    tx.put_items(contacts_folder(tx).id, [NewItem(None, "text/vcard", vcard(3))], None)
        return reply

    phone = Device(
        transport=written_meanwhile, url=URL, user=EMAIL, password=PASSWORD, device_id="IMEI:1", items_per_message=2
    )
    for n in range(4):
        phone.add(vcard(n))
    assert phone.sync(201).codes_for("Replace") == [201, 201, 201, 200]
    assert len(server_cards(store)) == 4, "the contact written meanwhile was added again"
