"""Mail a device puts in its outbox is sent through SMTP once, put in Sent, and its status is the item's."""

import email
import email.policy
import time
from dataclasses import dataclass, replace

import pytest

from syncmld.client import Device
from syncmld.client.email import MailItem, write_email_object
from syncmld.engine import EngineSettings
from syncmld.engine.housekeeping import sweep_store
from syncmld.mail.gateway import MailServers
from syncmld.mail.model import MailLogin, Sent
from syncmld.mail.servers import mail_login
from tests.mail.dovecot import Dovecot, SmtpSink
from tests.mail.engine_side import MailSetup
from tests.mail.mailbox import message


def _outbox(setup: MailSetup, device_id: str, first_sync: bool = True) -> Device:
    """A device with an empty outbox, synced once (a slow sync) unless ``first_sync`` is false."""
    device = setup.device(device_id, server_db="outbox", local_uri="./Outbox")
    if first_sync:
        assert device.sync().alerted_mode == 201
    return device


def _mail_to(recipient: str, number: int) -> bytes:
    data = message(number).replace(b"anna@example.com", recipient.encode())
    return write_email_object(MailItem(message=data))


def _received_by(sink: SmtpSink, subject_number: int) -> list[bytes]:
    return [
        content
        for _, _, content in sink.received
        if f"Nr. {subject_number} " in str(email.message_from_bytes(content, policy=email.policy.default)["Subject"])
    ]


def _sent_folder(dovecot: Dovecot, address: str) -> int:
    client = dovecot.imap(address)
    _, found = client.select("Sent")
    client.logout()
    count = found[0]
    assert count is not None
    return int(count)


def test_a_mail_in_the_outbox_is_sent_once_and_put_in_sent(
    setup: MailSetup, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    phone = _outbox(setup, "IMEI:outbox-1")
    phone.add(_mail_to("bert@example.net", 501))
    report = phone.sync()
    assert report.codes_for("Add") == [201]
    assert len(_received_by(smtp_sink, 501)) == 1
    assert _sent_folder(dovecot, setup.email) == 1
    with setup.store.transaction() as tx:  # nothing of the mail stays in syncmld's items
        account = tx.get_account(setup.email)
        assert account is not None
        folder = tx.get_folder(account.id, "outbox")
        assert folder is not None and tx.count_items(folder.id) == 0


def test_a_refused_recipient_is_the_items_status_and_nothing_is_sent(
    setup: MailSetup, smtp_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    smtp_sink.refused.add("nobody@example.net")
    phone = _outbox(setup, "IMEI:outbox-2")
    phone.add(_mail_to("nobody@example.net", 502))
    report = phone.sync()
    assert report.codes_for("Add") == [500]
    assert _received_by(smtp_sink, 502) == []
    assert any("refused" in record.getMessage() and "outbox" in record.getMessage() for record in caplog.records)


class ServerKilled(Exception):
    """The server process stopped: what it did is done, its reply never leaves."""


@dataclass
class StopsAfterSending:
    """Mail I/O whose process is killed once, right after the SMTP server took a mail."""

    servers: MailServers
    killed: bool = False

    def __getattr__(self, name: str) -> object:
        return getattr(self.servers, name)

    def send(self, login: MailLogin, key: str, message: bytes, device: int) -> Sent:
        sent = self.servers.send(login, key, message, device)
        if not self.killed:
            self.killed = True
            raise ServerKilled
        return sent


def test_a_server_killed_between_smtp_and_its_reply_does_not_send_again_when_the_device_retries(
    setup: MailSetup, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    assert isinstance(setup.ctx.mail, MailServers)
    killing = StopsAfterSending(setup.ctx.mail)
    setup.ctx = type(setup.ctx)(settings=setup.ctx.settings, mail=killing)  # type: ignore[arg-type]
    phone = _outbox(setup, "IMEI:outbox-3")
    phone.add(_mail_to("carla@example.net", 503))
    with pytest.raises(ServerKilled):
        phone.sync()
    assert len(_received_by(smtp_sink, 503)) == 1
    retry = _outbox(setup, "IMEI:outbox-3", first_sync=False)
    retry.items, retry.changes, retry.last_anchor = phone.items, phone.changes, phone.last_anchor
    report = retry.sync()
    assert report.codes_for("Add") == [201]
    assert len(_received_by(smtp_sink, 503)) == 1
    assert _sent_folder(dovecot, setup.email) == 1


def _login(setup: MailSetup) -> MailLogin:
    with setup.store.transaction() as tx:
        server = tx.mail_server_for(setup.email)
    assert server is not None
    login = mail_login(server, setup.email, setup.password)
    assert login is not None
    return login


def test_the_sweep_forgets_a_mail_sent_only_after_its_keep_time(setup: MailSetup, smtp_sink: SmtpSink) -> None:
    servers = MailServers(setup.store, timeout=10)
    login, mail = _login(setup), message(504).replace(b"anna@example.com", b"erik@example.net")
    assert servers.send(login, "k504", mail, 0).status == 201
    settings = replace(EngineSettings(), mail_sends_keep=600.0)
    assert sweep_store(setup.store, settings, time.time() + 500).mail_sends == 0
    assert servers.send(login, "k504", mail, 0).status == 201
    assert len(_received_by(smtp_sink, 504)) == 1, "within its keep time the mail is not sent again"
    assert sweep_store(setup.store, settings, time.time() + 700).mail_sends == 1
    assert servers.send(login, "k504", mail, 0).status == 201
    assert len(_received_by(smtp_sink, 504)) == 2, "its record was forgotten"


def test_an_account_remembers_its_latest_mails_sent_only(setup: MailSetup, smtp_sink: SmtpSink) -> None:
    servers = MailServers(setup.store, timeout=10, max_sends=2)
    login = _login(setup)
    mails = {number: message(number).replace(b"anna@example.com", b"erik@example.net") for number in (505, 506, 507)}
    for number, mail in mails.items():
        servers.send(login, f"k{number}", mail, 0)
    for number in (506, 507):
        servers.send(login, f"k{number}", mails[number], 0)
        assert len(_received_by(smtp_sink, number)) == 1, "the two latest are remembered"
    servers.send(login, "k505", mails[505], 0)
    assert len(_received_by(smtp_sink, 505)) == 2, "the oldest was forgotten"
