# ruff: noqa: F811 (the fixtures of test_http_endpoint, imported)
"""The web admin's session timeline and dashboard plot, in-process on a real SQLite store, after a real
recorded slow sync: the account's page lists the session, its page shows each message's commands and
statuses in a table and as a timing plot, and the dashboard plots the sync in its hour."""

import re

import httpx
import pytest

from syncmld.accounts import hash_password
from syncmld.log import log_session_id
from syncmld.store.base import Store
from tests.server.test_http_endpoint import (  # noqa: F401 (its fixtures)
    MakeClient,
    alice,
    anyio_backend,
    first_message,
    make_client,
    store,
)
from tests.server.test_timeline import failed_message, slow_sync

pytestmark = pytest.mark.anyio


async def logged_in(client: httpx.AsyncClient, store: Store) -> None:
    with store.transaction() as tx:
        tx.add_admin_user("root", hash_password("admin-secret"))
    page = await client.get("/admin/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    answered = await client.post("/admin/login", data={"csrf": found[1], "name": "root", "password": "admin-secret"})
    assert answered.status_code == 303


async def test_a_sessions_timeline_shows_its_commands_and_timing(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    client = await make_client(log_messages=True)
    token, _, _ = await slow_sync(client, alice)
    session = log_session_id(token)
    await logged_in(client, store)
    account = await client.get("/admin/account", params={"email": alice})
    assert f"Timeline {session}" in account.text
    page = await client.get("/admin/session", params={"id": session})
    assert page.status_code == 200
    table = page.text.split('id="timeline"')[1]
    assert "Put:1 Get:1 Alert:1" in table and "Results:1 Alert:1" in table and "212:1 200:3" in table
    assert "Add:5" in table and "201:5" in table
    timing = page.text.split('id="timing"')[1].split("</svg>")[0]
    assert timing.count('<rect class="message"') == 3
    assert "&lt;DevID&gt;sc-harness-cap1&lt;/DevID&gt;" in page.text
    assert token not in page.text
    dashboard = await client.get("/admin/")
    hourly = dashboard.text.split('id="hourly"')[1].split("</svg>")[0]
    assert hourly.count('<rect class="ok"') == 1 and ": 1 ok" in hourly
    assert "1 syncs, 0 failed" in dashboard.text


async def test_a_session_page_needs_a_kept_session_and_a_login(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    client = await make_client()
    await logged_in(client, store)
    assert (await client.get("/admin/session", params={"id": "0123456789ab"})).status_code == 404
    assert (await client.get("/admin/session", params={"id": "<script>"})).status_code == 400
    token, _, _ = await slow_sync(client, alice)
    client.cookies.clear()
    anonymous = await client.get("/admin/session", params={"id": log_session_id(token)})
    assert anonymous.status_code == 303 and anonymous.headers["location"].endswith("/admin/login")


async def test_a_failed_message_shows_its_error_in_the_timeline(
    make_client: MakeClient, alice: str, store: Store
) -> None:
    client = await make_client()
    url, failed = await failed_message(client, store, alice)
    assert failed.status_code == 500
    await logged_in(client, store)
    page = await client.get("/admin/session", params={"id": log_session_id(url.rpartition("sid=")[2])})
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert f"failed, nothing it carried was applied: HTTP 500: the stored setting conflict:{alice} is unusable" in text
