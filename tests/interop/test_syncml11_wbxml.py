"""SyncML 1.1 in WBXML (the encoding most phones of that generation speak): the foundation scenarios
in one flow, with small messages, a large contact both ways, edits both ways and a quiet resync."""

import pytest

from .client import Counts, DeviceFactory
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts
from .vcard_files import add_photo, rename_contact

pytestmark = [pytest.mark.timeout(300), pytest.mark.parametrize("wire", ["1"], indirect=True)]

SYNCML_11_SMALL = ("--syncml", "1.1", "--max-msg-size", "10240")


def test_syncml_11_wbxml_devices_converge(device: DeviceFactory, server: SyncmldServer, login: Login) -> None:
    a, b = device("a11"), device("b11")
    a.generate(60)
    add_photo(a.generate(1, start=61)[0], 23_000)
    originals = device_contacts(a)

    sent = a.sync("slow", *SYNCML_11_SMALL)
    assert sent.ok and sent.server.added == 61, sent.describe()
    received = b.sync("two-way", *SYNCML_11_SMALL)
    assert received.ok and received.client.added == 61, received.describe()
    assert_same_contacts(device_contacts(b), originals, "B vs A")
    assert_same_contacts(server_contacts(server.data_dir, login.email), originals, "server vs A")

    files = sorted(b.data_dir.iterdir())
    rename_contact(files[0], "Changed on B")
    files[1].unlink()
    b.generate(1, start=90)
    back = b.sync("two-way", *SYNCML_11_SMALL)
    assert back.ok and back.server == Counts(added=1, updated=1, deleted=1, rejected=0), back.describe()
    there = a.sync("two-way", *SYNCML_11_SMALL)
    assert there.ok and there.client == Counts(added=1, updated=1, deleted=1, rejected=0), there.describe()
    assert_same_contacts(device_contacts(a), device_contacts(b), "A vs B")

    quiet = a.sync("two-way", *SYNCML_11_SMALL)
    assert quiet.ok and quiet.mode == "two-way", quiet.describe()
    assert (quiet.client.moved, quiet.server.moved) == (0, 0), quiet.describe()
