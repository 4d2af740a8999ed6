"""Whose change a mailbox watcher saw, from the records of what syncmld wrote to IMAP: a device's own only
when its writes span the whole change and no other device's touch it."""

from syncmld.push.mail_origin import OPEN_WRITE, writer_of
from syncmld.store.base import MailWrite

NOW = 1_000_000.0
PHONE, TABLET = 1, 2


def write(device: int, since: int, until: int | None, at: float = NOW - 1) -> MailWrite:
    return MailWrite(7, device, "INBOX", 42, since, until, at)


def test_a_change_within_one_devices_writes_is_its_own() -> None:
    assert writer_of([write(PHONE, 10, 12)], 10, 12, NOW) == PHONE
    assert writer_of([write(PHONE, 10, 12)], 10, 11, NOW) == PHONE
    assert writer_of([write(PHONE, 10, 12), write(PHONE, 12, 15)], 10, 15, NOW) == PHONE
    assert writer_of([write(PHONE, 10, None)], 10, 11, NOW) == PHONE, "still writing"


def test_a_change_beyond_or_between_a_devices_writes_is_nobodys() -> None:
    assert writer_of([write(PHONE, 10, 12)], 10, 13, NOW) is None, "an IMAP client changed the folder after"
    assert writer_of([write(PHONE, 10, 12), write(PHONE, 13, 15)], 10, 15, NOW) is None, "and between"
    assert writer_of([write(PHONE, 11, 12)], 10, 12, NOW) is None, "and before"
    assert writer_of([write(PHONE, 10, 12)], 12, 14, NOW) is None
    assert writer_of([], 10, 12, NOW) is None


def test_two_devices_writes_in_one_change_tell_both() -> None:
    assert writer_of([write(PHONE, 10, 12), write(TABLET, 12, 14)], 10, 14, NOW) is None
    assert writer_of([write(PHONE, 10, 12), write(TABLET, 12, 14)], 12, 14, NOW) == TABLET


def test_a_writing_whose_end_was_never_recorded_counts_for_a_while_only() -> None:
    assert writer_of([write(PHONE, 10, None, at=NOW - OPEN_WRITE + 1)], 10, 11, NOW) == PHONE
    assert writer_of([write(PHONE, 10, None, at=NOW - OPEN_WRITE - 1)], 10, 11, NOW) is None
