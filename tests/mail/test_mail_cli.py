"""``syncmld mail set|show|remove|check`` against the SQLite store and a real Dovecot."""

from pathlib import Path

import pytest

from syncmld.store import open_store, sqlite_url
from syncmld.store.base import MailJournalLoad
from tests.cli.conftest import Syncmld, assert_one_error_line
from tests.mail.dovecot import Dovecot
from tests.mail.mailbox import fill


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_mail_set_show_and_remove(syncmld: Syncmld, data_dir: Path) -> None:
    shown = syncmld("mail", "show", "--data-dir", str(data_dir))
    assert "no mail server set" in shown.out
    done = syncmld(
        "mail",
        "set",
        "Example.com",
        "--imap",
        "imap://127.0.0.1:1143",
        "--smtp",
        "smtp://localhost:1025",
        "--data-dir",
        str(data_dir),
    )
    assert done.exit_code == 0, done.err
    syncmld("account", "add", "boss@example.com", "--password", "pw", "--data-dir", str(data_dir))
    done = syncmld(
        "mail",
        "set",
        "boss@example.com",
        "--imap",
        "imaps://mail.example.net",
        "--smtp",
        "smtp://mail.example.net:587",
        "--starttls",
        "--login",
        "master",
        "--master-password",
        "m-secret",
        "--data-dir",
        str(data_dir),
    )
    assert done.exit_code == 0, done.err
    shown = syncmld("mail", "show", "--data-dir", str(data_dir))
    assert shown.out.splitlines() == [
        "boss@example.com: IMAP imaps://mail.example.net, SMTP smtp://mail.example.net:587 with STARTTLS,"
        " master user master",
        "example.com: IMAP imap://127.0.0.1:1143, SMTP smtp://localhost:1025, each account's own login",
    ]
    assert "m-secret" not in shown.out
    store = open_store(sqlite_url(data_dir))
    with store.transaction() as tx:
        server = tx.mail_server_for("boss@example.com")
        assert server is not None and server.secret == "m-secret"
    store.close()
    assert syncmld("mail", "remove", "example.com", "--data-dir", str(data_dir)).exit_code == 0
    assert_one_error_line(syncmld("mail", "remove", "example.com", "--data-dir", str(data_dir)), "no mail server")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--imap", "http://x", "--smtp", "smtp://127.0.0.1"], "not an imap server URL"),
        (["--imap", "imap://mail.example.net", "--smtp", "smtp://127.0.0.1"], "in the clear"),
        (["--imap", "imap://127.0.0.1:99999", "--smtp", "smtp://127.0.0.1"], "bad port"),
        (["--imap", "imap://127.0.0.1", "--smtp", "smtp://127.0.0.1", "--login", "master"], "master-password"),
    ],
)
def test_mail_set_refuses_what_it_cannot_use_with_one_line(
    syncmld: Syncmld,
    data_dir: Path,
    args: list[str],
    fragment: str,
) -> None:
    assert_one_error_line(syncmld("mail", "set", "example.com", *args, "--data-dir", str(data_dir)), fragment)


def test_mail_check_logs_in_and_counts_without_changing_anything(
    syncmld: Syncmld,
    data_dir: Path,
    dovecot: Dovecot,
    mailbox: tuple[str, str],
) -> None:
    email, password = mailbox
    client = dovecot.imap(email)
    fill(client, 3)
    client.logout()
    syncmld("account", "add", email, "--password", password, "--data-dir", str(data_dir))
    syncmld(
        "mail",
        "set",
        "example.com",
        "--imap",
        f"imap://127.0.0.1:{dovecot.port}",
        "--smtp",
        "smtp://127.0.0.1:25",
        "--data-dir",
        str(data_dir),
    )
    assert_one_error_line(syncmld("mail", "check", email, "--data-dir", str(data_dir)), "no password", "--password")
    checked = syncmld("mail", "check", email, "--password", password, "--data-dir", str(data_dir))
    assert checked.exit_code == 0, checked.err
    assert f"logged in to 127.0.0.1:{dovecot.port} as {email}" in checked.out
    assert "  INBOX: 3 messages" in checked.out.splitlines()
    assert "  Trash (\\Trash): 0 messages" in checked.out.splitlines()
    refused = syncmld("mail", "check", email, "--password", "wrong", "--data-dir", str(data_dir))
    assert_one_error_line(refused, "refused the login", "status 401")
    syncmld(
        "mail",
        "set",
        email,
        "--imap",
        f"imap://127.0.0.1:{dovecot.port}",
        "--smtp",
        "smtp://127.0.0.1:25",
        "--login",
        "master",
        "--master-password",
        "master-secret",
        "--data-dir",
        str(data_dir),
    )
    as_master = syncmld("mail", "check", email, "--data-dir", str(data_dir))
    assert as_master.exit_code == 0, as_master.err
    assert "as master" in as_master.out and "  INBOX: 3 messages" in as_master.out.splitlines()


def test_mail_check_says_how_many_changes_wait_for_an_imap_server_that_is_down(
    syncmld: Syncmld, data_dir: Path, dovecot: Dovecot, mailbox: tuple[str, str]
) -> None:
    email, password = mailbox
    syncmld("account", "add", email, "--password", password, "--data-dir", str(data_dir))
    imap, smtp = f"imap://127.0.0.1:{dovecot.port}", "smtp://127.0.0.1:25"
    syncmld("mail", "set", "example.com", "--imap", imap, "--smtp", smtp, "--data-dir", str(data_dir))
    store = open_store(sqlite_url(data_dir))
    try:
        with store.transaction() as tx:
            account = tx.get_account(email)
            assert account is not None
            tx.journal_mail_changes(account.id, '{"folder":"INBOX"}', MailJournalLoad(2, 0))
            tx.journal_mail_changes(account.id, '{"folder":"Drafts"}', MailJournalLoad(1, 5000))
    finally:
        store.close()
    dovecot.stop()
    try:
        checked = syncmld("mail", "check", email, "--password", password, "--data-dir", str(data_dir))
    finally:
        dovecot.resume()
    assert f"{email}: 3 devices' mail changes (5000 bytes of messages) wait to be applied to IMAP" in checked.out
    assert_one_error_line(checked, "cannot be reached", "status 503")
