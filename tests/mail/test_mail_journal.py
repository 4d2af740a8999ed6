"""Devices' mail changes wait in a bounded journal while the IMAP server (a real Dovecot) is down: once it holds
as many changes, or bytes of messages, as the server allows, further ones are refused with 420 and nothing of
them is kept; once IMAP is back the journal drains and the refused changes, sent again, go through."""

from dataclasses import replace
from email.message import EmailMessage

import pytest

from syncmld.client.email import MailItem, write_email_object
from syncmld.content.email import read_email
from syncmld.store.base import MailJournalLoad
from tests.mail.dovecot import Dovecot, down_from_the_sync
from tests.mail.engine_side import MailSetup
from tests.mail.mailbox import fill
from tests.mail.test_mail_sync import _flags_by_id, _imap_messages

FULL = "waiting for IMAP are at their limit"


pytestmark = pytest.mark.parametrize("store", ["memory", "sqlite"], indirect=True)
"""Every test runs on the in-memory store and on SQLite."""


def _limited(setup: MailSetup, changes: int = 10_000, message_bytes: int = 50 * 1024 * 1024) -> None:
    settings = replace(setup.ctx.settings, mail_journal_max_changes=changes, mail_journal_max_bytes=message_bytes)
    setup.ctx = replace(setup.ctx, settings=settings)


def _load(setup: MailSetup) -> MailJournalLoad:
    with setup.store.transaction() as tx:
        account = tx.get_account(setup.email)
        assert account is not None
        return tx.mail_journal_load(account.id)


def _flagged_in_the_snapshot(setup: MailSetup) -> int:
    with setup.store.transaction() as tx:
        account = tx.get_account(setup.email)
        assert account is not None
        folder = tx.get_folder(account.id, "mail")
        assert folder is not None
        return sum(read_email(item.data).flags.get("flagged", False) for item in tx.iter_items(folder.id))


def test_flag_changes_past_the_journals_limit_get_420_and_go_through_once_imap_is_back(
    setup: MailSetup, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    _limited(setup, changes=3)
    client = dovecot.imap(setup.email)
    fill(client, 5)
    client.logout()
    phone = setup.device("IMEI:journal-full")
    phone.sync()
    luids = sorted(phone.items)
    for luid in luids:
        phone.replace(luid, write_email_object(MailItem({"read": True, "flagged": True})))

    with down_from_the_sync(dovecot, phone):
        report = phone.sync()
        assert report.codes_for("Replace") == [200, 200, 200, 420, 420]
        assert _load(setup) == MailJournalLoad(3, 0)
        full = [record for record in caplog.records if FULL in record.getMessage()]
        assert len(full) == 1 and f"account {setup.email}" in full[0].getMessage()
    assert _flagged_in_the_snapshot(setup) == 3  # the refused changes left nothing behind

    # IMAP is back: the next sync applies the journal first, and the refused changes, sent again, go through
    for luid in luids[3:]:
        phone.replace(luid, write_email_object(MailItem({"read": True, "flagged": True})))
    report = phone.sync()
    assert report.codes_for("Replace") == [200, 200]
    assert _load(setup) == MailJournalLoad()
    flags = _flags_by_id(dovecot, setup.email)
    assert len(flags) == 5 and all("\\Flagged" in found and "\\Seen" in found for found in flags.values())


def _draft(number: int, body_bytes: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Anna Ärger <anna@example.com>"
    mail["Subject"] = f"Entwurf {number}"
    mail["Message-ID"] = f"<journal-draft-{number}@example.com>"
    mail.set_content("x" * body_bytes + "\n")
    return mail.as_bytes()


def test_drafts_past_the_journals_bytes_get_420_and_are_appended_once_imap_is_back(
    setup: MailSetup, dovecot: Dovecot
) -> None:
    _limited(setup, message_bytes=6000)
    phone = setup.device("IMEI:journal-bytes", server_db="mail/drafts")
    phone.sync()
    small = phone.add(write_email_object(MailItem({"read": True}, _draft(1, 2000))))
    large = phone.add(write_email_object(MailItem({"read": True}, _draft(2, 4000))))

    with down_from_the_sync(dovecot, phone):
        assert phone.sync().codes_for("Add") == [201, 420]
        waiting = _load(setup)
        assert waiting.changes == 1 and 2000 < waiting.message_bytes < 3000

    phone.changes[large] = "add"
    assert phone.sync().codes_for("Add") == [201]
    assert _load(setup) == MailJournalLoad()
    drafts = _imap_messages(dovecot, setup.email, "Drafts")
    assert sorted(drafts) == ["<journal-draft-1@example.com>", "<journal-draft-2@example.com>"]
    assert small in phone.items
