"""A DAV client finds the account's address book and calendars from the server's root URL (RFC 6764)."""

import httpx
import pytest

from tests.dav.dav import CONTACTS, HOME, NS, answers, propfind

pytestmark = pytest.mark.anyio

D, C, CARD = (f"{{{NS[prefix]}}}" for prefix in ("d", "c", "card"))


async def test_well_known_urls_redirect_to_the_dav_root(alice: httpx.AsyncClient) -> None:
    for name in ("carddav", "caldav"):
        response = await alice.request("PROPFIND", f"/.well-known/{name}")
        assert response.status_code == 301
        assert response.headers["location"].endswith("/dav/")


async def test_the_root_names_the_principal_whose_home_holds_the_collections(alice: httpx.AsyncClient) -> None:
    root = await alice.request("PROPFIND", "/dav/", content=propfind("d:current-user-principal"))
    assert root.status_code == 207
    (service,) = answers(root.content)
    assert service.props[f"{D}current-user-principal"] == f"{D}href"
    assert f"<d:href>{HOME}</d:href>" in root.text

    home = await alice.request(
        "PROPFIND", HOME, content=propfind("card:addressbook-home-set", "c:calendar-home-set", "d:resourcetype")
    )
    (principal,) = answers(home.content)
    assert {f"{CARD}addressbook-home-set", f"{C}calendar-home-set"} <= set(principal.props)
    assert f"{D}principal" in principal.props[f"{D}resourcetype"]


async def test_standard_folders_are_an_address_book_and_calendars_of_their_components(
    alice: httpx.AsyncClient,
) -> None:
    listed = await alice.request(
        "PROPFIND",
        HOME,
        content=propfind("d:resourcetype", "d:displayname", "c:supported-calendar-component-set"),
        headers={"Depth": "1"},
    )
    by_href = {answer.href: answer for answer in answers(listed.content)}
    assert set(by_href) == {HOME, *(f"{HOME}{name}/" for name in ("contacts", "events", "tasks", "journal", "notes"))}
    assert f"{CARD}addressbook" in by_href[CONTACTS].props[f"{D}resourcetype"]
    assert f"{C}supported-calendar-component-set" in by_href[CONTACTS].missing
    components = {href: answer.props.get(f"{C}supported-calendar-component-set") for href, answer in by_href.items()}
    assert components[f"{HOME}events/"] == f"{C}comp"
    assert '<c:comp name="VEVENT"/>' in listed.text and '<c:comp name="VTODO"/>' in listed.text
    assert '<c:comp name="VJOURNAL"/>' in listed.text


async def test_options_announce_carddav_and_caldav(alice: httpx.AsyncClient) -> None:
    response = await alice.request("OPTIONS", CONTACTS)
    assert response.status_code == 200
    assert {"addressbook", "calendar-access"} <= {part.strip() for part in response.headers["dav"].split(",")}
    assert "REPORT" in response.headers["allow"]
