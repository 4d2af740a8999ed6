"""``syncmld check EMAIL``: each fault seeded in a real store (and by real sessions of scripted devices)
is found, with what to do; a sound setup passes."""

from pathlib import Path

import pytest

from syncmld.client.device import Device
from syncmld.client.in_process import in_process_transport
from syncmld.engine.api import EngineContext
from syncmld.store import open_store, sqlite_url
from tests.cli.conftest import Run, Syncmld
from tests.engine.conftest import vcard
from tests.server.serve_process import ServeProcess

ANNA = "anna@example.org"
PASSWORD = "pw"


@pytest.fixture
def data_dir(syncmld: Syncmld, tmp_path: Path) -> Path:
    assert syncmld("account", "add", ANNA, "--password", PASSWORD, "--data-dir", str(tmp_path)).exit_code == 0
    return tmp_path


def sync(data_dir: Path, device_id: str, *items: bytes, **options: object) -> None:
    """One session of a scripted device of Anna's with the engine on the data directory's store."""
    store = open_store(sqlite_url(data_dir))
    try:
        device = Device(
            transport=in_process_transport(store, EngineContext()),
            url="http://sync.example.org/syncml",
            user=ANNA,
            password=PASSWORD,
            device_id=device_id,
            **options,  # type: ignore[arg-type]
        )
        for item in items:
            device.add(item)
        device.sync()
    finally:
        store.close()


def check(syncmld: Syncmld, data_dir: Path, *options: str) -> Run:
    return syncmld("check", ANNA, "--data-dir", str(data_dir), *options)


def faults(run: Run) -> list[str]:
    """Each FAULT line with its 'what to do' line."""
    lines = run.out.splitlines()
    return [f"{line}\n{lines[n + 1]}" for n, line in enumerate(lines) if line.startswith("FAULT")]


def test_a_sound_setup_has_no_fault(syncmld: Syncmld, data_dir: Path) -> None:
    sync(data_dir, "phone", vcard(1))
    run = check(syncmld, data_dir, "--password", PASSWORD)
    assert run.exit_code == 0, run.out
    assert run.out.splitlines()[-1] == "no fault found"
    assert "ok    the password given is the account's" in run.out
    assert "contacts (1 items)" in run.out
    assert "device phone: contacts last synced in mode slow, ok" in run.out


@pytest.mark.parametrize(
    ("seed", "fault", "remedy"),
    [
        (("account", "disable", ANNA), f"account {ANNA} is disabled", f"syncmld account enable {ANNA}"),
        (("domain", "add", "example.org"), "", ""),
        (("config", "set", "syncml", "off"), "SyncML is off", "syncmld config set syncml on"),
        (("access", "allow", "acme.com"), "nor example.org is on the access list", "syncmld access allow"),
    ],
)
def test_each_switch_that_refuses_the_account_is_a_fault(
    syncmld: Syncmld, data_dir: Path, seed: tuple[str, ...], fault: str, remedy: str
) -> None:
    assert syncmld(*seed, "--data-dir", str(data_dir)).exit_code == 0
    run = check(syncmld, data_dir)
    if not fault:
        assert run.exit_code == 0, run.out
        return
    assert run.exit_code == 1
    [found] = faults(run)
    assert fault in found and remedy in found.split("\n")[1]


def test_a_disabled_domain_is_a_fault(syncmld: Syncmld, data_dir: Path) -> None:
    for args in (("domain", "add", "example.org"), ("domain", "disable", "example.org")):
        assert syncmld(*args, "--data-dir", str(data_dir)).exit_code == 0
    [found] = faults(check(syncmld, data_dir))
    assert "domain example.org is disabled" in found and "syncmld domain enable example.org" in found


def test_a_wrong_password_is_a_fault(syncmld: Syncmld, data_dir: Path) -> None:
    [found] = faults(check(syncmld, data_dir, "--password", "nope"))
    assert "not the account's" in found and f"syncmld account passwd {ANNA}" in found


def test_a_device_asking_for_a_folder_the_account_lacks_is_a_fault(syncmld: Syncmld, data_dir: Path) -> None:
    sync(data_dir, "nokia", vcard(1), server_db="Kontakte")
    run = check(syncmld, data_dir)
    assert run.exit_code == 1
    [found] = faults(run)
    assert "device nokia last asked for a folder the account does not have (404: no folder Kontakte)" in found
    assert f"syncmld folder add {ANNA} NAME" in found
    assert "remote names a device may use: contacts, events, tasks, notes, journal, files" in run.out
    listed = syncmld("device", "list", ANNA, "--data-dir", str(data_dir))
    assert "404: no folder Kontakte" in listed.out


def test_a_device_that_refused_a_format_is_a_fault(syncmld: Syncmld, data_dir: Path) -> None:
    sync(data_dir, "phone", vcard(1), vcard(2))
    sync(data_dir, "picky", refused_types=frozenset({"text/x-vcard"}))
    run = check(syncmld, data_dir)
    assert run.exit_code == 1
    [found] = faults(run)
    assert "device picky refused text/x-vcard for contacts (415)" in found
    assert f"syncmld device forget {ANNA} picky" in found and "format=vob or format=sif" in found


def test_an_unknown_account_is_a_fault(syncmld: Syncmld, data_dir: Path) -> None:
    run = syncmld("check", "nobody@example.org", "--data-dir", str(data_dir))
    assert run.exit_code == 1
    [found] = faults(run)
    assert "syncmld account add nobody@example.org" in found


def test_the_url_is_tried_and_a_loopback_address_is_a_fault(syncmld: Syncmld, data_dir: Path, tmp_path: Path) -> None:
    with ServeProcess(tmp_path / "serve.log", "--data-dir", str(data_dir)) as server:
        served = check(syncmld, data_dir, "--url", server.url)
        wrong_path = check(syncmld, data_dir, "--url", server.url.replace("/syncml", "/sync"))
    assert "ok    " + server.url + " answers: syncmld " in served.out
    [loopback] = faults(served)
    assert "no phone can reach it" in loopback and "--host 0.0.0.0" in loopback
    assert any("answers HTTP 404" in found and "--path" in found for found in faults(wrong_path))
    down = check(syncmld, data_dir, "--url", server.url)
    assert any("cannot be reached" in found and "is syncmld serve running" in found for found in faults(down))
