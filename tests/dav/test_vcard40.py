"""vCard 4.0 for the CardDAV clients that ask for it (RFC 6352 §5.1.1, §10.4; RFC 6350): a GET with an Accept
naming it, a multiget or sync-collection whose address-data asks for it; a 4.0 card put is stored as the
3.0 every other client reads, and served back as 4.0 with nothing lost."""

import httpx
import pytest
from lxml import etree

from syncmld.content import normalise_vcard
from syncmld.store.base import NewItem, Store
from tests.content.samples import PHOTO_B64
from tests.dav.dav import ALICE, CONTACTS, NS, answers, propfind, sync_collection, vcard

pytestmark = pytest.mark.anyio

ADDRESS_DATA = "{urn:ietf:params:xml:ns:carddav}address-data"
VCARD_40 = (
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\n"
    "KIND:individual\r\n"
    "FN:Jürgen Müller\r\n"
    "N:Müller;Jürgen;;Dr.;\r\n"
    "GENDER:M\r\n"
    "BDAY:--0415\r\n"
    "ANNIVERSARY:19960415\r\n"
    "LANG;PREF=1:de\r\n"
    'TEL;VALUE=uri;PREF=1;TYPE="voice,home":tel:+1-555-555-5555;ext=5555\r\n'
    "TEL;VALUE=uri;TYPE=cell:tel:+49-170-5678\r\n"
    "TEL;TYPE=work:030 1234 567\r\n"
    "EMAIL;TYPE=work:j@example.org\r\n"
    "GEO:geo:52.52,13.405\r\n"
    "PHOTO:data:image/png;base64," + PHOTO_B64 + "\r\n"
    "NOTE:Zeile eins\\, mit Komma\\nZeile zwei\r\n"
    "END:VCARD\r\n"
).encode()
ACCEPT_40 = {"Accept": "text/vcard; version=4.0"}


def address_data(version: str) -> str:
    return f'<card:address-data content-type="text/vcard" version="{version}"/>'


def multiget(hrefs: list[str], data: str) -> bytes:
    listed = "".join(f"<d:href>{href}</d:href>" for href in hrefs)
    return (
        '<?xml version="1.0"?><card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">'
        f"<d:prop><d:getetag/>{data}</d:prop>{listed}</card:addressbook-multiget>"
    ).encode()


async def put_40(alice: httpx.AsyncClient, name: str, body: bytes = VCARD_40) -> httpx.Response:
    return await alice.put(CONTACTS + name, content=body, headers={"Content-Type": "text/vcard; version=4.0"})


def stored_card(store: Store) -> bytes:
    with store.transaction() as tx:
        account = tx.get_account(ALICE)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        assert folder is not None
        (item,) = tx.iter_items(folder.id)
        return item.data


async def test_a_40_card_is_stored_as_30_and_served_back_as_40_with_nothing_lost(
    alice: httpx.AsyncClient, store: Store
) -> None:
    assert (await put_40(alice, "jm.vcf")).status_code == 201
    stored = stored_card(store)
    assert stored.startswith(b"BEGIN:VCARD\r\nVERSION:3.0\r\n")
    for line in (
        b"X-ADDRESSBOOKSERVER-KIND:individual",
        b"X-GENDER:M",
        b"X-ANNIVERSARY:19960415",
        b"TEL;TYPE=cell:+49-170-5678",
        b"GEO:52.52;13.405",
        b"PHOTO;ENCODING=b;TYPE=PNG:",
    ):
        assert line in stored, line
    assert b"data:" not in stored and b"tel:" not in stored

    as_40 = await alice.get(CONTACTS + "jm.vcf", headers=ACCEPT_40)
    assert as_40.status_code == 200
    assert as_40.headers["content-type"] == "text/vcard; charset=utf-8; version=4.0"
    assert as_40.headers["vary"] == "Accept"
    body = as_40.content
    assert body.startswith(b"BEGIN:VCARD\r\nVERSION:4.0\r\n")
    for line in (
        b"KIND:individual",
        b"GENDER:M",
        b"ANNIVERSARY:19960415",
        b"TEL;TYPE=cell;VALUE=uri:tel:+49-170-5678",
        b"TEL;TYPE=work:030 1234 567",
        b"GEO:geo:52.52,13.405",
        b"PHOTO:data:image/png;base64,",
        b"LANG;PREF=1:de",
        b"UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
    ):
        assert line in body.replace(b"\r\n ", b""), line
    assert b"CHARSET" not in body and b"QUOTED-PRINTABLE" not in body and b"ENCODING" not in body
    assert normalise_vcard(body) == normalise_vcard(VCARD_40)

    as_30 = await alice.get(CONTACTS + "jm.vcf")
    assert as_30.headers["content-type"] == "text/vcard; charset=utf-8"
    assert as_30.content == stored

    again = await put_40(alice, "jm.vcf", body)
    assert again.status_code == 204
    assert stored_card(store) == stored, "the 4.0 card a client got back and put again changes nothing"


@pytest.mark.parametrize(
    ("accept", "version"),
    [
        ("text/vcard; version=4.0", b"4.0"),
        ("text/vcard;version=4.0, text/vcard;version=3.0;q=0.5", b"4.0"),
        ("text/vcard;version=3.0, text/vcard;version=4.0;q=0.5", b"3.0"),
        ("text/vcard;version=4.0;q=0.5, */*", b"3.0"),
        ("text/vcard;version=4.0, */*;q=0.1", b"4.0"),
        ("text/vcard", b"3.0"),
        ("*/*", b"3.0"),
        ("text/vcard; version=2.1", b"3.0"),
        ("text/vcard;version=4.0;q=zero", b"3.0"),
    ],
)
async def test_get_serves_the_version_accept_prefers(alice: httpx.AsyncClient, accept: str, version: bytes) -> None:
    await alice.put(CONTACTS + "a.vcf", content=vcard("Ann", "a"), headers={"Content-Type": "text/vcard"})
    got = await alice.get(CONTACTS + "a.vcf", headers={"Accept": accept})
    assert got.status_code == 200 and got.content.startswith(b"BEGIN:VCARD\r\nVERSION:" + version + b"\r\n")
    head = await alice.head(CONTACTS + "a.vcf", headers={"Accept": accept})
    assert head.headers["content-length"] == str(len(got.content))


async def test_a_phone_contact_is_served_as_40_with_its_guid_as_uid(alice: httpx.AsyncClient, store: Store) -> None:
    with store.transaction() as tx:
        account = tx.get_account(ALICE)
        assert account is not None
        folder = tx.ensure_folder(account.id, "contacts")
        phone = tx.ensure_device(account.id, "IMEI:1")
        card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Phone;Only;;;\r\nTEL;TYPE=CELL:+49 170 1234\r\nEND:VCARD\r\n"
        (item,) = tx.put_items(folder.id, [NewItem(None, "text/vcard", card)], phone.id)
    got = await alice.get(CONTACTS + f"{item.guid}.vcf", headers=ACCEPT_40)
    assert got.content.startswith(b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Only Phone\r\n"), "4.0 requires FN"
    assert f"UID:{item.guid}\r\n".encode() in got.content
    assert b"TEL;TYPE=CELL:+49 170 1234\r\n" in got.content


async def test_multiget_and_sync_collection_serve_the_version_address_data_asks(alice: httpx.AsyncClient) -> None:
    await put_40(alice, "jm.vcf")
    await alice.put(CONTACTS + "a.vcf", content=vcard("Ann", "a"), headers={"Content-Type": "text/vcard"})
    hrefs = [CONTACTS + "jm.vcf", CONTACTS + "a.vcf"]
    for asked, version in ((address_data("4.0"), "4.0"), (address_data("3.0"), "3.0"), ("<card:address-data/>", "3.0")):
        got = await alice.request("REPORT", CONTACTS, content=multiget(hrefs, asked))
        assert got.status_code == 207
        cards = [answer.props[ADDRESS_DATA] for answer in answers(got.content)]
        assert len(cards) == 2 and all(card.startswith(f"BEGIN:VCARD\r\nVERSION:{version}\r\n") for card in cards)
    synced = await alice.request("REPORT", CONTACTS, content=sync_collection("", "d:getetag", "card:address-data"))
    assert all(
        answer.props[ADDRESS_DATA].startswith("BEGIN:VCARD\r\nVERSION:3.0") for answer in answers(synced.content)
    )
    asked_40 = sync_collection("", "d:getetag", 'card:address-data content-type="text/vcard" version="4.0"')
    synced_40 = await alice.request("REPORT", CONTACTS, content=asked_40)
    listed = answers(synced_40.content)
    assert len(listed) == 2 and all(
        answer.props[ADDRESS_DATA].startswith("BEGIN:VCARD\r\nVERSION:4.0") for answer in listed
    )


async def test_address_data_of_a_version_not_served_is_refused(alice: httpx.AsyncClient) -> None:
    await alice.put(CONTACTS + "a.vcf", content=vcard("Ann", "a"), headers={"Content-Type": "text/vcard"})
    for asked in (address_data("2.1"), '<card:address-data content-type="application/vcard+json" version="4.0"/>'):
        refused = await alice.request("REPORT", CONTACTS, content=multiget([CONTACTS + "a.vcf"], asked))
        assert refused.status_code == 403 and b"supported-address-data" in refused.content


async def test_the_address_book_says_it_serves_30_and_40(alice: httpx.AsyncClient) -> None:
    found = await alice.request(
        "PROPFIND", CONTACTS, content=propfind("card:supported-address-data"), headers={"Depth": "0"}
    )
    types = etree.fromstring(found.content).findall(".//card:address-data-type", NS)
    assert [(each.get("content-type"), each.get("version")) for each in types] == [
        ("text/vcard", "3.0"),
        ("text/vcard", "4.0"),
    ]
