"""Both sides changed the same contact: the conflict matrix, policy by policy (scripted devices)."""

from collections.abc import Callable

import pytest

from syncmld.client import Device
from syncmld.content import normalise_vcard
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL
from tests.engine.test_sessions import device_cards, server_cards


def card(tel: str = "+49 1", note: str = "first") -> bytes:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\nTEL;TYPE=CELL:{tel}\r\n"
        f"NOTE:{note}\r\nEND:VCARD\r\n"
    ).encode()


def paired(store: Store, new_device: Callable[..., Device], policy: str) -> tuple[Device, Device, str, str]:
    """Two devices of one account holding the same contact; returns them and the contact's LUIDs."""
    with store.transaction() as tx:
        tx.set_setting(f"conflict:{EMAIL}", policy)
    phone, tablet = new_device("IMEI:A", content_type="text/vcard"), new_device("IMEI:B", content_type="text/vcard")
    phone_luid = phone.add(card())
    phone.sync()
    tablet.sync()
    [tablet_luid] = tablet.items
    return phone, tablet, phone_luid, tablet_luid


def history_of_only_item(store: Store) -> list[bytes]:
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        assert folder is not None
        return [entry.data for item in tx.iter_items(folder.id) for entry in tx.list_history(folder.id, item.guid)]


@pytest.mark.parametrize(
    ("policy", "status", "server_has"),
    [
        ("merge", 207, [card(tel="+49 2", note="second")]),
        ("server-wins", 419, [card(note="second")]),
        ("client-wins", 208, [card(tel="+49 2")]),
        ("newest-wins", 208, [card(tel="+49 2")]),
        ("duplicate", 209, [card(note="second"), card(tel="+49 2")]),
    ],
)
def test_edits_to_one_contact_on_two_devices(
    store: Store, new_device: Callable[..., Device], policy: str, status: int, server_has: list[bytes]
) -> None:
    phone, tablet, phone_luid, tablet_luid = paired(store, new_device, policy)
    phone.replace(phone_luid, card(note="second"))
    phone.sync()
    tablet.replace(tablet_luid, card(tel="+49 2"))
    report = tablet.sync()
    assert report.codes_for("Replace") == [status]
    expected = sorted(normalise_vcard(data) for data in server_has)
    assert server_cards(store) == expected
    phone.sync()
    assert device_cards(tablet) == device_cards(phone) == expected
    if policy in ("server-wins", "client-wins", "newest-wins", "merge"):
        assert history_of_only_item(store), "the version that lost is kept"


def test_newest_wins_goes_by_the_revision_stamp(store: Store, new_device: Callable[..., Device]) -> None:
    phone, tablet, phone_luid, tablet_luid = paired(store, new_device, "newest-wins")
    phone.replace(phone_luid, card(note="later").replace(b"END:VCARD", b"REV:20250102T000000Z\r\nEND:VCARD"))
    phone.sync()
    tablet.replace(tablet_luid, card(tel="+49 2").replace(b"END:VCARD", b"REV:20250101T000000Z\r\nEND:VCARD"))
    assert tablet.sync().codes_for("Replace") == [419]
    assert [line for line in server_cards(store)[0].splitlines() if line.startswith("NOTE")] == ["NOTE:later"]


@pytest.mark.parametrize("policy", ["merge", "server-wins", "client-wins", "duplicate"])
def test_delete_against_change_the_change_wins(store: Store, new_device: Callable[..., Device], policy: str) -> None:
    phone, tablet, phone_luid, tablet_luid = paired(store, new_device, policy)
    phone.replace(phone_luid, card(note="kept"))
    phone.sync()
    tablet.delete(tablet_luid)
    tablet.sync()
    assert device_cards(tablet) == server_cards(store) == [normalise_vcard(card(note="kept"))]

    phone, tablet = tablet, phone
    [phone_luid] = phone.items
    [tablet_luid] = [luid for luid in tablet.items]
    tablet.replace(tablet_luid, card(note="changed again"))
    tablet.sync()
    phone.delete(phone_luid)
    phone.sync()
    phone.sync()
    assert len(server_cards(store)) == 1
    assert device_cards(phone) == device_cards(tablet) == server_cards(store)
