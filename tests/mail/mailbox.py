"""Test mail: messages with non-ASCII headers and attachments, put into a real IMAP mailbox with imaplib."""

import imaplib
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def message(number: int, attachment_kb: int = 0, body_kb: int = 0, days_old: int = 0) -> bytes:
    """Mail number ``number``: a non-ASCII subject and sender name, a text body, maybe an attachment."""
    mail = EmailMessage()
    mail["From"] = f"Jörg Müller <joerg{number}@example.net>"
    mail["To"] = "Anna Ärger <anna@example.com>"
    mail["Subject"] = f"Grüße Nr. {number} \u2013 \u2603 snow"
    mail["Message-ID"] = make_msgid(idstring=f"m{number}", domain="test.example")
    mail["Date"] = format_datetime(datetime.now(UTC) - timedelta(days=days_old))
    body = f"Hallo Anna,\n\nNachricht {number}: schöne Grüße.\n" + ("x" * 70 + "\n") * (body_kb * 1024 // 71)
    mail.set_content(body)
    if attachment_kb:
        mail.add_attachment(
            bytes(range(256)) * (attachment_kb * 4),
            maintype="application",
            subtype="octet-stream",
            filename=f"anhang-{number}.bin",
        )
    return mail.as_bytes()


def append(client: imaplib.IMAP4, folder: str, data: bytes, flags: str = "", days_old: int = 0) -> None:
    when = imaplib.Time2Internaldate(time.time() - days_old * 86400)
    status, detail = client.append(folder, f"({flags})" if flags else None, when, data)
    assert status == "OK", detail


def fill(client: imaplib.IMAP4, count: int, folder: str = "INBOX", start: int = 1) -> list[bytes]:
    """``count`` messages into ``folder``: every fifth with an attachment, every third read."""
    made = []
    for number in range(start, start + count):
        data = message(number, attachment_kb=8 if number % 5 == 0 else 0)
        append(client, folder, data, "\\Seen" if number % 3 == 0 else "")
        made.append(data)
    return made
