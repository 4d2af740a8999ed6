"""A device syncs the account's IMAP INBOX (a real Dovecot): what it receives, what its changes do there."""

import email
import email.policy
import imaplib

import pytest

from syncmld.client.email import RFC822_TYPE, MailItem, write_email_object
from tests.mail.dovecot import Dovecot, down_from_the_sync
from tests.mail.engine_side import MailSetup, mails
from tests.mail.mailbox import append, fill, message

pytestmark = pytest.mark.parametrize("store", ["memory", "sqlite"], indirect=True)
"""Every test runs on the in-memory store and on SQLite."""


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
    _, count = client.select(folder)
    if count[0] == b"0":
        client.logout()
        return {}
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
    fill(client, 300)
    client.logout()
    imap = _imap_messages(dovecot, setup.email)

    oma = setup.device("IMEI:mail-oma")
    report = oma.sync()
    assert report.header_status == 212
    assert report.received["add"] == 300
    received = mails(oma)
    assert _device_messages(received) == {key: value[0] for key, value in imap.items()}
    read = {str(item.parsed["Message-ID"]): item.flags["read"] for item in received.values()}
    assert read == {key: "\\Seen" in flags for key, (_, flags) in imap.items()}

    rfc = setup.device("IMEI:mail-rfc", content_type=RFC822_TYPE)
    rfc.sync()
    plain = {luid: MailItem(message=data) for luid, data in rfc.items.items()}
    assert _device_messages(plain) == {key: value[0] for key, value in imap.items()}


def _flags_by_id(dovecot: Dovecot, address: str, folder: str = "INBOX") -> dict[str, str]:
    return {key: flags for key, (_, flags) in _imap_messages(dovecot, address, folder).items()}


def _luid_of(items: dict[str, MailItem], message_id: str) -> str:
    return next(luid for luid, item in items.items() if str(item.parsed["Message-ID"]) == message_id)


def test_flags_and_deletes_go_both_ways_and_new_and_expunged_mail_reach_the_device(
    setup: MailSetup, dovecot: Dovecot
) -> None:
    client = dovecot.imap(setup.email)
    fill(client, 6)
    client.logout()
    phone = setup.device("IMEI:mail-both-ways")
    phone.sync()
    received = mails(phone)
    ids = sorted(str(item.parsed["Message-ID"]) for item in received.values())
    first, second, third, fourth = ids[:4]

    # the device marks one mail read and flagged, and deletes another
    phone.replace(_luid_of(received, first), write_email_object(MailItem({"read": True, "flagged": True})))
    phone.delete(_luid_of(received, second))
    report = phone.sync()
    assert report.codes_for("Replace") == [200] and report.codes_for("Delete") == [200]
    inbox = _flags_by_id(dovecot, setup.email)
    assert "\\Seen" in inbox[first] and "\\Flagged" in inbox[first]
    assert second not in inbox
    assert second in _flags_by_id(dovecot, setup.email, "Trash")

    # IMAP marks one answered, expunges one, and new mail arrives
    client = dovecot.imap(setup.email)
    client.select("INBOX")
    _, numbers = client.search(None, f'HEADER Message-ID "{third}"')
    client.store(numbers[0].decode(), "+FLAGS", "(\\Answered \\Seen)")
    _, numbers = client.search(None, f'HEADER Message-ID "{fourth}"')
    client.store(numbers[0].decode(), "+FLAGS", "(\\Deleted)")
    client.expunge()
    fill(client, 1, start=100)
    client.logout()
    report = phone.sync()
    assert report.received == {"add": 1, "replace": 1, "delete": 1}
    now = mails(phone)
    assert fourth not in {str(item.parsed["Message-ID"]) for item in now.values() if item.message}
    assert now[_luid_of(received, third)].flags["replied"] is True
    assert now[_luid_of(received, third)].flags["read"] is True
    assert len(now) == 5

    # nothing changed since: a sync moves nothing either way
    report = phone.sync()
    assert report.received == {"add": 0, "replace": 0, "delete": 0}
    assert len(_flags_by_id(dovecot, setup.email)) == 5


def test_a_devices_change_imap_could_not_take_after_the_commit_is_applied_at_its_next_sync_not_undone(
    setup: MailSetup, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    client = dovecot.imap(setup.email)
    fill(client, 3)
    client.logout()
    phone = setup.device("IMEI:mail-journal")
    phone.sync()
    received = mails(phone)
    message_id = sorted(str(item.parsed["Message-ID"]) for item in received.values())[0]
    luid = _luid_of(received, message_id)
    assert "\\Flagged" not in _flags_by_id(dovecot, setup.email)[message_id]

    # IMAP goes down after the device's Alert, before its changes arrive: they are committed, not applied
    phone.replace(luid, write_email_object(MailItem({"read": True, "flagged": True})))
    with down_from_the_sync(dovecot, phone):
        report = phone.sync()
    assert report.codes_for("Replace") == [200]
    assert "\\Flagged" not in _flags_by_id(dovecot, setup.email)[message_id]
    assert any("retried at the next sync" in record.getMessage() for record in caplog.records)

    # the next sync applies them to IMAP before it lists the folder: the device keeps what it did
    report = phone.sync()
    assert report.received == {"add": 0, "replace": 0, "delete": 0}
    assert mails(phone)[luid].flags["flagged"] is True
    flags = _flags_by_id(dovecot, setup.email)[message_id]
    assert "\\Flagged" in flags and "\\Seen" in flags
    with setup.store.transaction() as tx:
        account = tx.get_account(setup.email)
        assert account is not None and tx.pending_mail_changes(account.id) == []


@pytest.fixture
def imap_sent(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every command line this process sends to an IMAP server (imaplib's, under IMAPClient)."""
    sent: list[bytes] = []
    plain = imaplib.IMAP4.send

    def recording(self: imaplib.IMAP4, data: bytes) -> None:
        sent.extend(line for line in data.split(b"\r\n") if line)
        plain(self, data)

    monkeypatch.setattr(imaplib.IMAP4, "send", recording)
    return sent


def _commands(sent: list[bytes], name: bytes) -> list[bytes]:
    return [line for line in sent if f" {name.decode()} ".encode() in line.upper() + b" "]


def test_a_sync_reads_no_listing_when_highestmodseq_did_not_move_and_only_what_changed_when_it_did(
    setup: MailSetup, dovecot: Dovecot, imap_sent: list[bytes]
) -> None:
    client = dovecot.imap(setup.email)
    fill(client, 40)
    client.logout()
    phone = setup.device("IMEI:mail-condstore")
    phone.sync()
    received = mails(phone)

    imap_sent.clear()
    assert phone.sync().received == {"add": 0, "replace": 0, "delete": 0}
    assert _commands(imap_sent, b"FETCH") == [] and _commands(imap_sent, b"SEARCH") == []
    assert len(_commands(imap_sent, b"STATUS")) == 1

    # IMAP flags one mail and expunges another: one FETCH of what changed since, and the UIDs
    first, second = sorted(str(item.parsed["Message-ID"]) for item in received.values())[:2]
    client = dovecot.imap(setup.email)
    client.select("INBOX")
    _, numbers = client.search(None, f'HEADER Message-ID "{first}"')
    client.store(numbers[0].decode(), "+FLAGS", "(\\Flagged)")
    _, numbers = client.search(None, f'HEADER Message-ID "{second}"')
    client.store(numbers[0].decode(), "+FLAGS", "(\\Deleted)")
    client.expunge()
    client.logout()
    imap_sent.clear()
    assert phone.sync().received == {"add": 0, "replace": 1, "delete": 1}
    listing_fetches = [line for line in _commands(imap_sent, b"FETCH") if b"RFC822.SIZE" in line]
    assert len(listing_fetches) == 1 and b"CHANGEDSINCE" in listing_fetches[0]
    assert mails(phone)[_luid_of(received, first)].flags["flagged"] is True
    assert len(mails(phone)) == 39


def test_a_mail_larger_than_the_devices_messages_goes_as_a_large_object(setup: MailSetup, dovecot: Dovecot) -> None:
    client = dovecot.imap(setup.email)
    big = message(900, attachment_kb=120)
    append(client, "INBOX", big)
    fill(client, 3)
    client.logout()
    phone = setup.device("IMEI:mail-small-messages", max_msg_size=16_000)
    report = phone.sync()
    assert report.received["add"] == 4
    assert report.messages > 10
    got = {str(item.parsed["Message-ID"]): item for item in mails(phone).values()}
    sent = email.message_from_bytes(big, policy=email.policy.default)
    arrived = got[str(sent["Message-ID"])].parsed
    (attachment,) = arrived.iter_attachments()
    assert attachment.get_content() == next(sent.iter_attachments()).get_content()


def test_with_mail_delete_expunge_a_deleted_mail_is_expunged_not_moved(setup: MailSetup, dovecot: Dovecot) -> None:
    with setup.store.transaction() as tx:
        tx.set_setting(f"mail_delete:{setup.email}", "expunge")
    client = dovecot.imap(setup.email)
    fill(client, 2)
    client.logout()
    phone = setup.device("IMEI:mail-expunge")
    phone.sync()
    received = mails(phone)
    gone = sorted(str(item.parsed["Message-ID"]) for item in received.values())[0]
    phone.delete(_luid_of(received, gone))
    assert phone.sync().codes_for("Delete") == [200]
    assert gone not in _flags_by_id(dovecot, setup.email)
    assert _flags_by_id(dovecot, setup.email, "Trash") == {}
