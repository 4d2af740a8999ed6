"""MD5 nonces under attack: unauthenticated messages write nothing and disturb no device; stored nonces
expire; a captured first login is no password equivalent."""

import base64
import logging
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from syncmld.accounts import md5_credential, md5_digest
from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext, EngineSettings, Request, handle_message
from syncmld.engine.housekeeping import sweep_store
from syncmld.protocol.codec import Encoding
from syncmld.protocol.constants import AUTH_MD5, AlertCode, SyncMLVersion
from syncmld.protocol.messages import Alert, Anchor, Cred, Item, LocRef, Meta, Status, SyncHdr, SyncML
from syncmld.store.base import Store
from tests.hostile.conftest import NewDevice
from tests.hostile.test_identifiers import database_bytes
from tests.hostile.wire import (
    ALICE,
    ENDPOINT,
    LOGIN_BOOKKEEPING,
    PASSWORD,
    XML,
    alert,
    basic_cred,
    message,
    reply_of,
    server_messages,
    statuses,
    store_rows,
    vcard,
)

FIRST_CONTACTS = 10_000
DB_GROWTH_BOUND = 100 * 1024
"""What 10,000 first contacts may add to the database files: no row is written (the old nonce per device
came to about 1 MB)."""


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def first_contact(device: str, with_md5: bool) -> Request:
    """A new device's first message: without credentials, or MD5 made with an empty nonce (SyncEvolution)."""
    cred = Cred(data=md5_digest(md5_credential(ALICE, PASSWORD), b""), meta=Meta(type=AUTH_MD5, format="b64"))
    header = SyncHdr(
        version=SyncMLVersion.V1_2,
        session_id="1",
        msg_id="1",
        target=LocRef(ENDPOINT),
        source=LocRef(device, ALICE),
        cred=cred if with_md5 else None,
    )
    sync_alert = Alert(
        cmd_id="1",
        data=AlertCode.SLOW_SYNC,
        items=(Item(target=LocRef("contacts"), source=LocRef("./contacts"), meta=Meta(anchor=Anchor(next="1"))),),
    )
    return Request(SyncML(header, (sync_alert,), final=True), Encoding.XML, ENDPOINT, client_address="192.0.2.1")


def test_ten_thousand_first_contacts_from_distinct_devices_write_nothing(store: Store, tmp_path: Path) -> None:
    ctx = EngineContext()
    before = database_bytes(tmp_path)
    rows_before = store_rows(tmp_path)
    for number in range(FIRST_CONTACTS):
        outcome = handle_message(first_contact(f"IMEI:{number:015d}", with_md5=number % 2 == 1), store, ctx)
        status = outcome.reply.commands[0]
        assert isinstance(status, Status) and status.data in (401, 407) and status.chal is not None
        assert outcome.challenge
    assert database_bytes(tmp_path) - before < DB_GROWTH_BOUND
    assert store_rows(tmp_path) == rows_before


def md5_phone(store: Store, ctx: EngineContext, device_id: str = "alice-md5") -> Device:
    return Device(
        transport=in_process_transport(store, ctx),
        url=ENDPOINT,
        user=ALICE,
        password=PASSWORD,
        device_id=device_id,
        auth=AUTH_MD5,
    )


def test_a_challenge_nonce_is_good_for_its_window_and_the_next_only(store: Store) -> None:
    clock = Clock()
    ctx = EngineContext(settings=EngineSettings(challenge_window=300.0), clock=clock)
    phone = md5_phone(store, ctx)
    assert phone.sync(201).header_status == 401, "challenged"
    clock.now += 2 * 300.0
    late = phone.sync(201)
    assert late.header_status == 401 and late.challenge == AUTH_MD5, "the nonce expired: challenged again"
    clock.now += 299.0
    assert phone.sync(201).header_status == 212


def test_a_captured_first_login_cannot_be_replayed_once_the_device_has_logged_in(store: Store) -> None:
    ctx = EngineContext()
    sent: list[SyncML] = []
    transport = in_process_transport(store, ctx)

    def capture(message: SyncML, url: str) -> SyncML:
        sent.append(message)
        return transport(message, url)

    phone = Device(transport=capture, url=ENDPOINT, user=ALICE, password=PASSWORD, device_id="alice-md5", auth=AUTH_MD5)
    phone.sync(201)
    assert phone.sync(201).header_status == 212
    login_with_challenge_nonce = sent[1]
    replayed = handle_message(Request(login_with_challenge_nonce, Encoding.XML, ENDPOINT), store, ctx)
    status = replayed.reply.commands[0]
    assert isinstance(status, Status) and status.data == 401 and not replayed.challenge


def test_stored_nonces_expire_and_are_swept(store: Store) -> None:
    clock = Clock()
    settings = EngineSettings(nonce_lifetime=86400.0)
    ctx = EngineContext(settings=settings, clock=clock)
    phone = md5_phone(store, ctx)
    phone.sync(201)
    assert phone.sync(201).header_status == 212
    with store.transaction() as tx:
        assert tx.get_nonce("alice-md5", issued_after=0.0) is not None
    clock.now += 86400.0 + 1
    assert sweep_store(store, settings, clock.now).nonces == 1
    with store.transaction() as tx:
        assert tx.get_nonce("alice-md5", issued_after=0.0) is None
    expired = phone.sync(200)
    assert (expired.header_status, expired.challenge) == (401, AUTH_MD5)
    assert phone.sync(200).header_status == 212


@pytest.mark.anyio
async def test_a_strangers_messages_naming_alices_device_leave_her_next_md5_login_working(
    new_device: NewDevice,
    client: httpx.AsyncClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    phone = new_device(ALICE, "alice-md5", auth=AUTH_MD5)
    phone.device.add(vcard("Md5").encode())
    assert (await phone.sync()).header_status == 401
    assert (await phone.sync()).header_status == 212
    before = store_rows(tmp_path)
    wrong_md5 = (
        "<Cred><Meta><Format xmlns='syncml:metinf'>b64</Format><Type xmlns='syncml:metinf'>"
        f"syncml:auth-md5</Type></Meta><Data>{base64.b64encode(b'x' * 16).decode()}</Data></Cred>"
    )
    strangers = [
        message(alert(1, 201), device="alice-md5"),
        message(alert(1, 201), device="alice-md5", cred=wrong_md5).replace(
            b"<LocURI>alice-md5</LocURI>", b"<LocURI>alice-md5</LocURI><LocName>nobody@example.org</LocName>"
        ),
        message(alert(1, 201), device="alice-md5", cred=basic_cred(ALICE, "guess")),
    ]
    for body in strangers:
        answered = await client.post("/syncml", content=body, headers={"Content-Type": XML})
        assert statuses(reply_of(answered))[0][1] in (401, 407)
    assert store_rows(tmp_path).without(LOGIN_BOOKKEEPING) == before.without(LOGIN_BOOKKEEPING)
    assert store_rows(tmp_path).tables["nonces"] == before.tables["nonces"], "Alice's nonce is as it was"
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="syncmld"):
        report = await phone.sync()
    assert report.header_status == 212, "her next login succeeds at once, with the nonce she holds"
    assert not [line for line in server_messages(caplog.records) if line.startswith("refused")]


@pytest.mark.anyio
async def test_a_new_devices_first_md5_challenge_is_logged_as_a_challenge_not_as_a_refusal(
    new_device: NewDevice,
    caplog: pytest.LogCaptureFixture,
) -> None:
    phone = new_device(ALICE, "new-md5", auth=AUTH_MD5)
    with caplog.at_level(logging.INFO, logger="syncmld"):
        assert (await phone.sync()).header_status == 401
        assert (await phone.sync()).header_status == 212
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []
    lines = [record.getMessage() for record in caplog.records]
    assert (
        "login of device new-md5 (user 'alice@example.org') challenged: MD5 credentials made with a nonce this "
        "device was not given"
    ) in lines
    assert "challenged account=- device=new-md5 session=1 msgid=1: SyncHdr#0 401, Alert#1 401" in lines


@pytest.mark.anyio
async def test_a_wrong_md5_password_is_still_a_warning(new_device: NewDevice, caplog: pytest.LogCaptureFixture) -> None:
    phone = new_device(ALICE, "thief-md5", auth=AUTH_MD5)
    phone.device.password = "guess"
    with caplog.at_level(logging.INFO, logger="syncmld"):
        assert (await phone.sync()).header_status == 401
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert (
        warnings[0] == "login refused for device thief-md5 (user 'alice@example.org'): wrong MD5 digest for "
        "alice@example.org"
    )
    assert warnings[1].startswith("refused account=- device=thief-md5 session=1 msgid=1: SyncHdr#0 401")
