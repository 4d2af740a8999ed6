"""GET, PUT and DELETE of resources: ETags that change exactly when the item does, preconditions, and
what is refused (nothing of it stored)."""

import base64
import logging
import time

import httpx
import pytest

from syncmld.dav.api import DavLimits
from syncmld.engine.api import ThrottleSettings
from syncmld.history.undo import apply_undo, plan_undo
from syncmld.store.base import ChangeSource, NewItem, Store
from tests.dav.conftest import MakeClient
from tests.dav.dav import ALICE, BOB, CONTACTS, EVENTS, TASKS, vcard

pytestmark = pytest.mark.anyio

EVENT = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:ev-1\r\n"
    b"DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nSUMMARY:Review\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def stored_contacts(store: Store, email: str = ALICE) -> list[bytes]:
    with store.transaction() as tx:
        account = tx.get_account(email)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        return [item.data for item in tx.iter_items(folder.id)] if folder is not None else []


async def put(client: httpx.AsyncClient, path: str, body: bytes, **headers: str) -> httpx.Response:
    kind = "text/calendar" if path.endswith(".ics") else "text/vcard"
    return await client.put(path, content=body, headers={"Content-Type": kind, **headers})


async def test_a_put_contact_is_served_with_an_etag_that_changes_only_with_it(alice: httpx.AsyncClient) -> None:
    created = await put(alice, CONTACTS + "ann.vcf", vcard("Ann", "uid-ann"))
    assert created.status_code == 201
    got = await alice.get(CONTACTS + "ann.vcf")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/vcard")
    assert b"FN:Ann" in got.content and b"UID:uid-ann" in got.content
    assert created.headers["etag"] == got.headers["etag"]
    again = await alice.get(CONTACTS + "ann.vcf")
    assert again.headers["etag"] == got.headers["etag"]

    unchanged = await put(alice, CONTACTS + "ann.vcf", vcard("Ann", "uid-ann"), **{"If-Match": got.headers["etag"]})
    assert unchanged.status_code == 204
    assert (await alice.get(CONTACTS + "ann.vcf")).headers["etag"] == got.headers["etag"]

    changed = await put(alice, CONTACTS + "ann.vcf", vcard("Ann B", "uid-ann"), **{"If-Match": got.headers["etag"]})
    assert changed.status_code == 204
    assert (await alice.get(CONTACTS + "ann.vcf")).headers["etag"] != got.headers["etag"]


async def test_a_stale_if_match_is_412_and_changes_nothing(alice: httpx.AsyncClient, store: Store) -> None:
    first = await put(alice, CONTACTS + "ann.vcf", vcard("Ann", "uid-ann"))
    await put(alice, CONTACTS + "ann.vcf", vcard("Ann B", "uid-ann"))
    stale = await put(alice, CONTACTS + "ann.vcf", vcard("Ann C", "uid-ann"), **{"If-Match": first.headers["etag"]})
    assert stale.status_code == 412
    deleted = await alice.delete(CONTACTS + "ann.vcf", headers={"If-Match": first.headers["etag"]})
    assert deleted.status_code == 412
    exists = await put(alice, CONTACTS + "ann.vcf", vcard("Ann D", "uid-ann"), **{"If-None-Match": "*"})
    assert exists.status_code == 412
    (only,) = stored_contacts(store)
    assert b"FN:Ann B" in only


async def test_delete_removes_the_resource(alice: httpx.AsyncClient) -> None:
    await put(alice, CONTACTS + "ann.vcf", vcard("Ann", "uid-ann"))
    assert (await alice.delete(CONTACTS + "ann.vcf")).status_code == 204
    assert (await alice.get(CONTACTS + "ann.vcf")).status_code == 404
    assert (await alice.delete(CONTACTS + "ann.vcf")).status_code == 404


async def test_a_phone_contact_without_uid_gets_one_that_never_changes(alice: httpx.AsyncClient, store: Store) -> None:
    with store.transaction() as tx:
        account = tx.get_account(ALICE)
        assert account is not None
        folder = tx.ensure_folder(account.id, "contacts")
        phone = tx.ensure_device(account.id, "IMEI:1")
        (item,) = tx.put_items(folder.id, [NewItem(None, "text/vcard", vcard("Phone Only"))], phone.id)
    first = await alice.get(CONTACTS + f"{item.guid}.vcf")
    assert first.status_code == 200
    assert f"UID:{item.guid}".encode() in first.content
    with store.transaction() as tx:
        tx.put_items(folder.id, [NewItem(item.guid, "text/vcard", vcard("Phone Renamed"))], phone.id)
    second = await alice.get(CONTACTS + f"{item.guid}.vcf")
    assert f"UID:{item.guid}".encode() in second.content and b"Phone Renamed" in second.content
    assert second.headers["etag"] != first.headers["etag"]


async def test_what_is_not_a_vcard_is_refused_from_an_address_book(
    alice: httpx.AsyncClient, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    wrong_type = await put(alice, CONTACTS + "event.ics", EVENT)
    assert wrong_type.status_code == 415
    not_a_card = await alice.put(CONTACTS + "x.vcf", content=b"hello", headers={"Content-Type": "text/vcard"})
    assert not_a_card.status_code == 403 and b"valid-address-data" in not_a_card.content
    empty_card = await put(alice, CONTACTS + "e.vcf", b"BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n")
    assert empty_card.status_code == 403
    assert stored_contacts(store) == []
    assert any("415" in record.getMessage() and "vCards" in record.getMessage() for record in caplog.records)


async def test_a_uid_held_by_another_resource_is_refused(alice: httpx.AsyncClient, store: Store) -> None:
    await put(alice, CONTACTS + "one.vcf", vcard("One", "same-uid"))
    clash = await put(alice, CONTACTS + "two.vcf", vcard("Two", "same-uid"))
    assert clash.status_code == 403 and b"no-uid-conflict" in clash.content
    assert len(stored_contacts(store)) == 1


async def test_a_calendar_takes_only_its_components(alice: httpx.AsyncClient) -> None:
    assert (await put(alice, EVENTS + "review.ics", EVENT)).status_code == 201
    task_in_events = await put(alice, EVENTS + "t.ics", EVENT.replace(b"VEVENT", b"VTODO").replace(b"ev-1", b"t-1"))
    assert task_in_events.status_code == 403 and b"supported-calendar-component" in task_in_events.content
    event_in_tasks = await put(alice, TASKS + "e.ics", EVENT.replace(b"ev-1", b"ev-2"))
    assert event_in_tasks.status_code == 403
    broken = await put(alice, EVENTS + "b.ics", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n")
    assert broken.status_code == 403


async def test_wrong_password_is_401_and_another_account_is_403(make_client: MakeClient, store: Store) -> None:
    wrong = await make_client(password="wrong")
    response = await wrong.request("PROPFIND", CONTACTS)
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Basic")
    anonymous = await make_client()
    response = await anonymous.request("PROPFIND", CONTACTS, auth=None)
    assert response.status_code == 401
    bob = await make_client(user=BOB)
    assert (await bob.request("PROPFIND", CONTACTS)).status_code == 403
    assert (await put(bob, CONTACTS + "x.vcf", vcard("Intruder"))).status_code == 403
    assert stored_contacts(store) == []


async def test_a_disabled_account_gets_403(make_client: MakeClient, store: Store) -> None:
    with store.transaction() as tx:
        tx.set_account_enabled(ALICE, False)
    alice = await make_client()
    response = await alice.request("PROPFIND", CONTACTS)
    assert response.status_code == 403 and "disabled" in response.text


@pytest.mark.parametrize(
    "authorization",
    [b"Basic \xe9t\xe9", b"Basic " + base64.b64encode(b"\xff\xfe:\xff"), b"Basic " + base64.b64encode(b"no colon")],
)
async def test_basic_credentials_that_are_not_base64_of_user_and_password_are_401(
    make_client: MakeClient, authorization: bytes
) -> None:
    client = await make_client()
    response = await client.request("PROPFIND", CONTACTS, auth=None, headers={"Authorization": authorization})
    assert response.status_code == 401 and response.text == "credentials are not HTTP Basic\n"


async def test_an_unusable_stored_syncml_setting_is_500_with_one_error_line(
    make_client: MakeClient, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with store.transaction() as tx:
        tx.set_setting("syncml", "Off")
    alice = await make_client()
    with caplog.at_level(logging.INFO, logger="syncmld"):
        response = await put(alice, CONTACTS + "ann.vcf", vcard("Ann", "uid-ann"))
    assert response.status_code == 500 and response.text == "internal server error; see the server log\n"
    [logged] = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert logged.levelno == logging.ERROR and logged.exc_info is None
    assert logged.getMessage().startswith(
        "failed to answer DAV PUT /dav/alice@example.org/contacts/ann.vcf from 127.0.0.1: the stored setting syncml "
        "is unusable: 'Off' is not one of on, off; set it again with syncmld config set syncml VALUE"
    )
    assert stored_contacts(store) == []
    with store.transaction() as tx:
        tx.set_setting("syncml", "on")
    assert (await put(alice, CONTACTS + "ann.vcf", vcard("Ann", "uid-ann"))).status_code == 201


async def test_the_right_password_of_a_disabled_account_counts_as_a_failed_login(
    make_client: MakeClient, store: Store
) -> None:
    with store.transaction() as tx:
        tx.set_account_enabled(ALICE, False)
    disabled = await make_client(login_throttle=_fast_throttle())
    statuses = [(await disabled.request("PROPFIND", CONTACTS)).status_code for _ in range(4)]
    assert statuses == [403, 403, 403, 429]


async def test_repeated_wrong_passwords_lock_the_account_from_that_address(make_client: MakeClient) -> None:
    guesser = await make_client(password="guess", login_throttle=_fast_throttle())
    statuses = [(await guesser.request("PROPFIND", CONTACTS)).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    owner = await make_client(login_throttle=_fast_throttle())
    assert (await owner.request("PROPFIND", CONTACTS)).status_code == 429


def _fast_throttle() -> ThrottleSettings:
    return ThrottleSettings(delay_after=2, lock_after=3, delay=0.0)


async def test_bad_xml_unknown_reports_and_huge_bodies_are_refused(make_client: MakeClient) -> None:
    alice = await make_client(dav=DavLimits(max_body=2000))
    assert (await alice.request("PROPFIND", CONTACTS, content=b"<d:propfind xmlns:d='DAV:'>")).status_code == 400
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d:propfind xmlns:d="DAV:">&a;</d:propfind>'
    assert (await alice.request("PROPFIND", CONTACTS, content=bomb)).status_code == 400
    # read as SyncML messages are: a byte order mark and another XML version are taken, as devices send them
    declared = b'\xef\xbb\xbf<?xml version="1.1"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>'
    assert (await alice.request("PROPFIND", CONTACTS, content=declared)).status_code == 207
    unknown = await alice.request("REPORT", CONTACTS, content=b"<x:free-busy-query xmlns:x='urn:x'/>")
    assert unknown.status_code == 403 and b"supported-report" in unknown.content
    huge = await put(alice, CONTACTS + "big.vcf", vcard("Big", extra="NOTE:" + "x" * 3000))
    assert huge.status_code == 413
    long_name = await put(alice, CONTACTS + "n" * 300 + ".vcf", vcard("Long"))
    assert long_name.status_code == 403


async def test_a_dav_write_enters_the_change_log_as_the_dav_device_and_loses_nothing(
    alice: httpx.AsyncClient, store: Store
) -> None:
    await put(alice, CONTACTS + "ann.vcf", vcard("Ann", "uid-ann", extra="X-SIF-SENSITIVITY:0"))
    await put(alice, CONTACTS + "ann.vcf", vcard("Ann B", "uid-ann"))
    with store.transaction() as tx:
        account = tx.get_account(ALICE)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        assert folder is not None
        (item,) = tx.changes_since(folder.id, 0, tx.current_seq(), None)
        dav_device = {device.id: device.device_ref for device in tx.list_devices(account.id)}[
            item.origin_device_id or 0
        ]
        history = tx.list_history(folder.id, item.guid)
    assert dav_device == "syncmld:dav"
    assert [entry.reason for entry in history] == ["replaced"] and b"FN:Ann\r\n" in history[0].data
    assert b"FN:Ann B" in item.data
    assert b"X-SIF-SENSITIVITY:0" in item.data, (
        "a field only SIF clients know stays when a DAV client replaces the card"
    )


async def test_a_put_is_a_change_session_that_undo_takes_back(alice: httpx.AsyncClient, store: Store) -> None:
    await put(alice, CONTACTS + "ann.vcf", vcard("Ann", "uid-ann"))
    await put(alice, CONTACTS + "ann.vcf", vcard("Ann B", "uid-ann"))
    with store.transaction() as tx:
        account = tx.get_account(ALICE)
        assert account is not None
        listed = tx.list_change_sessions(account.id)
        assert [(entry.session.source, entry.added, entry.replaced) for entry in listed] == [
            (ChangeSource.DAV, 1, 0),
            (ChangeSource.DAV, 0, 1),
        ]
        assert apply_undo(tx, plan_undo(tx, listed[-1].session), False, time.time()) is not None
    (card,) = stored_contacts(store)
    assert b"FN:Ann\r\n" in card
    assert b"FN:Ann" in (await alice.get(CONTACTS + "ann.vcf")).content
