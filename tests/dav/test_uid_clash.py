"""A PUT whose UID another resource of the collection holds is refused (no-uid-conflict, RFC 6352 §6.3.2.1,
RFC 4791 §5.3.2.1), found in the items' UID index: the check reads no item, and it sees the UIDs every
writer left (a phone's sync, an undo), not only DAV clients'."""

import time
from pathlib import Path

import httpx
import pytest

from syncmld.backup import BackupStore
from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.config import ServerConfig
from syncmld.engine import EngineContext, EngineSettings
from syncmld.history.undo import apply_undo, plan_undo
from syncmld.server import create_app
from syncmld.store.base import NewItem, Store
from tests.dav.counting import CountingStore
from tests.dav.dav import ALICE, BASE_URL, CONTACTS, EVENTS, PASSWORD, vcard

pytestmark = pytest.mark.anyio

EVENT = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
    b"DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nSUMMARY:%s\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


async def put(client: httpx.AsyncClient, path: str, body: bytes) -> httpx.Response:
    kind = "text/calendar" if path.endswith(".ics") else "text/vcard"
    return await client.put(path, content=body, headers={"Content-Type": kind})


async def test_the_uid_clash_check_reads_no_item_of_a_large_address_book(store: Store, tmp_path: Path) -> None:
    contacts = 3000
    with store.transaction() as tx:
        account = tx.get_account(ALICE)
        assert account is not None
        folder = tx.ensure_folder(account.id, "contacts")
        cards = [NewItem(None, "text/vcard", vcard(f"Contact {n}", f"uid-{n}")) for n in range(contacts)]
        tx.put_items(folder.id, cards, None)
    counting = CountingStore(store)
    app = create_app(counting, ServerConfig(data_dir=tmp_path))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=(ALICE, PASSWORD)) as alice:
        fresh = await put(alice, CONTACTS + "new.vcf", vcard("New", "uid-new"))
        assert fresh.status_code == 201
        clash = await put(alice, CONTACTS + "other.vcf", vcard("Other", "uid-1234"))
        assert clash.status_code == 403 and b"no-uid-conflict" in clash.content
        again = await put(alice, CONTACTS + "newer.vcf", vcard("Newer", "uid-new"))
        assert again.status_code == 403
    assert counting.items_read == 0


async def test_a_uid_a_phone_synced_is_held_and_freed_by_the_phone(store: Store, tmp_path: Path) -> None:
    ctx = EngineContext(settings=EngineSettings(), backups=BackupStore(tmp_path / "backups"))
    phone = Device(
        transport=in_process_transport(store, ctx),
        url="http://testserver/syncml",
        user=ALICE,
        password=PASSWORD,
        device_id="IMEI:1",
        content_type="text/vcard",
    )
    luid = phone.add(vcard("From The Phone", "phone-uid"))
    phone.sync(201)
    app = create_app(store, ServerConfig(data_dir=tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=(ALICE, PASSWORD)) as alice:
        held = await put(alice, CONTACTS + "mine.vcf", vcard("Mine", "phone-uid"))
        assert held.status_code == 403 and b"no-uid-conflict" in held.content
        phone.replace(luid, vcard("Renamed On The Phone", "phone-uid-2"))
        phone.sync()
        freed = await put(alice, CONTACTS + "mine.vcf", vcard("Mine", "phone-uid"))
        assert freed.status_code == 201
        taken = await put(alice, CONTACTS + "theirs.vcf", vcard("Theirs", "phone-uid-2"))
        assert taken.status_code == 403


async def test_an_undone_write_gives_its_uid_back(alice: httpx.AsyncClient, store: Store) -> None:
    assert (await put(alice, EVENTS + "review.ics", EVENT % (b"ev-1", b"Review"))).status_code == 201
    assert (await put(alice, EVENTS + "review.ics", EVENT % (b"ev-2", b"Review"))).status_code == 204
    assert (await put(alice, EVENTS + "other.ics", EVENT % (b"ev-1", b"Other"))).status_code == 201
    assert (await alice.delete(EVENTS + "other.ics")).status_code == 204
    with store.transaction() as tx:
        account = tx.get_account(ALICE)
        assert account is not None
        sessions = tx.list_change_sessions(account.id)
        assert apply_undo(tx, plan_undo(tx, sessions[1].session), False, time.time()) is not None
    clash = await put(alice, EVENTS + "third.ics", EVENT % (b"ev-1", b"Third"))
    assert clash.status_code == 403 and b"no-uid-conflict" in clash.content
    assert (await put(alice, EVENTS + "third.ics", EVENT % (b"ev-2", b"Third"))).status_code == 201
