"""The bound on an account's journal of mail changes not yet applied to IMAP: while its IMAP server is down,
devices' changes wait there, and once it holds as many as the settings allow, further ones are refused with
420 (Device full), before anything of them is written; the device keeps them and sends them again later."""

import logging
from dataclasses import dataclass

from syncmld.engine.api import EngineSettings
from syncmld.engine.session import SessionState
from syncmld.mail.model import FolderChanges
from syncmld.store.base import MailJournalLoad, Transaction

log = logging.getLogger("syncmld.engine")


def load_of(changes: FolderChanges) -> MailJournalLoad:
    """What one folder's changes add to the journal: one change a mail, the bytes of the messages appended."""
    appended = [mail for mail in changes.added if mail.replaces is None]
    return MailJournalLoad(
        len(changes.flags) + len(changes.removed) + len(appended), sum(len(mail.message) for mail in changes.added)
    )


@dataclass
class JournalRoom:
    """What the account's journal still takes in this message; each change a device sends to a mail folder
    takes its share before it is applied (its item's bytes counted as its message's, which they hold)."""

    account: str
    used: MailJournalLoad
    limit: MailJournalLoad
    full_before: bool
    """Whether the journal was full when the message came (its refusals are then no news: logged as info)."""
    refused: int = 0

    @classmethod
    def of(cls, tx: Transaction, state: SessionState, settings: EngineSettings) -> "JournalRoom":
        limit = MailJournalLoad(settings.mail_journal_max_changes, settings.mail_journal_max_bytes)
        used = tx.mail_journal_load(state.account_id)
        full = used.changes >= limit.changes or used.message_bytes >= limit.message_bytes
        return cls(state.account_email, used, limit, full)

    def take(self, changes: int, message_bytes: int) -> bool:
        """Whether the journal has room for these changes (then they have it); False, logged once a message, if not."""
        wanted = self.used + MailJournalLoad(changes, message_bytes)
        if wanted.changes <= self.limit.changes and wanted.message_bytes <= self.limit.message_bytes:
            self.used = wanted
            return True
        if not self.refused:
            log.log(
                logging.INFO if self.full_before else logging.WARNING,
                "account %s: the mail changes waiting for IMAP are at their limit (%d of %d changes, %d of %d bytes"
                " of messages): further ones are refused with 420 until IMAP takes them",
                self.account,
                self.used.changes,
                self.limit.changes,
                self.used.message_bytes,
                self.limit.message_bytes,
            )
        self.refused += 1
        return False
