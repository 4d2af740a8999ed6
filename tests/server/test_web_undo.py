# ruff: noqa: F811 (the fixtures of test_http_endpoint, imported)
"""Undo from the web admin, in-process on a real SQLite store after a real recorded slow sync: the account's
page lists its change sessions as ``syncmld history`` does, a session's page its items as ``history show``
does, the preview changes nothing, the undo (a form with the CSRF token) puts the items back and leaves an
item changed since alone unless forced, and is a change session that is undone in turn."""

import html
import re

import httpx
import pytest

from syncmld.store.base import ChangeSource, NewItem, Store
from tests.server.test_http_endpoint import (  # noqa: F401 (its fixtures)
    MakeClient,
    alice,
    anyio_backend,
    make_client,
    store,
)
from tests.server.test_timeline import slow_sync
from tests.server.test_web_manage import post
from tests.server.test_web_timeline import logged_in

pytestmark = pytest.mark.anyio


def words(page: str) -> str:
    """The words of the HTML ``page``, its markup left out."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def text_of(page: httpx.Response, table: str) -> str:
    """The words of the page's table ``table``."""
    return words(page.text.split(f'id="{table}">')[1].split("</table>")[0])


def contacts(store: Store, email: str) -> dict[str, bytes]:
    with store.transaction() as tx:
        account = tx.get_account(email)
        folder = None if account is None else tx.get_folder(account.id, "contacts")
        assert folder is not None
        return {item.guid: item.data for item in tx.iter_items(folder.id)}


def edited_later(store: Store, email: str, guid: str) -> None:
    """Change one contact after the sync (as another client would): undoing the sync meets a conflict."""
    with store.transaction() as tx:
        account = tx.get_account(email)
        folder = None if account is None else tx.get_folder(account.id, "contacts")
        assert folder is not None
        tx.put_items(folder.id, [NewItem(guid, "text/vcard", b"BEGIN:VCARD\r\nFN:Later\r\nEND:VCARD\r\n")], None)


def undo_session_id(store: Store, email: str) -> int:
    """The account's one undo session."""
    with store.transaction() as tx:
        account = tx.get_account(email)
        assert account is not None
        listed = tx.list_change_sessions(account.id)
    (undo,) = {entry.session.id for entry in listed if entry.session.source == ChangeSource.UNDO}
    return undo


async def test_a_sync_is_previewed_undone_with_its_conflict_left_alone_and_the_undo_undone(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    client = await make_client()
    await slow_sync(client, alice)
    await logged_in(client, store)
    with store.transaction() as tx:
        account = tx.get_account(alice)
        assert account is not None
        [synced] = tx.list_change_sessions(account.id)
    assert synced.session.source == ChangeSource.SYNC and synced.added == 5
    sync_id = synced.session.id

    account_page = await client.get("/admin/account", params={"email": alice})
    listed = text_of(account_page, "changes")
    assert f"Changes {sync_id}" in listed and "sync: sc-harness-cap1 contacts: added 5 replaced 0 deleted 0" in listed

    items_page = await client.get("/admin/changes", params={"id": str(sync_id)})
    assert items_page.status_code == 200
    items = text_of(items_page, "items")
    assert items.count("contacts added") == 5 and items.count("0 -> 1") == 5

    before = contacts(store, alice)
    later = sorted(before)[0]
    edited_later(store, alice, later)
    preview = await client.get("/admin/changes/undo", params={"id": str(sync_id)})
    assert preview.status_code == 200
    assert "Would put back 4 items" in words(preview.text)
    assert text_of(preview, "plan") == "folder: what is done contacts: re-add 0, restore 0, remove 4"
    assert "1 items were changed after the session: left alone" in words(preview.text)
    assert f"conflict: contacts remove Later ({later}, now version 2)" in text_of(preview, "conflicts")
    forced = await client.get("/admin/changes/undo", params={"id": str(sync_id), "force": "1"})
    assert "Would put back 5 items" in words(forced.text) and "undone anyway (force)" in words(forced.text)
    assert len(contacts(store, alice)) == 5, "a preview changes nothing"

    unsigned = await client.post("/admin/changes/undo", data={"id": str(sync_id)})
    assert unsigned.status_code == 403
    assert len(contacts(store, alice)) == 5

    undone = await post(client, "/changes/undo", id=str(sync_id))
    assert undone.status_code == 200
    assert f"Put back 4 items, recorded as change session {undo_session_id(store, alice)}" in words(undone.text)
    assert list(contacts(store, alice)) == [later], "the contact changed since is left alone"
    undo_id = undo_session_id(store, alice)
    assert f'href="/admin/changes?id={undo_id}"' in undone.text

    again = await post(client, "/changes/undo", id=str(undo_id))
    assert "Put back 4 items" in words(again.text)
    assert sorted(contacts(store, alice)) == sorted(before)


async def test_undo_pages_refuse_unknown_and_malformed_sessions(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    client = await make_client()
    await logged_in(client, store)
    assert (await client.get("/admin/changes", params={"id": "99"})).status_code == 404
    assert (await client.get("/admin/changes", params={"id": "x"})).status_code == 400
    assert (await client.get("/admin/changes/undo", params={"id": "-1"})).status_code == 400
    assert (await post(client, "/changes/undo", id="99")).status_code == 404
    client.cookies.clear()
    assert (await client.get("/admin/changes", params={"id": "1"})).status_code == 303
