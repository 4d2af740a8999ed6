"""sync-collection (RFC 6578) and multiget: tokens from the change log, so a client asking what changed
costs what changed."""

from typing import Any

import httpx
import pytest

from syncmld.config import ServerConfig
from syncmld.dav.api import DavLimits
from syncmld.server import create_app
from syncmld.store.base import NewItem, Store
from tests.dav.conftest import MakeClient
from tests.dav.counting import CountingStore
from tests.dav.dav import ALICE, BASE_URL, CONTACTS, PASSWORD, answers, multiget, sync_collection, sync_token_of, vcard

pytestmark = pytest.mark.anyio


async def put(client: httpx.AsyncClient, name: str, body: bytes) -> httpx.Response:
    return await client.put(CONTACTS + name, content=body, headers={"Content-Type": "text/vcard"})


async def test_changes_and_deletions_since_a_token(alice: httpx.AsyncClient) -> None:
    await put(alice, "a.vcf", vcard("A", "a"))
    await put(alice, "b.vcf", vcard("B", "b"))
    first = await alice.request("REPORT", CONTACTS, content=sync_collection())
    assert first.status_code == 207
    assert sorted(answer.href for answer in answers(first.content)) == [CONTACTS + "a.vcf", CONTACTS + "b.vcf"]
    token = sync_token_of(first.content)

    nothing = await alice.request("REPORT", CONTACTS, content=sync_collection(token))
    assert answers(nothing.content) == [] and sync_token_of(nothing.content) == token

    await put(alice, "a.vcf", vcard("A2", "a"))
    await alice.delete(CONTACTS + "b.vcf")
    await put(alice, "c.vcf", vcard("C", "c"))
    later = await alice.request("REPORT", CONTACTS, content=sync_collection(token, "d:getetag", "card:address-data"))
    by_href = {answer.href: answer for answer in answers(later.content)}
    assert set(by_href) == {CONTACTS + "a.vcf", CONTACTS + "b.vcf", CONTACTS + "c.vcf"}
    assert by_href[CONTACTS + "b.vcf"].status == 404
    assert "FN:A2" in by_href[CONTACTS + "a.vcf"].props["{urn:ietf:params:xml:ns:carddav}address-data"]
    assert sync_token_of(later.content) != token


async def test_a_token_of_another_collection_or_none_of_ours_is_refused(alice: httpx.AsyncClient) -> None:
    events = await alice.request("REPORT", CONTACTS.replace("contacts", "events"), content=sync_collection())
    for token in (sync_token_of(events.content), "urn:syncmld:sync:contacts:99999", "http://elsewhere/1"):
        refused = await alice.request("REPORT", CONTACTS, content=sync_collection(token))
        assert refused.status_code == 403 and b"valid-sync-token" in refused.content


async def test_a_long_answer_is_cut_with_a_token_to_go_on_from(make_client: MakeClient) -> None:
    alice = await make_client(dav=DavLimits(max_results=2))
    for name in "abcde":
        await put(alice, f"{name}.vcf", vcard(name.upper(), name))
    seen: list[str] = []
    token = ""
    for _ in range(4):
        page = await alice.request("REPORT", CONTACTS, content=sync_collection(token))
        listed = answers(page.content)
        seen += [answer.href for answer in listed if answer.status is None]
        token = sync_token_of(page.content)
        if not any(answer.status == 507 for answer in listed):
            break
    assert sorted(seen) == [CONTACTS + f"{name}.vcf" for name in "abcde"]


async def test_multiget_answers_each_href_and_refuses_too_many(make_client: MakeClient) -> None:
    alice = await make_client(dav=DavLimits(max_hrefs=3))
    await put(alice, "a.vcf", vcard("A", "a"))
    got = await alice.request("REPORT", CONTACTS, content=multiget("card", [CONTACTS + "a.vcf", CONTACTS + "x.vcf"]))
    by_href = {answer.href: answer for answer in answers(got.content)}
    assert "FN:A" in by_href[CONTACTS + "a.vcf"].props["{urn:ietf:params:xml:ns:carddav}address-data"]
    assert by_href[CONTACTS + "x.vcf"].status == 404
    too_many = await alice.request("REPORT", CONTACTS, content=multiget("card", [CONTACTS + "a.vcf"] * 4))
    assert too_many.status_code == 403


@pytest.mark.parametrize("contacts", [10_000])
async def test_no_change_sync_of_a_large_address_book_reads_no_item(store: Store, tmp_path: Any, contacts: int) -> None:
    with store.transaction() as tx:
        account = tx.get_account(ALICE)
        assert account is not None
        folder = tx.ensure_folder(account.id, "contacts")
        tx.put_items(folder.id, [NewItem(None, "text/vcard", vcard(f"Contact {n}")) for n in range(contacts)], None)
    counting = CountingStore(store)
    app = create_app(counting, ServerConfig(data_dir=tmp_path))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=(ALICE, PASSWORD)) as alice:
        first = await alice.request("REPORT", CONTACTS, content=sync_collection())
        assert len(answers(first.content)) == contacts
        assert counting.items_read == contacts
        counting.items_read = 0
        again = await alice.request("REPORT", CONTACTS, content=sync_collection(sync_token_of(first.content)))
        assert again.status_code == 207 and answers(again.content) == []
        ctag = await alice.request("PROPFIND", CONTACTS, content=b"", headers={"Depth": "0"})
        assert ctag.status_code == 207
    assert counting.items_read == 0
