"""Crafted backup archives given to ``syncmld backup restore`` and ``show``: a ZIP bomb's item, a manifest
that inflates to 300 MB, folder names no folder may have, escape sequences in what the archive names. Each
is refused before it costs memory, with one error line and exit status 1, and nothing is restored; what
the archive names reaches the administrator's terminal escaped. (A 1 MB archive holding a 1 GiB item used
to take 2.1 GB before its size was checked; ``../../x`` became a folder; escapes reached ``folder list``.)"""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from syncmld.accounts import hash_password, md5_credential
from syncmld.backup import DEFAULT_MAX_ITEM_SIZE, MAX_DESCRIPTION_SIZE
from syncmld.store import open_store, sqlite_url

ACCOUNT = "anna@example.org"
GIB = 1 << 30
RSS_BOUND_KB = 200 * 1024
"""Peak RSS a refused restore may reach: the interpreter and syncmld's imports, far below the bomb's size."""
MANIFEST = {"format": "syncmld-backup", "version": 1, "account": ACCOUNT, "created": "2008-12-31T10:00:00+00:00"}
MEASURED = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(done.stdout)\n"
    "sys.stderr.write(done.stderr)\n"
    "sys.stderr.write(f'maxrss_kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}')\n"
    "sys.exit(done.returncode)\n"
)
"""Runs a command and reports its peak RSS (a fresh process: no earlier child counts)."""


def description(folder: str, size: int, luid: str = "1") -> bytes:
    return json.dumps({"folder": folder, "luid": luid, "content_type": "text/x-vcard", "size": size}).encode()


def write_archive(path: Path, members: dict[str, bytes | int]) -> Path:
    """A deflated ZIP; a member given as a number holds that many zero bytes, written a MiB at a time."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, int):
                with archive.open(name, "w", force_zip64=True) as member:
                    for _ in range(content >> 20):
                        member.write(bytes(1 << 20))
            else:
                archive.writestr(name, content)
    return path


def run(data_dir: Path, *args: str) -> tuple[int, str, str, int]:
    """``syncmld ARGS --data-dir DATA_DIR`` in its own process: exit status, stdout, stderr, peak RSS in kB."""
    command = [sys.executable, "-c", MEASURED, sys.executable, "-m", "syncmld", *args, "--data-dir", str(data_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    err, _, rss = done.stderr.rpartition("maxrss_kb=")
    return done.returncode, done.stdout, err, int(rss)


def folders_of(data_dir: Path) -> list[str]:
    store = open_store(sqlite_url(data_dir))
    try:
        with store.transaction() as tx:
            account = tx.get_account(ACCOUNT)
            assert account is not None
            return [folder.name for folder in tx.list_folders(account.id)]
    finally:
        store.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir(mode=0o700)  # as syncmld makes it: no mode fix to report
    store = open_store(sqlite_url(directory))
    with store.transaction() as tx:
        tx.add_account(ACCOUNT, md5_credential(ACCOUNT, "pw"), hash_password("pw"))
    store.close()
    return directory


def assert_refused(outcome: tuple[int, str, str, int], *fragments: str) -> None:
    code, out, err, _ = outcome
    assert code == 1, (out, err)
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    for fragment in fragments:
        assert fragment in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("described", "refusal"),
    [
        pytest.param(GIB, f"over the limit of {DEFAULT_MAX_ITEM_SIZE}", id="described-as-it-is"),
        pytest.param(10, "holds 1073741824 bytes, its description says 10", id="described-as-small"),
    ],
)
def test_a_zip_bomb_item_is_refused_within_a_memory_bound(
    tmp_path: Path, data_dir: Path, described: int, refusal: str
) -> None:
    bomb = write_archive(
        tmp_path / "bomb.wot",
        {
            "manifest.json": json.dumps(MANIFEST).encode(),
            "Contacts/000001.data": GIB,
            "Contacts/000001.json": description("Contacts", described),
        },
    )
    assert bomb.stat().st_size < 2 << 20
    for command in (("backup", "restore", str(bomb), "--to", ACCOUNT), ("backup", "show", str(bomb))):
        outcome = run(data_dir, *command)
        assert_refused(outcome, refusal)
        assert outcome[3] < RSS_BOUND_KB, f"peak RSS {outcome[3]} kB"
        print(f"{' '.join(command[:2])}: peak RSS {outcome[3]} kB")
    assert folders_of(data_dir) == []


def test_a_manifest_inflating_to_300_mb_is_refused_within_a_memory_bound(tmp_path: Path, data_dir: Path) -> None:
    padded = json.dumps(MANIFEST).encode() + b" " * (300 << 20)
    bomb = write_archive(tmp_path / "manifest.wot", {"manifest.json": padded})
    outcome = run(data_dir, "backup", "restore", str(bomb), "--to", ACCOUNT)
    assert_refused(outcome, "manifest.json", f"over the limit of {MAX_DESCRIPTION_SIZE}")
    assert outcome[3] < RSS_BOUND_KB, f"peak RSS {outcome[3]} kB"


def test_an_item_over_a_lower_limit_is_refused_and_a_higher_limit_lets_it_in(tmp_path: Path, data_dir: Path) -> None:
    archive = write_archive(
        tmp_path / "big.wot",
        {
            "manifest.json": json.dumps(MANIFEST).encode(),
            "Contacts/000001.data": 2 << 20,
            "Contacts/000001.json": description("Contacts", 2 << 20),
        },
    )
    refused = run(data_dir, "backup", "restore", str(archive), "--to", ACCOUNT, "--max-item-size", str(1 << 20))
    assert_refused(refused, "over the limit of 1048576")
    assert folders_of(data_dir) == []
    code, out, err, _ = run(
        data_dir, "backup", "restore", str(archive), "--to", ACCOUNT, "--max-item-size", str(3 << 20)
    )
    assert code == 0, err
    assert out.splitlines() == [
        "restored 1 item from big.wot to anna@example.org: Contacts 1",
        "recorded as session 1: 'syncmld undo 1' takes this restore back",
    ]


@pytest.mark.parametrize("folder", ["../../x", "a/b", " padded", "Evil\x1b[2J", "line\nbreak", "card"])
def test_folders_that_folder_add_refuses_are_refused_and_nothing_is_restored(
    tmp_path: Path, data_dir: Path, folder: str
) -> None:
    directory = "".join(chr(b) if chr(b).isalnum() else f"%{b:02X}" for b in folder.encode())
    archive = write_archive(
        tmp_path / "folders.wot",
        {
            "manifest.json": json.dumps(MANIFEST).encode(),
            "Contacts/000001.data": b"BEGIN:VCARD\r\nEND:VCARD\r\n",
            "Contacts/000001.json": description("Contacts", 24),
            f"{directory}/000001.data": b"x",
            f"{directory}/000001.json": description(folder, 1),
        },
    )
    assert_refused(
        run(data_dir, "backup", "restore", str(archive), "--to", ACCOUNT), "is not a folder name", "nothing restored"
    )
    assert folders_of(data_dir) == []
    into = run(data_dir, "backup", "restore", str(archive), "--to", ACCOUNT, "--folder", folder)
    assert into[0] == 2 and "is not a folder name" in into[2]
    code, _, err, _ = run(data_dir, "backup", "restore", str(archive), "--to", ACCOUNT, "--folder", "Restored")
    assert code == 0, err
    assert folders_of(data_dir) == ["Restored"]


def test_names_from_archives_and_devices_reach_the_terminal_escaped(data_dir: Path) -> None:
    evil = "Evil\x1b]0;owned\x07\x1b[2J\u2028x"
    store = open_store(sqlite_url(data_dir))
    with store.transaction() as tx:
        account = tx.get_account(ACCOUNT)
        assert account is not None
        tx.ensure_folder(account.id, evil)
        tx.ensure_device(account.id, "IMEI:1" + evil)
    store.close()
    (data_dir / "backups").mkdir()
    archive = write_archive(
        data_dir / "backups" / "200812310001.wot",
        {
            "manifest.json": json.dumps({**MANIFEST, "account": "x" + evil}).encode(),
            "Contacts/000001.data": b"x",
            "Contacts/000001.json": json.dumps(
                {"folder": "Contacts", "luid": "L\n" + evil, "content_type": evil, "size": 1}
            ).encode(),
        },
    )
    outputs = [
        run(data_dir, "folder", "list", ACCOUNT),
        run(data_dir, "device", "list", ACCOUNT),
        run(data_dir, "backup", "list"),
        run(data_dir, "backup", "show", archive.name),
    ]
    for code, out, err, _ in outputs:
        assert code == 0, err
        assert "Evil\\x1b]0;owned\\x07\\x1b[2J\\u2028x" in out
        for char in "\x1b\x07\u2028":
            assert char not in out + err
    assert len(outputs[3][1].splitlines()) == 5, outputs[3][1]
