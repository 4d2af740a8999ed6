"""The e-mail objects read back from a mail folder's items stay small in memory whatever size those items have."""

import gc
import tracemalloc

from syncmld.content.email import Email, write_email
from syncmld.engine.mail import snapshot_of
from syncmld.store.base import StoredItem


def large_item(number: int) -> StoredItem:
    """A stored e-mail object of about 20 kB holding its message, different for each ``number``."""
    message = f"Subject: {number}\r\n\r\n".encode() + b"x" * 20_000
    data = write_email(Email({"read": True}, {"received": "20260101T000000Z"}, message))
    return StoredItem(1, f"4711:{number}", "application/vnd.omads-email+xml", data, 1, number, None)


def test_reading_back_thousands_of_large_mail_items_keeps_no_memory_for_them() -> None:
    items = (large_item(number) for number in range(1000))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for item in items:
            assert snapshot_of(item).flags["read"]
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 2_000_000
