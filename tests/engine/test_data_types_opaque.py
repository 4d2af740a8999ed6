"""Acceptance 5 in process: items of unknown types in a user folder round-trip byte-exact; an unknown
remote name gets 404 while the session's other data stores sync; a real folder called Calendar."""

import base64
import random
from collections.abc import Callable

from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext
from syncmld.protocol.constants import AUTH_BASIC, AlertCode, SyncMLVersion
from syncmld.protocol.messages import (
    Add,
    Alert,
    Anchor,
    Command,
    Cred,
    Item,
    LocRef,
    Meta,
    Status,
    Sync,
    SyncHdr,
    SyncML,
)
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, PASSWORD, URL, vcard
from tests.engine.data_types import ContactMeaning, meaning

BOOKMARK = (
    b"BEGIN:VBKM\r\nVERSION:1.0\r\nTITLE:Stra\xc3\x9fenbahn Fahrplan\r\nURL:http://example.org/bahn?x=1&y=2\r\n"
    b"BEGIN:ENV\r\nX-IRMC-URL;QUOTED-PRINTABLE:=\r\nhttp://example.org/\r\nEND:ENV\r\nEND:VBKM\r\n"
)
SMS_BACKUP = bytes(random.Random(5).randrange(256) for _ in range(3000)) + b"\xff\xfe\x00\r\n\r"
SMS_TYPE = "application/x-sms-backup"
VEVENT = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:e-1\r\n"
    b"DTSTAMP:20240101T000000Z\r\nDTSTART:20240301T090000Z\r\nDTEND:20240301T100000Z\r\n"
    b"SUMMARY:Zahnarzt\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def add_folder(store: Store, name: str) -> None:
    """What ``syncmld folder add EMAIL NAME`` does."""
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        tx.ensure_folder(account.id, name)


def test_unknown_types_in_a_user_folder_round_trip_byte_exact(store: Store, new_device: Callable[..., Device]) -> None:
    add_folder(store, "Bookmarks")
    phone = new_device("IMEI:1", server_db="Bookmarks", local_uri="./bkm", content_type="text/x-vbookmark")
    bookmark = phone.add(BOOKMARK)
    phone.add(SMS_BACKUP, content_type=SMS_TYPE)
    assert sorted(phone.sync().codes_for("Replace")) == [201, 201]

    tablet = new_device(
        "IMEI:2", server_db="bookmarks", local_uri="./bkm", content_type="text/x-vbookmark", send_b64=True
    )
    assert tablet.sync().received["add"] == 2
    assert sorted((tablet.type_of(luid), data) for luid, data in tablet.items.items()) == sorted(
        [("text/x-vbookmark", BOOKMARK), (SMS_TYPE, SMS_BACKUP)]
    )

    edited = BOOKMARK.replace(b"Fahrplan", b"Fahrplan \xe2\x80\x93 Sommer")
    tablet_luid = next(luid for luid, data in tablet.items.items() if data == BOOKMARK)
    tablet.replace(tablet_luid, edited)
    assert tablet.sync().codes_for("Replace") == [200]
    assert phone.sync().received == {"add": 0, "replace": 1, "delete": 0}
    assert phone.items[bookmark] == edited
    assert phone.type_of(bookmark) == "text/x-vbookmark"


def _header(msg_id: int, url: str, cred: bool = False) -> SyncHdr:
    token = base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
    return SyncHdr(
        version=SyncMLVersion.V1_2,
        session_id="1",
        msg_id=str(msg_id),
        target=LocRef(url),
        source=LocRef("IMEI:two-stores", EMAIL),
        cred=Cred(data=token, meta=Meta(type=AUTH_BASIC, format="b64")) if cred else None,
    )


def _statuses(reply: SyncML) -> list[tuple[str, str, int]]:
    """(Cmd, TargetRef, code) of every Status in a reply."""
    return [
        (status.cmd, ",".join(status.target_refs), status.data or 0)
        for status in reply.commands
        if isinstance(status, Status)
    ]


def test_an_unknown_remote_name_gets_404_and_the_other_data_store_of_the_session_syncs(
    store: Store, ctx: EngineContext, new_device: Callable[..., Device]
) -> None:
    post = in_process_transport(store, ctx)
    alerts: list[Command] = [
        Alert(
            cmd_id="1",
            data=AlertCode.SLOW_SYNC,
            items=(Item(target=LocRef(name), source=LocRef(local), meta=Meta(anchor=Anchor(next="A1"))),),
        )
        for name, local in (("Contacts", "./contacts"), ("Favoriten", "./favourites"))
    ]
    reply = post(SyncML(_header(1, URL, cred=True), tuple(alerts), final=True), URL)
    url = reply.header.resp_uri or URL
    assert ("Alert", "Favoriten", 404) in _statuses(reply)
    assert ("Alert", "Contacts", 200) in _statuses(reply)
    assert [
        alert.items[0].source.uri for alert in reply.commands if isinstance(alert, Alert) and alert.items[0].source
    ] == ["Contacts"]

    syncs = tuple(
        Sync(
            cmd_id="1",
            target=LocRef(name),
            source=LocRef(local),
            commands=(
                Add(
                    cmd_id="2",
                    meta=Meta(type="text/x-vcard"),
                    items=(Item(source=LocRef("1"), data=vcard(1)),),
                ),
            ),
        )
        for name, local in (("Contacts", "./contacts"), ("Favoriten", "./favourites"))
    )
    reply = post(SyncML(_header(2, url), syncs, final=True), url)
    codes = _statuses(reply)
    assert ("Sync", "Contacts", 200) in codes and ("Sync", "Favoriten", 404) in codes
    assert sorted(code for cmd, _, code in codes if cmd == "Add") == [201, 404]
    assert reply.final

    reply = post(SyncML(_header(3, url), (), final=True), url)
    assert [code for cmd, _, code in _statuses(reply) if cmd == "SyncHdr"] == [200]

    again = new_device("IMEI:two-stores", server_db="Contacts", local_uri="./contacts", last_anchor="A1")
    report = again.sync()
    assert report.alerted_mode == 200  # the first session's anchors were kept: it completed
    other = new_device("IMEI:other", server_db="contacts")
    other.sync()
    (contact,) = [meaning("contacts", "text/x-vcard", data) for data in other.items.values()]
    assert isinstance(contact, ContactMeaning) and (contact.family, contact.given) == ("Müller1", "Jörg")


def test_a_folder_called_calendar_is_the_events_alias_until_the_admin_creates_it(
    store: Store, new_device: Callable[..., Device]
) -> None:
    phone = new_device("IMEI:1", server_db="Calendar", local_uri="./cal", content_type="text/calendar")
    phone.add(VEVENT)
    phone.sync()
    assert new_device("IMEI:events", server_db="Events", local_uri="./ev").sync().received["add"] == 1

    add_folder(store, "Calendar")
    tablet = new_device("IMEI:2", server_db="calendar", local_uri="./cal", content_type="text/calendar")
    assert tablet.sync().received["add"] == 0
    tablet.add(VEVENT.replace(b"Zahnarzt", b"Friseur").replace(b"e-1", b"e-2"))
    assert tablet.sync().codes_for("Add") == [201]
    assert new_device("IMEI:3", server_db="Calendar", local_uri="./cal").sync().received["add"] == 1
    assert new_device("IMEI:events2", server_db="Events", local_uri="./ev").sync().received["add"] == 1
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        names = sorted(folder.name.lower() for folder in tx.list_folders(account.id))
    assert names.count("calendar") == 1 and "events" in names
