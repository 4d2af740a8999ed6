"""The SQL store's server settings, domains and access list."""

from sqlalchemy import bindparam, delete, select, update

from syncmld.store.base import AlreadyExists, Domain, NotFound
from syncmld.store.schema import access_list, domains, settings
from syncmld.store.sql.common import SqlRole

_SETTING = select(settings.c.value).where(settings.c.name == bindparam("name"))
_DOMAIN = select(domains).where(domains.c.name == bindparam("name"))
"""Made once: a message reads several settings, a login the account's domain (building a statement costs more
than running it)."""


class SqlAdmin(SqlRole):
    """See ``syncmld.store.base.Admin``."""

    def get_setting(self, name: str) -> str | None:
        value: str | None = self._connection.execute(_SETTING, {"name": name}).scalar()
        return value

    def set_setting(self, name: str, value: str) -> None:
        self._upsert(settings, {"name": name, "value": value}, ["name"])

    def list_settings(self) -> dict[str, str]:
        rows = self._connection.execute(select(settings.c.name, settings.c.value).order_by(settings.c.name))
        return {name: value for name, value in rows}

    def add_domain(self, name: str) -> Domain:
        name = name.lower()
        statement = (
            self._insert(domains)
            .values(name=name, enabled=True)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(domains.c.name)
        )
        if self._connection.execute(statement).scalar() is None:
            raise AlreadyExists(f"a domain {name} exists already")
        return Domain(name)

    def get_domain(self, name: str) -> Domain | None:
        row = self._connection.execute(_DOMAIN, {"name": name.lower()}).first()
        return None if row is None else Domain(row.name, row.enabled)

    def list_domains(self) -> list[Domain]:
        rows = self._connection.execute(select(domains).order_by(domains.c.name))
        return [Domain(row.name, row.enabled) for row in rows]

    def set_domain_enabled(self, name: str, enabled: bool) -> None:
        statement = update(domains).where(domains.c.name == name.lower()).values(enabled=enabled)
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no domain {name.lower()}")

    def access_allow(self, entry: str) -> None:
        statement = self._insert(access_list).values(entry=entry.lower())
        self._connection.execute(statement.on_conflict_do_nothing(index_elements=["entry"]))

    def access_deny(self, entry: str) -> None:
        statement = delete(access_list).where(access_list.c.entry == entry.lower())
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"{entry.lower()} is not on the access list")

    def list_access(self) -> list[str]:
        return list(self._connection.execute(select(access_list.c.entry).order_by(access_list.c.entry)).scalars())
