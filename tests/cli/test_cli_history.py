"""syncmld history, undo, preview and backup restore --dry-run from the command line, on a SQLite data
directory that a scripted device syncs with through the engine."""

from pathlib import Path

from syncmld.content import to_stored
from syncmld.store.base import NewItem
from tests.cli.conftest import Syncmld, assert_one_error_line, synced_phone
from tests.cli.test_cli_admin import folder_data, make_backups, run_ok, transaction
from tests.engine.conftest import vcard


def test_restore_dry_run_changes_nothing_and_a_restore_is_undone(syncmld: Syncmld, data_dir: Path) -> None:
    anna, _ = make_backups(data_dir)
    d = ("--data-dir", str(data_dir))
    out = run_ok(syncmld, "backup", "restore", anna, "--to", "bert@acme.com", "--dry-run", *d)
    assert out == f"would restore 3 items from {anna} to bert@acme.com: Contacts 2, Notes 1\n"
    assert folder_data(data_dir, "bert@acme.com") == {}
    out = run_ok(syncmld, "backup", "restore", anna, "--to", "bert@acme.com", *d)
    assert out.splitlines()[1] == "recorded as session 1: 'syncmld undo 1' takes this restore back"
    listed = run_ok(syncmld, "history", "bert@acme.com", *d).splitlines()
    assert len(listed) == 1
    assert listed[0].startswith("session 1  ")
    assert listed[0].endswith(
        f"restore  restore of {anna}  Contacts: added 2 replaced 0 deleted 0; Notes: added 1 replaced 0 deleted 0"
    )
    dry = run_ok(syncmld, "undo", "1", "--dry-run", *d).splitlines()
    assert dry[0].endswith("would put back 3 items")
    assert dry[1:] == ["  Contacts: re-add 0, restore 0, remove 2", "  Notes: re-add 0, restore 0, remove 1"]
    assert sum(len(items) for items in folder_data(data_dir, "bert@acme.com").values()) == 3
    done = run_ok(syncmld, "undo", "1", *d).splitlines()
    assert done[-1] == "recorded as session 2: 'syncmld undo 2' takes this undo back"
    assert folder_data(data_dir, "bert@acme.com") == {"Contacts": [], "Notes": []}
    run_ok(syncmld, "undo", "2", *d)
    assert sum(len(items) for items in folder_data(data_dir, "bert@acme.com").values()) == 3


def test_history_shows_a_syncs_items_and_lists_by_folder_and_time(syncmld: Syncmld, data_dir: Path) -> None:
    synced_phone(data_dir, 2)
    d = ("--data-dir", str(data_dir))
    (line,) = run_ok(syncmld, "history", "anna@example.org", "--folder", "contacts", "--since", "1d", *d).splitlines()
    assert line.endswith("sync  IMEI:1  contacts: added 2 replaced 0 deleted 0")
    session = line.split()[1]
    shown = run_ok(syncmld, "history", "show", session, *d).splitlines()
    assert shown[0].endswith("(anna@example.org)")
    assert [entry.split("(")[0].split() for entry in shown[1:]] == [
        ["contacts", "added", "Jörg", "Müller0"],
        ["contacts", "added", "Jörg", "Müller1"],
    ]
    assert run_ok(syncmld, "history", "anna@example.org", "--since", "2999-01-01", *d) == ""


def test_preview_names_what_a_sync_would_do(syncmld: Syncmld, data_dir: Path) -> None:
    synced_phone(data_dir, 2)
    d = ("--data-dir", str(data_dir))
    out = run_ok(syncmld, "preview", "anna@example.org", "IMEI:1", "--mode", "7", *d).splitlines()
    assert out[0].startswith("contacts: slow-to-server (")
    assert out[1] == "  the server deletes 2 items (every other device gets the deletes):"
    assert sorted(line.split("(")[0] for line in out[2:4]) == ["    delete Jörg Müller0 ", "    delete Jörg Müller1 "]
    assert out[4:] == ["  the device gets 0 items:", "  then the server takes what the device sends"]
    assert len(folder_data(data_dir, "anna@example.org")["contacts"]) == 2


def test_mistakes_are_one_error_line(syncmld: Syncmld, data_dir: Path) -> None:
    d = ("--data-dir", str(data_dir))
    assert_one_error_line(syncmld("undo", "42", *d), "no session 42")
    assert_one_error_line(syncmld("history", "show", "42", *d), "no session 42")
    assert_one_error_line(syncmld("history", "nobody@example.org", *d), "no account")
    assert_one_error_line(syncmld("history", "anna@example.org", "--since", "soon", *d), "--since")
    assert_one_error_line(syncmld("history", "anna@example.org", "--folder", "Nowhere", *d), "no folder Nowhere")
    assert_one_error_line(syncmld("preview", "anna@example.org", "IMEI:9", *d), "no device IMEI:9")
    assert_one_error_line(syncmld("preview", "anna@example.org", "IMEI:1", "--mode", "10", *d), "--mode")


def test_dedupe_shows_the_groups_and_merges_them_with_apply(syncmld: Syncmld, data_dir: Path) -> None:
    d = ("--data-dir", str(data_dir))
    with transaction(data_dir) as tx:
        account = tx.get_account("anna@example.org")
        assert account is not None
        folder = tx.ensure_folder(account.id, "Contacts")
        first = vcard(1).replace(b"END:VCARD", b"EMAIL:j@example.org\r\nEND:VCARD")
        copies = [NewItem(None, *to_stored("text/x-vcard", data, None, None)) for data in (first, vcard(1), vcard(2))]
        tx.put_items(folder.id, copies, None)
    shown = run_ok(syncmld, "dedupe", "anna@example.org", *d).splitlines()
    assert shown[0].startswith("Contacts: Jörg Müller1: keep ")
    assert shown[1] == "1 groups, 1 item to merge away (--apply merges them)"
    applied = run_ok(syncmld, "dedupe", "anna@example.org", "--folder", "contacts", "--apply", *d).splitlines()
    assert applied[1:] == ["merged 1 groups: 1 item fewer", "recorded as session 1: 'syncmld undo 1' takes it back"]
    assert len(folder_data(data_dir, "anna@example.org")["Contacts"]) == 2
    assert (
        run_ok(syncmld, "dedupe", "anna@example.org", *d) == "0 groups, 0 items to merge away (--apply merges them)\n"
    )
    assert_one_error_line(syncmld("dedupe", "anna@example.org", "--folder", "Nowhere", *d), "no folder Nowhere")
