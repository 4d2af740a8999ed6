"""What syncmld writes to IMAP for a device's changes is recorded in the store (the folder's HIGHESTMODSEQ
before and after, for that device), at most ``max_writes`` records an account, and so is the APPEND to Sent of a
mail a device sends: a real store and Dovecot."""

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.client.email import MailItem, write_email_object
from syncmld.mail.gateway import MailServers
from syncmld.store import open_store
from syncmld.store.base import Store
from tests.mail.dovecot import Dovecot, SmtpSink
from tests.mail.engine_side import mails, set_up
from tests.mail.mailbox import fill
from tests.mail.test_mail_send import _mail_to


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'syncmld.db'}")
    yield opened
    opened.close()


def _status(dovecot: Dovecot, email: str, folder: str = "INBOX") -> tuple[int, int]:
    """UIDVALIDITY and HIGHESTMODSEQ of the folder, as an IMAP client reads them."""
    client = dovecot.imap(email)
    _, data = client.status(folder, "(UIDVALIDITY HIGHESTMODSEQ)")
    client.logout()
    found = dict(re.findall(rb"(UIDVALIDITY|HIGHESTMODSEQ) (\d+)", data[0] or b""))
    return int(found[b"UIDVALIDITY"]), int(found[b"HIGHESTMODSEQ"])


def test_a_devices_writes_are_recorded_with_the_modseq_they_took_at_most_max_writes_an_account(
    store: Store, dovecot: Dovecot, smtp_sink: SmtpSink, mailbox: tuple[str, str]
) -> None:
    setup = set_up(store, dovecot, smtp_sink, *mailbox)
    setup.ctx = dataclasses.replace(setup.ctx, mail=MailServers(store, timeout=10, max_writes=2))
    client = dovecot.imap(setup.email)
    fill(client, 4)
    client.logout()
    phone = setup.device("IMEI:writer")
    phone.sync()
    luids = sorted(mails(phone))
    spans = []
    for luid in luids[:3]:
        before = _status(dovecot, setup.email)
        phone.replace(luid, write_email_object(MailItem({"flagged": True})))
        phone.sync()
        spans.append((before, _status(dovecot, setup.email)))
    with store.transaction() as tx:
        account = tx.get_account(setup.email)
        assert account is not None
        device = next(d for d in tx.list_devices(account.id) if d.device_ref == "IMEI:writer")
        uidvalidity = spans[0][0][0]
        writes = tx.mail_writes(account.id, "INBOX", uidvalidity, 0.0)
    assert [(write.device_id, write.since, write.until) for write in writes] == [
        (device.id, before[1], after[1]) for before, after in spans[1:]
    ], "the newest two of three, each from the folder's HIGHESTMODSEQ before the write to after it"
    assert all(write.until is not None and write.until > write.since for write in writes)


def test_a_mail_a_device_sends_is_recorded_as_its_write_to_sent(
    store: Store, dovecot: Dovecot, smtp_sink: SmtpSink, mailbox: tuple[str, str]
) -> None:
    setup = set_up(store, dovecot, smtp_sink, *mailbox)
    phone = setup.device("IMEI:sender", server_db="outbox", local_uri="./Outbox")
    phone.sync()
    before = _status(dovecot, setup.email, "Sent")
    phone.add(_mail_to("bert@example.net", 701))
    assert phone.sync().codes_for("Add") == [201]
    after = _status(dovecot, setup.email, "Sent")
    assert after[1] > before[1], "the mail is in Sent"
    with store.transaction() as tx:
        account = tx.get_account(setup.email)
        assert account is not None
        device = next(d for d in tx.list_devices(account.id) if d.device_ref == "IMEI:sender")
        writes = tx.mail_writes(account.id, "Sent", before[0], 0.0)
    assert [(write.device_id, write.since, write.until) for write in writes] == [(device.id, before[1], after[1])]
