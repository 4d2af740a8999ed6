"""Mail folders other than the INBOX: ``mail/NAME`` is the IMAP folder NAME (any case, levels joined by ``/``),
synced both ways like the INBOX (a real Dovecot)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.client.email import MailItem, write_email_object
from syncmld.store import open_store
from syncmld.store.base import Store
from tests.mail.dovecot import Dovecot, SmtpSink
from tests.mail.engine_side import MailSetup, mails, set_up
from tests.mail.mailbox import fill
from tests.mail.test_mail_sync import _device_messages, _flags_by_id, _imap_messages, _luid_of

FOLDERS = {"mail": ("INBOX", 120), "Mail/SENT": ("Sent", 60), "mail/drafts": ("Drafts", 60)}
ARCHIVE = "Archive/2024"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'syncmld.db'}")
    yield opened
    opened.close()


@pytest.fixture
def setup(store: Store, dovecot: Dovecot, smtp_sink: SmtpSink, mailbox: tuple[str, str]) -> MailSetup:
    made = set_up(store, dovecot, smtp_sink, *mailbox)
    client = dovecot.imap(made.email)
    assert client.create(ARCHIVE)[0] == "OK"
    start = 1
    for folder, count in [*FOLDERS.values(), (ARCHIVE, 60)]:
        fill(client, count, folder, start=start)
        start += count
    client.logout()
    return made


def test_300_messages_over_four_folders_reach_devices_as_imap_holds_them(setup: MailSetup, dovecot: Dovecot) -> None:
    seen: set[str] = set()
    for server_db, (folder, count) in [*FOLDERS.items(), ("./Mail/archive/2024", (ARCHIVE, 60))]:
        phone = setup.device(f"IMEI:folders-{folder}", server_db=server_db)
        report = phone.sync()
        assert report.received["add"] == count, folder
        imap = _imap_messages(dovecot, setup.email, folder)
        assert _device_messages(mails(phone)) == {key: value[0] for key, value in imap.items()}
        seen |= set(imap)
    assert len(seen) == 300


def test_flags_and_deletes_in_a_nested_folder_reach_it_and_a_delete_in_trash_expunges(
    setup: MailSetup, dovecot: Dovecot
) -> None:
    phone = setup.device("IMEI:folders-archive", server_db="mail/ARCHIVE/2024")
    phone.sync()
    received = mails(phone)
    first, second = sorted(_device_messages(received))[:2]
    phone.replace(_luid_of(received, first), write_email_object(MailItem({"flagged": True})))
    phone.delete(_luid_of(received, second))
    report = phone.sync()
    assert report.codes_for("Replace") == [200] and report.codes_for("Delete") == [200]
    archive = _flags_by_id(dovecot, setup.email, ARCHIVE)
    assert "\\Flagged" in archive[first] and second not in archive
    assert second in _flags_by_id(dovecot, setup.email, "Trash")

    trash = setup.device("IMEI:folders-trash", server_db="mail/trash")
    trash.sync()
    trash.delete(_luid_of(mails(trash), second))
    assert trash.sync().codes_for("Delete") == [200]
    assert _flags_by_id(dovecot, setup.email, "Trash") == {}


def test_a_mail_folder_the_imap_server_does_not_have_gets_404(setup: MailSetup) -> None:
    phone = setup.device("IMEI:folders-none", server_db="mail/Nowhere")
    assert phone.sync().codes_for("Alert")[:1] == [404]
