"""Push e-mail through a real ``syncmld serve``: mail appended to the Dovecot INBOX with imaplib is told to
a push device by its webhook within 5 s, once per burst; the watcher reconnects after Dovecot restarts; an
account without a push device syncing mail costs no IMAP connection; with two workers one watches; a device's
own changes written to IMAP (flags, deletes, a draft, a move between two watched folders, a mail it sends) are
told to its other push devices, not to itself."""

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from syncmld.client import Device
from syncmld.client.email import EMAIL_TYPE, MailItem, mail_devinf, write_email_object
from syncmld.client.http import HttpTransport
from tests.mail.dovecot import Dovecot, SmtpSink
from tests.mail.engine_side import mails
from tests.mail.mailbox import append, message
from tests.mail.test_mail_drafts import _draft
from tests.mail.test_mail_send import _mail_to
from tests.mail.test_mail_tree import _by_folder, _folder_luid, _mail_luid
from tests.push.conftest import Hook, webhook  # noqa: F401 (the fixture)
from tests.server.serve_process import ServeProcess, syncmld

FAST = (
    "--push-quiet",
    "0.5",
    "--push-poll-interval",
    "0.2",
    "--push-watch-interval",
    "0.5",
    "--push-idle-retry-delay",
    "0.5",
    "--push-idle-retry-max-delay",
    "1",
    "--mail-timeout",
    "5",
)
"""Short timers, so that a notification leaves within a second of the mail's arrival (and a connection
attempt caught in Dovecot's restart is given up soon)."""
TOLD_WITHIN = 5.0


def watching(email: str) -> re.Pattern[str]:
    return re.compile(rf"push e-mail: watching the mailbox of {re.escape(email)} \(INBOX by IDLE")


def logins(dovecot: Dovecot, email: str) -> int:
    """How many times ``email`` logged in to Dovecot so far (its log says each)."""
    return (dovecot.root / "dovecot.log").read_text(errors="replace").count(f"Login: user=<{email}>")


def wait_for(what: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(0.05)
    return what()


def set_up(
    tmp_path: Path, dovecot: Dovecot, *emails_and_passwords: tuple[str, str], smtp: str = "smtp://127.0.0.1:25"
) -> str:
    """A data directory with the accounts, their mail on the Dovecot (and sent through ``smtp``)."""
    data_dir = str(tmp_path / "data")
    for email, password in emails_and_passwords:
        syncmld("account", "add", email, "--password", password, "--data-dir", data_dir)
        imap = f"imap://127.0.0.1:{dovecot.port}"
        syncmld("mail", "set", email, "--imap", imap, "--smtp", smtp, "--data-dir", data_dir)
    return data_dir


@contextmanager
def serving(tmp_path: Path, data_dir: str, *args: str) -> Iterator[tuple[ServeProcess, HttpTransport]]:
    with (
        ServeProcess(tmp_path / "serve.log", "--data-dir", data_dir, *FAST, *args) as server,
        HttpTransport() as transport,
    ):
        yield server, transport


def device(
    server: ServeProcess,
    transport: HttpTransport,
    account: tuple[str, str],
    device_id: str,
    push: bool,
    server_db: str = "Mail",
    folders: bool = False,
) -> Device:
    """The device's data store syncing ``server_db`` (the INBOX unless named); with ``folders`` its DevInf takes
    folder objects there, sent alone before its Alert."""
    email, password = account
    local_uri = "./" + server_db.replace("*", "Tree")
    return Device(
        transport=transport,
        url=server.url + ("?push" if push else ""),
        user=email,
        password=password,
        device_id=device_id,
        server_db=server_db,
        local_uri=local_uri,
        content_type=EMAIL_TYPE,
        devinf=mail_devinf(local_uri, EMAIL_TYPE, folders),
        devinf_alone=folders,
    )


def appended(dovecot: Dovecot, email: str, count: int, start: int = 1) -> None:
    client = dovecot.imap(email)
    for number in range(start, start + count):
        append(client, "INBOX", message(number))
    client.logout()


def test_new_mail_is_pushed_once_per_burst_and_after_dovecot_restarted(
    tmp_path: Path,
    dovecot: Dovecot,
    mailbox: tuple[str, str],
    webhook: Hook,  # noqa: F811
) -> None:
    email = mailbox[0]
    data_dir = set_up(tmp_path, dovecot, mailbox)
    with serving(tmp_path, data_dir) as (server, transport):
        phone = device(server, transport, mailbox, "IMEI:phone", push=True)
        phone.sync()
        syncmld("device", "push", email, "IMEI:phone", "--url", webhook.url, "--data-dir", data_dir)
        server.wait_for_log(watching(email))

        appended(dovecot, email, 1)
        assert wait_for(lambda: len(webhook.received) == 1, TOLD_WITHIN), server.log
        headers, _ = webhook.received[0]
        assert headers["X-SyncML-Folders"] == "Mail"
        assert phone.sync().received["add"] == 1

        appended(dovecot, email, 20, start=2)
        assert wait_for(lambda: len(webhook.received) == 2, TOLD_WITHIN), server.log
        time.sleep(2.0)
        assert len(webhook.received) == 2, "a burst of 20 is told once"
        assert phone.sync().received["add"] == 20

        dovecot.stop()
        dovecot.resume()
        assert wait_for(lambda: len(watching(email).findall(server.log)) == 2, 20.0), server.log
        assert "push e-mail: watching the mailbox of " + email + " failed" in server.log
        appended(dovecot, email, 1, start=22)
        assert wait_for(lambda: len(webhook.received) == 3, TOLD_WITHIN), server.log
        assert phone.sync().received["add"] == 1
        assert server.stop() == 0
    assert len(webhook.received) == 3


def test_an_account_without_a_push_device_syncing_mail_opens_no_imap_connection(
    tmp_path: Path, dovecot: Dovecot, mailbox: tuple[str, str]
) -> None:
    email = mailbox[0]
    data_dir = set_up(tmp_path, dovecot, mailbox)
    with serving(tmp_path, data_dir) as (server, transport):
        device(server, transport, mailbox, "IMEI:plain", push=False).sync()
        contacts = Device(
            transport=transport, url=server.url + "?push", user=email, password=mailbox[1], device_id="IMEI:pushed"
        )
        contacts.sync()
        syncmld("device", "push", email, "IMEI:pushed", "--log", "--data-dir", data_dir)
        before = logins(dovecot, email)
        time.sleep(3.0)  # six looks at which mailboxes to watch
        assert logins(dovecot, email) == before
        assert "push e-mail" not in server.log


def test_with_two_workers_one_watches_a_mailbox(
    tmp_path: Path,
    dovecot: Dovecot,
    mailbox: tuple[str, str],
    webhook: Hook,  # noqa: F811
) -> None:
    email = mailbox[0]
    data_dir = set_up(tmp_path, dovecot, mailbox)
    # leases of 6 s: a loaded machine does not make a worker miss three looks
    with serving(tmp_path, data_dir, "--workers", "2", "--push-watch-interval", "2") as (server, transport):
        device(server, transport, mailbox, "IMEI:phone", push=True).sync()
        syncmld("device", "push", email, "IMEI:phone", "--url", webhook.url, "--data-dir", data_dir)
        server.wait_for_log(watching(email))
        settled = logins(dovecot, email)
        time.sleep(4.0)  # two looks by each worker
        assert len(watching(email).findall(server.log)) == 1
        assert logins(dovecot, email) == settled, "no other worker logged in to watch it"
        appended(dovecot, email, 1)
        assert wait_for(lambda: len(webhook.received) == 1, TOLD_WITHIN), server.log


def told(hook: Hook, device_ref: str) -> int:
    """How many notifications the webhook got for the device."""
    return sum(1 for headers, _ in hook.received if headers["X-SyncML-Device"] == quote(device_ref))


def pushed_by_webhook(server: ServeProcess, data_dir: str, hook: Hook, email: str, *device_refs: str) -> None:
    """The devices are told by the webhook, and the account's mailbox is watched."""
    for device_ref in device_refs:
        syncmld("device", "push", email, device_ref, "--url", hook.url, "--data-dir", data_dir)
    server.wait_for_log(watching(email))


def told_to_the_other_only(
    server: ServeProcess, hook: Hook, email: str, writer: str, other: str, *folders: str
) -> None:
    """What ``writer`` changed in the mail ``folders`` (as the store names them), seen by the watch as its own, is
    told to ``other`` once and never to ``writer``."""
    own = [f"push e-mail: {folder} of {email}: the change is what device {writer} changed" for folder in folders]
    assert wait_for(lambda: all(line in server.log for line in own), TOLD_WITHIN), server.log
    assert wait_for(lambda: told(hook, other) == 1, TOLD_WITHIN), server.log
    time.sleep(2.0)  # four quiet times: a notification to the writer would have left
    assert told(hook, writer) == 0, server.log
    assert told(hook, other) == 1, server.log


def test_a_devices_own_imap_changes_are_told_to_its_other_push_device_not_to_itself(
    tmp_path: Path,
    dovecot: Dovecot,
    mailbox: tuple[str, str],
    webhook: Hook,  # noqa: F811
) -> None:
    email = mailbox[0]
    data_dir = set_up(tmp_path, dovecot, mailbox)
    appended(dovecot, email, 3)
    with serving(tmp_path, data_dir) as (server, transport):
        phone = device(server, transport, mailbox, "IMEI:phone", push=True)
        tablet = device(server, transport, mailbox, "IMEI:tablet", push=True)
        phone.sync()
        tablet.sync()
        pushed_by_webhook(server, data_dir, webhook, email, "IMEI:phone", "IMEI:tablet")

        # the phone marks a mail read and flagged and deletes another: IDLE sees both, written by syncmld
        first, second, _ = sorted(mails(phone))
        phone.replace(first, write_email_object(MailItem({"read": True, "flagged": True})))
        phone.delete(second)
        phone.sync()
        told_to_the_other_only(server, webhook, email, "IMEI:phone", "IMEI:tablet", "mail")
        assert tablet.sync().received == {"add": 0, "replace": 1, "delete": 1}
        assert phone.sync().received == {"add": 0, "replace": 0, "delete": 0}

        # an IMAP client flags the third mail: both are told
        client = dovecot.imap(email)
        client.select("INBOX")
        client.store("1:*", "+FLAGS", "(\\Answered)")
        client.logout()
        assert wait_for(lambda: told(webhook, "IMEI:phone") == 1, TOLD_WITHIN), server.log
        assert wait_for(lambda: told(webhook, "IMEI:tablet") == 2, TOLD_WITHIN), server.log


def test_a_devices_draft_move_and_sent_mail_are_told_to_its_other_push_device_not_to_itself(
    tmp_path: Path,
    dovecot: Dovecot,
    smtp_sink: SmtpSink,
    mailbox: tuple[str, str],
    webhook: Hook,  # noqa: F811
) -> None:
    email = mailbox[0]
    data_dir = set_up(tmp_path, dovecot, mailbox, smtp=f"smtp://127.0.0.1:{smtp_sink.port}")
    client = dovecot.imap(email)
    assert client.create("Archive")[0] == "OK"
    client.logout()
    appended(dovecot, email, 2)
    watched = ("inbox", "mail/Archive", "mail/drafts", "mail/sent")  # a data store each, on both devices
    with serving(tmp_path, data_dir, "--push-mail-poll-interval", "0.5") as (server, transport):
        phone = {name: device(server, transport, mailbox, "IMEI:phone", True, name) for name in watched}
        tablet = {name: device(server, transport, mailbox, "IMEI:tablet", True, name) for name in watched}
        tree = device(server, transport, mailbox, "IMEI:phone", True, "mail/*", folders=True)
        outbox = device(server, transport, mailbox, "IMEI:phone", True, "outbox")
        for store in (*phone.values(), *tablet.values(), tree, outbox):
            store.sync()
        pushed_by_webhook(server, data_dir, webhook, email, "IMEI:phone", "IMEI:tablet")

        def told_once(*folders: str) -> None:
            told_to_the_other_only(server, webhook, email, "IMEI:phone", "IMEI:tablet", *folders)
            webhook.received.clear()

        # the phone writes a draft: appended to Drafts
        phone["mail/drafts"].add(write_email_object(MailItem({"read": True}, _draft("Entwurf"))))
        assert phone["mail/drafts"].sync().codes_for("Add") == [201]
        told_once("mail/drafts")
        assert tablet["mail/drafts"].sync().received["add"] == 1

        # the phone moves a mail from the INBOX to Archive in its folder tree: both folders change in IMAP
        moved = sorted(_by_folder(tree)["INBOX"])[0]
        tree.move(_mail_luid(tree, moved), _folder_luid(tree, "Archive"))
        assert tree.sync().codes_for("Move") == [200]
        told_once("mail", "mail/archive")
        assert phone["inbox"].sync().received["delete"] == 1  # its stores of the two folders catch up
        assert phone["mail/Archive"].sync().received["add"] == 1
        assert tablet["inbox"].sync().received["delete"] == 1
        assert tablet["mail/Archive"].sync().received["add"] == 1
        time.sleep(2.0)  # the tablet synced one folder after the other: it may be told of the second in between
        assert told(webhook, "IMEI:phone") == 0, server.log
        webhook.received.clear()

        # the phone sends a mail: put in Sent after SMTP took it
        outbox.add(_mail_to("bert@example.net", 601))
        assert outbox.sync().codes_for("Add") == [201]
        told_once("mail/sent")
        assert tablet["mail/sent"].sync().received["add"] == 1


def test_a_device_syncing_the_folder_tree_is_told_of_mail_in_any_folder_and_of_a_new_folder(
    tmp_path: Path,
    dovecot: Dovecot,
    mailbox: tuple[str, str],
    webhook: Hook,  # noqa: F811
) -> None:
    email = mailbox[0]
    data_dir = set_up(tmp_path, dovecot, mailbox)
    client = dovecot.imap(email)
    assert client.create("Archive")[0] == "OK"
    client.logout()
    with serving(tmp_path, data_dir, "--push-mail-poll-interval", "0.5") as (server, transport):
        tree = device(server, transport, mailbox, "IMEI:tree", True, "mail/*", folders=True)
        tree.sync()
        pushed_by_webhook(server, data_dir, webhook, email, "IMEI:tree")
        assert "is not watched" not in server.log

        appended(dovecot, email, 1)  # the INBOX, by IDLE
        assert wait_for(lambda: len(webhook.received) == 1, TOLD_WITHIN), server.log
        assert webhook.received[0][0]["X-SyncML-Folders"] == quote("mail/*", safe="")
        assert tree.sync().received["add"] == 1

        client = dovecot.imap(email)
        append(client, "Archive", message(2))  # another folder, looked at with STATUS
        client.logout()
        assert wait_for(lambda: len(webhook.received) == 2, TOLD_WITHIN), server.log
        assert tree.sync().received["add"] == 1

        client = dovecot.imap(email)
        assert client.create("Projects")[0] == "OK"  # a new folder: the tree has one folder object more
        client.logout()
        assert wait_for(lambda: len(webhook.received) == 3, TOLD_WITHIN), server.log
        assert tree.sync().received["add"] == 1
        client = dovecot.imap(email)
        append(client, "Projects", message(3))  # and it is watched too
        client.logout()
        assert wait_for(lambda: len(webhook.received) == 4, TOLD_WITHIN), server.log
        assert tree.sync().received["add"] == 1
