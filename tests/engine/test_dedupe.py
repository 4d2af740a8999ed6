"""Merging duplicates: two devices' copies of the same contacts become one each, nothing lost, every
device converges, and the merge can be undone."""

import time
from collections.abc import Callable

from syncmld.client import Device
from syncmld.content import merge_duplicates, read, to_stored
from syncmld.history.dedupe import find_duplicates
from syncmld.history.dedupe import merge_duplicates as merge_groups
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL
from tests.engine.test_sessions import server_cards
from tests.engine.test_undo import sessions, undo


def card(n: int, *, middle: str = "", phone: str = "+49 170 {n:07d}", emails: tuple[str, ...] = ()) -> bytes:
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:Müller{n};Jörg;{middle};;",
        f"FN:Jörg {middle + ' ' if middle else ''}Müller{n}",
    ]
    lines.append("TEL;TYPE=CELL:" + phone.format(n=n))
    lines.extend(f"EMAIL:{email.format(n=n)}" for email in emails)
    return ("\r\n".join([*lines, "END:VCARD"]) + "\r\n").encode()


def test_two_copies_of_a_contact_merge_into_one_that_keeps_every_phone_and_e_mail() -> None:
    plain = to_stored("text/vcard", card(1, emails=("j1@example.org",)), None, None)[1]
    other = to_stored(
        "text/vcard",
        card(1, middle="Paul", phone="+491700000001", emails=("J1@example.org", "joerg@work.example")),
        None,
        None,
    )[1]
    merged = merge_duplicates(read("text/vcard", other), read("text/vcard", plain))
    assert merged is not None
    lines = merged.decode().splitlines()
    assert [line for line in lines if line.startswith("TEL")] == ["TEL;TYPE=CELL:+491700000001"]
    assert sorted(line for line in lines if line.startswith("EMAIL")) == [
        "EMAIL:J1@example.org",
        "EMAIL:joerg@work.example",
    ]
    assert "N:Müller1;Jörg;Paul;;" in lines
    with_extra = merge_duplicates(
        read("text/vcard", plain),
        read("text/vcard", other.replace(b"TEL;TYPE=CELL:+491700000001", b"TEL:+49 30 123456")),
    )
    assert with_extra is not None
    assert sum(line.startswith("TEL") for line in with_extra.decode().splitlines()) == 2
    assert "N:Müller1;Jörg;Paul;;" in with_extra.decode().splitlines()


def contacts_of(new_device: Callable[..., Device], device_id: str, **variant: object) -> Device:
    device = new_device(device_id, content_type="text/vcard")
    for n in range(50):
        device.add(card(n, **variant))  # type: ignore[arg-type]
    return device


def test_dedupe_leaves_one_of_each_contact_every_device_converges_and_undo_brings_both_back(
    store: Store, new_device: Callable[..., Device]
) -> None:
    laptop = contacts_of(new_device, "IMEI:1", emails=("j{n}@example.org",))
    laptop.sync()
    phone = contacts_of(
        new_device, "IMEI:2", middle="Paul", phone="+49170{n:07d}", emails=("J{n}@example.org", "paul{n}@work.example")
    )
    phone.sync()
    laptop.sync()
    assert len(server_cards(store)) == 100
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        assert folder is not None
        groups = find_duplicates(tx, folder.id)
        assert [len(group.others) for group in groups] == [1] * 50
        merge_groups(tx, account.id, folder, groups, time.time())
    cards = server_cards(store)
    assert len(cards) == 50
    for n in range(50):
        (merged,) = [c for c in cards if f"MÜLLER{n};" in c.upper()]
        assert merged.count("TEL") == 1 and merged.count("EMAIL") == 2 and ";Jörg;Paul" in merged
    laptop.sync()
    phone.sync()
    assert len(laptop.items) == len(phone.items) == 50
    undo(store, sessions(store)[-1])
    assert len(server_cards(store)) == 100
    laptop.sync()
    phone.sync()
    assert len(laptop.items) == len(phone.items) == 100
