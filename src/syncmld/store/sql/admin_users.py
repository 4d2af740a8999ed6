"""The SQL store's web admin users."""

from sqlalchemy import bindparam, delete, select, update

from syncmld.store.base import AlreadyExists, NotFound
from syncmld.store.schema import admin_users
from syncmld.store.sql.common import SqlRole
from syncmld.store.sql.prepared import Prepared

_PASSWORD_HASH = Prepared(select(admin_users.c.password_hash).where(admin_users.c.name == bindparam("name")))
"""Made once: every request of the web admin reads it."""


class SqlAdminUsers(SqlRole):
    """See ``syncmld.store.base.AdminUsers``."""

    def add_admin_user(self, name: str, password_hash: str) -> None:
        statement = (
            self._insert(admin_users)
            .values(name=name, password_hash=password_hash)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(admin_users.c.name)
        )
        if self._connection.execute(statement).scalar() is None:
            raise AlreadyExists(f"an admin user {name} exists already")

    def admin_password_hash(self, name: str) -> str | None:
        found: str | None = _PASSWORD_HASH.scalar(self._connection, {"name": name})
        return found

    def set_admin_password(self, name: str, password_hash: str) -> None:
        statement = update(admin_users).where(admin_users.c.name == name).values(password_hash=password_hash)
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no admin user {name}")

    def remove_admin_user(self, name: str) -> None:
        if self._connection.execute(delete(admin_users).where(admin_users.c.name == name)).rowcount == 0:
            raise NotFound(f"no admin user {name}")

    def list_admin_users(self) -> list[str]:
        return list(self._connection.execute(select(admin_users.c.name).order_by(admin_users.c.name)).scalars())
