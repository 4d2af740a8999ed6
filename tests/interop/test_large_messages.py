"""A small client MaxMsgSize: 200 contacts and one ~30 kB contact travel both ways."""

import pytest

from .client import DeviceFactory
from .conftest import BOTH_WIRES
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts
from .vcard_files import add_photo

pytestmark = [pytest.mark.timeout(300), BOTH_WIRES]

SMALL_MESSAGES = ("--max-msg-size", "10240")


def test_contacts_and_a_30kb_contact_fit_through_10kb_messages(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    sender, receiver = device("sender"), device("receiver")
    sender.generate(200)
    big = sender.generate(1, start=201)[0]
    add_photo(big, 23_000)
    assert big.stat().st_size > 30_000
    originals = device_contacts(sender)

    sent = sender.sync("slow", *SMALL_MESSAGES)
    assert sent.ok, sent.describe()
    assert sent.server.added == 201, sent.describe()
    assert_same_contacts(server_contacts(server.data_dir, login.email), originals, "server vs sender")

    received = receiver.sync("two-way", *SMALL_MESSAGES)
    assert received.ok, received.describe()
    assert received.client.added == 201, received.describe()
    assert_same_contacts(device_contacts(receiver), originals, "receiver vs sender")
