"""Mail through a real ``syncmld serve`` over HTTP: the command line sets the mail server, a device syncs
its INBOX and sends a mail (whose record the sweep forgets after --mail-sends-keep), its changes past the bound
of those waiting for a stopped IMAP server are refused, and the log says what happened."""

import re
from pathlib import Path

from syncmld.client import Device
from syncmld.client.email import EMAIL_TYPE, MailItem, mail_devinf, parse_email_object, write_email_object
from syncmld.client.http import HttpTransport
from tests.mail.dovecot import Dovecot, SmtpSink, down_from_the_sync
from tests.mail.mailbox import fill, message
from tests.server.serve_process import ServeProcess, syncmld


def test_a_device_syncs_its_inbox_and_sends_a_mail_through_syncmld_serve(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink, mailbox: tuple[str, str]
) -> None:
    email, password = mailbox
    client = dovecot.imap(email)
    fill(client, 12)
    client.logout()
    data_dir = str(tmp_path / "data")
    syncmld("account", "add", email, "--password", password, "--data-dir", data_dir)
    syncmld(
        "mail",
        "set",
        email,
        "--imap",
        f"imap://127.0.0.1:{dovecot.port}",
        "--smtp",
        f"smtp://127.0.0.1:{smtp_sink.port}",
        "--data-dir",
        data_dir,
    )
    limit = ["--mail-journal-max-changes", "1", "--mail-sends-max", "5", "--mail-sends-keep", "1"]
    limit += ["--session-sweep-interval", "0.5"]
    with ServeProcess(tmp_path / "serve.log", "--data-dir", data_dir, *limit) as server, HttpTransport() as transport:

        def device(db: str, uri: str) -> Device:
            return Device(
                transport=transport,
                url=server.url,
                user=email,
                password=password,
                device_id="IMEI:serve",
                server_db=db,
                local_uri=uri,
                content_type=EMAIL_TYPE,
                devinf=mail_devinf(uri, EMAIL_TYPE),
            )

        inbox = device("Mail", "./Mail")
        assert inbox.sync().received["add"] == 12
        assert all(parse_email_object(data).message for data in inbox.items.values())
        outbox = device("Outbox", "./Outbox")
        outbox.sync()
        outbox.add(write_email_object(MailItem(message=message(77).replace(b"anna@example.com", b"dora@example.net"))))
        assert outbox.sync().codes_for("Add") == [201]
        server.wait_for_log(re.compile(r"expired: .* 1 records of mails sent"))
        for luid in sorted(inbox.items)[:2]:
            inbox.replace(luid, write_email_object(MailItem({"flagged": True})))
        with down_from_the_sync(dovecot, inbox):
            assert inbox.sync().codes_for("Replace") == [200, 420]
        log = server.log
    assert [to for _, to, _ in smtp_sink.received if "dora@example.net" in to] == [["dora@example.net"]]
    assert "12 messages in IMAP, 12 new or changed, 0 gone" in log
    assert "outbox item L1: 201 sent to 1 recipients" in log
    assert f"account {email}: the mail changes waiting for IMAP are at their limit (1 of 1 changes" in log
