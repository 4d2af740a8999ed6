"""When the mail server is down or refuses the login, the Mail data store says so and the others sync."""

import base64
import socket
from dataclasses import replace

import pytest

from syncmld.engine import handle_message
from syncmld.engine.api import Request
from syncmld.mail.gateway import MailServers
from syncmld.protocol.codec import Encoding
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5, AlertCode, SyncMLVersion
from syncmld.protocol.messages import Add, Alert, Anchor, Cred, Item, LocRef, Meta, Status, Sync, SyncHdr, SyncML
from syncmld.status import StatusCode
from syncmld.store.base import MailServer
from tests.mail.dovecot import Dovecot
from tests.mail.engine_side import URL, MailSetup

VCARD = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Ärger;Anna\r\nTEL:+49 170 1\r\nEND:VCARD\r\n"


def _header(setup: MailSetup, msg_id: int, cred: bool = False) -> SyncHdr:
    token = base64.b64encode(f"{setup.email}:{setup.password}".encode()).decode()
    return SyncHdr(
        version=SyncMLVersion.V1_2,
        session_id="1",
        msg_id=str(msg_id),
        target=LocRef(URL),
        source=LocRef("IMEI:faults", setup.email),
        cred=Cred(data=token, meta=Meta(type=AUTH_BASIC, format="b64")) if cred else None,
    )


def _alert(number: str, target: str, source: str) -> Alert:
    item = Item(target=LocRef(target), source=LocRef(source), meta=Meta(anchor=Anchor(next="1")))
    return Alert(cmd_id=number, data=AlertCode.SLOW_SYNC, items=(item,))


def _post(setup: MailSetup, message: SyncML, token: str | None = None) -> SyncML:
    reply = handle_message(Request(message, Encoding.XML, URL, token), setup.store, setup.ctx).reply
    assert reply is not None
    return reply


def _alert_codes(reply: SyncML) -> dict[str, StatusCode]:
    return {
        status.cmd_ref: status.data for status in reply.commands if isinstance(status, Status) and status.cmd == "Alert"
    }


def _sync_contacts_and_mail(setup: MailSetup) -> dict[str, StatusCode]:
    """A session alerting Contacts and Mail, then adding a contact: the Alerts' codes."""
    alerts = (_alert("1", "contacts", "./c"), _alert("2", "mail", "./m"))
    reply = _post(setup, SyncML(_header(setup, 1, cred=True), alerts, final=True))
    assert reply.header.resp_uri is not None
    token = reply.header.resp_uri.rsplit("sid=", 1)[1]
    add = Add(cmd_id="4", meta=Meta(type="text/x-vcard"), items=(Item(source=LocRef("c1"), data=VCARD.encode()),))
    sync = Sync(cmd_id="3", target=LocRef("contacts"), source=LocRef("./c"), commands=(add,))
    second = _post(setup, SyncML(_header(setup, 2), (sync,), final=True), token)
    added = [status.data for status in second.commands if isinstance(status, Status) and status.cmd == "Add"]
    assert added == [201]
    with setup.store.transaction() as tx:
        account = tx.get_account(setup.email)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        assert folder is not None and tx.count_items(folder.id) == 1
    return _alert_codes(reply)


def test_an_imap_server_that_is_down_gets_the_mail_alert_503_and_contacts_still_sync(
    setup: MailSetup, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    dovecot.stop()
    try:
        codes = _sync_contacts_and_mail(setup)
    finally:
        dovecot.resume()
    assert codes == {"1": 200, "2": 503}
    assert any("folder mail: answered 503" in record.getMessage() for record in caplog.records)


def test_a_refused_mail_login_gets_the_mail_alert_401(setup: MailSetup, dovecot: Dovecot) -> None:
    with setup.store.transaction() as tx:
        server = tx.mail_server_for(setup.email)
        assert server is not None
        tx.set_mail_server(MailServer(setup.email, server.imap, server.smtp, login="master", secret="wrong"))
    assert _sync_contacts_and_mail(setup) == {"1": 200, "2": 401}


def test_an_account_without_a_mail_server_gets_404_for_mail(setup: MailSetup) -> None:
    with setup.store.transaction() as tx:
        tx.remove_mail_server(setup.email.partition("@")[2])
    assert _sync_contacts_and_mail(setup) == {"1": 200, "2": 404}


def test_an_imap_server_that_never_answers_gets_503_once_the_mail_timeout_is_over(setup: MailSetup) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    try:
        with setup.store.transaction() as tx:
            tx.set_mail_server(
                MailServer(setup.email, f"imap://127.0.0.1:{silent.getsockname()[1]}", "smtp://127.0.0.1:1")
            )
        setup.ctx = replace(setup.ctx, mail=MailServers(setup.store, timeout=0.5))
        assert _sync_contacts_and_mail(setup) == {"1": 200, "2": 503}
    finally:
        silent.close()


def test_an_account_whose_password_was_never_seen_gets_401_saying_so(
    setup: MailSetup, caplog: pytest.LogCaptureFixture
) -> None:
    phone = setup.device("IMEI:md5-only", auth=AUTH_MD5)
    assert phone.sync().challenge == AUTH_MD5  # the first login is challenged, the second has the nonce
    report = phone.sync()
    assert report.header_status == 212
    assert report.codes_for("Alert")[-1:] == [401]
    assert any("has not logged in with its password" in record.getMessage() for record in caplog.records)
