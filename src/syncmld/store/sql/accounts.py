"""The SQL store's accounts: secrets sealed under the server key on the way in, opened on the way out."""

import logging
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from syncmld.store.base import Account, AlreadyExists, NotFound
from syncmld.store.schema import accounts, sessions
from syncmld.store.sql.common import SqlRole
from syncmld.store.sql.prepared import Prepared
from syncmld.store.sql.sessions import drop_objects_of

log = logging.getLogger(__name__)

_BY_EMAIL = Prepared(select(accounts).where(accounts.c.email == bindparam("email")))
_BY_ID = Prepared(select(accounts).where(accounts.c.id == bindparam("id")))
"""Made once: every login reads the account (building a statement costs more than running it)."""


class SqlAccounts(SqlRole):
    """See ``syncmld.store.base.Accounts``."""

    def _account(self, row: Any) -> Account:
        secret = self._box.open(row.md5_credential, row.email)
        if secret is None:
            log.warning(
                "the MD5 secret of %s does not open with this server key: it logs in with MD5 only "
                "once its password is set again",
                row.email,
            )
        item_key = self._box.open(row.item_key, row.email)
        if item_key is None:
            log.warning(
                "the item key of %s does not open with this server key: its encrypted items decrypt again "
                "after its next basic login",
                row.email,
            )
        return Account(row.id, row.email, secret or "", row.password_hash, row.enabled, item_key or "")

    def add_account(self, email: str, md5_credential: str, password_hash: str, item_key: str = "") -> Account:
        email = email.lower()
        statement = (
            self._insert(accounts)
            .values(
                email=email,
                md5_credential=self._box.seal(md5_credential, email),
                password_hash=password_hash,
                enabled=True,
                item_key=self._box.seal(item_key, email),
            )
            .on_conflict_do_nothing(index_elements=["email"])
            .returning(accounts.c.id)
        )
        account_id = self._connection.execute(statement).scalar()
        if account_id is None:
            raise AlreadyExists(f"an account {email} exists already")
        return Account(account_id, email, md5_credential, password_hash, item_key=item_key)

    def get_account(self, email: str) -> Account | None:
        row = _BY_EMAIL.first(self._connection, {"email": email.lower()})
        return None if row is None else self._account(row)

    def get_account_by_id(self, account_id: int) -> Account | None:
        row = _BY_ID.first(self._connection, {"id": account_id})
        return None if row is None else self._account(row)

    def list_accounts(self) -> list[Account]:
        rows = self._connection.execute(select(accounts).order_by(accounts.c.email))
        return [self._account(row) for row in rows]

    def set_credentials(self, email: str, md5_credential: str, password_hash: str, item_key: str) -> None:
        self._update_account(
            email,
            md5_credential=self._box.seal(md5_credential, email.lower()),
            password_hash=password_hash,
            item_key=self._box.seal(item_key, email.lower()),
        )

    def set_item_key(self, email: str, item_key: str) -> None:
        self._update_account(email, item_key=self._box.seal(item_key, email.lower()))

    def remove_account(self, email: str) -> None:
        # Its devices, folders, items, maps and sessions go with it: their foreign keys cascade.
        account_ids = select(accounts.c.id).where(accounts.c.email == email.lower())
        drop_objects_of(self._connection, select(sessions.c.token).where(sessions.c.account_id.in_(account_ids)))
        statement = delete(accounts).where(accounts.c.email == email.lower())
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no account {email.lower()}")

    def set_account_enabled(self, email: str, enabled: bool) -> None:
        self._update_account(email, enabled=enabled)

    def _update_account(self, email: str, **values: Any) -> None:
        """Set columns of one account's row; raises NotFound."""
        statement = update(accounts).where(accounts.c.email == email.lower()).values(**values)
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no account {email.lower()}")

    def drop_md5_credentials(self) -> int:
        statement = update(accounts).where(accounts.c.md5_credential != "").values(md5_credential="")
        return self._connection.execute(statement).rowcount
