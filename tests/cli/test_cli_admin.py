"""The administration commands: account enablement, domains, the access list, settings, devices and
backups, run in-process and checked against the SQLite store and the backups directory."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncmld.backup import BackupStore
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import DeviceSync, Domain, Transaction
from tests.cli.conftest import Syncmld, assert_one_error_line, synced_phone

NEW_YEARS_EVE = datetime(2008, 12, 31, 10, 0, tzinfo=UTC).timestamp()
VCARD = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;John\r\nEND:VCARD\r\n"


@contextmanager
def transaction(data_dir: Path) -> Iterator[Transaction]:
    """A transaction on the data directory's SQLite store, as the server would open it."""
    store = open_store(sqlite_url(data_dir))
    try:
        with store.transaction() as tx:
            yield tx
    finally:
        store.close()


def run_ok(syncmld: Syncmld, *args: str) -> str:
    """stdout of a command that must succeed."""
    run = syncmld(*args)
    assert run.exit_code == 0, run.err
    return run.out


# --- accounts -------------------------------------------------------------------------------


def test_an_account_is_disabled_and_enabled_again(syncmld: Syncmld, data_dir: Path) -> None:
    out = run_ok(syncmld, "account", "disable", "Anna@Example.org", "--data-dir", str(data_dir))
    assert out == "SyncML disabled for account anna@example.org\n"
    with transaction(data_dir) as tx:
        anna = tx.get_account("anna@example.org")
        assert anna is not None and not anna.enabled
    listed = run_ok(syncmld, "account", "list", "--data-dir", str(data_dir))
    assert listed.splitlines() == ["anna@example.org (disabled)", "bert@acme.com"]

    run_ok(syncmld, "account", "enable", "anna@example.org", "--data-dir", str(data_dir))
    with transaction(data_dir) as tx:
        anna = tx.get_account("anna@example.org")
        assert anna is not None and anna.enabled


@pytest.mark.parametrize("command", ["enable", "disable"])
def test_enabling_an_unknown_or_malformed_account_is_one_error_line(
    syncmld: Syncmld, data_dir: Path, command: str
) -> None:
    assert_one_error_line(syncmld("account", command, "nobody@example.org", "--data-dir", str(data_dir)), "nobody")
    assert_one_error_line(syncmld("account", command, "nobody", "--data-dir", str(data_dir)), "e-mail")


# --- domains --------------------------------------------------------------------------------


def test_domains_are_added_disabled_enabled_and_listed(syncmld: Syncmld, data_dir: Path) -> None:
    assert run_ok(syncmld, "domain", "add", "Example.ORG", "--data-dir", str(data_dir)) == "added domain example.org\n"
    run_ok(syncmld, "domain", "add", "acme.com", "--data-dir", str(data_dir))
    out = run_ok(syncmld, "domain", "disable", "example.org", "--data-dir", str(data_dir))
    assert out == "SyncML disabled for domain example.org\n"
    with transaction(data_dir) as tx:
        assert tx.list_domains() == [Domain("acme.com", True), Domain("example.org", False)]
    listed = run_ok(syncmld, "domain", "list", "--data-dir", str(data_dir))
    assert listed.splitlines() == ["acme.com", "example.org (disabled)"]

    run_ok(syncmld, "domain", "enable", "EXAMPLE.org", "--data-dir", str(data_dir))
    with transaction(data_dir) as tx:
        assert tx.get_domain("example.org") == Domain("example.org", True)


def test_an_empty_domain_list_says_every_domain_is_enabled(syncmld: Syncmld, data_dir: Path) -> None:
    run = syncmld("domain", "list", "--data-dir", str(data_dir))
    assert (run.exit_code, run.out) == (0, "")
    assert "every domain counts as enabled" in run.err


def test_domain_mistakes_are_one_error_line(syncmld: Syncmld, data_dir: Path) -> None:
    run_ok(syncmld, "domain", "add", "example.org", "--data-dir", str(data_dir))
    assert_one_error_line(syncmld("domain", "add", "EXAMPLE.org", "--data-dir", str(data_dir)), "exists already")
    assert_one_error_line(
        syncmld("domain", "disable", "nowhere.net", "--data-dir", str(data_dir)), "syncmld domain add nowhere.net"
    )
    for bad in ("localhost", "a@example.org", "exa mple.org", ""):
        assert_one_error_line(syncmld("domain", "add", bad, "--data-dir", str(data_dir)), "not a domain name")
    with transaction(data_dir) as tx:
        assert tx.list_domains() == [Domain("example.org")]


# --- the access list ------------------------------------------------------------------------


def test_accounts_and_domains_are_allowed_listed_and_denied(syncmld: Syncmld, data_dir: Path) -> None:
    assert (
        run_ok(syncmld, "access", "allow", "Acme.COM", "--data-dir", str(data_dir))
        == "acme.com is on the access list\n"
    )
    run_ok(syncmld, "access", "allow", "Anna@Example.org", "--data-dir", str(data_dir))
    with transaction(data_dir) as tx:
        assert tx.list_access() == ["acme.com", "anna@example.org"]
    assert run_ok(syncmld, "access", "list", "--data-dir", str(data_dir)).splitlines() == [
        "acme.com",
        "anna@example.org",
    ]

    out = run_ok(syncmld, "access", "deny", "acme.com", "--data-dir", str(data_dir))
    assert out == "took acme.com off the access list\n"
    out = run_ok(syncmld, "access", "deny", "anna@example.org", "--data-dir", str(data_dir))
    assert "every account may use SyncML" in out
    with transaction(data_dir) as tx:
        assert tx.list_access() == []


def test_an_empty_access_list_says_everyone_may_sync(syncmld: Syncmld, data_dir: Path) -> None:
    run = syncmld("access", "list", "--data-dir", str(data_dir))
    assert (run.exit_code, run.out) == (0, "")
    assert "every account may use SyncML" in run.err


def test_access_mistakes_are_one_error_line(syncmld: Syncmld, data_dir: Path) -> None:
    assert_one_error_line(syncmld("access", "deny", "acme.com", "--data-dir", str(data_dir)), "not on the access list")
    assert_one_error_line(syncmld("access", "allow", "a@@acme.com", "--data-dir", str(data_dir)), "e-mail")
    assert_one_error_line(syncmld("access", "allow", "intranet", "--data-dir", str(data_dir)), "not a domain name")
    with transaction(data_dir) as tx:
        assert tx.list_access() == []


# --- settings -------------------------------------------------------------------------------


def test_config_show_lists_every_setting_with_defaults(syncmld: Syncmld, data_dir: Path) -> None:
    shown = run_ok(syncmld, "config", "show", "--data-dir", str(data_dir))
    assert shown.splitlines() == [
        "auth = any (default)",
        "syncml = on (default)",
        "conflict = merge (default)",
        "history_days = 30 (default)",
        "mail_headers_only = off (default)",
        "mail_days = 0 (default)",
        "mail_max_kb = 0 (default)",
        "mail_delete = trash (default)",
        "mail_filter_max = 4096 (default)",
        "timeline_messages = 200 (default)",
    ]


def test_config_set_stores_the_setting_under_the_engines_name(syncmld: Syncmld, data_dir: Path) -> None:
    assert run_ok(syncmld, "config", "set", "auth", "md5", "--data-dir", str(data_dir)) == "auth = md5\n"
    run_ok(syncmld, "config", "set", "syncml", "off", "--data-dir", str(data_dir))
    with transaction(data_dir) as tx:
        assert tx.list_settings() == {"auth": "md5", "syncml": "off"}
    shown = run_ok(syncmld, "config", "show", "--data-dir", str(data_dir))
    assert shown.splitlines()[:2] == ["auth = md5", "syncml = off"]


def test_conflict_policy_per_account_overrides_the_servers(syncmld: Syncmld, data_dir: Path) -> None:
    run_ok(syncmld, "account", "add", "bob@acme.com", "--password", "pw", "--data-dir", str(data_dir))
    run_ok(syncmld, "config", "set", "conflict", "client-wins", "--data-dir", str(data_dir))
    stored = run_ok(
        syncmld, "config", "set", "conflict", "server-wins", "--account", "Bob@acme.com", "--data-dir", str(data_dir)
    )
    assert stored == "conflict:bob@acme.com = server-wins\n"
    with transaction(data_dir) as tx:
        assert tx.list_settings() == {"conflict": "client-wins", "conflict:bob@acme.com": "server-wins"}
    assert_one_error_line(
        syncmld("config", "set", "auth", "md5", "--account", "bob@acme.com", "--data-dir", str(data_dir)),
        "cannot be set per account",
    )
    assert_one_error_line(syncmld("config", "set", "history_days", "soon", "--data-dir", str(data_dir)), "whole number")


def test_mail_settings_per_domain_are_stored_under_the_domain(syncmld: Syncmld, data_dir: Path) -> None:
    stored = run_ok(syncmld, "config", "set", "mail_days", "7", "--domain", "Acme.com", "--data-dir", str(data_dir))
    assert stored == "mail_days:acme.com = 7\n"
    assert "mail_days:acme.com = 7" in run_ok(syncmld, "config", "show", "--data-dir", str(data_dir)).splitlines()
    assert_one_error_line(
        syncmld("config", "set", "conflict", "client-wins", "--domain", "acme.com", "--data-dir", str(data_dir)),
        "cannot be set per domain",
    )
    assert_one_error_line(
        syncmld("config", "set", "mail_days", "1", "--domain", "intranet", "--data-dir", str(data_dir)),
        "not a domain name",
    )
    with transaction(data_dir) as tx:
        assert tx.list_settings() == {"mail_days:acme.com": "7"}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(("auth", "sha1"), "any, basic, md5"), (("syncml", "yes"), "on, off"), (("colour", "on"), "colour")],
)
def test_config_set_refuses_unknown_settings_and_values(
    syncmld: Syncmld, data_dir: Path, args: tuple[str, str], fragment: str
) -> None:
    run = syncmld("config", "set", *args, "--data-dir", str(data_dir))
    assert_one_error_line(run, fragment)
    assert run.exit_code == 2
    with transaction(data_dir) as tx:
        assert tx.list_settings() == {}


def test_config_set_stores_a_number_in_its_usual_form_and_refuses_what_is_none(
    syncmld: Syncmld, data_dir: Path
) -> None:
    assert run_ok(syncmld, "config", "set", "history_days", "030", "--data-dir", str(data_dir)) == "history_days = 30\n"
    for value in ("²", "1.5", "36501", "9" * 5000):
        run = syncmld("config", "set", "history_days", value, "--data-dir", str(data_dir))
        assert_one_error_line(run, "not a whole number from 0 to 36500")
        assert run.exit_code == 2
    with transaction(data_dir) as tx:
        assert tx.list_settings() == {"history_days": "30"}


def test_config_show_marks_a_stored_value_the_server_cannot_use(syncmld: Syncmld, data_dir: Path) -> None:
    with transaction(data_dir) as tx:
        tx.set_setting("conflict", "sever-wins")
        tx.set_setting("conflict:bert@acme.com", "client-wins")
    assert run_ok(syncmld, "config", "show", "--data-dir", str(data_dir)).splitlines() == [
        "auth = any (default)",
        "syncml = on (default)",
        "conflict = sever-wins (unusable: 'sever-wins' is not one of merge, server-wins, client-wins, newest-wins,"
        " duplicate)",
        "conflict:bert@acme.com = client-wins",
        "history_days = 30 (default)",
        "mail_headers_only = off (default)",
        "mail_days = 0 (default)",
        "mail_max_kb = 0 (default)",
        "mail_delete = trash (default)",
        "mail_filter_max = 4096 (default)",
        "timeline_messages = 200 (default)",
    ]


def test_no_account_is_added_under_an_auth_setting_the_server_cannot_use(syncmld: Syncmld, data_dir: Path) -> None:
    with transaction(data_dir) as tx:
        tx.set_setting("auth", "Basic")
    run = syncmld("account", "add", "carl@example.org", "--password", "pw", "--data-dir", str(data_dir))
    assert_one_error_line(run, "the stored setting auth is unusable: 'Basic' is not one of any, basic, md5, hmac")
    with transaction(data_dir) as tx:
        assert tx.get_account("carl@example.org") is None


# --- devices --------------------------------------------------------------------------------


def add_devices_with_history(data_dir: Path) -> None:
    """anna@example.org: IMEI:1 with two synced folders, IMEI:2 with none."""
    with transaction(data_dir) as tx:
        anna = tx.get_account("anna@example.org")
        assert anna is not None
        phone = tx.ensure_device(anna.id, "IMEI:1")
        tx.ensure_device(anna.id, "IMEI:2")
        tx.record_device_sync(
            DeviceSync(
                phone.id,
                "Contacts",
                "slow",
                "ok",
                NEW_YEARS_EVE,
                "added:3,replaced:0,deleted:0",
                "added:2",
                "text/x-vcard 2.1, WBXML, SyncML 1.1",
            )
        )
        tx.record_device_sync(DeviceSync(phone.id, "Calendar", "two-way", "refused: 403", NEW_YEARS_EVE + 61))


def test_device_list_shows_each_devices_last_sync_per_folder(syncmld: Syncmld, data_dir: Path) -> None:
    add_devices_with_history(data_dir)
    listed = run_ok(syncmld, "device", "list", "anna@example.org", "--data-dir", str(data_dir))
    assert listed.splitlines() == [
        "IMEI:1",
        "  Calendar: 2008-12-31 10:01:01 UTC mode two-way result refused: 403 received 0 sent 0",
        "  Contacts: 2008-12-31 10:00:00 UTC mode slow result ok received added:3,replaced:0,deleted:0 sent added:2"
        " in text/x-vcard 2.1, WBXML, SyncML 1.1",
        "IMEI:2",
        "  no sync recorded",
    ]


def test_device_list_shows_the_format_a_sync_used(syncmld: Syncmld, data_dir: Path) -> None:
    synced_phone(data_dir, 2)
    listed = run_ok(syncmld, "device", "list", "anna@example.org", "--data-dir", str(data_dir)).splitlines()
    assert listed[0] == "IMEI:1"
    assert listed[1].startswith("  contacts: ")
    assert listed[1].endswith(
        " mode slow result ok received added:2,replaced:0,deleted:0 sent added:0,replaced:0,deleted:0"
        " in text/x-vcard 2.1, XML, SyncML 1.2"
    ), listed


def test_device_list_of_an_account_without_devices_says_so(syncmld: Syncmld, data_dir: Path) -> None:
    run = syncmld("device", "list", "bert@acme.com", "--data-dir", str(data_dir))
    assert (run.exit_code, run.out) == (0, "")
    assert "bert@acme.com has no devices" in run.err


def test_forgetting_a_device_removes_it_and_its_history(syncmld: Syncmld, data_dir: Path) -> None:
    add_devices_with_history(data_dir)
    out = run_ok(syncmld, "device", "forget", "anna@example.org", "IMEI:1", "--data-dir", str(data_dir))
    assert "next sync is slow" in out
    with transaction(data_dir) as tx:
        anna = tx.get_account("anna@example.org")
        assert anna is not None
        assert [d.device_ref for d in tx.list_devices(anna.id)] == ["IMEI:2"]
    listed = run_ok(syncmld, "device", "list", "anna@example.org", "--data-dir", str(data_dir))
    assert listed.splitlines() == ["IMEI:2", "  no sync recorded"]


def test_device_mistakes_are_one_error_line(syncmld: Syncmld, data_dir: Path) -> None:
    add_devices_with_history(data_dir)
    assert_one_error_line(syncmld("device", "list", "nobody@example.org", "--data-dir", str(data_dir)), "no account")
    assert_one_error_line(
        syncmld("device", "forget", "bert@acme.com", "IMEI:1", "--data-dir", str(data_dir)), "no device IMEI:1"
    )
    assert_one_error_line(
        syncmld("device", "forget", "nobody@example.org", "IMEI:1", "--data-dir", str(data_dir)), "no account"
    )
    with transaction(data_dir) as tx:
        anna = tx.get_account("anna@example.org")
        assert anna is not None and len(tx.list_devices(anna.id)) == 2


# --- backups --------------------------------------------------------------------------------


def make_backups(data_dir: Path) -> tuple[str, str]:
    """Two archives where the server keeps them: anna's with three items, bert's empty."""
    backups = BackupStore(data_dir / "backups")
    anna = backups.start("anna@example.org", "nokia", NEW_YEARS_EVE)
    backups.add(anna, "Contacts", "1", "text/x-vcard", VCARD)
    backups.add(anna, "Contacts", None, "text/vcard", VCARD.replace(b"2.1", b"3.0"))
    backups.add(anna, "Notes", "n7", "text/plain", b"\x00\xffbinary")
    bert = backups.start("bert@acme.com", "", NEW_YEARS_EVE + 86400)
    return anna, bert


def test_backup_list_shows_all_archives_or_one_accounts(syncmld: Syncmld, data_dir: Path) -> None:
    anna, bert = make_backups(data_dir)
    listed = run_ok(syncmld, "backup", "list", "--data-dir", str(data_dir))
    assert listed.splitlines() == [
        f"{bert}  bert@acme.com  2009-01-01 10:00:00 UTC  0 items",
        f"{anna}  anna@example.org  2008-12-31 10:00:00 UTC  3 items",
    ]
    assert run_ok(syncmld, "backup", "list", "ANNA@example.org", "--data-dir", str(data_dir)).split()[0] == anna


def test_backup_list_shows_a_damaged_archive_and_says_when_there_are_none(syncmld: Syncmld, data_dir: Path) -> None:
    empty = syncmld("backup", "list", "--data-dir", str(data_dir))
    assert (empty.exit_code, empty.out) == (0, "")
    assert "no backups" in empty.err
    anna, _ = make_backups(data_dir)
    (data_dir / "backups" / anna).write_bytes(b"not a zip")
    listed = run_ok(syncmld, "backup", "list", "--data-dir", str(data_dir))
    assert f"{anna}  damaged:" in listed


def test_backup_show_lists_folders_counts_types_and_luids(syncmld: Syncmld, data_dir: Path) -> None:
    anna, bert = make_backups(data_dir)
    expected = [
        f"backup {anna}",
        "account anna@example.org",
        "created 2008-12-31 10:00:00 UTC",
        "folder Contacts: 2 items (text/x-vcard 1, text/vcard 1)",
        "  LUIDs: 1 -",
        "folder Notes: 1 item (text/plain 1)",
        "  LUIDs: n7",
    ]
    assert run_ok(syncmld, "backup", "show", anna, "--data-dir", str(data_dir)).splitlines() == expected
    by_path = run_ok(syncmld, "backup", "show", str(data_dir / "backups" / anna), "--data-dir", str(data_dir))
    assert by_path.splitlines() == expected
    assert run_ok(syncmld, "backup", "show", bert, "--data-dir", str(data_dir)).splitlines()[-1] == "no items"


def test_backup_show_of_a_missing_or_damaged_archive_is_one_error_line(syncmld: Syncmld, data_dir: Path) -> None:
    anna, _ = make_backups(data_dir)
    assert_one_error_line(syncmld("backup", "show", "x200001010001.wot", "--data-dir", str(data_dir)), "no backup")
    assert_one_error_line(syncmld("backup", "show", "syncmld.db", "--data-dir", str(data_dir)), "not a backup name")
    (data_dir / "backups" / anna).write_bytes(b"PK\x03\x04 truncated")
    assert_one_error_line(syncmld("backup", "show", anna, "--data-dir", str(data_dir)), "damaged")


def folder_data(data_dir: Path, email: str) -> dict[str, list[bytes]]:
    with transaction(data_dir) as tx:
        account = tx.get_account(email)
        assert account is not None
        return {f.name: sorted(i.data for i in tx.iter_items(f.id)) for f in tx.list_folders(account.id)}


def test_backup_restore_puts_the_items_into_another_accounts_folders(syncmld: Syncmld, data_dir: Path) -> None:
    anna, _ = make_backups(data_dir)
    out = run_ok(syncmld, "backup", "restore", anna, "--to", "bert@acme.com", "--data-dir", str(data_dir))
    assert out.splitlines()[0] == f"restored 3 items from {anna} to bert@acme.com: Contacts 2, Notes 1"
    assert folder_data(data_dir, "bert@acme.com") == {
        "Contacts": sorted([VCARD, VCARD.replace(b"2.1", b"3.0")]),
        "Notes": [b"\x00\xffbinary"],
    }
    assert folder_data(data_dir, "anna@example.org") == {}


def test_backup_restore_into_one_folder(syncmld: Syncmld, data_dir: Path) -> None:
    anna, _ = make_backups(data_dir)
    args = ("backup", "restore", anna, "--to", "anna@example.org", "--folder", "Restored")
    assert run_ok(syncmld, *args, "--data-dir", str(data_dir)).startswith("restored 3 items")
    assert {name: len(data) for name, data in folder_data(data_dir, "anna@example.org").items()} == {"Restored": 3}


def test_backup_restore_mistakes_are_one_error_line_and_restore_nothing(syncmld: Syncmld, data_dir: Path) -> None:
    anna, _ = make_backups(data_dir)
    d = ("--data-dir", str(data_dir))
    assert_one_error_line(syncmld("backup", "restore", anna, "--to", "nobody@example.org", *d), "no account")
    assert_one_error_line(syncmld("backup", "restore", "200001010001.wot", "--to", "bert@acme.com", *d), "no backup")
    assert_one_error_line(syncmld("backup", "restore", anna, "--to", "bert@acme.com", "--folder", " ", *d), "folder")
    missing_to = syncmld("backup", "restore", anna, *d)
    assert_one_error_line(missing_to, "--to")
    assert missing_to.exit_code == 2
    assert folder_data(data_dir, "bert@acme.com") == {}
