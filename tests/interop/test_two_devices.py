"""Two devices of one account converge: first syncs, no-change syncs, edits in both directions."""

import pytest

from .client import Counts, DeviceFactory, succeeded
from .conftest import BOTH_WIRES
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts
from .vcard_files import rename_contact

pytestmark = [pytest.mark.timeout(300), BOTH_WIRES]


def test_second_device_receives_all_200_contacts_and_resyncs_move_nothing(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    a, b = device("a"), device("b")
    a.generate(200)
    originals = device_contacts(a)
    assert any(not vcard.isascii() for vcard in originals), "the generated data should hold non-ASCII text"

    sent = succeeded(a.sync("slow"))
    assert sent.server == Counts(added=200, updated=0, deleted=0, rejected=0), sent.describe()
    received = succeeded(b.sync())
    assert received.client.added == 200, received.describe()

    assert_same_contacts(server_contacts(server.data_dir, login.email), originals, "server vs device A")
    assert_same_contacts(device_contacts(b), originals, "device B vs device A")
    assert len(b.files()) == 200

    for quiet in (a, b):
        again = succeeded(quiet.sync())
        assert again.mode == "two-way", again.describe()
        assert (again.client.moved, again.server.moved) == (0, 0), again.describe()
    assert_same_contacts(server_contacts(server.data_dir, login.email), originals, "server after no-op syncs")
    assert_same_contacts(device_contacts(a), originals, "device A after no-op syncs")
    assert_same_contacts(device_contacts(b), originals, "device B after no-op syncs")


def test_changes_on_one_device_reach_the_other(device: DeviceFactory, server: SyncmldServer, login: Login) -> None:
    a, b = device("a"), device("b")
    a.generate(20)
    succeeded(a.sync("slow"))
    succeeded(b.sync())

    files = sorted(a.data_dir.iterdir())
    for number, path in enumerate(files[:5]):
        rename_contact(path, f"Edited Ñame {number}")
    for path in files[5:8]:
        path.unlink()
    a.generate(2, start=21)

    sent = succeeded(a.sync())
    assert sent.mode == "two-way", sent.describe()
    assert sent.server == Counts(added=2, updated=5, deleted=3, rejected=0), sent.describe()
    received = succeeded(b.sync())
    assert received.client == Counts(added=2, updated=5, deleted=3, rejected=0), received.describe()
    assert_same_contacts(device_contacts(b), device_contacts(a), "device B vs device A after A's changes")
    assert_same_contacts(server_contacts(server.data_dir, login.email), device_contacts(a), "server vs A")

    b_files = sorted(b.data_dir.iterdir())
    rename_contact(b_files[0], "Changed on B")
    b_files[1].unlink()
    b.generate(1, start=50)

    sent_back = succeeded(b.sync())
    assert sent_back.server == Counts(added=1, updated=1, deleted=1, rejected=0), sent_back.describe()
    back = succeeded(a.sync())
    assert back.client == Counts(added=1, updated=1, deleted=1, rejected=0), back.describe()
    assert back.server.moved == 0, back.describe()
    assert_same_contacts(device_contacts(a), device_contacts(b), "device A vs device B after B's changes")
    assert_same_contacts(server_contacts(server.data_dir, login.email), device_contacts(b), "server vs B")
