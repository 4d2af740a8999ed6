"""Backup archives: names and counters, concurrent writers, the documented ZIP layout, reading,
damage, and restoring into an account."""

import json
import os
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncmld.backup import Backup, BackupError, BackupItem, BackupStore, backup_items, read_archive, restore_backup
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import NewItem, Store

NEW_YEARS_EVE = datetime(2008, 12, 31, 10, 0, tzinfo=UTC).timestamp()
NEW_YEAR = datetime(2009, 1, 1, 9, 0, tzinfo=UTC).timestamp()
VCARD = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;John\r\nEND:VCARD\r\n"
BINARY = bytes(range(256)) * 3


@pytest.fixture
def backups(tmp_path: Path) -> BackupStore:
    return BackupStore(tmp_path / "backups")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(sqlite_url(tmp_path))
    yield opened
    opened.close()


def run_at_once(count: int, work: Callable[[int], None]) -> None:
    """Run ``work(0)`` ... ``work(count - 1)`` in threads released together; re-raise any failure."""
    start = threading.Barrier(count)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# --- names ----------------------------------------------------------------------------------


def test_name_is_prefix_date_and_counter_and_two_on_one_day_count_up(backups: BackupStore) -> None:
    first = backups.start("anna@example.org", "nokia", NEW_YEARS_EVE)
    second = backups.start("anna@example.org", "nokia", NEW_YEARS_EVE + 3600)
    assert (first, second) == ("nokia200812310001.wot", "nokia200812310002.wot")
    assert sorted(os.listdir(backups.directory)) == [first, second]


def test_the_counter_restarts_the_next_day(backups: BackupStore) -> None:
    backups.start("anna@example.org", "nokia", NEW_YEARS_EVE)
    backups.start("anna@example.org", "nokia", NEW_YEARS_EVE)
    assert backups.start("anna@example.org", "nokia", NEW_YEAR) == "nokia200901010001.wot"


def test_without_a_prefix_the_name_is_date_and_counter_counted_apart(backups: BackupStore) -> None:
    backups.start("anna@example.org", "nokia", NEW_YEARS_EVE)
    assert backups.start("anna@example.org", "", NEW_YEARS_EVE) == "200812310001.wot"
    assert backups.start("anna@example.org", "", NEW_YEARS_EVE) == "200812310002.wot"
    assert backups.start("anna@example.org", "nokia", NEW_YEARS_EVE) == "nokia200812310002.wot"


def test_the_counter_continues_after_the_highest_archive_present(backups: BackupStore) -> None:
    first = backups.start("anna@example.org", "x", NEW_YEARS_EVE)
    backups.start("anna@example.org", "x", NEW_YEARS_EVE)
    (backups.directory / first).unlink()
    assert backups.start("anna@example.org", "x", NEW_YEARS_EVE) == "x200812310003.wot"


def test_the_date_is_the_utc_date_whatever_the_local_time_zone(
    backups: BackupStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    try:
        late_evening_utc = datetime(2008, 12, 31, 23, 30, tzinfo=UTC).timestamp()
        assert backups.start("anna@example.org", "", late_evening_utc) == "200812310001.wot"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("prefix", ["../evil", "a.b", "nokia 6230", "snö", "a/b"])
def test_a_prefix_with_other_characters_is_refused(backups: BackupStore, prefix: str) -> None:
    with pytest.raises(BackupError, match="letters, digits"):
        backups.start("anna@example.org", prefix, NEW_YEARS_EVE)
    assert not backups.directory.exists() or os.listdir(backups.directory) == []


def test_backups_started_at_once_get_distinct_names(backups: BackupStore) -> None:
    threads, per_thread = 6, 20
    names: list[str] = []

    def start_several(_: int) -> None:
        for _ in range(per_thread):
            names.append(backups.start("anna@example.org", "nokia", NEW_YEARS_EVE))

    run_at_once(threads, start_several)
    assert sorted(names) == [f"nokia20081231{n:04d}.wot" for n in range(1, threads * per_thread + 1)]
    assert all(backups.read_backup(name).account == "anna@example.org" for name in names)


# --- writing and reading --------------------------------------------------------------------


def test_items_are_read_back_exactly_in_the_order_they_were_added(backups: BackupStore) -> None:
    name = backups.start("Anna@Example.org", "", NEW_YEARS_EVE)
    backups.add(name, "Contacts", "17", "text/x-vcard", VCARD)
    backups.add(name, "Kalender/Arbeit ä", None, "application/octet-stream", BINARY)
    backups.add_items(
        name, [BackupItem("Contacts", "18", "text/vcard", b""), BackupItem("Notes", "n1", "text/plain", b"x")]
    )

    backup = backups.read_backup(name)
    assert (backup.name, backup.account, backup.created) == (
        name,
        "anna@example.org",
        datetime(2008, 12, 31, 10, 0, tzinfo=UTC),
    )
    assert list(backup_items(backup)) == [
        BackupItem("Contacts", "17", "text/x-vcard", VCARD),
        BackupItem("Kalender/Arbeit ä", None, "application/octet-stream", BINARY),
        BackupItem("Contacts", "18", "text/vcard", b""),
        BackupItem("Notes", "n1", "text/plain", b"x"),
    ]
    assert read_archive(backups.directory / name) == backup


def test_the_archive_is_a_plain_zip_in_the_documented_layout(backups: BackupStore) -> None:
    name = backups.start("anna@example.org", "nokia", NEW_YEARS_EVE)
    backups.add(name, "Contacts", "17", "text/x-vcard", VCARD)
    backups.add(name, "Contacts", "18", "text/x-vcard", VCARD)
    backups.add(name, "Calendar/Work", None, "text/calendar", b"BEGIN:VCALENDAR")
    with zipfile.ZipFile(backups.directory / name) as archive:
        assert archive.namelist() == [
            "manifest.json",
            "Contacts/000001.data",
            "Contacts/000001.json",
            "Contacts/000002.data",
            "Contacts/000002.json",
            "Calendar%2FWork/000001.data",
            "Calendar%2FWork/000001.json",
        ]
        assert json.loads(archive.read("manifest.json")) == {
            "format": "syncmld-backup",
            "version": 1,
            "account": "anna@example.org",
            "created": "2008-12-31T10:00:00+00:00",
        }
        assert archive.read("Contacts/000002.data") == VCARD
        assert json.loads(archive.read("Calendar%2FWork/000001.json")) == {
            "folder": "Calendar/Work",
            "luid": None,
            "content_type": "text/calendar",
            "size": 15,
        }
        assert archive.testzip() is None
    assert (backups.directory / name).stat().st_mode & 0o077 == 0


def test_adds_from_several_threads_at_once_all_arrive(backups: BackupStore) -> None:
    name = backups.start("anna@example.org", "", NEW_YEARS_EVE)
    writers, per_writer = 4, 15

    def write(writer: int) -> None:
        for n in range(per_writer):
            backups.add(name, f"Folder{writer}", str(n), "text/plain", f"{writer}-{n}".encode())

    run_at_once(writers, write)
    items = list(backup_items(backups.read_backup(name)))
    assert len(items) == writers * per_writer
    for writer in range(writers):
        own = [item for item in items if item.folder == f"Folder{writer}"]
        assert [item.data for item in own] == [f"{writer}-{n}".encode() for n in range(per_writer)]


def test_adding_to_a_missing_archive_or_without_a_folder_fails(backups: BackupStore) -> None:
    with pytest.raises(BackupError, match=re.escape("no backup 200812310001.wot")):
        backups.add("200812310001.wot", "Contacts", "1", "text/x-vcard", VCARD)
    name = backups.start("anna@example.org", "", NEW_YEARS_EVE)
    with pytest.raises(BackupError, match="folder"):
        backups.add(name, "", "1", "text/x-vcard", VCARD)
    assert backups.read_backup(name).entries == ()


# --- listing --------------------------------------------------------------------------------


def test_list_shows_every_archive_by_name_or_those_of_one_account(backups: BackupStore) -> None:
    assert backups.list_backups() == []
    anna = backups.start("anna@example.org", "nokia", NEW_YEARS_EVE)
    bert = backups.start("bert@example.org", "", NEW_YEAR)
    backups.add(anna, "Contacts", "1", "text/x-vcard", VCARD)
    backups.add(anna, "Notes", "2", "text/plain", b"note")
    (backups.directory / "notes.txt").write_text("not an archive")

    listed = backups.list_backups()
    assert [(i.name, i.account, i.item_count, i.problem) for i in listed] == [
        (bert, "bert@example.org", 0, None),
        (anna, "anna@example.org", 2, None),
    ]
    assert listed[0].created == datetime(2009, 1, 1, 9, 0, tzinfo=UTC)
    assert [info.name for info in backups.list_backups("ANNA@example.org")] == [anna]
    assert backups.list_backups("carl@example.org") == []


def test_a_damaged_archive_is_listed_with_its_problem_but_not_under_an_account(backups: BackupStore) -> None:
    name = backups.start("anna@example.org", "", NEW_YEARS_EVE)
    (backups.directory / name).write_bytes(b"garbage")
    (info,) = backups.list_backups()
    assert (info.name, info.problem is not None) == (name, True)
    assert "damaged" in str(info.problem)
    assert backups.list_backups("anna@example.org") == []


# --- damage ---------------------------------------------------------------------------------


def write_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)


MANIFEST = json.dumps(
    {"format": "syncmld-backup", "version": 1, "account": "anna@example.org", "created": "2008-12-31T10:00:00+00:00"}
).encode()


def item_json(size: int, folder: str = "Contacts") -> bytes:
    return json.dumps({"folder": folder, "luid": "1", "content_type": "text/x-vcard", "size": size}).encode()


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"Contacts/000001.data": VCARD, "Contacts/000001.json": item_json(len(VCARD))}, "manifest.json is missing"),
        ({"manifest.json": b"[1, 2]"}, "not a JSON object"),
        ({"manifest.json": b"{not json"}, "damaged"),
        ({"manifest.json": MANIFEST.replace(b"syncmld-backup", b"other")}, "not a syncmld-backup archive"),
        ({"manifest.json": MANIFEST, "Contacts/000001.data": VCARD}, "has no description"),
        ({"manifest.json": MANIFEST, "Contacts/000001.json": item_json(3)}, "000001.data is missing"),
        (
            {"manifest.json": MANIFEST, "Contacts/000001.data": VCARD, "Contacts/000001.json": item_json(3)},
            "its description says 3",
        ),
        (
            {"manifest.json": MANIFEST, "Contacts/000001.data": VCARD, "Contacts/000001.json": item_json(45, "Notes")},
            "not in the directory of folder 'Notes'",
        ),
        ({"manifest.json": MANIFEST, "../../etc/passwd": b"x"}, "unexpected member ../../etc/passwd"),
    ],
)
def test_an_archive_not_in_the_documented_layout_is_damaged(
    backups: BackupStore, members: dict[str, bytes], reason: str
) -> None:
    backups.directory.mkdir()
    path = backups.directory / "200812310001.wot"
    write_zip(path, members)
    with pytest.raises(BackupError, match="damaged") as raised:
        backups.read_backup(path.name)
    assert reason in str(raised.value)


def test_a_truncated_or_corrupted_archive_is_damaged(backups: BackupStore) -> None:
    name = backups.start("anna@example.org", "", NEW_YEARS_EVE)
    backups.add(name, "Contacts", "1", "text/plain", b"A" * 2000)
    path = backups.directory / name
    intact = path.read_bytes()

    path.write_bytes(intact[: len(intact) // 2])
    with pytest.raises(BackupError, match=re.escape(f"backup {name} is damaged")):
        backups.read_backup(name)
    with pytest.raises(BackupError, match="damaged"):
        backups.add(name, "Contacts", "2", "text/plain", b"more")

    offset = intact.index(b"Contacts/000001.data") + len("Contacts/000001.data") + 5
    path.write_bytes(intact[:offset] + bytes([intact[offset] ^ 0xFF]) + intact[offset + 1 :])
    with pytest.raises(BackupError, match="damaged"):
        backups.read_backup(name)


def test_a_missing_archive_or_a_name_that_is_no_archive_name_is_a_clear_error(backups: BackupStore) -> None:
    with pytest.raises(BackupError, match="no backup"):
        backups.read_backup("nokia200812310001.wot")
    with pytest.raises(BackupError, match="not a backup name"):
        backups.read_backup("../syncmld.db")


# --- restoring ------------------------------------------------------------------------------


def archive_with_three_items(backups: BackupStore) -> Backup:
    name = backups.start("anna@example.org", "nokia", NEW_YEARS_EVE)
    backups.add(name, "Contacts", "1", "text/x-vcard", VCARD)
    backups.add(name, "Contacts", "2", "text/x-vcard", VCARD.replace(b"John", b"Jane"))
    backups.add(name, "Notes", "3", "text/plain", BINARY)
    return backups.read_backup(name)


def folder_contents(store: Store, email: str) -> dict[str, list[tuple[str, bytes]]]:
    with store.transaction() as tx:
        account = tx.get_account(email)
        assert account is not None
        return {
            folder.name: sorted((item.content_type, item.data) for item in tx.iter_items(folder.id))
            for folder in tx.list_folders(account.id)
        }


def test_restore_puts_the_items_into_another_accounts_folders(backups: BackupStore, store: Store) -> None:
    backup = archive_with_three_items(backups)
    with store.transaction() as tx:
        bert = tx.add_account("bert@example.org", "md5", "hash")
        existing = tx.ensure_folder(bert.id, "contacts")
        tx.put_items(existing.id, [NewItem(None, "text/x-vcard", b"mine")], None)
        counts = restore_backup(backup, tx, bert.id)
    assert counts == {"Contacts": 2, "Notes": 1}
    assert folder_contents(store, "bert@example.org") == {
        "contacts": sorted(
            [("text/x-vcard", b"mine"), ("text/x-vcard", VCARD), ("text/x-vcard", VCARD.replace(b"John", b"Jane"))]
        ),
        "Notes": [("text/plain", BINARY)],
    }


def test_restore_into_one_folder_puts_every_item_there(backups: BackupStore, store: Store) -> None:
    backup = archive_with_three_items(backups)
    with store.transaction() as tx:
        carl = tx.add_account("carl@example.org", "md5", "hash")
        counts = restore_backup(backup, tx, carl.id, folder="Restored")
    assert counts == {"Restored": 3}
    assert [len(items) for items in folder_contents(store, "carl@example.org").values()] == [3]
