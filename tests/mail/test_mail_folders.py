"""Mail folders other than the INBOX: ``mail/NAME`` is the IMAP folder NAME (any case, levels joined by ``/``),
synced both ways like the INBOX (a real Dovecot)."""

import pytest

from syncmld.client.email import (
    FOLDER_TYPE,
    RFC822_TYPE,
    MailItem,
    mail_tree,
    parse_email_object,
    write_email_object,
)
from tests.mail.dovecot import Dovecot
from tests.mail.engine_side import MailSetup, mails
from tests.mail.mailbox import fill
from tests.mail.test_mail_sync import _device_messages, _flags_by_id, _imap_messages, _luid_of

FOLDERS = {"mail": ("INBOX", 120), "Mail/SENT": ("Sent", 60), "mail/drafts": ("Drafts", 60)}
ARCHIVE = "Archive/2024"


@pytest.fixture
def setup(setup: MailSetup, dovecot: Dovecot) -> MailSetup:
    client = dovecot.imap(setup.email)
    assert client.create(ARCHIVE)[0] == "OK"
    start = 1
    for folder, count in [*FOLDERS.values(), (ARCHIVE, 60)]:
        fill(client, count, folder, start=start)
        start += count
    client.logout()
    return setup


def test_300_messages_over_four_folders_reach_devices_as_imap_holds_them(setup: MailSetup, dovecot: Dovecot) -> None:
    """Each folder synced on its own by an OMA DS e-mail device and by an RFC 822 one, and the whole mailbox by a
    device that takes the folder tree: all decode to what IMAP holds (Message-IDs, subjects, texts)."""
    held: dict[str, dict[str, tuple[str, str, str]]] = {}
    for server_db, (folder, count) in [*FOLDERS.items(), ("./Mail/archive/2024", (ARCHIVE, 60))]:
        imap = _imap_messages(dovecot, setup.email, folder)
        held[folder] = {key: value[0] for key, value in imap.items()}
        phone = setup.device(f"IMEI:folders-{folder}", server_db=server_db)
        assert phone.sync().received["add"] == count, folder
        assert _device_messages(mails(phone)) == held[folder]
        rfc = setup.device(f"IMEI:folders-rfc-{folder}", server_db=server_db, content_type=RFC822_TYPE)
        assert rfc.sync().received["add"] == count, folder
        assert _device_messages({luid: MailItem(message=data) for luid, data in rfc.items.items()}) == held[folder]
    assert len({key for messages in held.values() for key in messages}) == 300
    assert sum(1 for messages in held.values() for key in messages if "Gr\u00fc\u00dfe" in messages[key][1]) == 300

    tree = setup.device("IMEI:folders-tree", folders=True)
    tree.sync()
    folders = mail_tree(tree.items, tree.types, tree.parents)
    below: dict[str, dict[str, MailItem]] = {}
    for luid, data in tree.items.items():
        if tree.type_of(luid) != FOLDER_TYPE:
            below.setdefault(folders[str(tree.parents[luid])].path, {})[luid] = parse_email_object(data)
    assert {folder: _device_messages(items) for folder, items in below.items()} == held


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
