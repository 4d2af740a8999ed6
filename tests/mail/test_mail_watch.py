"""The mailbox watcher of one server process in process, on a real store and Dovecot: its limit of IDLE
connections, the leases that leave an account to one process, and the folders other than the INBOX looked at
with STATUS."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest

from syncmld.client import Device
from syncmld.mail.imap import ImapGateway
from syncmld.push.mail_watch import MailWatcher
from syncmld.push.settings import PushSettings
from syncmld.store.base import Store
from tests.mail.dovecot import Dovecot, SmtpSink
from tests.mail.engine_side import URL, MailSetup, set_up
from tests.mail.mailbox import append, message
from tests.statements import recorded_statements, writing

SETTINGS = PushSettings(watch_interval=1.0, mail_poll_interval=0.3, idle_retry_delay=0.2)


def pushed(setup: MailSetup, server_db: str = "Mail") -> Device:
    """A device of the account that synced ``server_db`` with ``push`` in its URL."""
    device = setup.device("IMEI:phone", server_db=server_db)
    device.url = URL + "?push"
    device.sync()
    return device


@contextmanager
def watchers(store: Store, *limits: int) -> Iterator[list[MailWatcher]]:
    """Watchers of as many server processes, each keeping at most its limit of IDLE connections."""
    made = [
        MailWatcher(store, replace(SETTINGS, idle_max=limit), ImapGateway(10), f"worker-{number}")
        for number, limit in enumerate(limits)
    ]
    try:
        yield made
    finally:
        for watcher in made:
            watcher.close()


def test_a_process_watches_at_most_its_limit_and_another_takes_the_rest(
    store: Store, dovecot: Dovecot, smtp_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    accounts = {f"watch{number}@example.com": f"pw-{number}" for number in range(3)}
    dovecot.add_users(accounts)
    for email, password in accounts.items():
        pushed(set_up(store, dovecot, smtp_sink, email, password))
    caplog.set_level(logging.INFO, "syncmld.push")
    with watchers(store, 2, 5) as (first, second):
        first.refresh()
        second.refresh()
        watched = [{mailbox.email for mailbox, _ in watcher.watches.values()} for watcher in (first, second)]
        assert [len(emails) for emails in watched] == [2, 1]
        assert watched[0] | watched[1] == set(accounts)
        assert "as many as --push-idle-max allows; 1 more are left to other server processes" in caplog.text
        first.close()
        second.refresh()
        assert {mailbox.email for mailbox, _ in second.watches.values()} == set(accounts), "released: taken over"


def test_a_mail_folder_other_than_the_inbox_is_looked_at_with_status(
    store: Store, dovecot: Dovecot, smtp_sink: SmtpSink, mailbox: tuple[str, str]
) -> None:
    setup = set_up(store, dovecot, smtp_sink, *mailbox)
    pushed(setup, "mail/Sent")
    with watchers(store, 10) as (watcher,):
        watcher.refresh()
        time.sleep(1.0)  # connected, and looked at Sent a few times
        with store.transaction() as tx:
            assert tx.count_pending_pushes() == 0
        client = dovecot.imap(setup.email)
        append(client, "Sent", message(1))
        client.logout()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with store.transaction() as tx:
                if tx.count_pending_pushes():
                    break
            time.sleep(0.1)
        with store.transaction() as tx:
            assert tx.count_pending_pushes() == 1


def test_a_process_with_no_mailbox_to_watch_takes_no_write_turn(store: Store) -> None:
    """Each process looks every ``watch_interval`` (15 s): with no device asking for mail push, the look reads
    only, so an idle server does not queue behind, or hold up, the writers of SQLite."""
    with recorded_statements() as statements, watchers(store, 2) as (watcher,):
        watcher.refresh()
        watcher.refresh()
    assert watcher.watches == {}
    assert writing(statements) == []
