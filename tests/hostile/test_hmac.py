"""syncml:auth-MAC: every message signed in an x-syncml-hmac header over its exact body with the last
nonce the server gave the device, every reply signed back; a body changed after signing is refused."""

import base64
import logging
from pathlib import Path

import httpx
import pytest

from syncmld.accounts import body_digest, mac_digest, md5_credential
from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MAC
from syncmld.protocol.hmac_header import mac_header, read_mac_header
from syncmld.protocol.messages import Status
from syncmld.store.base import Store
from tests.hostile.conftest import NewDevice
from tests.hostile.wire import (
    ALICE,
    ENDPOINT,
    PASSWORD,
    XML,
    alert,
    items_of,
    message,
    reply_of,
    server_messages,
    statuses,
    store_rows,
    vcard,
)


def set_policy(store: Store, policy: str) -> None:
    with store.transaction() as tx:
        tx.set_setting("auth", policy)


def names(store: Store) -> list[str]:
    return sorted(item.data.decode().split("\r\n")[2] for item in items_of(store, ALICE).values())


@pytest.mark.parametrize("policy", ["hmac", "any"])
def test_a_device_syncs_with_auth_mac(store: Store, policy: str) -> None:
    set_policy(store, policy)
    phone = Device(
        transport=in_process_transport(store, EngineContext()),
        url=ENDPOINT,
        user=ALICE,
        password=PASSWORD,
        device_id="alice-mac",
        auth=AUTH_MAC,
    )
    phone.add(vcard("Signed").encode())
    first = phone.sync(201)
    assert (first.header_status, first.challenge) == (401, AUTH_MAC), "challenged for its nonce"
    signed = phone.sync(201)
    assert signed.header_status == 212 and signed.codes_for("Replace") == [201]
    assert names(store) == ["N:Signed;Test;;;"]
    phone.add(vcard("Again").encode())
    again = phone.sync(200)
    assert again.header_status == 212 and again.codes_for("Add") == [201]
    assert names(store) == ["N:Again;Test;;;", "N:Signed;Test;;;"]


def test_auth_hmac_challenges_other_logins_for_auth_mac(store: Store) -> None:
    set_policy(store, "hmac")
    phone = Device(
        transport=in_process_transport(store, EngineContext()),
        url=ENDPOINT,
        user=ALICE,
        password=PASSWORD,
        device_id="alice-basic",
        auth=AUTH_BASIC,
    )
    report = phone.sync(201)
    assert (report.header_status, report.challenge) == (401, AUTH_MAC)


@pytest.mark.anyio
async def test_over_http_every_reply_is_signed_with_the_nonce_of_its_message(
    new_device: NewDevice,
    store: Store,
) -> None:
    set_policy(store, "hmac")
    phone = new_device(ALICE, "alice-mac", auth=AUTH_MAC)
    phone.device.add(vcard("Signed").encode())
    assert (await phone.sync()).header_status == 401
    sent_before = len(phone.sent)
    assert (await phone.sync()).header_status == 212
    secret = md5_credential(ALICE, PASSWORD)
    for signed, answer in zip(phone.signed[sent_before:], phone.answers[sent_before:], strict=True):
        assert signed is not None
        assert answer.headers.get("x-syncml-hmac") is not None, "every reply of the session is signed"
        replied = read_mac_header(answer.headers["x-syncml-hmac"], body_digest(answer.content))
        assert replied.username == ALICE
        nonces_tried = [
            nonce
            for nonce in _nonces_of(phone.answers[:sent_before] + phone.answers)
            if mac_digest(secret, nonce, replied.body_digest) == replied.mac
        ]
        assert nonces_tried, "the reply's mac checks out with a nonce the device was given"


def _nonces_of(answers: list[httpx.Response]) -> list[bytes]:
    found = []
    for answer in answers:
        status = reply_of(answer).commands[0]
        if isinstance(status, Status) and status.chal is not None and status.chal.meta.next_nonce:
            found.append(base64.b64decode(status.chal.meta.next_nonce))
    return found


@pytest.mark.anyio
async def test_a_body_changed_after_signing_is_refused_at_login_and_in_a_session(
    new_device: NewDevice,
    client: httpx.AsyncClient,
    store: Store,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    set_policy(store, "hmac")
    phone = new_device(ALICE, "alice-mac", auth=AUTH_MAC)
    phone.device.add(vcard("Signed").encode())
    assert (await phone.sync()).header_status == 401

    # the login, signed with the nonce the device was given, then changed in transit
    login = message(alert(1, 201), device="alice-mac").replace(
        b"<LocURI>alice-mac</LocURI>", b"<LocURI>alice-mac</LocURI><LocName>alice@example.org</LocName>"
    )
    header = phone.device.mac_header(login)
    tampered = login.replace(b"<Data>201</Data>", b"<Data>200</Data>")
    before = store_rows(tmp_path)
    with caplog.at_level(logging.WARNING, logger="syncmld"):
        reply = reply_of(
            await client.post("/syncml", content=tampered, headers={"Content-Type": XML, "x-syncml-hmac": header})
        )
    assert statuses(reply) == [("SyncHdr", 401), ("Alert", 401)]
    assert any(
        "wrong HMAC digest for alice@example.org" in line for line in (record.getMessage() for record in caplog.records)
    )
    assert store_rows(tmp_path).tables["sessions"] == before.tables["sessions"]

    # a message inside the session, changed after signing: refused, nothing applied
    signed_login = reply_of(
        await client.post(
            "/syncml", content=login, headers={"Content-Type": XML, "x-syncml-hmac": phone.device.mac_header(login)}
        )
    )
    assert statuses(signed_login)[0] == ("SyncHdr", 212)
    status = signed_login.commands[0]
    assert isinstance(status, Status) and status.chal is not None and status.chal.meta.next_nonce
    phone.device.nonce = base64.b64decode(status.chal.meta.next_nonce)
    url = signed_login.header.resp_uri
    assert url is not None
    add = (
        "<Sync><CmdID>1</CmdID><Target><LocURI>contacts</LocURI></Target><Source><LocURI>./contacts</LocURI>"
        "</Source><Add><CmdID>2</CmdID><Meta><Type xmlns='syncml:metinf'>text/x-vcard</Type></Meta><Item><Source>"
        f"<LocURI>m1</LocURI></Source><Data>{vcard('Honest')}</Data></Item></Add></Sync>"
    )
    body = message(add, device="alice-mac", msg_id="2").replace(
        b"<LocURI>alice-mac</LocURI>", b"<LocURI>alice-mac</LocURI><LocName>alice@example.org</LocName>"
    )
    header = phone.device.mac_header(body)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="syncmld"):
        reply = reply_of(
            await client.post(
                url, content=body.replace(b"Honest", b"Forged"), headers={"Content-Type": XML, "x-syncml-hmac": header}
            )
        )
    assert statuses(reply) == [("SyncHdr", 401), ("Sync", 401)]
    assert names(store) == []
    assert any(line.startswith("refused account=- device=alice-mac") for line in server_messages(caplog.records))
    honest = reply_of(await client.post(url, content=body, headers={"Content-Type": XML, "x-syncml-hmac": header}))
    assert statuses(honest)[:3] == [("SyncHdr", 200), ("Sync", 200), ("Add", 201)]
    assert names(store) == ["N:Honest;Test;;;"]


@pytest.mark.anyio
async def test_an_unreadable_hmac_header_is_400(client: httpx.AsyncClient) -> None:
    for value in ("garbage", 'algorithm=SHA1, username="a@example.org", mac=x', "x" * 2000):
        answered = await client.post(
            "/syncml", content=message(alert(1, 201)), headers={"Content-Type": XML, "x-syncml-hmac": value}
        )
        assert answered.status_code == 400 and "x-syncml-hmac" in answered.text


def test_the_header_reads_back_what_it_wrote() -> None:
    written = mac_header(read_mac_header('algorithm=MD5, username="a@example.org", mac=abc=', b"d"))
    assert written == 'algorithm=MD5, username="a@example.org", mac=abc='
