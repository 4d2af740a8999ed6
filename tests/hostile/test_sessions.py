"""Well-formed messages that break the rules of a session: commands out of order, a wrong SessionID,
a session token of another account, a replayed MD5 login, another account's item IDs. Each gets its
status or HTTP error and a log line, and the data of every account stays as it was."""

import logging
from pathlib import Path

import httpx
import pytest

from syncmld.protocol.constants import AUTH_MD5
from syncmld.protocol.messages import Status
from syncmld.store.base import Store
from tests.hostile.conftest import HttpDevice, NewDevice
from tests.hostile.wire import (
    ALICE,
    BOB,
    LOGIN_BOOKKEEPING,
    SESSION_BOOKKEEPING,
    XML,
    alert,
    assert_no_internals,
    assert_plain_refusal,
    basic_cred,
    item_command,
    items_of,
    maps_of,
    message,
    reply_of,
    server_messages,
    statuses,
    store_rows,
    sync,
    vcard,
)

pytestmark = pytest.mark.anyio


async def post(client: httpx.AsyncClient, url: str, body: bytes) -> httpx.Response:
    answered = await client.post(url, content=body, headers={"Content-Type": XML})
    assert_no_internals(answered)
    return answered


async def open_session(client: httpx.AsyncClient, email: str, device: str, session: str) -> str:
    """A slow sync of contacts started by ``device`` of ``email``; returns the RespURI to go on at."""
    answered = await post(
        client, "/syncml", message(alert(1, 201), device=device, session=session, cred=basic_cred(email))
    )
    reply = reply_of(answered)
    assert statuses(reply)[:2] == [("SyncHdr", 212), ("Alert", 200)]
    assert reply.header.resp_uri is not None
    return reply.header.resp_uri


async def test_sync_before_any_alert_is_404_and_adds_nothing(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = store_rows(tmp_path)
    body = message(
        sync(1, item_command("Add", 2, "early1", vcard("Early"))),
        device="alice-tablet",
        session="4",
        cred=basic_cred(ALICE),
    )
    with caplog.at_level(logging.INFO, logger="syncmld"):
        reply = reply_of(await post(client, "/syncml", body))
    assert statuses(reply) == [("SyncHdr", 212), ("Sync", 404), ("Add", 404)]
    assert (
        "refused account=alice@example.org device=alice-tablet session=4 msgid=1: Sync#1 404, Add#2 404"
        in server_messages(caplog.records)
    )
    assert store_rows(tmp_path).without(SESSION_BOOKKEEPING) == before.without(SESSION_BOOKKEEPING)


async def test_map_for_a_database_the_session_never_alerted_is_404_and_maps_nothing(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    store: Store,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    guid = next(iter(items_of(store, ALICE)))
    before = store_rows(tmp_path)
    map_command = (
        f"<Map><CmdID>2</CmdID><Target><LocURI>calendar</LocURI></Target><Source><LocURI>./cal"
        f"</LocURI></Source><MapItem><Target><LocURI>{guid}</LocURI></Target><Source><LocURI>stolen"
        "</LocURI></Source></MapItem></Map>"
    )
    body = message(alert(1, 201) + map_command, device="alice-tablet", session="5", cred=basic_cred(ALICE))
    with caplog.at_level(logging.INFO, logger="syncmld"):
        reply = reply_of(await post(client, "/syncml", body))
    assert statuses(reply) == [("SyncHdr", 212), ("Alert", 200), ("Map", 404)]
    assert "refused account=alice@example.org device=alice-tablet session=5 msgid=1: Map#2 404" in server_messages(
        caplog.records
    )
    assert store_rows(tmp_path).without(SESSION_BOOKKEEPING) == before.without(SESSION_BOOKKEEPING)


async def test_commands_without_their_mandatory_items_are_400_and_change_nothing(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Readable XML, but an Alert without its Item and changes whose Item names no item."""
    no_item_alert = "<Alert><CmdID>1</CmdID><Data>201</Data></Alert>"
    nameless = (
        f"<Add><CmdID>4</CmdID><Item><Data>{vcard('Nameless')}</Data></Item></Add>"
        "<Replace><CmdID>5</CmdID><Item><Data>x</Data></Item></Replace><Delete><CmdID>6</CmdID><Item/></Delete>"
    )
    before = store_rows(tmp_path)
    body = message(no_item_alert + alert(2, 201) + sync(3, nameless), device="alice-tablet", cred=basic_cred(ALICE))
    with caplog.at_level(logging.INFO, logger="syncmld"):
        reply = reply_of(await post(client, "/syncml", body))
    assert statuses(reply) == [
        ("SyncHdr", 212),
        ("Alert", 400),
        ("Alert", 200),
        ("Sync", 200),
        ("Add", 400),
        ("Replace", 400),
        ("Delete", 400),
    ]
    assert (
        "refused account=alice@example.org device=alice-tablet session=1 msgid=1: Alert#1 400, Add#4 400, "
        "Replace#5 400, Delete#6 400" in server_messages(caplog.records)
    )
    assert store_rows(tmp_path).without(SESSION_BOOKKEEPING) == before.without(SESSION_BOOKKEEPING)


async def test_an_alert_after_the_sync_package_is_405(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = await open_session(client, ALICE, "alice-tablet", "6")
    reply = reply_of(await post(client, url, message(sync(1, ""), device="alice-tablet", session="6", msg_id="2")))
    assert reply.final and ("Sync", 200) in statuses(reply)
    before = store_rows(tmp_path)
    late = message(alert(1, 203), device="alice-tablet", session="6", msg_id="3", final=False)
    with caplog.at_level(logging.INFO, logger="syncmld"):
        reply = reply_of(await post(client, url, late))
    assert ("Alert", 405) in statuses(reply)
    assert any(
        line.startswith("refused account=alice@example.org device=alice-tablet session=6 msgid=3: Alert#1 405")
        for line in server_messages(caplog.records)
    )
    assert store_rows(tmp_path).without(SESSION_BOOKKEEPING) == before.without(SESSION_BOOKKEEPING)


async def test_a_message_of_a_finished_session_sent_again_changes_nothing(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The phone's Sync with its three contacts, posted again after the session ended: refused (405)."""
    url, body = alice_phone.sent[1]
    before = store_rows(tmp_path)
    with caplog.at_level(logging.INFO, logger="syncmld"):
        reply = reply_of(await post(client, url, body))
    assert statuses(reply) == [("SyncHdr", 200), ("Sync", 405), ("Replace", 405), ("Replace", 405), ("Replace", 405)]
    assert any(
        line.startswith("refused account=alice@example.org device=alice-phone") and "Sync#" in line
        for line in server_messages(caplog.records)
    )
    assert store_rows(tmp_path).without(SESSION_BOOKKEEPING) == before.without(SESSION_BOOKKEEPING)


async def test_a_wrong_session_id_with_a_valid_token_is_400_and_touches_nothing(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = await open_session(client, ALICE, "alice-tablet", "7")
    add = sync(1, item_command("Add", 2, "t1", vcard("Tablet")))
    before = store_rows(tmp_path)
    with caplog.at_level(logging.WARNING, logger="syncmld"):
        answered = await post(client, url, message(add, device="alice-tablet", session="8", msg_id="2"))
    assert_plain_refusal(answered, 400)
    assert "belongs to device 'alice-tablet' session '7'" in answered.text
    assert server_messages(caplog.records) == [f"refused a message from 127.0.0.1: {answered.text.strip()}"]
    assert store_rows(tmp_path) == before

    right = reply_of(await post(client, url, message(add, device="alice-tablet", session="7", msg_id="2")))
    assert ("Add", 201) in statuses(right)


async def test_a_session_token_of_another_account_is_400_and_touches_nothing(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    store: Store,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bob, logged in with his own valid password, posts to the RespURI of Alice's session."""
    alice_url = await open_session(client, ALICE, "alice-tablet", "3")
    before = store_rows(tmp_path)
    changes = sync(1, item_command("Add", 2, "b1", vcard("FromBob")) + item_command("Delete", 3, "L1"))
    attempts = [
        message(changes, device="bob-phone", session="3", msg_id="2", cred=basic_cred(BOB)),
        message(alert(1, 201) + changes, device="bob-phone", session="1", msg_id="1", cred=basic_cred(BOB)),
    ]
    with caplog.at_level(logging.WARNING, logger="syncmld"):
        for body in attempts:
            answered = await post(client, alice_url, body)
            assert_plain_refusal(answered, 400)
            assert "belongs to device 'alice-tablet'" in answered.text
    assert len(server_messages(caplog.records)) == 2
    assert store_rows(tmp_path) == before
    assert items_of(store, BOB) == {}


async def md5_phone_after_two_syncs(new_device: NewDevice, device_id: str) -> HttpDevice:
    phone = new_device(ALICE, device_id, auth=AUTH_MD5)
    phone.device.add(vcard("Md5").encode())
    assert (await phone.sync()).header_status == 401, "a first contact is challenged for its nonce"
    for _ in range(2):
        assert (await phone.sync()).header_status == 212
    return phone


async def test_a_replayed_md5_login_with_a_used_nonce_is_401_and_opens_nothing(
    new_device: NewDevice,
    client: httpx.AsyncClient,
    store: Store,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Both logins of the phone, captured on the wire, replayed once its sessions have ended."""
    phone = await md5_phone_after_two_syncs(new_device, "alice-md5")
    logins = [body for url, body in phone.sent if "sid=" not in url][1:]
    assert len(logins) == 2
    before = store_rows(tmp_path)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="syncmld"):
        for body in logins:
            reply = reply_of(await post(client, "/syncml", body))
            assert statuses(reply) == [("SyncHdr", 401), ("Alert", 401)]
            header_status = reply.commands[0]
            assert isinstance(header_status, Status) and header_status.chal is not None
            assert header_status.chal.meta.type == AUTH_MD5 and header_status.chal.meta.next_nonce
            assert reply.header.resp_uri is None
    refusals = [record.getMessage() for record in caplog.records if record.name == "syncmld.engine"]
    assert (
        refusals
        == ["login refused for device alice-md5 (user 'alice@example.org'): wrong MD5 digest for alice@example.org"] * 2
    )
    assert store_rows(tmp_path).without(LOGIN_BOOKKEEPING) == before.without(LOGIN_BOOKKEEPING)


async def test_a_replayed_md5_login_under_another_device_id_is_401(
    new_device: NewDevice,
    client: httpx.AsyncClient,
) -> None:
    phone = await md5_phone_after_two_syncs(new_device, "alice-md5")
    first_login = next(body for url, body in phone.sent if "sid=" not in url)
    replayed = first_login.replace(b"<LocURI>alice-md5</LocURI>", b"<LocURI>attacker-1</LocURI>")
    reply = reply_of(await post(client, "/syncml", replayed))
    assert statuses(reply)[0] == ("SyncHdr", 401)


async def test_another_accounts_item_ids_reach_only_its_own_items(
    alice_phone: HttpDevice,
    new_device: NewDevice,
    client: httpx.AsyncClient,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bob's device, named like Alice's phone, replaces and deletes the LUIDs Alice's phone uses, deletes
    by her server IDs, and maps one of her server IDs to a LUID of its own: only Bob's data changes."""
    alice_items = items_of(store, ALICE)
    alice_maps = maps_of(store, ALICE, "alice-phone")
    luid_1, luid_2, luid_3 = sorted(alice_phone.device.items)
    guid_1, guid_2 = sorted(alice_items)[:2]
    url = await open_session(client, BOB, "alice-phone", "1")
    delete_by_guid = f"<Delete><CmdID>5</CmdID><Item><Target><LocURI>{guid_1}</LocURI></Target></Item></Delete>"
    steal_map = (
        f"<Map><CmdID>1</CmdID><Target><LocURI>contacts</LocURI></Target><Source><LocURI>./contacts"
        f"</LocURI></Source><MapItem><Target><LocURI>{guid_2}</LocURI></Target><Source><LocURI>bob-7"
        "</LocURI></Source></MapItem></Map>"
    )
    changes = sync(
        2,
        item_command("Replace", 3, luid_1, vcard("Hijacked"))
        + item_command("Delete", 4, luid_2)
        + delete_by_guid
        + item_command("Replace", 6, "bob-7", vcard("Hijacked2"))
        + item_command("Delete", 7, luid_3),
    )
    with caplog.at_level(logging.INFO, logger="syncmld"):
        reply = reply_of(await post(client, url, message(steal_map + changes, device="alice-phone", msg_id="2")))
        assert statuses(reply)[:8] == [
            ("SyncHdr", 200),
            ("Map", 200),
            ("Sync", 200),
            ("Replace", 201),
            ("Delete", 211),
            ("Delete", 211),
            ("Replace", 201),
            ("Delete", 211),
        ]
        reply_of(await post(client, url, message("", device="alice-phone", msg_id="3")))
    summary = next(line for line in server_messages(caplog.records) if line.startswith("sync account=bob"))
    assert "received=added:2,replaced:0,deleted:0" in summary

    assert items_of(store, ALICE) == alice_items
    assert maps_of(store, ALICE, "alice-phone") == alice_maps
    assert sorted(item.data.decode().split("\r\n")[2] for item in items_of(store, BOB).values()) == sorted(
        ["N:Hijacked;Test;;;", "N:Hijacked2;Test;;;"]
    )
    report = await alice_phone.sync()
    assert report.header_status == 212 and report.received == {"add": 0, "replace": 0, "delete": 0}
    assert len(alice_phone.device.items) == 3
