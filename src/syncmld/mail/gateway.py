"""The mail I/O the engine's caller does: IMAP (``imap``), and sending through SMTP (``smtp``) exactly once.

A mail to send is recorded in the store under its key before it goes, and its outcome after: the same
message brought again (the reply to it was lost, the server stopped after sending) finds the record and
is not sent again. A record without an outcome (the server stopped while sending) is settled by looking
for the mail in the Sent folder, where it is put right after it is sent. An account keeps its latest
``max_sends`` records (the background sweep forgets those with an outcome after ``mail_sends_keep``).

What devices' changes write to IMAP, and the mails they send put in Sent, is recorded in the store too (each
folder's HIGHESTMODSEQ before and after, for ``keep_writes`` seconds, at most ``max_writes`` records an account),
so that push e-mail does not tell a device of its own changes.
"""

import logging
import ssl
import time

from syncmld.mail import smtp
from syncmld.mail.imap import ImapGateway
from syncmld.mail.model import (
    MAX_SENDS,
    Cut,
    Fetched,
    FolderChanges,
    FolderWrite,
    Listing,
    Mailbox,
    MailError,
    MailLogin,
    Placed,
    Sent,
)
from syncmld.status import StatusCode
from syncmld.store.base import MailMark, MailSend, MailWrite, Store

log = logging.getLogger("syncmld.mail")

KEEP_WRITES = 600.0
"""Seconds what was written to IMAP for a device is remembered: a watcher sees it within a second or two."""
MAX_WRITES = 100
"""Most records of what was written an account keeps: a device's sync writes one a folder."""


class MailServers:
    """``syncmld.mail.model.MailGateway`` over IMAP and SMTP, with the store as the journal of mails sent."""

    def __init__(
        self,
        store: Store,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        keep_writes: float = KEEP_WRITES,
        max_writes: int = MAX_WRITES,
        max_sends: int = MAX_SENDS,
    ) -> None:
        self.store = store
        self.imap = ImapGateway(timeout, ssl_context)
        self.timeout = timeout
        self.keep_writes = keep_writes
        self.max_writes = max_writes
        self.max_sends = max_sends

    def listing(self, login: MailLogin, folder: str, mark: MailMark | None) -> Listing:
        return self.imap.listing(login, folder, mark)

    def fetch(
        self, login: MailLogin, folder: str, uidvalidity: int, uids: tuple[int, ...], cut: Cut
    ) -> dict[int, Fetched]:
        return self.imap.fetch(login, folder, uidvalidity, uids, cut)

    def mailbox(self, login: MailLogin) -> Mailbox:
        return self.imap.mailbox(login)

    def apply(self, login: MailLogin, changes: tuple[FolderChanges, ...]) -> tuple[Placed, ...]:
        return self.imap.apply(login, changes, self)

    def begun(self, login: MailLogin, writes: tuple[FolderWrite, ...]) -> tuple[int, ...]:
        """See ``syncmld.mail.model.WriteJournal``."""
        now = time.time()
        with self.store.transaction() as tx:
            account = tx.get_account(login.account)
            devices = set() if account is None else {device.id for device in tx.list_devices(account.id)}
            return tuple(
                tx.begin_mail_write(
                    MailWrite(account.id, write.device, write.mailbox, write.uidvalidity, write.modseq, None, now),
                    self.max_writes,
                    now - self.keep_writes,
                )
                if account is not None and write.device in devices
                else 0
                for write in writes
            )

    def ended(self, ids: tuple[int, ...], modseqs: tuple[int, ...] | None) -> None:
        """See ``syncmld.mail.model.WriteJournal``."""
        with self.store.transaction() as tx:
            for index, write_id in enumerate(ids):
                if write_id:
                    tx.end_mail_write(write_id, None if modseqs is None else modseqs[index])

    def send(self, login: MailLogin, key: str, message: bytes, device: int) -> Sent:
        with self.store.transaction() as tx:
            account = tx.get_account(login.account)
            owner = None if account is None else account.id
            known = tx.claim_send(MailSend(key, None, account_id=owner, at=time.time()), self.max_sends)
        if known is not None and known.status is not None and known.status < 300:
            log.info("mail %s of %s was sent before: not sent again", key[:12], login.account)
            return Sent(next(code for code in StatusCode if code == known.status), known.detail)
        if known is not None and known.status is None and self.imap.holds_sent(login, message):
            log.warning(
                "mail %s of %s was being sent when the server stopped: it is in Sent, not sent again",
                key[:12],
                login.account,
            )
            self._record(key, Sent(StatusCode.ITEM_ADDED, "sent before the server stopped"))
            return Sent(StatusCode.ITEM_ADDED, "sent before the server stopped")
        try:
            detail = smtp.send(login, message, self.timeout, self.imap.ssl_context)
        except MailError as error:
            log.warning(
                "mail %s of %s not sent (%d): %s; it stays in the device's outbox",
                key[:12],
                login.account,
                error.status,
                error,
            )
            self._record(key, Sent(error.status, str(error)))
            return Sent(error.status, str(error))
        outcome = Sent(StatusCode.ITEM_ADDED, detail)
        self._record(key, outcome)
        log.info("mail %s of %s %s", key[:12], login.account, detail)
        try:
            self.imap.append_sent(login, message, device, self)
        except MailError as error:
            log.error("mail %s of %s was sent but not put in Sent: %s", key[:12], login.account, error)
        return outcome

    def _record(self, key: str, sent: Sent) -> None:
        with self.store.transaction() as tx:
            tx.finish_send(key, sent.status, sent.detail)
