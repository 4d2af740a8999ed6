"""The mailbox as a SyncML 1.2 folder tree (a real Dovecot): a phone whose DevInf takes folder objects gets every
IMAP folder with its role and parent, each mail below its folder; what it moves, and what IMAP moves."""

from email.message import EmailMessage

import pytest

from syncmld.client import Device
from syncmld.client.email import FOLDER_TYPE, MailItem, mail_tree, parse_email_object, write_email_object
from tests.mail.dovecot import Dovecot, SmtpSink
from tests.mail.engine_side import MailSetup
from tests.mail.mailbox import fill
from tests.mail.test_mail_sync import _imap_messages

ARCHIVE = "Archive/2024"
FILLED = {"INBOX": 5, "Sent": 3, "Drafts": 2, ARCHIVE: 4}


@pytest.fixture
def setup(setup: MailSetup, dovecot: Dovecot) -> MailSetup:
    client = dovecot.imap(setup.email)
    assert client.create(ARCHIVE)[0] == "OK"
    start = 1
    for folder, count in FILLED.items():
        fill(client, count, folder, start=start)
        start += count
    client.logout()
    return setup


def _by_folder(phone: Device) -> dict[str, set[str]]:
    """Folder path -> the Message-IDs of the mails the phone holds below it."""
    folders = mail_tree(phone.items, phone.types, phone.parents)
    found: dict[str, set[str]] = {folder.path: set() for folder in folders.values()}
    for luid, data in phone.items.items():
        if phone.type_of(luid) != FOLDER_TYPE:
            parent = phone.parents.get(luid)
            assert parent in folders, f"mail {luid} is below no folder"
            found[folders[parent].path].add(str(parse_email_object(data).parsed["Message-ID"]))
    return found


def _folder_luid(phone: Device, path: str) -> str:
    return next(
        luid for luid, folder in mail_tree(phone.items, phone.types, phone.parents).items() if folder.path == path
    )


def _mail_luid(phone: Device, message_id: str) -> str:
    return next(
        luid
        for luid, data in phone.items.items()
        if phone.type_of(luid) != FOLDER_TYPE and str(parse_email_object(data).parsed["Message-ID"]) == message_id
    )


def test_a_phone_taking_folder_objects_gets_the_folders_with_roles_and_parents_and_each_mail_below_its_folder(
    setup: MailSetup, dovecot: Dovecot
) -> None:
    phone = setup.device("IMEI:tree", folders=True)
    report = phone.sync()
    assert report.header_status == 212
    folders = {folder.path: folder.role for folder in mail_tree(phone.items, phone.types, phone.parents).values()}
    assert folders == {
        "INBOX": "inbox",
        "Sent": "sent",
        "Drafts": "drafts",
        "Trash": "deleted",
        "Outbox": "outbox",
        "Archive": None,
        ARCHIVE: None,
    }
    held = _by_folder(phone)
    for folder in FILLED:
        assert held[folder] == set(_imap_messages(dovecot, setup.email, folder)), folder
    assert held["Trash"] == held["Outbox"] == held["Archive"] == set()
    assert phone.sync().received == {"add": 0, "replace": 0, "delete": 0}

    plain = setup.device("IMEI:tree-not")
    plain.sync()
    assert len(plain.items) == FILLED["INBOX"] and not plain.types


def test_a_mail_the_phone_moves_to_another_folder_is_moved_in_imap_and_not_downloaded_again(
    setup: MailSetup, dovecot: Dovecot
) -> None:
    phone = setup.device("IMEI:tree-move", folders=True)
    phone.sync()
    moved = next(key for key, (_, flags) in _imap_messages(dovecot, setup.email).items() if "\\Seen" in flags)
    luid = _mail_luid(phone, moved)
    phone.move(luid, _folder_luid(phone, ARCHIVE))
    assert phone.sync().codes_for("Move") == [200]

    assert moved not in _imap_messages(dovecot, setup.email)
    assert moved not in _imap_messages(dovecot, setup.email, "Trash")
    archived = _imap_messages(dovecot, setup.email, ARCHIVE)
    assert moved in archived and "\\Seen" in archived[moved][1]
    assert phone.sync().received == {"add": 0, "replace": 0, "delete": 0}
    assert _mail_luid(phone, moved) == luid and phone.parents[luid] == _folder_luid(phone, ARCHIVE)

    other = setup.device("IMEI:tree-move-other", folders=True)
    other.sync()
    assert moved in _by_folder(other)[ARCHIVE] and moved not in _by_folder(other)["INBOX"]


def test_a_mail_moved_in_imap_is_a_delete_in_the_old_folder_and_an_add_in_the_new(
    setup: MailSetup, dovecot: Dovecot
) -> None:
    phone = setup.device("IMEI:tree-imap-move", folders=True)
    phone.sync()
    moved = sorted(_by_folder(phone)["Sent"])[0]
    client = dovecot.imap(setup.email)
    client.select("Sent")
    _, numbers = client.search(None, f'HEADER Message-ID "{moved}"')
    assert client.copy(numbers[0].decode(), ARCHIVE)[0] == "OK"
    client.store(numbers[0].decode(), "+FLAGS", "(\\Deleted)")
    client.expunge()
    client.logout()
    assert phone.sync().received == {"add": 1, "replace": 0, "delete": 1}
    held = _by_folder(phone)
    assert moved in held[ARCHIVE] and moved not in held["Sent"]


def test_a_mail_added_below_the_outbox_is_sent_once_and_kept_nowhere(
    setup: MailSetup, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    phone = setup.device("IMEI:tree-outbox", folders=True)
    phone.sync()
    mail = EmailMessage()
    mail["From"] = setup.email
    mail["To"] = "someone@example.net"
    mail["Subject"] = "from the tree's outbox"
    mail["Message-ID"] = "<tree-outbox@example.com>"
    mail.set_content("Hello.\n")
    before = len(smtp_sink.received)
    phone.add(write_email_object(MailItem(message=mail.as_bytes())), parent=_folder_luid(phone, "Outbox"))
    assert phone.sync().codes_for("Add") == [201]
    assert len(smtp_sink.received) == before + 1
    assert "<tree-outbox@example.com>" in _imap_messages(dovecot, setup.email, "Sent")
