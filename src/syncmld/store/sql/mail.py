"""The SQL store's mail servers, mail passwords and mails sent; secrets sealed under the server key."""

import logging
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update

from syncmld.store.base import MailJournalEntry, MailJournalLoad, MailMark, MailSend, MailServer, MailWrite, NotFound
from syncmld.store.schema import mail_journal, mail_marks, mail_passwords, mail_sends, mail_servers, mail_writes
from syncmld.store.sql.common import SqlRole
from syncmld.store.sql.prepared import Prepared

log = logging.getLogger(__name__)

_SERVERS = Prepared(select(mail_servers).where(mail_servers.c.scope.in_([bindparam("account"), bindparam("domain")])))
_PASSWORD = Prepared(select(mail_passwords.c.secret).where(mail_passwords.c.account_id == bindparam("account_id")))
"""Made once: every login reads them (building a statement costs more than running it)."""


class SqlMail(SqlRole):
    """See ``syncmld.store.base.Mail``."""

    def _server(self, row: Any) -> MailServer:
        secret = self._box.open(row.secret, f"mail:{row.scope}")
        if secret is None:
            log.warning("the mail login secret of %s does not open with this server key: set it again", row.scope)
        return MailServer(row.scope, row.imap, row.smtp, row.starttls, row.login, secret or "")

    def set_mail_server(self, server: MailServer) -> None:
        scope = server.scope.lower()
        row = {
            "scope": scope,
            "imap": server.imap,
            "smtp": server.smtp,
            "starttls": server.starttls,
            "login": server.login,
            "secret": self._box.seal(server.secret, f"mail:{scope}"),
        }
        self._upsert(mail_servers, row, ["scope"])

    def remove_mail_server(self, scope: str) -> None:
        statement = delete(mail_servers).where(mail_servers.c.scope == scope.lower())
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"{scope.lower()} has no mail server of its own")

    def list_mail_servers(self) -> list[MailServer]:
        rows = self._connection.execute(select(mail_servers).order_by(mail_servers.c.scope))
        return [self._server(row) for row in rows]

    def mail_server_for(self, email: str) -> MailServer | None:
        email = email.lower()
        scopes = (email, email.rpartition("@")[2])
        rows = {row.scope: row for row in _SERVERS.rows(self._connection, {"account": scopes[0], "domain": scopes[1]})}
        found = next((rows[scope] for scope in scopes if scope in rows), None)
        return None if found is None else self._server(found)

    def set_mail_password(self, account_id: int, password: str) -> None:
        self._require_account(account_id)
        row = {"account_id": account_id, "secret": self._box.seal(password, f"mail:{account_id}")}
        self._upsert(mail_passwords, row, ["account_id"])

    def mail_password(self, account_id: int) -> str | None:
        sealed = _PASSWORD.scalar(self._connection, {"account_id": account_id})
        return None if sealed is None else self._box.open(sealed, f"mail:{account_id}")

    def claim_send(self, send: MailSend, keep: int) -> MailSend | None:
        statement = (
            self._insert(mail_sends)
            .values(key=send.key, status=send.status, detail=send.detail, account_id=send.account_id, at=send.at)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(mail_sends.c.key)
        )
        if self._connection.execute(statement).scalar() is None:
            row = self._connection.execute(select(mail_sends).where(mail_sends.c.key == send.key)).one()
            return MailSend(row.key, row.status, row.detail, row.account_id, row.at)
        if send.account_id is not None:
            others = (mail_sends.c.account_id == send.account_id, mail_sends.c.key != send.key)
            kept = (
                select(mail_sends.c.key)
                .where(*others)
                .order_by(mail_sends.c.at.desc(), mail_sends.c.key)
                .limit(max(keep - 1, 0))
            )
            self._connection.execute(delete(mail_sends).where(*others, mail_sends.c.key.not_in(kept.scalar_subquery())))
        return None

    def finish_send(self, key: str, status: int, detail: str) -> None:
        statement = update(mail_sends).where(mail_sends.c.key == key).values(status=status, detail=detail)
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no mail on its way under {key}")

    def purge_mail_sends(self, before: float) -> int:
        statement = delete(mail_sends).where(mail_sends.c.at < before, mail_sends.c.status.is_not(None))
        return int(self._connection.execute(statement).rowcount)

    def journal_mail_changes(self, account_id: int, changes: str, load: MailJournalLoad) -> int:
        self._require_account(account_id)
        statement = (
            insert(mail_journal)
            .values(account_id=account_id, changes=changes, change_count=load.changes, message_bytes=load.message_bytes)
            .returning(mail_journal.c.id)
        )
        return int(self._connection.execute(statement).scalar_one())

    def mail_journal_load(self, account_id: int) -> MailJournalLoad:
        row = self._connection.execute(
            select(
                func.coalesce(func.sum(mail_journal.c.change_count), 0),
                func.coalesce(func.sum(mail_journal.c.message_bytes), 0),
            ).where(mail_journal.c.account_id == account_id)
        ).one()
        return MailJournalLoad(int(row[0]), int(row[1]))

    def pending_mail_changes(self, account_id: int) -> list[MailJournalEntry]:
        rows = self._connection.execute(
            select(mail_journal).where(mail_journal.c.account_id == account_id).order_by(mail_journal.c.id)
        )
        return [
            MailJournalEntry(row.id, row.account_id, row.changes, MailJournalLoad(row.change_count, row.message_bytes))
            for row in rows
        ]

    def forget_mail_changes(self, entry_id: int) -> None:
        self._connection.execute(delete(mail_journal).where(mail_journal.c.id == entry_id))

    def mail_mark(self, folder_id: int) -> MailMark | None:
        row = self._connection.execute(select(mail_marks).where(mail_marks.c.folder_id == folder_id)).first()
        return None if row is None else MailMark(row.uidvalidity, row.modseq)

    def set_mail_mark(self, folder_id: int, mark: MailMark | None) -> None:
        if mark is None:
            self._connection.execute(delete(mail_marks).where(mail_marks.c.folder_id == folder_id))
            return
        row = {"folder_id": folder_id, "uidvalidity": mark.uidvalidity, "modseq": mark.modseq}
        self._upsert(mail_marks, row, ["folder_id"])

    def begin_mail_write(self, write: MailWrite, keep: int, expired: float) -> int:
        kept = (
            select(mail_writes.c.id)
            .where(mail_writes.c.account_id == write.account_id)
            .order_by(mail_writes.c.id.desc())
            .limit(max(keep - 1, 0))
        )
        self._connection.execute(
            delete(mail_writes).where(
                mail_writes.c.account_id == write.account_id,
                or_(mail_writes.c.at < expired, mail_writes.c.id.not_in(kept.scalar_subquery())),
            )
        )
        row = {
            "account_id": write.account_id,
            "device_id": write.device_id,
            "mailbox": write.mailbox,
            "uidvalidity": write.uidvalidity,
            "since": write.since,
            "until": write.until,
            "at": write.at,
        }
        return int(self._connection.execute(insert(mail_writes).values(row).returning(mail_writes.c.id)).scalar_one())

    def end_mail_write(self, write_id: int, until: int | None) -> None:
        if until is None:
            self._connection.execute(delete(mail_writes).where(mail_writes.c.id == write_id))
        else:
            self._connection.execute(update(mail_writes).where(mail_writes.c.id == write_id).values(until=until))

    def mail_writes(self, account_id: int, mailbox: str, uidvalidity: int, since: float) -> list[MailWrite]:
        rows = self._connection.execute(
            select(mail_writes)
            .where(
                mail_writes.c.account_id == account_id,
                mail_writes.c.mailbox == mailbox,
                mail_writes.c.uidvalidity == uidvalidity,
                mail_writes.c.at >= since,
            )
            .order_by(mail_writes.c.id)
        )
        return [
            MailWrite(row.account_id, row.device_id, row.mailbox, row.uidvalidity, row.since, row.until, row.at, row.id)
            for row in rows
        ]
