# ruff: noqa: F811 (the fixtures of test_http_endpoint, imported)
"""Changing accounts, domains and the access list from the web admin, and downloading a backup, in-process
on a real SQLite store: what a SyncML client then meets (its login accepted or refused), what the store
keeps, and the refusals (no CSRF token, bad or missing names, a removal not confirmed)."""

import re
import time
from pathlib import Path

import httpx
import pytest

from syncmld.backup import BackupStore
from syncmld.config import backups_dir
from syncmld.engine.api import BackupItem
from syncmld.history.undo import apply_undo, plan_undo
from syncmld.protocol.codec import decode
from syncmld.protocol.messages import Status
from syncmld.store.base import ChangeSource, Domain, Store
from syncmld.store.pushes import PushChannel, PushClaim, PushSource
from tests.server.test_http_endpoint import (  # noqa: F401 (its fixtures)
    XML,
    MakeClient,
    alice,
    anyio_backend,
    first_message,
    make_client,
    store,
)
from tests.server.test_timeline import slow_sync
from tests.server.test_web_timeline import logged_in

pytestmark = pytest.mark.anyio


async def login_status(client: httpx.AsyncClient, email: str, password: str) -> int | None:
    """The SyncHdr status a SyncML login of ``email`` gets."""
    answered = await client.post("/syncml", content=first_message(email, password), headers={"Content-Type": XML})
    assert answered.status_code == 200, answered.text
    header = decode(answered.content, XML).message.commands[0]
    assert isinstance(header, Status)
    return header.data


async def csrf_of(client: httpx.AsyncClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', (await client.get("/admin/accounts")).text)
    assert found
    return found[1]


async def post(client: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    return await client.post(f"/admin{path}", data={"csrf": await csrf_of(client), **fields})


async def test_accounts_are_added_given_a_new_password_and_removed(make_client: MakeClient, store: Store) -> None:
    client = await make_client()
    await logged_in(client, store)
    assert (await post(client, "/accounts/add", email="Kim@Example.org", password="first")).status_code == 303
    assert await login_status(client, "kim@example.org", "first") == 212
    assert (await post(client, "/accounts/add", email="kim@example.org", password="again")).status_code == 409
    assert (await post(client, "/accounts/add", email="not an address", password="x")).status_code == 400
    assert (await post(client, "/accounts/add", email="lee@example.org", password="")).status_code == 400
    assert (await post(client, "/accounts/password", email="kim@example.org", password="second")).status_code == 303
    assert await login_status(client, "kim@example.org", "first") == 401
    assert await login_status(client, "kim@example.org", "second") == 212
    assert (await post(client, "/accounts/password", email="nobody@example.org", password="x")).status_code == 404
    unconfirmed = await post(client, "/accounts/remove", email="kim@example.org", confirm="kim")
    assert unconfirmed.status_code == 400 and "type kim@example.org" in unconfirmed.text
    forged = await client.post(
        "/admin/accounts/remove", data={"email": "kim@example.org", "confirm": "kim@example.org"}
    )
    assert forged.status_code == 403
    with store.transaction() as tx:
        assert tx.get_account("kim@example.org") is not None
    removed = await post(client, "/accounts/remove", email="kim@example.org", confirm="kim@example.org")
    assert removed.status_code == 303
    with store.transaction() as tx:
        assert tx.list_accounts() == [] and tx.list_timeline_sessions(None, 10) == []


async def test_domains_and_the_access_list_decide_who_may_sync(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    client = await make_client()
    await logged_in(client, store)
    assert (await post(client, "/domains/add", domain="Example.org")).status_code == 303
    assert (await post(client, "/domains/add", domain="example.org")).status_code == 409
    assert (await post(client, "/domains/add", domain="no domain")).status_code == 400
    assert (await post(client, "/domains/enabled", domain="example.org", enabled="0")).status_code == 303
    with store.transaction() as tx:
        assert tx.list_domains() == [Domain("example.org", enabled=False)]
    assert await login_status(client, alice, "secret") == 403
    assert (await post(client, "/domains/enabled", domain="example.org", enabled="1")).status_code == 303
    assert await login_status(client, alice, "secret") == 212
    assert (await post(client, "/domains/enabled", domain="other.org", enabled="0")).status_code == 404
    assert (await post(client, "/access/allow", entry="other.org")).status_code == 303
    assert await login_status(client, alice, "secret") == 403
    assert (await post(client, "/access/allow", entry="Alice@Example.org")).status_code == 303
    assert await login_status(client, alice, "secret") == 212
    page = (await client.get("/admin/accounts")).text
    assert "Deny alice@example.org" in page and "Deny other.org" in page and "Enable example.org" not in page
    assert (await post(client, "/access/deny", entry="alice@example.org")).status_code == 303
    assert (await post(client, "/access/deny", entry="alice@example.org")).status_code == 404
    with store.transaction() as tx:
        assert tx.list_access() == ["other.org"]


async def test_a_backup_downloads_as_it_is_kept(make_client: MakeClient, store: Store, tmp_path: Path) -> None:
    client = await make_client()
    await logged_in(client, store)
    backups = BackupStore(backups_dir(tmp_path))
    name = backups.start("alice@example.org", "web", time.time())
    backups.add_items(name, [BackupItem("contacts", "1", "text/x-vcard", b"BEGIN:VCARD\r\nEND:VCARD\r\n")])
    downloaded = await client.get("/admin/backups/download", params={"name": name})
    assert downloaded.status_code == 200
    assert downloaded.content == backups.path_of(name).read_bytes()
    assert name in downloaded.headers["content-disposition"]
    assert (await client.get("/admin/backups/download", params={"name": "../syncmld.db"})).status_code == 400
    assert (await client.get("/admin/backups/download", params={"name": "web202001010001.wot"})).status_code == 404
    client.cookies.clear()
    assert (await client.get("/admin/backups/download", params={"name": name})).status_code == 303


async def test_a_devices_version_encoding_formats_and_anchors_are_shown(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    client = await make_client()
    await slow_sync(client, alice)
    await logged_in(client, store)
    page = (await client.get("/admin/account", params={"email": alice})).text
    details = page.split('id="device-details"')[1].split("</table>")[0]
    row = " ".join(re.sub(r"<[^>]+>", " ", details.split("sc-harness-cap1")[1]).split())
    assert row.startswith("Patrick Ohly SyncEvolution 1.2 xml ./addressbook: text/vcard 3.0 / text/vcard 3.0 "), row
    with store.transaction() as tx:
        account = tx.get_account(alice)
        assert account is not None
        [device] = tx.list_devices(account.id)
        folder = tx.get_folder(account.id, "contacts")
        assert folder is not None
        state = tx.get_sync_state(device.id, folder.id)
    assert state is not None
    assert f"contacts: {state.client_anchor} / {state.server_anchor}" in row


async def test_a_devices_details_show_the_format_its_last_sync_of_each_folder_used(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    client = await make_client()
    await slow_sync(client, alice)
    await logged_in(client, store)
    row = await device_details(client, alice, "sc-harness-cap1")
    assert " contacts: text/vcard 3.0, XML, SyncML 1.2 " in f" {row} ", row


async def device_details(client: httpx.AsyncClient, email: str, device_ref: str) -> str:
    """The text of ``device_ref``'s row in the account page's device details."""
    page = (await client.get("/admin/account", params={"email": email})).text
    details = page.split('id="device-details"')[1].split("</table>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", details.split(device_ref)[1]).split())


async def test_a_devices_push_channel_is_shown_as_device_list_shows_it(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    client = await make_client()
    await slow_sync(client, alice)
    await logged_in(client, store)
    assert (await device_details(client, alice, "sc-harness-cap1")).endswith(" none")
    with store.transaction() as tx:
        account = tx.get_account(alice)
        assert account is not None
        [device] = tx.list_devices(account.id)
        tx.set_push(device.id, PushChannel.SMS, "+4915112345678", PushSource.ADMIN)
        tx.push_failed(PushClaim(device.id, 0.0, 0.0), "the gateway said 503", None)
    row = await device_details(client, alice, "sc-harness-cap1")
    assert row.endswith(
        " push: sms +4915112345678 (by the admin), 0 sent, FAILING: 1 failed attempts, last: the gateway said 503"
    ), row


async def test_a_web_restore_is_a_change_session_that_undo_takes_back(
    make_client: MakeClient, store: Store, alice: str, tmp_path: Path
) -> None:
    client = await make_client()
    await logged_in(client, store)
    backups = BackupStore(backups_dir(tmp_path))
    name = backups.start(alice, "web", time.time())
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nN:;Ann;;;\r\nEND:VCARD\r\n"
    backups.add_items(name, [BackupItem("contacts", "1", "text/x-vcard", card)])
    assert (await post(client, "/backups/restore", email=alice, backup=name)).status_code == 303
    with store.transaction() as tx:
        account = tx.get_account(alice)
        assert account is not None
        (entry,) = tx.list_change_sessions(account.id)
        assert (entry.session.source, entry.session.label, entry.added) == (
            ChangeSource.RESTORE,
            f"restore of {name}",
            1,
        )
        folder = tx.get_folder(account.id, "contacts")
        assert folder is not None and len(list(tx.iter_items(folder.id))) == 1
        assert apply_undo(tx, plan_undo(tx, entry.session), False, time.time()) is not None
        assert list(tx.iter_items(folder.id)) == []
