"""Collections a DAV client makes (MKCALENDAR, extended MKCOL): what they hold is kept with their folder,
goes with it when the account is removed, and comes back with it from a backup."""

from pathlib import Path

import httpx
import pytest

from syncmld.accounts import hash_password, md5_credential
from syncmld.backup import BackupStore, read_archive, restore_backup
from syncmld.engine.api import BackupItem
from syncmld.store.base import Store
from tests.dav.dav import ALICE, HOME, NS, PASSWORD, answers, propfind

pytestmark = pytest.mark.anyio

C = "{" + NS["c"] + "}"
WORK = HOME + "work/"
MKCALENDAR = (
    b'<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>'
    b'<c:supported-calendar-component-set><c:comp name="VEVENT"/><c:comp name="VTODO"/>'
    b"</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"
)
EVENT = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:ev-1\r\n"
    b"DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nSUMMARY:Review\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


async def work_components(client: httpx.AsyncClient) -> str | None:
    """The components the home's listing gives ``work``, None when it is not listed."""
    listed = await client.request(
        "PROPFIND", HOME, content=propfind("c:supported-calendar-component-set"), headers={"Depth": "1"}
    )
    found = {answer.href: answer for answer in answers(listed.content)}
    return found[WORK].props.get(f"{C}supported-calendar-component-set") if WORK in found else None


async def test_a_made_calendar_is_held_by_its_folder_and_goes_with_its_account(
    alice: httpx.AsyncClient, store: Store
) -> None:
    assert (await alice.request("MKCALENDAR", WORK, content=MKCALENDAR)).status_code == 201
    assert await work_components(alice) == f"{C}comp {C}comp"
    with store.transaction() as tx:
        account = tx.get_account(ALICE)
        assert account is not None
        folder = tx.get_folder(account.id, "work")
        assert folder is not None and folder.dav_collection == "calendar:VEVENT,VTODO"
        tx.remove_account(ALICE)
        assert not [name for name in tx.list_settings() if name.startswith("dav-collection")]
        tx.add_account(ALICE, md5_credential(ALICE, PASSWORD), hash_password(PASSWORD))
    assert await work_components(alice) is None


async def test_a_made_calendar_comes_back_from_a_backup_with_what_it_holds(
    alice: httpx.AsyncClient, store: Store, tmp_path: Path
) -> None:
    await alice.request("MKCALENDAR", WORK, content=MKCALENDAR)
    put = await alice.put(WORK + "review.ics", content=EVENT, headers={"Content-Type": "text/calendar"})
    assert put.status_code == 201
    backups = BackupStore(tmp_path / "backups")
    backups.directory.mkdir()
    archive = backups.start(ALICE, "erased", 0.0)
    with store.transaction() as tx:
        account = tx.get_account(ALICE)
        assert account is not None
        folder = tx.get_folder(account.id, "work")
        assert folder is not None
        items = [
            BackupItem(folder.name, None, i.content_type, i.data, folder.dav_collection)
            for i in tx.iter_items(folder.id)
        ]
        backups.add_items(archive, items)
        tx.remove_account(ALICE)
        again = tx.add_account(ALICE, md5_credential(ALICE, PASSWORD), hash_password(PASSWORD))
        restore_backup(read_archive(backups.path_of(archive)), tx, again.id)
    assert await work_components(alice) == f"{C}comp {C}comp"
    listed = await alice.request("PROPFIND", WORK, content=propfind("d:getetag"), headers={"Depth": "1"})
    assert len([answer for answer in answers(listed.content) if answer.href.endswith(".ics")]) == 1
