"""Any server process on the same PostgreSQL answers any message of a session: SyncEvolution syncs
through a round-robin proxy in front of two ``syncmld serve`` processes."""

from pathlib import Path

import pytest

from syncmld.store import open_store
from tests.interop.client import Counts, Device, succeeded
from tests.interop.sides import assert_same_contacts, device_contacts, normalised
from tests.interop.vcard_files import rename_contact
from tests.server.serve_process import ServeProcess, syncmld
from tests.store.backends import fresh_postgres_url

from .round_robin import RoundRobinProxy

pytestmark = pytest.mark.timeout(600)

EMAIL, PASSWORD = "roundrobin@example.com", "secret-rr"


def server_contacts(db: str) -> list[str]:
    store = open_store(db)
    try:
        with store.transaction() as tx:
            account = tx.get_account(EMAIL)
            assert account is not None
            folder = tx.get_folder(account.id, "contacts")
            assert folder is not None
            return normalised(item.data for item in tx.iter_items(folder.id))
    finally:
        store.close()


def test_a_session_alternating_between_two_servers_syncs_100_contacts_and_changes(
    tmp_path: Path, interop_dir: Path
) -> None:
    with fresh_postgres_url() as db:
        syncmld("account", "add", EMAIL, "--password", PASSWORD, "--db", db)
        one = ServeProcess(tmp_path / "one.log", "--db", db, "--data-dir", str(tmp_path / "one"))
        two = ServeProcess(tmp_path / "two.log", "--db", db, "--data-dir", str(tmp_path / "two"))
        with one, two, RoundRobinProxy([one.url, two.url]) as proxy:
            phone = Device(interop_dir, tmp_path / "se", "rr-phone", proxy.url, EMAIL, PASSWORD, "0")
            laptop = Device(interop_dir, tmp_path / "se", "rr-laptop", proxy.url, EMAIL, PASSWORD, "1")
            phone.generate(100)

            sent = succeeded(phone.sync("slow"))
            assert sent.server == Counts(added=100, updated=0, deleted=0, rejected=0), sent.describe()
            files = sorted(phone.data_dir.iterdir())
            for number, path in enumerate(files[:5]):
                rename_contact(path, f"Edited through the proxy {number}")
            for path in files[5:8]:
                path.unlink()
            phone.generate(2, start=101)
            changed = succeeded(phone.sync())
            assert changed.mode == "two-way", changed.describe()
            assert changed.server == Counts(added=2, updated=5, deleted=3, rejected=0), changed.describe()
            received = succeeded(laptop.sync())
            assert received.client.added == 99, received.describe()
            quiet = succeeded(laptop.sync())
            assert (quiet.mode, quiet.client.moved, quiet.server.moved) == ("two-way", 0, 0), quiet.describe()

            assert_same_contacts(device_contacts(laptop), device_contacts(phone), "laptop vs phone")
            assert_same_contacts(server_contacts(db), device_contacts(phone), "server vs phone")
            sessions = proxy.servers_by_session()
            assert one.stop() == 0
            assert two.stop() == 0

    syncs = {session: servers for session, servers in sessions.items() if len(servers) > 1}
    assert len(syncs) == 4, sessions  # the other sessions are one login message each, challenged for MD5
    for session, servers in syncs.items():
        assert set(servers) == {0, 1}, (session, servers)
    for server in (one, two):
        assert "Traceback" not in server.log
        assert "msg account=roundrobin@example.com" in server.log
