"""A first sync of a large INBOX, headers only, then a sync with no change: IMAP round trips, CPU, peak RSS.

Starts an unprivileged Dovecot on a free loopback port (as tests/mail do), writes N messages straight into
the user's maildir, then measures, in this one process:

- the floor: a plain IMAPClient script reading the same mailbox (UIDs, flags, sizes, then every header);
- syncmld: the engine on a fresh SQLite store, a scripted device (OMA DS e-mail objects, MaxMsgSize 1 MB)
  doing a first (slow) sync with ``mail_headers_only`` on, then a normal sync with nothing changed (with
  CONDSTORE, which Dovecot has, one STATUS), then one after a flag was changed in IMAP;
- a second device taking the folder tree (``Mail`` with folder objects: every folder listed at each sync, no
  CONDSTORE there yet): its first sync and a sync with nothing changed.

IMAP round trips are the tagged commands sent (imaplib's tags, which IMAPClient's own FETCH and SEARCH
use too). CPU is this process's (the scripted
device's share included); RSS growth is the peak RSS after a step over the peak before it.

    .venv/bin/python bench/mail_first_sync.py              # 10,000 messages
    .venv/bin/python bench/mail_first_sync.py --messages 2000
"""

import argparse
import imaplib
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from imapclient import IMAPClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncmld.store import open_store
from tests.mail.dovecot import Dovecot, SmtpSink
from tests.mail.engine_side import mails, set_up
from tests.mail.mailbox import message

COMMANDS = [0]
_new_tag = imaplib.IMAP4._new_tag


def _counted(self: imaplib.IMAP4) -> bytes:
    COMMANDS[0] += 1
    return _new_tag(self)


imaplib.IMAP4._new_tag = _counted  # type: ignore[method-assign]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measured(name: str, step: Callable[[], str]) -> None:
    before_rss, before_cpu, before_commands, started = peak_mb(), time.process_time(), COMMANDS[0], time.perf_counter()
    said = step()
    print(
        f"{name:<34} {COMMANDS[0] - before_commands:>6} IMAP commands  {time.perf_counter() - started:7.2f} s wall"
        f"  {time.process_time() - before_cpu:7.2f} s CPU  peak RSS {peak_mb():6.0f} MB"
        f" (+{peak_mb() - before_rss:.0f})  {said}"
    )


def write_maildir(dovecot: Dovecot, email: str, count: int) -> None:
    """``count`` messages straight into the user's maildir (Dovecot indexes them when first asked)."""
    folder = dovecot.root / "mail" / email / "cur"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, count + 1):
        (folder / f"{1_700_000_000 + number}.M{number}P1.bench:2,{'S' if number % 3 == 0 else ''}").write_bytes(
            message(number, attachment_kb=8 if number % 5 == 0 else 0)
        )
    dovecot._own()


def floor(dovecot: Dovecot, email: str, password: str) -> str:
    with IMAPClient("127.0.0.1", dovecot.port, ssl=False) as client:
        client.login(email, password)
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        headers = 0
        for start in range(0, len(uids), 1000):
            batch = uids[start : start + 1000]
            client.fetch(batch, ["FLAGS", "INTERNALDATE", "RFC822.SIZE"])
            headers += sum(len(data[b"BODY[HEADER]"]) for data in client.fetch(batch, ["BODY.PEEK[HEADER]"]).values())
    return f"{len(uids)} messages, {headers // 1024} KB of headers"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    dovecot, sink = Dovecot.start(), SmtpSink()
    try:
        email, password = "bench@example.com", "bench-password"
        dovecot.add_user(email, password)
        write_maildir(dovecot, email, args.messages)
        with IMAPClient("127.0.0.1", dovecot.port, ssl=False) as client:  # let Dovecot index the maildir first
            client.login(email, password)
            client.select_folder("INBOX")
        with tempfile.TemporaryDirectory() as data:
            store = open_store(f"sqlite:///{Path(data) / 'syncmld.db'}")
            setup = set_up(store, dovecot, sink, email, password)
            with store.transaction() as tx:
                tx.set_setting("mail_headers_only", "on")
            phone = setup.device("IMEI:bench", max_msg_size=1_000_000)
            print(f"{args.messages} messages in the INBOX, Python {sys.version.split()[0]}, pid {os.getpid()}")
            measured("floor: IMAPClient script", lambda: floor(dovecot, email, password))

            def first() -> str:
                report = phone.sync()
                return f"{report.received['add']} mails to the device in {report.messages} messages"

            def again() -> str:
                report = phone.sync()
                return f"{sum(report.received.values())} changes to the device"

            def flag_one() -> None:
                with IMAPClient("127.0.0.1", dovecot.port, ssl=False) as client:
                    client.login(email, password)
                    client.select_folder("INBOX")
                    client.add_flags(client.search("ALL")[:1], [b"\\Flagged"])

            measured("syncmld: first sync, headers only", first)
            measured("syncmld: no-change sync", again)
            flag_one()
            measured("syncmld: sync after one IMAP flag", again)
            assert len(mails(phone)) == args.messages
            tree = setup.device("IMEI:bench-tree", max_msg_size=1_000_000, folders=True)

            def tree_sync() -> str:
                report = tree.sync()
                return f"{sum(report.received.values())} items (folders and mails) to the tree device"

            measured("syncmld: folder tree, first sync, headers only", tree_sync)
            measured("syncmld: folder tree, no-change sync", tree_sync)
            store.close()
    finally:
        sink.stop()
        dovecot.remove()


if __name__ == "__main__":
    main()
