"""The push command line: registering a device, what ``device list`` shows, ``push decode``, and every
push option of ``serve`` refusing a value out of range."""

from pathlib import Path

import pytest

from syncmld.accounts import md5_credential
from syncmld.protocol.codec import Encoding, encode
from syncmld.protocol.constants import AlertCode, SyncMLVersion
from syncmld.protocol.san import Notification, SanSync, encode_san
from syncmld.protocol.san_message import alert_package
from syncmld.push.settings import PushSettings
from syncmld.store import open_store, sqlite_url
from syncmld.store.pushes import PushFolder, SyncedFolder
from tests.cli.conftest import Syncmld, assert_one_error_line, syncmld  # noqa: F401 (fixture)

EMAIL = "anna@example.org"


@pytest.fixture
def data_dir(syncmld: Syncmld, tmp_path: Path) -> Path:  # noqa: F811
    """An account with the device IMEI:1 that synced its Contacts as ``card``."""
    assert syncmld("account", "add", EMAIL, "--password", "pw", "--data-dir", str(tmp_path)).exit_code == 0
    store = open_store(sqlite_url(tmp_path))
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        device = tx.ensure_device(account.id, "IMEI:1")
        folder = tx.ensure_folder(account.id, "Contacts")
        tx.push_synced(device.id, [SyncedFolder(PushFolder(folder.id, "card", "text/x-vcard"), 0)])
    store.close()
    return tmp_path


def test_a_device_is_registered_shown_and_turned_off(syncmld: Syncmld, data_dir: Path) -> None:  # noqa: F811
    where = ("--data-dir", str(data_dir))
    assert "push: " not in syncmld("device", "list", EMAIL, *where).out
    run = syncmld("device", "push", EMAIL, "IMEI:1", "--sms", "+4917012345", *where)
    assert run.exit_code == 0, run.err
    listed = syncmld("device", "list", EMAIL, *where).out
    assert "push: sms +4917012345 (by the admin), 0 sent" in listed
    assert syncmld("device", "push", EMAIL, "IMEI:1", "--off", *where).exit_code == 0
    assert "push: off" in syncmld("device", "list", EMAIL, *where).out


def test_a_failing_device_is_marked_in_the_list(syncmld: Syncmld, data_dir: Path) -> None:  # noqa: F811
    where = ("--data-dir", str(data_dir))
    assert syncmld("device", "push", EMAIL, "IMEI:1", "--url", "http://gw.example/push", *where).exit_code == 0
    store = open_store(sqlite_url(data_dir))
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        folder = tx.ensure_folder(account.id, "Contacts")
        tx.note_folder_change(folder.id, None, 0.0)
        (pending,) = tx.claim_pushes("test-worker", 60.0, PushSettings().timing, 1)
        tx.push_failed(pending.claim, "the webhook http://gw.example/push answered HTTP 500", retry_at=120.0)
    store.close()
    listed = syncmld("device", "list", EMAIL, *where).out
    assert "FAILING: 1 failed attempts, last: the webhook http://gw.example/push answered HTTP 500" in listed


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--sms", "call me"), "not a phone number"),
        (("--url", "ftp://gw"), "http:// or https://"),
        (("--url", "http://" + "x" * 3000), "http:// or https://"),
        (("--sms", "+49170", "--log"), "exactly one"),
        ((), "exactly one"),
    ],
)
def test_bad_channels_are_one_error_line(
    syncmld: Syncmld,  # noqa: F811
    data_dir: Path,
    args: tuple[str, ...],
    fragment: str,
) -> None:
    assert_one_error_line(syncmld("device", "push", EMAIL, "IMEI:1", *args, "--data-dir", str(data_dir)), fragment)


def test_an_unknown_device_is_one_error_line(syncmld: Syncmld, data_dir: Path) -> None:  # noqa: F811
    run = syncmld("device", "push", EMAIL, "IMEI:9", "--log", "--data-dir", str(data_dir))
    assert_one_error_line(run, "has no device IMEI:9")


def test_decode_shows_a_notification_and_checks_its_digest(
    syncmld: Syncmld,  # noqa: F811
    tmp_path: Path,
) -> None:
    san = tmp_path / "san.bin"
    notification = Notification("syncmld", (SanSync(AlertCode.TWO_WAY_BY_SERVER, "card", 7),), session_id=9)
    san.write_bytes(encode_san(notification, md5_credential(EMAIL, "pw")))
    run = syncmld("push", "decode", str(san), "--user", EMAIL, "--password", "pw")
    assert run.exit_code == 0, run.err
    assert "server id syncmld" in run.out and "sync 206 card content type 0x000007" in run.out
    assert f"digest matches {EMAIL}'s password" in run.out
    wrong = syncmld("push", "decode", str(san), "--user", EMAIL, "--password", "other")
    assert wrong.exit_code == 1 and "does not match" in wrong.out


def test_decode_shows_the_11_message_form(syncmld: Syncmld, tmp_path: Path) -> None:  # noqa: F811
    message = tmp_path / "pkg0.wbxml"
    notification = Notification("syncmld", (SanSync(AlertCode.TWO_WAY_BY_SERVER, "Contacts"),))
    message.write_bytes(encode(alert_package(notification, "IMEI:1", SyncMLVersion.V1_1), Encoding.WBXML))
    run = syncmld("push", "decode", str(message))
    assert run.exit_code == 0, run.err
    assert "form SyncML message" in run.out and "version 1.1" in run.out and "sync 206 Contacts" in run.out


def test_decode_refuses_what_is_no_notification(syncmld: Syncmld, tmp_path: Path) -> None:  # noqa: F811
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 10)
    assert_one_error_line(syncmld("push", "decode", str(junk)), "not a server alerted notification")
    big = tmp_path / "big.bin"
    big.write_bytes(b"\x00" * (1024 * 1024 + 1))
    assert_one_error_line(syncmld("push", "decode", str(big)), "larger than")


@pytest.mark.parametrize(
    "args",
    [
        ("--push-quiet", "0"),
        ("--push-max-wait", "-1"),
        ("--push-resend-after", "0"),
        ("--push-poll-interval", "0"),
        ("--push-recheck-interval", "0"),
        ("--push-lease", "0"),
        ("--push-batch", "0"),
        ("--push-max-attempts", "0"),
        ("--push-retry-delay", "0"),
        ("--push-retry-max-delay", "0"),
        ("--push-timeout", "0"),
        ("--push-sms-max-parts", "0"),
        ("--push-default-channel", "sms"),
        ("--push-idle-max", "0"),
        ("--push-idle-renew", "0"),
        ("--push-idle-renew", "1741"),
        ("--push-idle-retry-delay", "0"),
        ("--push-idle-retry-max-delay", "0"),
        ("--push-mail-poll-interval", "0"),
        ("--push-watch-interval", "0"),
        ("--push-mail-writes-keep", "0"),
        ("--push-mail-writes-max", "0"),
    ],
)
def test_push_options_out_of_range_are_one_error_line(syncmld: Syncmld, args: tuple[str, ...]) -> None:  # noqa: F811
    run = syncmld("serve", *args)
    assert_one_error_line(run, "--help", f"Invalid value for '{args[0]}'")
    assert run.exit_code == 2


def test_a_server_id_too_long_for_a_notification_is_refused(syncmld: Syncmld, tmp_path: Path) -> None:  # noqa: F811
    run = syncmld("serve", "--push-server-id", "x" * 256, "--port", "0", "--data-dir", str(tmp_path))
    assert_one_error_line(run, "server identifier")
