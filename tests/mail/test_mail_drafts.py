"""Drafts and moves reach IMAP (a real Dovecot): a mail a phone adds to Drafts is appended there and not sent, a
draft it writes again takes the old one's place, and a message taken out of one folder and put in another in the
same message is moved, not copied."""

from email.message import EmailMessage

from syncmld.client.email import MailItem, write_email_object
from syncmld.mail.model import Endpoint, FolderChanges, MailLogin, NewMail, Security
from tests.mail.dovecot import Dovecot, SmtpSink
from tests.mail.engine_side import MailSetup, mails
from tests.mail.mailbox import fill
from tests.mail.test_mail_sync import _imap_messages


def _draft(subject: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Anna Ärger <anna@example.com>"
    mail["To"] = "joerg@example.net"
    mail["Subject"] = subject
    mail["Message-ID"] = "<draft-1@example.com>"
    mail.set_content("Noch nicht fertig: schöne Grüße.\n")
    return mail.as_bytes()


def test_a_draft_the_phone_adds_is_appended_to_drafts_not_sent_and_writing_it_again_replaces_it(
    setup: MailSetup, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    phone = setup.device("IMEI:drafts", server_db="mail/drafts")
    phone.sync()
    sent_before = len(smtp_sink.received)
    luid = phone.add(write_email_object(MailItem({"read": True}, _draft("Entwurf \u2603 eins"))))
    assert phone.sync().codes_for("Add") == [201]
    drafts = _imap_messages(dovecot, setup.email, "Drafts")
    (key, flags), *_ = [(value[0], value[1]) for value in drafts.values()]
    assert list(drafts) == ["<draft-1@example.com>"] and key[1] == "Entwurf \u2603 eins"
    assert "\\Draft" in flags and "\\Seen" in flags
    assert len(smtp_sink.received) == sent_before
    assert phone.sync().received == {"add": 0, "replace": 0, "delete": 0}
    assert list(phone.items) == [luid]

    phone.replace(luid, write_email_object(MailItem({"read": True}, _draft("Entwurf zwei"))))
    assert phone.sync().codes_for("Replace") == [200]
    drafts = _imap_messages(dovecot, setup.email, "Drafts")
    assert [value[0][1] for value in drafts.values()] == ["Entwurf zwei"]
    assert phone.sync().received == {"add": 0, "replace": 0, "delete": 0}
    assert len(smtp_sink.received) == sent_before

    other = setup.device("IMEI:drafts-other", server_db="mail/drafts")
    other.sync()
    assert [str(item.parsed["Subject"]) for item in mails(other).values()] == ["Entwurf zwei"]


def test_a_message_removed_from_one_folder_and_added_to_another_in_one_message_is_moved_not_copied(
    setup: MailSetup, dovecot: Dovecot
) -> None:
    client = dovecot.imap(setup.email)
    made = fill(client, 2)
    assert client.create("Archive")[0] == "OK"
    client.select("INBOX")
    _, found = client.uid("SEARCH", None, "ALL")  # type: ignore[arg-type]
    first = int(found[0].split()[0])
    _, answer = client.status("INBOX", "(UIDVALIDITY)")
    validity = int(answer[0].decode().rsplit(" ", 1)[1].rstrip(")"))
    client.logout()
    message_id = str(next(iter(_imap_messages(dovecot, setup.email))))
    moved = next(data for data in made if message_id.encode() in data)
    assert setup.ctx.mail is not None
    login = MailLogin(
        Endpoint("127.0.0.1", dovecot.port, Security.PLAIN),
        Endpoint("127.0.0.1", 25, Security.PLAIN),
        setup.email,
        setup.password,
    )
    changes = (
        FolderChanges("INBOX", validity, removed=(first,)),
        FolderChanges("Archive", 0, added=(NewMail("device-item", moved),), store_folder=1),
    )
    placed = setup.ctx.mail.apply(login, changes)
    assert message_id not in _imap_messages(dovecot, setup.email)
    assert _imap_messages(dovecot, setup.email, "Trash") == {}
    assert list(_imap_messages(dovecot, setup.email, "Archive")) == [message_id]
    assert [(place.key, place.path) for place in placed] == [("device-item", "Archive")]
