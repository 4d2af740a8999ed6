"""Identities of server items kept between the messages of a slow sync: bounded, and never stale."""

from collections.abc import Callable

from syncmld.client import Device
from syncmld.content import Identity
from syncmld.engine.known_identities import KnownIdentities
from syncmld.store.base import Store
from tests.engine.conftest import vcard
from tests.engine.test_sessions import server_cards


def renamed(n: int, name: str) -> bytes:
    """Contact ``n`` of ``vcard`` under another family name, with the same phone number."""
    return vcard(n).replace(f"Müller{n}".encode(), name.encode())


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


def test_known_identities_are_bounded_in_number_and_size() -> None:
    known = KnownIdentities(entries=2, chars=20)
    for n in range(3):
        known.keep((1, f"guid{n}", n, 0), Identity(f"name{n}", frozenset({"+49170"})))
    assert len(known) == 2
    assert known.get((1, "guid0", 0, 0)) is None
    assert known.get((1, "guid2", 2, 0)) == Identity("name2", frozenset({"+49170"}))
    known.keep((1, "long", 9, 0), Identity("x" * 21))
    assert known.get((1, "long", 9, 0)) is None
