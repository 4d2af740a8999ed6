"""The SQL store's failed logins and device nonces."""

from collections.abc import Iterable

from sqlalchemy import bindparam, delete, func, select

from syncmld.store.base import LoginFailures
from syncmld.store.schema import login_failures, nonces
from syncmld.store.sql.common import SqlRole, any_of
from syncmld.store.sql.prepared import Prepared

_OF_KEY = login_failures.c.key == bindparam("key")
_FAILURES = Prepared(select(login_failures.c.count, login_failures.c.last_at).where(_OF_KEY))
_FAILURE_COLUMNS = select(login_failures.c.key, login_failures.c.count, login_failures.c.last_at)
_CLEAR_FAILURES = Prepared(delete(login_failures).where(_OF_KEY))
_NONCE = Prepared(
    select(nonces.c.nonce).where(nonces.c.device_ref == bindparam("ref"), nonces.c.issued_at > bindparam("after"))
)
"""Made once: every login reads them (building a statement costs more than running it)."""


class SqlLogins(SqlRole):
    """See ``syncmld.store.base.Logins``."""

    def note_login_failure(self, key: str, now: float) -> LoginFailures:
        previous = self.login_failures(key)
        noted = LoginFailures((previous.count if previous else 0) + 1, now)
        self._upsert(login_failures, {"key": key, "count": noted.count, "last_at": now}, ["key"])
        return noted

    def login_failures(self, key: str) -> LoginFailures | None:
        row = _FAILURES.first(self._connection, {"key": key})
        return LoginFailures(row[0], row[1]) if row is not None else None

    def login_failures_of(self, keys: Iterable[str]) -> dict[str, LoginFailures]:
        statement, values = any_of(_FAILURE_COLUMNS, login_failures.c.key, keys)
        if not values:
            return {}
        rows = statement.rows(self._connection, values)
        return {key: LoginFailures(count, last_at) for key, count, last_at in rows}

    def clear_login_failures(self, key: str) -> None:
        _CLEAR_FAILURES.run(self._connection, {"key": key})

    def count_login_failure_keys(self) -> int:
        return int(self._connection.execute(select(func.count()).select_from(login_failures)).scalar_one())

    def purge_login_failures(self, last_before: float) -> int:
        statement = delete(login_failures).where(login_failures.c.last_at < last_before)
        return self._connection.execute(statement).rowcount

    def get_nonce(self, device_ref: str, issued_after: float) -> str | None:
        nonce: str | None = _NONCE.scalar(self._connection, {"ref": device_ref, "after": issued_after})
        return nonce

    def set_nonce(self, device_ref: str, nonce: str, issued_at: float) -> None:
        self._upsert(nonces, {"device_ref": device_ref, "nonce": nonce, "issued_at": issued_at}, ["device_ref"])

    def purge_nonces(self, issued_before: float) -> int:
        return self._connection.execute(delete(nonces).where(nonces.c.issued_at < issued_before)).rowcount
