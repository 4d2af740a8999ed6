"""Item data that is not UTF-8 where XML text cannot carry it: base64 in XML, opaque data in WBXML.
An old phone's 8-bit vCard is read as such, stored as UTF-8, and nothing else changes."""

import base64

import httpx
import pytest

from syncmld.protocol.codec import Encoding, encode
from syncmld.protocol.constants import AUTH_BASIC, AlertCode, SyncMLVersion
from syncmld.protocol.messages import Add, Alert, Anchor, Cred, Item, LocRef, Meta, Sync, SyncHdr, SyncML
from syncmld.store.base import Store, StoredItem
from tests.hostile.conftest import HttpDevice
from tests.hostile.wire import (
    ALICE,
    ENDPOINT,
    PASSWORD,
    VCARD_TYPE,
    WBXML,
    XML,
    alert,
    basic_cred,
    item_command,
    items_of,
    message,
    reply_of,
    statuses,
    sync,
)

pytestmark = pytest.mark.anyio

LATIN1_VCARD = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Café;Jürgen;;;\r\nFN:Jürgen Café\r\nEND:VCARD\r\n".encode("latin-1")


def new_items(store: Store, before: set[str]) -> list[bytes]:
    return [item.data for guid, item in items_of(store, ALICE).items() if guid not in before]


def assert_read_as_8_bit_text(store: Store, before: dict[str, StoredItem]) -> None:
    arrived = new_items(store, set(before))
    assert len(arrived) == 1
    text = arrived[0].decode("utf-8")
    assert "Café" in text and "Jürgen" in text
    untouched = {guid: item for guid, item in items_of(store, ALICE).items() if guid in before}
    assert untouched == before


async def test_base64_item_data_that_is_not_utf8_is_read_as_8_bit_text(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    store: Store,
) -> None:
    before = items_of(store, ALICE)
    meta = f"<Type xmlns='syncml:metinf'>{VCARD_TYPE}</Type><Format xmlns='syncml:metinf'>b64</Format>"
    add = item_command("Add", 3, "latin1", base64.b64encode(LATIN1_VCARD).decode(), meta=meta)
    body = message(alert(1, 201) + sync(2, add), device="alice-tablet", cred=basic_cred(ALICE))
    reply = reply_of(await client.post("/syncml", content=body, headers={"Content-Type": XML}))
    assert ("Add", 201) in statuses(reply)
    assert_read_as_8_bit_text(store, before)


async def test_opaque_wbxml_item_data_that_is_not_utf8_is_read_as_8_bit_text(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    store: Store,
) -> None:
    before = items_of(store, ALICE)
    cred = Cred(data=base64.b64encode(f"{ALICE}:{PASSWORD}".encode()).decode(), meta=Meta(type=AUTH_BASIC))
    header = SyncHdr(
        version=SyncMLVersion.V1_2,
        session_id="1",
        msg_id="1",
        target=LocRef(ENDPOINT),
        source=LocRef("alice-wbxml"),
        cred=cred,
    )
    commands = (
        Alert(
            cmd_id="1",
            data=AlertCode.SLOW_SYNC,
            items=(Item(target=LocRef("contacts"), source=LocRef("./contacts"), meta=Meta(anchor=Anchor(next="1"))),),
        ),
        Sync(
            cmd_id="2",
            target=LocRef("contacts"),
            source=LocRef("./contacts"),
            commands=(
                Add(cmd_id="3", meta=Meta(type=VCARD_TYPE), items=(Item(source=LocRef("latin1"), data=LATIN1_VCARD),)),
            ),
        ),
    )
    body = encode(SyncML(header, commands, final=True), Encoding.WBXML)
    reply = reply_of(await client.post("/syncml", content=body, headers={"Content-Type": WBXML}))
    assert ("Add", 201) in statuses(reply)
    assert_read_as_8_bit_text(store, before)
