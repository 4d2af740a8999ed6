"""A device syncs the account's IMAP INBOX (a real Dovecot): what it receives, what its changes do there."""

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.client.email import RFC822_TYPE, MailItem
from syncmld.store import open_store
from syncmld.store.base import Store
from tests.mail.dovecot import Dovecot, SmtpSink
from tests.mail.engine_side import MailSetup, mails, set_up
from tests.mail.mailbox import fill
from tests.store.backends import empty_store_url


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with empty_store_url(request.param, tmp_path) as url:
        opened = open_store(url)
        yield opened
        opened.close()


@pytest.fixture
def setup(store: Store, dovecot: Dovecot, smtp_sink: SmtpSink, mailbox: tuple[str, str]) -> MailSetup:
    return set_up(store, dovecot, smtp_sink, *mailbox)


def _key(message: email.message.Message) -> tuple[str, str, str]:
    """Message-ID, subject and text of a message (line ends as LF: XML transport turns CR LF into LF)."""
    body = message.get_body(("plain",)) if isinstance(message, email.message.EmailMessage) else None
    text = body.get_content() if body is not None else ""
    return str(message["Message-ID"]), str(message["Subject"]), text.replace("\r\n", "\n")


def _imap_messages(
    dovecot: Dovecot, address: str, folder: str = "INBOX"
) -> dict[str, tuple[tuple[str, str, str], str]]:
    """Message-ID -> (Message-ID, subject, text) and flags of every message in the IMAP folder."""
    client = dovecot.imap(address)
    client.select(folder)
    _, found = client.fetch("1:*", "(FLAGS BODY.PEEK[])")
    result = {}
    for entry in found:
        if isinstance(entry, tuple):
            parsed = email.message_from_bytes(entry[1], policy=email.policy.default)
            result[str(parsed["Message-ID"])] = (_key(parsed), entry[0].decode())
    client.logout()
    return result


def _device_messages(items: dict[str, MailItem]) -> dict[str, tuple[str, str, str]]:
    return {str(item.parsed["Message-ID"]): _key(item.parsed) for item in items.values()}


def test_a_first_sync_gives_one_device_the_inbox_as_email_objects_and_another_as_rfc822(
    setup: MailSetup, dovecot: Dovecot
) -> None:
    client = dovecot.imap(setup.email)
    fill(client, 30)
    client.logout()
    imap = _imap_messages(dovecot, setup.email)

    oma = setup.device("IMEI:mail-oma")
    report = oma.sync()
    assert report.header_status == 212
    assert report.received["add"] == 30
    received = mails(oma)
    assert _device_messages(received) == {key: value[0] for key, value in imap.items()}
    read = {str(item.parsed["Message-ID"]): item.flags["read"] for item in received.values()}
    assert read == {key: "\\Seen" in flags for key, (_, flags) in imap.items()}

    rfc = setup.device("IMEI:mail-rfc", content_type=RFC822_TYPE)
    rfc.sync()
    plain = {luid: MailItem(message=data) for luid, data in rfc.items.items()}
    assert _device_messages(plain) == {key: value[0] for key, value in imap.items()}
