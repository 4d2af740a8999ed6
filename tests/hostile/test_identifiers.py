"""Identifiers longer than their limits: a header's refuse the message (HTTP 400, logged, nothing written),
an item's get status 400 on that item while the rest of the message is applied."""

import logging
from pathlib import Path

import httpx
import pytest

from syncmld.config import WireLimits
from syncmld.store import SQLITE_FILE_NAME
from syncmld.store.base import Store
from tests.hostile.conftest import HttpDevice, MakeClient
from tests.hostile.wire import (
    ALICE,
    ENDPOINT,
    XML,
    alert,
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

HUGE = 9 * 1024 * 1024
"""A 9 MB identifier: the largest that fits in a message under the 10 MiB body limit."""
DB_GROWTH_BOUND = 64 * 1024
"""What five refused messages may add to the database files (nothing is written: 0 in practice)."""


def database_bytes(data_dir: Path) -> int:
    """The size of the SQLite database with its write-ahead log."""
    files = [data_dir / SQLITE_FILE_NAME, data_dir / f"{SQLITE_FILE_NAME}-wal"]
    return sum(file.stat().st_size for file in files if file.exists())


def status(cmd_id: int, cmd_ref: str = "1", target_ref: str = "g-1") -> str:
    """A client's Status of an Add of ours, as thousands of them come back when a device receives a folder."""
    return (
        f"<Status><CmdID>{cmd_id}</CmdID><MsgRef>1</MsgRef><CmdRef>{cmd_ref}</CmdRef><Cmd>Add</Cmd>"
        f"<TargetRef>{target_ref}</TargetRef><Data>201</Data></Status>"
    )


async def post(client: httpx.AsyncClient, body: bytes, url: str = "/syncml") -> httpx.Response:
    return await client.post(url, content=body, headers={"Content-Type": XML})


async def test_five_messages_with_9_mb_device_ids_are_refused_and_the_database_does_not_grow(
    make_client: MakeClient,
    store: Store,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With body limits raised so far that such messages are read (by default a login over 128 KiB is
    refused unread), their identifiers still refuse them."""
    raised = 16 * 1024 * 1024
    client = await make_client(max_msg_size=raised, wire=WireLimits(login_message_size=raised))
    before = database_bytes(tmp_path)
    with caplog.at_level(logging.WARNING, logger="syncmld"):
        for number in range(5):
            device = f"IMEI:{number}" + "9" * HUGE
            for cred in ("", basic_cred(ALICE)):
                answered = await post(client, message(alert(1, 201), device=device, cred=cred))
                assert_plain_refusal(answered, 400)
                assert answered.text.strip() == (
                    f"device ID (SyncHdr Source LocURI) of {len(device)} characters is longer than 256"
                )
    lines = server_messages(caplog.records)
    assert len(lines) == 10 and all(line.startswith("refused a message from 127.0.0.1: device ID") for line in lines)
    assert all(len(line) < 200 for line in lines), "the identifier itself is not logged"
    assert database_bytes(tmp_path) - before < DB_GROWTH_BOUND


@pytest.mark.parametrize(
    ("where", "body"),
    [
        (
            "user name (SyncHdr Source LocName)",
            message(alert(1, 201)).replace(
                b"<LocURI>IMEI:hostile</LocURI>", b"<LocURI>IMEI:hostile</LocURI><LocName>" + b"u" * 300 + b"</LocName>"
            ),
        ),
        (
            "server URI (SyncHdr Target LocURI)",
            message(alert(1, 201)).replace(ENDPOINT.encode(), ENDPOINT.encode() + b"?" + b"p" * 3000),
        ),
        ("SessionID", message(alert(1, 201), session="s" * 300)),
        ("MsgID", message(alert(1, 201), msg_id="9" * 300)),
        ("Alert CmdID", message(alert(1, 201).replace("<CmdID>1</CmdID>", f"<CmdID>{'1' * 300}</CmdID>"))),
        ("Sync Target LocURI", message(alert(1, 201) + sync(2, "", target="c" * 3000))),
        ("Status CmdRef", message(alert(1, 201) + status(2, cmd_ref="7" * 300))),
        ("Status TargetRef/SourceRef", message(alert(1, 201) + status(2, target_ref="t" * 3000))),
    ],
)
async def test_each_header_and_command_identifier_is_limited(
    client: httpx.AsyncClient,
    tmp_path: Path,
    where: str,
    body: bytes,
) -> None:
    before = store_rows(tmp_path)
    answered = await post(client, body.replace(b"</Source>", b"</Source>" + basic_cred(ALICE).encode(), 1))
    assert_plain_refusal(answered, 400)
    assert answered.text.startswith(where + " of ")
    assert store_rows(tmp_path) == before


async def test_a_session_token_longer_than_any_we_hand_out_is_400(client: httpx.AsyncClient) -> None:
    answered = await post(client, message(alert(1, 201)), url="/syncml?sid=" + "t" * 300)
    assert_plain_refusal(answered, 400)
    assert answered.text.strip().startswith(f"no session token of ours: '{'t' * 40}")


async def test_an_item_with_a_too_long_id_gets_400_and_the_rest_of_its_sync_is_applied(
    alice_phone: HttpDevice,
    client: httpx.AsyncClient,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    long_luid = "L" * 3000
    answered = reply_of(
        await post(
            client,
            message(alert(1, 200, last="A000001", next_anchor="A2"), device="alice-phone", cred=basic_cred(ALICE)),
        )
    )
    url = answered.header.resp_uri
    assert url is not None
    changes = sync(1, item_command("Add", 2, long_luid, vcard("TooLong")) + item_command("Add", 3, "ok-1", vcard("Ok")))
    with caplog.at_level(logging.WARNING, logger="syncmld"):
        reply = reply_of(await post(client, message(changes, device="alice-phone", msg_id="2"), url=url))
    assert statuses(reply)[:4] == [("SyncHdr", 200), ("Sync", 200), ("Add", 400), ("Add", 201)]
    assert any(
        "Add refused with 400: Source LocURI of 3000 characters is longer than 2048" in record.getMessage()
        for record in caplog.records
    )
    names = sorted(item.data.decode().split("\r\n")[2] for item in items_of(store, ALICE).values())
    assert "N:Ok;Test;;;" in names and "N:TooLong;Test;;;" not in names

    mapping = (
        f"<Map><CmdID>1</CmdID><Target><LocURI>contacts</LocURI></Target><Source><LocURI>./contacts"
        f"</LocURI></Source><MapItem><Target><LocURI>g-1</LocURI></Target><Source><LocURI>{long_luid}"
        "</LocURI></Source></MapItem></Map>"
    )
    reply = reply_of(await post(client, message(mapping, device="alice-phone", msg_id="3"), url=url))
    assert statuses(reply)[:2] == [("SyncHdr", 200), ("Map", 400)]
    assert long_luid not in maps_of(store, ALICE, "alice-phone").values()


async def test_an_alert_for_a_too_long_database_name_gets_400(client: httpx.AsyncClient) -> None:
    body = message(
        alert(1, 201, target="contacts?" + "f" * 3000) + alert(2, 201, target="calendar", source="./calendar"),
        device="alice-phone",
        cred=basic_cred(ALICE),
    )
    reply = reply_of(await post(client, body))
    assert statuses(reply)[:3] == [("SyncHdr", 212), ("Alert", 400), ("Alert", 200)]
