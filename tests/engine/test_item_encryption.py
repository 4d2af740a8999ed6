"""DES and triple-DES item encryption (Meta Format ``des;b64``, ``3des;b64``) with scripted devices: the
server stores what the items hold, a device that sends encrypted items gets its items encrypted (in
later sessions too), other devices see plain items, and an item encrypted with another key or not
decryptable gets a 4xx status and stores nothing. The keys are Funambol's, MD5(password): items
encrypted by OpenSSL with that key are read, accounts made under ``auth basic`` keep theirs, and an
account that has none gets one at its next basic login."""

import base64
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from syncmld.accounts import hash_password, item_key, md5_credential
from syncmld.cli import cli
from syncmld.client import Device
from syncmld.client.device import Transport
from syncmld.client.in_process import in_process_transport
from syncmld.content import normalise_vcard
from syncmld.engine import EngineContext
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5
from syncmld.protocol.item_format import Encryption, encrypt, encryption_key
from syncmld.protocol.messages import Add, Item, LocRef, Meta, Replace, Sync, SyncML
from syncmld.server_key import key_file_path
from syncmld.store import open_store
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, PASSWORD, URL, vcard
from tests.store.backends import empty_store_url

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


def contacts(store: Store, email: str = EMAIL) -> list[str]:
    """The account's contacts as the server stores them, in a normal form."""
    with store.transaction() as tx:
        account = tx.get_account(email)
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
    stranger = new_device("stranger", encryption=encryption, encryption_password="not-it")
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
                        items=(Item(source=LocRef("L1"), meta=Meta(format=fmt), data=data.encode()),),
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
            base64.b64encode(encrypt(encryption_key(Encryption.DES, item_key(PASSWORD)), b"x" * 8)[:8]).decode(),
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


FUNAMBOL_PASSWORD = "pässwort"
"""Not ASCII: Funambol's key is MD5 of the password's UTF-8 bytes."""
FUNAMBOL_MD5 = "82c81e1208ef287416f23e0f15e7e2ed"
"""MD5("pässwort" as UTF-8), by ``md5sum``."""
ROSSI = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Rossi;Mario;;;\r\nTEL;CELL:+39 333 1234567\r\nEND:VCARD\r\n"
OPENSSL_ITEMS = {
    "des;b64": (
        "ygBT7Y7C/TN5f0oDo4J+MHdqfECyDjJDLZi0vsBUpqNKsCwGesBIPkuplLm159t0Tzd5YL31uSKEm9RjszAiS2Ia2D56KjoIQetlQskO"
        "jas4TZe8J/0b5A=="
    ),
    "3des;b64": (
        "oF4ZNhqm/roSJw+Hi9mSnbkIdpbydEFxsc5abKVOSHrIloFWUkPKuk4BWkfcS8hV6x+CowQ4dtd9ess/FWd3+dX226F/nZRJagFuP5sL"
        "ftztb3FGOJAUtQ=="
    ),
}
"""ROSSI encrypted by OpenSSL, with keys taken from FUNAMBOL_MD5 by hand, then base64-encoded:
``openssl enc -des-ecb -K 82c81e1208ef2874`` (Funambol's DESEncoder: DES/ECB/PKCS5Padding with the first
8 bytes of MD5(password)) and ``openssl enc -des-ede -K 82c81e1208ef287416f23e0f15e7e2ed`` (two-key 3DES)."""


def with_password(store: Store, password: str) -> None:
    """Give the test account ``password``, as ``syncmld account passwd`` does."""
    with store.transaction() as tx:
        tx.set_credentials(EMAIL, md5_credential(EMAIL, password), hash_password(password), item_key(password))


@pytest.mark.parametrize("fmt", sorted(OPENSSL_ITEMS))
def test_items_encrypted_by_openssl_with_funambols_key_are_stored(
    new_device: NewDevice, store: Store, fmt: str
) -> None:
    assert hashlib.md5(FUNAMBOL_PASSWORD.encode("utf-8")).hexdigest() == FUNAMBOL_MD5
    with_password(store, FUNAMBOL_PASSWORD)

    assert sync_one(new_device("funambol-phone", password=FUNAMBOL_PASSWORD), OPENSSL_ITEMS[fmt], fmt) == 201
    assert contacts(store) == [normalise_vcard(ROSSI)]


def independently_decrypted(encryption: Encryption, password: str, text: str) -> bytes:
    """``text`` (base64) decrypted with the key taken from MD5(password) here, not by syncmld."""
    digest = hashlib.md5(password.encode("utf-8")).digest()
    key = digest[:8] * 3 if encryption == Encryption.DES else digest + digest[:8]
    decryptor = Cipher(TripleDES(key), modes.ECB()).decryptor()
    padded = decryptor.update(base64.b64decode(text)) + decryptor.finalize()
    assert 1 <= padded[-1] <= 8 and padded.endswith(bytes([padded[-1]]) * padded[-1])
    return padded[: -padded[-1]]


def sent_items(replies: list[SyncML]) -> list[str]:
    """The Data of every Add and Replace the server sent."""
    return [
        item.data.decode()
        for reply in replies
        for sync in reply.commands
        if isinstance(sync, Sync)
        for command in sync.commands
        if isinstance(command, Add | Replace)
        for item in command.items
    ]


@pytest.mark.parametrize("encryption", ENCRYPTIONS)
def test_the_items_a_device_gets_decrypt_with_md5_of_its_password(
    new_device: NewDevice, store: Store, encryption: Encryption
) -> None:
    with_password(store, FUNAMBOL_PASSWORD)
    phone = new_device("funambol-phone", password=FUNAMBOL_PASSWORD, encryption=encryption)
    phone.add(vcard(1))
    phone.sync(201)
    laptop = new_device("plain-laptop", password=FUNAMBOL_PASSWORD)
    laptop.sync(201)
    laptop.add(vcard(2))
    laptop.sync()

    sealed = spied(phone)
    phone.sync()

    (text,) = sent_items(sealed)
    assert normalise_vcard(independently_decrypted(encryption, FUNAMBOL_PASSWORD, text)) == normalise_vcard(vcard(2))


def test_an_account_without_an_item_key_gets_415_until_its_next_basic_login(
    new_device: NewDevice, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with store.transaction() as tx:
        tx.set_item_key(EMAIL, "")  # an account made before item keys were kept
    phone = new_device("funambol-phone", encryption=Encryption.DES, auth=AUTH_MD5)
    phone.add(vcard(1))
    phone.sync(201)  # challenged for MD5: the device learns its nonce

    with caplog.at_level(logging.INFO, logger="syncmld.engine"):
        refused = phone.sync(201)
    assert refused.header_status == 212 and refused.codes_for("Replace") == [415]
    assert contacts(store) == []
    assert any("has no item key" in record.getMessage() for record in caplog.records)

    phone.auth = AUTH_BASIC
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="syncmld.engine"):
        taken = phone.sync(201)
    assert taken.codes_for("Replace") == [201]
    assert contacts(store) == held(phone)
    assert any(f"account {EMAIL}: item key kept" in record.getMessage() for record in caplog.records)
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
    assert account is not None and account.item_key == item_key(PASSWORD)


def syncmld(*args: str) -> str:
    run = CliRunner().invoke(cli, list(args))
    assert run.exit_code == 0, run.output
    return run.output


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_accounts_under_auth_basic_keep_their_item_keys(tmp_path: Path, backend: str) -> None:
    data_dir = tmp_path / "data"
    with empty_store_url(backend, tmp_path) as url:
        where = ("--data-dir", str(data_dir), "--db", url)
        syncmld("account", "add", EMAIL, "--password", PASSWORD, *where)
        assert "their item keys stay" in syncmld("config", "set", "auth", "basic", *where)
        syncmld("account", "add", "bob@example.org", "--password", "bobs-secret", *where)
        syncmld("account", "passwd", EMAIL, "--password", FUNAMBOL_PASSWORD, *where)

        store = open_store(url, key_file_path(data_dir))
        try:
            with store.transaction() as tx:
                stored = {account.email: (account.md5_credential, account.item_key) for account in tx.list_accounts()}
            assert stored == {
                EMAIL: ("", item_key(FUNAMBOL_PASSWORD)),
                "bob@example.org": ("", item_key("bobs-secret")),
            }
            for email, password in ((EMAIL, FUNAMBOL_PASSWORD), ("bob@example.org", "bobs-secret")):
                phone = Device(
                    transport=in_process_transport(store, EngineContext()),
                    url=URL,
                    user=email,
                    password=password,
                    device_id="funambol-phone",
                    encryption=Encryption.DES,
                )
                phone.add(vcard(1))
                assert phone.sync(201).codes_for("Replace") == [201]
                assert contacts(store, email) == held(phone)
        finally:
            store.close()
