"""Acceptance 6: a contact with a 5 MB photo travels both ways through 10 kB messages, in XML and WBXML.
Each direction is about 800 messages; the seconds it took are printed, not asserted (bench/ measures)."""

import time

import pytest

from .client import DeviceFactory
from .conftest import BOTH_WIRES
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts
from .vcard_files import add_photo

pytestmark = [pytest.mark.timeout(300), BOTH_WIRES]

SMALL_MESSAGES = ("--max-msg-size", "10240")
PHOTO_BYTES = 5_000_000


def test_a_5mb_photo_contact_syncs_both_ways_through_10kb_messages(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    sender, receiver = device("sender"), device("receiver")
    contact = sender.generate(1)[0]
    add_photo(contact, PHOTO_BYTES)
    assert contact.stat().st_size > PHOTO_BYTES
    originals = device_contacts(sender)

    started = time.monotonic()
    sent = sender.sync("slow", *SMALL_MESSAGES)
    upload_s = time.monotonic() - started
    assert sent.ok, sent.describe()
    assert sent.server.added == 1, sent.describe()
    assert_same_contacts(server_contacts(server.data_dir, login.email), originals, "server vs sender")

    started = time.monotonic()
    received = receiver.sync("two-way", *SMALL_MESSAGES)
    download_s = time.monotonic() - started
    assert received.ok, received.describe()
    assert received.client.added == 1, received.describe()
    assert_same_contacts(device_contacts(receiver), originals, "receiver vs sender")
    print(f"5 MB photo: upload {upload_s:.1f} s, download {download_s:.1f} s")
