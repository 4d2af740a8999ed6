"""DES and triple-DES item encryption (Meta Format ``des;b64``, ``3des;b64``) with scripted devices: the
server stores what the items hold, a device that sends encrypted items gets its items encrypted (in
later sessions too), other devices see plain items, and an item encrypted with another key or not
decryptable gets a 4xx status and stores nothing."""

import base64
from collections.abc import Callable

import pytest

from syncmld.accounts import md5_credential
from syncmld.client import Device
from syncmld.client.device import Transport
from syncmld.content import normalise_vcard
from syncmld.protocol.item_format import Encryption, encrypt, encryption_key
from syncmld.protocol.messages import Add, Item, LocRef, Meta, Replace, Sync, SyncML
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, PASSWORD, vcard

NewDevice = Callable[..., Device]
ENCRYPTIONS = [pytest.param(Encryption.DES, id="des"), pytest.param(Encryption.TRIPLE_DES, id="3des")]


def spied(device: Device) -> list[SyncML]:
    """The replies the device gets from now on."""
    replies: list[SyncML] = []
    transport: Transport = device.transport

    def post(message: SyncML, url: str) -> SyncML:
        reply = transport(message, url)
        replies.append(reply)
        return reply

    device.transport = post
    return replies


def item_formats(replies: list[SyncML]) -> list[str | None]:
    """The Format of every Add and Replace the server sent."""
    return [
        command.meta.format if command.meta else None
        for reply in replies
        for sync in reply.commands
        if isinstance(sync, Sync)
        for command in sync.commands
        if isinstance(command, Add | Replace)
    ]


def contacts(store: Store) -> list[str]:
    """The account's contacts as the server stores them, in a normal form."""
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        return sorted(normalise_vcard(item.data) for item in tx.iter_items(folder.id)) if folder else []


def held(device: Device) -> list[str]:
    return sorted(normalise_vcard(data) for data in device.items.values())


@pytest.mark.parametrize("encryption", ENCRYPTIONS)
def test_encrypted_items_round_trip_both_ways(new_device: NewDevice, store: Store, encryption: Encryption) -> None:
    phone = new_device("funambol-phone", encryption=encryption)
    laptop = new_device("plain-laptop")
    for n in range(3):
        phone.add(vcard(n))
    phone.add(vcard(3, note="x" * 3000))  # sent in chunks: decrypted once whole
    first = phone.sync(201, chunk=1000)
    codes = first.codes_for("Replace")
    assert [code for code in codes if code != 213] == [201] * 4 and 213 in codes
    assert contacts(store) == held(phone)

    plain = spied(laptop)
    assert laptop.sync(201).received["add"] == 4
    assert set(item_formats(plain)) == {None}
    assert held(laptop) == contacts(store)

    laptop.add(vcard(10))
    laptop.replace(next(iter(laptop.items)), vcard(11))
    assert laptop.sync().codes_for("Add") == [201]

    sealed = spied(phone)
    later = phone.sync()  # the phone has nothing to send: the server remembers how it encrypts
    assert later.received == {"add": 1, "replace": 1, "delete": 0}
    assert item_formats(sealed) == [f"{encryption};b64"] * 2
    assert held(phone) == contacts(store)


@pytest.mark.parametrize("encryption", ENCRYPTIONS)
def test_a_large_encrypted_object_reaches_the_device_in_pieces(
    new_device: NewDevice, store: Store, encryption: Encryption
) -> None:
    phone = new_device("funambol-phone", encryption=encryption, max_msg_size=4000)
    phone.add(vcard(1))
    phone.sync(201)
    laptop = new_device("plain-laptop")
    laptop.sync(201)
    laptop.add(vcard(2, note="y" * 12000))
    laptop.sync()

    sealed = spied(phone)
    report = phone.sync()

    assert report.received["add"] == 1 and report.messages > 3
    assert set(item_formats(sealed)) == {f"{encryption};b64"}
    assert held(phone) == contacts(store)


@pytest.mark.parametrize("encryption", ENCRYPTIONS)
def test_an_item_encrypted_with_another_key_is_400_and_stores_nothing(
    new_device: NewDevice, store: Store, encryption: Encryption
) -> None:
    stranger = new_device("stranger", encryption=encryption, encryption_secret=md5_credential(EMAIL, "not-it"))
    stranger.add(vcard(1))
    stranger.add(vcard(2, note="wrong key"))

    report = stranger.sync(201)

    assert report.header_status == 212
    assert report.codes_for("Replace") == [400, 400]
    assert contacts(store) == []


def sync_one(device: Device, data: str, fmt: str) -> int:
    """Send one Add with ``data`` and ``fmt`` in a slow sync's package; its status."""
    device.add(b"placeholder")
    original = device.transport

    def rewrite(message: SyncML, url: str) -> SyncML:
        commands = tuple(
            Sync(
                cmd_id=command.cmd_id,
                target=command.target,
                source=command.source,
                commands=(
                    Add(
                        cmd_id="9",
                        meta=Meta(type="text/x-vcard"),
                        items=(Item(source=LocRef("L1"), meta=Meta(format=fmt), data=data),),
                    ),
                ),
            )
            if isinstance(command, Sync)
            else command
            for command in message.commands
        )
        return original(SyncML(message.header, commands, message.final), url)

    device.transport = rewrite
    return device.sync(201).codes_for("Add")[0]


@pytest.mark.parametrize(
    ("data", "fmt", "status"),
    [
        pytest.param(base64.b64encode(b"1234567").decode(), "des;b64", 400, id="not-whole-blocks"),
        pytest.param(
            base64.b64encode(
                encrypt(encryption_key(Encryption.DES, md5_credential(EMAIL, PASSWORD)), b"x" * 8)[:8]
            ).decode(),
            "des;b64",
            400,
            id="bad-padding",
        ),
        pytest.param("not base64 %%%", "3des;b64", 400, id="not-base64"),
        pytest.param("", "des;b64", 400, id="empty"),
        pytest.param(base64.b64encode(b"12345678").decode(), "aes;b64", 415, id="unknown-cipher"),
    ],
)
def test_undecryptable_items_get_a_4xx_and_store_nothing(
    new_device: NewDevice, store: Store, data: str, fmt: str, status: int
) -> None:
    assert sync_one(new_device("phone"), data, fmt) == status
    assert contacts(store) == []
