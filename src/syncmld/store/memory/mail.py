"""The in-memory store's mail servers, mail passwords and mails sent."""

import dataclasses

from syncmld.store.base import MailJournalEntry, MailJournalLoad, MailMark, MailSend, MailServer, MailWrite, NotFound
from syncmld.store.memory.tables import MemoryRole


class MemoryMail(MemoryRole):
    """See ``syncmld.store.base.Mail``."""

    def set_mail_server(self, server: MailServer) -> None:
        scope = server.scope.lower()
        self._t.mail_servers[scope] = dataclasses.replace(server, scope=scope)

    def remove_mail_server(self, scope: str) -> None:
        if self._t.mail_servers.pop(scope.lower(), None) is None:
            raise NotFound(f"{scope.lower()} has no mail server of its own")

    def list_mail_servers(self) -> list[MailServer]:
        return [self._t.mail_servers[scope] for scope in sorted(self._t.mail_servers)]

    def mail_server_for(self, email: str) -> MailServer | None:
        email = email.lower()
        return self._t.mail_servers.get(email) or self._t.mail_servers.get(email.rpartition("@")[2])

    def set_mail_password(self, account_id: int, password: str) -> None:
        self._require_account(account_id)
        self._t.mail_passwords[account_id] = password

    def mail_password(self, account_id: int) -> str | None:
        return self._t.mail_passwords.get(account_id)

    def claim_send(self, send: MailSend, keep: int) -> MailSend | None:
        found = self._t.mail_sends.get(send.key)
        if found is not None:
            return found
        if send.account_id is not None:
            others = [s for s in self._t.mail_sends.values() if s.account_id == send.account_id]
            others.sort(key=lambda s: (-s.at, s.key))
            for gone in others[max(keep - 1, 0) :]:
                del self._t.mail_sends[gone.key]
        self._t.mail_sends[send.key] = send
        return None

    def finish_send(self, key: str, status: int, detail: str) -> None:
        found = self._t.mail_sends.get(key)
        if found is None:
            raise NotFound(f"no mail on its way under {key}")
        self._t.mail_sends[key] = dataclasses.replace(found, status=status, detail=detail)

    def purge_mail_sends(self, before: float) -> int:
        gone = [s.key for s in self._t.mail_sends.values() if s.at < before and s.status is not None]
        for key in gone:
            del self._t.mail_sends[key]
        return len(gone)

    def journal_mail_changes(self, account_id: int, changes: str, load: MailJournalLoad) -> int:
        self._require_account(account_id)
        entry = MailJournalEntry(self._new_id(), account_id, changes, load)
        self._t.mail_journal[entry.id] = entry
        return entry.id

    def mail_journal_load(self, account_id: int) -> MailJournalLoad:
        entries = self._t.mail_journal.values()
        return sum((entry.load for entry in entries if entry.account_id == account_id), MailJournalLoad())

    def pending_mail_changes(self, account_id: int) -> list[MailJournalEntry]:
        return [entry for _, entry in sorted(self._t.mail_journal.items()) if entry.account_id == account_id]

    def forget_mail_changes(self, entry_id: int) -> None:
        self._t.mail_journal.pop(entry_id, None)

    def mail_mark(self, folder_id: int) -> MailMark | None:
        return self._t.mail_marks.get(folder_id)

    def set_mail_mark(self, folder_id: int, mark: MailMark | None) -> None:
        if mark is None:
            self._t.mail_marks.pop(folder_id, None)
        else:
            self._t.mail_marks[folder_id] = mark

    def begin_mail_write(self, write: MailWrite, keep: int, expired: float) -> int:
        self._require_account(write.account_id)
        if write.device_id not in self._t.devices:
            raise NotFound(f"no device with id {write.device_id}")
        own = sorted(
            (entry for entry in self._t.mail_writes.values() if entry.account_id == write.account_id),
            key=lambda entry: entry.id,
        )
        newest = {entry.id for entry in own[len(own) - keep + 1 :]} if keep > 1 else set()
        for entry in own:
            if entry.at < expired or entry.id not in newest:
                del self._t.mail_writes[entry.id]
        begun = dataclasses.replace(write, id=self._new_id())
        self._t.mail_writes[begun.id] = begun
        return begun.id

    def end_mail_write(self, write_id: int, until: int | None) -> None:
        found = self._t.mail_writes.pop(write_id, None)
        if found is not None and until is not None:
            self._t.mail_writes[write_id] = dataclasses.replace(found, until=until)

    def mail_writes(self, account_id: int, mailbox: str, uidvalidity: int, since: float) -> list[MailWrite]:
        return [
            entry
            for _, entry in sorted(self._t.mail_writes.items())
            if (entry.account_id, entry.mailbox, entry.uidvalidity) == (account_id, mailbox, uidvalidity)
            and entry.at >= since
            and entry.device_id in self._t.devices
            and entry.account_id in self._t.accounts
        ]
