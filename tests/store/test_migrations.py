"""Schema migrations: a database made by an older syncmld is upgraded in place, its data kept."""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text

from syncmld import content
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import ChangeSessionSpec, ChangeSource, DeviceSync, Domain, MailJournalLoad, MailSend, NewItem
from syncmld.store.pushes import PushTiming
from syncmld.store.sealing import SecretBox
from syncmld.store.sql import upgrade_schema
from syncmld.store.uids import identity_key
from tests.store.backends import empty_store_url


@contextmanager
def database_at(url: str, revision: str) -> Iterator[Connection]:
    """A connection to a new database at migration ``revision``, its writes committed when the block ends."""
    engine = create_engine(url)
    try:
        upgrade_schema(engine, SecretBox(bytes(32)), revision)
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def make_revision_0001_database(data_dir: Path) -> None:
    """A database at migration 0001 with one account, device, folder, item and sync state."""
    with database_at(sqlite_url(data_dir), "0001") as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, email, md5_credential, password_hash, enabled)"
                " VALUES (1, 'anna@example.org', 'md5', 'hash', 0)"
            )
        )
        connection.execute(text("INSERT INTO devices (id, account_id, device_ref) VALUES (2, 1, 'IMEI:1')"))
        connection.execute(
            text("INSERT INTO folders (id, account_id, name, name_key) VALUES (3, 1, 'Contacts', 'contacts')")
        )
        connection.execute(
            text(
                "INSERT INTO items (folder_id, guid, content_type, data, version, seq, origin_device_id, deleted)"
                " VALUES (3, 'g1', 'text/x-vcard', X'424547494E', 1, 1, 2, 0)"
            )
        )
        connection.execute(text("UPDATE sequence_counter SET value = 1"))
        connection.execute(
            text(
                "INSERT INTO sync_states (device_id, folder_id, client_anchor, server_anchor, seq)"
                " VALUES (2, 3, 'c1', 's1', 1)"
            )
        )
        connection.execute(text("INSERT INTO maps (device_id, folder_id, guid, luid) VALUES (2, 3, 'g1', '17')"))
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert revision == "0001"


def contacts_database(url: str, revision: str, rows: list[dict[str, object]]) -> None:
    """A new database at migration ``revision`` with account 1 and its folder 3 (Contacts) holding ``rows``
    (guid, content_type, data, seq, deleted)."""
    with database_at(url, revision) as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, email, md5_credential, password_hash, enabled)"
                " VALUES (1, 'anna@example.org', 'md5', 'hash', true)"
            )
        )
        connection.execute(
            text("INSERT INTO folders (id, account_id, name, name_key) VALUES (3, 1, 'Contacts', 'contacts')")
        )
        connection.execute(
            text(
                "INSERT INTO items (folder_id, guid, content_type, data, version, seq, origin_device_id,"
                " deleted) VALUES (3, :guid, :content_type, :data, 1, :seq, NULL, :deleted)"
            ),
            rows,
        )


def test_a_0001_database_is_upgraded_with_its_data_kept(tmp_path: Path) -> None:
    make_revision_0001_database(tmp_path)
    store = open_store(sqlite_url(tmp_path))
    try:
        with store.transaction() as tx:
            account = tx.get_account("anna@example.org")
            assert account is not None and not account.enabled and account.item_key == ""
            (device,) = tx.list_devices(account.id)
            folder = tx.get_folder(account.id, "contacts")
            assert folder is not None
            (item,) = tx.iter_items(folder.id)
            assert (item.guid, item.data, item.seq) == ("g1", b"BEGIN", 1)
            assert tx.get_sync_state(device.id, folder.id) is not None
            assert tx.all_maps(device.id, folder.id) == {"g1": "17"}

            tx.set_setting("syncml", "off")
            tx.add_domain("example.org")
            tx.access_allow("example.org")
            tx.record_device_sync(DeviceSync(device.id, "Contacts", "slow", "ok", 5.0))
        with store.transaction() as tx:
            assert tx.list_settings() == {"syncml": "off"}
            assert tx.list_domains() == [Domain("example.org")]
            assert tx.list_access() == ["example.org"]
            assert [s.mode for s in tx.list_device_syncs(device.id)] == ["slow"]
            tx.forget_device(account.id, "IMEI:1")
        with store.transaction() as tx:
            assert tx.list_devices(account.id) == []
            assert tx.list_device_syncs(device.id) == []
            assert tx.count_items(folder.id) == 1
    finally:
        store.close()


def test_items_of_a_0004_database_have_no_parent_after_the_upgrade(tmp_path: Path) -> None:
    with database_at(sqlite_url(tmp_path), "0004") as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, email, md5_credential, password_hash, enabled)"
                " VALUES (1, 'anna@example.org', 'md5', 'hash', 1)"
            )
        )
        connection.execute(text("INSERT INTO folders (id, account_id, name, name_key) VALUES (3, 1, 'Files', 'files')"))
        connection.execute(
            text(
                "INSERT INTO items (folder_id, guid, content_type, data, version, seq,"
                " origin_device_id, deleted)"
                " VALUES (3, 'g1', 'text/plain', X'6869', 1, 1, NULL, 0)"
            )
        )
    store = open_store(sqlite_url(tmp_path))
    try:
        with store.transaction() as tx:
            (item,) = tx.iter_items(3)
            assert (item.guid, item.data, item.parent) == ("g1", b"hi", None)
            tx.put_items(3, [NewItem("g2", "text/plain", b"child", "g1")], None)
        with store.transaction() as tx:
            assert [child.guid for child in tx.children_of(3, ["g1"])] == ["g2"]
    finally:
        store.close()


def test_what_dav_clients_made_folders_hold_moves_from_settings_into_the_folders(tmp_path: Path) -> None:
    with database_at(sqlite_url(tmp_path), "0011") as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, email, md5_credential, password_hash, enabled)"
                " VALUES (1, 'anna@example.org', 'md5', 'hash', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO folders (id, account_id, name, name_key)"
                " VALUES (3, 1, 'Work', 'work'), (4, 1, 'Photos', 'photos')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO settings (name, value) VALUES ('dav-collection:3', 'calendar:VEVENT,VTODO'),"
                " ('dav-collection:9', 'addressbook'), ('syncml', 'on')"
            )
        )
    store = open_store(sqlite_url(tmp_path))
    try:
        with store.transaction() as tx:
            assert [(f.name, f.dav_collection) for f in tx.list_folders(1)] == [
                ("Photos", None),
                ("Work", "calendar:VEVENT,VTODO"),
            ]
            assert tx.list_settings() == {"syncml": "on"}
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_items_of_a_0017_database_are_found_by_their_uid_after_the_upgrade(backend: str, tmp_path: Path) -> None:
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nUID:card-%d\r\nEND:VCARD\r\n"
    event = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:event-1\r\n"
        b"DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    rows = [
        {"guid": f"g{n:04d}", "content_type": "text/vcard", "data": card % n, "seq": n + 1, "deleted": False}
        for n in range(1200)
    ]
    rows += [
        {"guid": "ev", "content_type": "text/calendar", "data": event, "seq": 2000, "deleted": False},
        {"guid": "gone", "content_type": "text/vcard", "data": b"", "seq": 2001, "deleted": True},
        {"guid": "note", "content_type": "text/plain", "data": b"UID:card-1", "seq": 2002, "deleted": False},
    ]
    with empty_store_url(backend, tmp_path) as url:
        contacts_database(url, "0017", rows)
        store = open_store(url)
        try:
            with store.transaction() as tx:
                assert tx.guids_with_uid(3, "card-1") == ["g0001"]
                assert tx.guids_with_uid(3, "card-1199") == ["g1199"]
                assert tx.guids_with_uid(3, "event-1") == ["ev"]
                assert tx.guids_with_uid(3, "") == []
        finally:
            store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_items_of_a_0025_database_are_duplicate_candidates_until_their_identity_is_worked_out(
    backend: str, tmp_path: Path
) -> None:
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Müller%d;Jörg;;;\r\nFN:Jörg Müller%d\r\nEND:VCARD\r\n"
    rows = [
        {
            "guid": f"g{n:04d}",
            "content_type": "text/vcard",
            "data": (card % (n, n)).encode(),
            "seq": n + 1,
            "deleted": False,
        }
        for n in range(1200)
    ]
    rows.append({"guid": "note", "content_type": "text/plain", "data": b"x" * 5000, "seq": 2000, "deleted": False})
    with empty_store_url(backend, tmp_path) as url:
        contacts_database(url, "0025", rows)
        store = open_store(url)
        try:
            with store.transaction() as tx:
                candidates = tx.duplicate_candidates(3, [], None, 0)
                assert [(item.guid, key) for item, key in candidates] == [(row["guid"], None) for row in rows]
                tx.set_identities(
                    3,
                    {
                        item.guid: (item.seq, identity_key(content.read(item.content_type, item.data).identity))
                        for item, _ in candidates
                    },
                )
            with store.transaction() as tx:
                (ann, _), *_ = tx.duplicate_candidates(
                    3, [identity_key(content.read("text/vcard", (card % (1, 1)).encode()).identity)], None, 0
                )
                assert ann.guid == "g0001"
                assert tx.duplicate_candidates(3, ["nobody"], None, 0) == []
        finally:
            store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_mail_changes_waiting_in_a_0021_database_count_towards_the_journals_bound_after_the_upgrade(
    backend: str, tmp_path: Path
) -> None:
    waiting = '{"folder":"INBOX","flags":[[7,["flagged"]]]}'
    with empty_store_url(backend, tmp_path) as url:
        with database_at(url, "0021") as connection:
            connection.execute(
                text(
                    "INSERT INTO accounts (id, email, md5_credential, password_hash, enabled)"
                    " VALUES (1, 'anna@example.org', 'md5', 'hash', true)"
                )
            )
            connection.execute(
                text("INSERT INTO mail_journal (account_id, changes) VALUES (1, :changes)"), {"changes": waiting}
            )
        store = open_store(url)
        try:
            with store.transaction() as tx:
                assert tx.mail_journal_load(1) == MailJournalLoad(1, len(waiting))
                assert [entry.changes for entry in tx.pending_mail_changes(1)] == [waiting]
        finally:
            store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_mails_sent_recorded_in_a_0024_database_are_still_not_sent_again_and_expire_from_the_upgrade_on(
    backend: str, tmp_path: Path
) -> None:
    with empty_store_url(backend, tmp_path) as url:
        with database_at(url, "0024") as connection:
            connection.execute(
                text(
                    "INSERT INTO mail_sends (key, status, detail) VALUES ('sent', 201, '250 OK'),"
                    " ('on its way', NULL, '')"
                )
            )
        upgraded_at = time.time()
        store = open_store(url)
        try:
            with store.transaction() as tx:
                known = tx.claim_send(MailSend("sent", None, at=upgraded_at + 1), 10)
                assert known is not None and (known.status, known.detail, known.account_id) == (201, "250 OK", None)
                assert upgraded_at <= known.at < upgraded_at + 60
                assert tx.purge_mail_sends(upgraded_at - 60) == 0
                assert tx.purge_mail_sends(upgraded_at + 60) == 1
            with store.transaction() as tx:
                assert tx.claim_send(MailSend("sent", None, at=upgraded_at + 1), 10) is None
                assert tx.claim_send(MailSend("on its way", None, at=upgraded_at + 1), 10) is not None
        finally:
            store.close()


def test_the_indexes_of_parents_uids_and_kept_versions_of_a_0026_database_hold_only_rows_with_one(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path)
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann %d\r\nEND:VCARD\r\n"
    rows = [
        {"guid": f"g{n:04d}", "content_type": "text/vcard", "data": (card % n).encode(), "seq": n + 1, "deleted": False}
        for n in range(1000)
    ]
    contacts_database(url, "0026", rows)
    store = open_store(url)
    try:
        with store.transaction() as tx:
            tx.record_changes_as(ChangeSessionSpec(1, ChangeSource.SYNC, "IMEI:1", time.time()))
            new = [NewItem(None, "text/vcard", (card % n).encode()) for n in range(1000, 3000)]
            new.append(NewItem("child", "text/vcard", b"BEGIN:VCARD\r\nFN:Bo\r\nUID:bo-1\r\nEND:VCARD\r\n", "g0001"))
            tx.put_items(3, new, None)
        with store.transaction() as tx:
            assert [item.guid for item in tx.children_of(3, ["g0001", "g0002"])] == ["child"]
            assert tx.guids_with_uid(3, "bo-1") == ["child"]
    finally:
        store.close()
    connection = sqlite3.connect(tmp_path / "syncmld.db")
    try:
        pages = dict(connection.execute("SELECT name, count(*) FROM dbstat GROUP BY name").fetchall())
    finally:
        connection.close()
    # 3,001 items and 2,001 change records, all but one without a parent, a UID or a kept version
    assert pages["ix_items_folder_id_parent"] == pages["ix_items_folder_id_uid"] == 1
    assert pages["ix_item_changes_history_id"] == 1
    assert pages["ix_items_folder_id_seq_origin_device_id"] > 10


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_notification_pending_in_a_0027_database_is_claimed_delivered_and_a_change_since_kept_after_the_upgrade(
    backend: str, tmp_path: Path
) -> None:
    with empty_store_url(backend, tmp_path) as url:
        with database_at(url, "0027") as connection:
            connection.execute(
                text(
                    "INSERT INTO accounts (id, email, md5_credential, password_hash, enabled)"
                    " VALUES (1, 'anna@example.org', 'md5', 'hash', true)"
                )
            )
            connection.execute(text("INSERT INTO devices (id, account_id, device_ref) VALUES (2, 1, 'IMEI:2')"))
            connection.execute(
                text("INSERT INTO folders (id, account_id, name, name_key) VALUES (3, 1, 'Contacts', 'contacts')")
            )
            connection.execute(
                text(
                    "INSERT INTO push_devices (device_id, channel, address, source, version, wbxml, awaiting_since,"
                    " sent, failures, last_error) VALUES (2, 'log', '', 'admin', '1.2', true, NULL, 0, 0, '')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO push_folders (device_id, folder_id, remote_uri, content_type)"
                    " VALUES (2, 3, 'card', '')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO push_pending (device_id, first_at, last_at, attempts, next_at, claimed_by,"
                    " claimed_until) VALUES (2, 1.0, 1.0, 0, 1.0, NULL, NULL)"
                )
            )
            connection.execute(text("INSERT INTO push_pending_folders (device_id, folder_id, seq) VALUES (2, 3, 0)"))
        store = open_store(url)
        try:
            timing = PushTiming(quiet=1.0, max_wait=10.0, resend_after=3600.0, lease=30.0)
            with store.transaction() as tx:
                (told,) = tx.claim_pushes("w", 100.0, timing, 10)
                assert [folder.remote_uri for folder in told.folders] == ["card"]
                tx.note_folder_change(3, None, 101.0)
                tx.push_delivered(told.claim, 102.0)
                assert tx.count_pending_pushes() == 1
            with store.transaction() as tx:
                (again,) = tx.claim_pushes("w", 102.0 + timing.resend_after + 1, timing, 10)
                tx.push_delivered(again.claim, 102.0 + timing.resend_after + 2)
                assert tx.count_pending_pushes() == 0
        finally:
            store.close()
