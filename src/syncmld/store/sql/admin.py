"""The SQL store's server settings, domains and access list."""

from collections.abc import Iterable

from sqlalchemy import bindparam, delete, exists, or_, select, update

from syncmld.store.base import AccessRules, AlreadyExists, Domain, NotFound
from syncmld.store.schema import access_list, domains, settings
from syncmld.store.sql.common import SqlRole, any_of
from syncmld.store.sql.prepared import Prepared

_SETTING = Prepared(select(settings.c.value).where(settings.c.name == bindparam("name")))
_SETTING_ROWS = select(settings.c.name, settings.c.value)
_DOMAIN = Prepared(select(domains).where(domains.c.name == bindparam("name")))
_ACCESS = Prepared(
    select(
        select(domains.c.enabled).where(domains.c.name == bindparam("domain")).scalar_subquery(),
        or_(
            ~exists(select(access_list.c.entry)),
            exists(
                select(access_list.c.entry).where(access_list.c.entry.in_([bindparam("email"), bindparam("entry")]))
            ),
        ),
    )
)
_ACCESS_LIST = Prepared(select(access_list.c.entry).order_by(access_list.c.entry))
"""Made once: a message reads several settings, a login the account's domain (building a statement costs more
than running it)."""


class SqlAdmin(SqlRole):
    """See ``syncmld.store.base.Admin``."""

    def get_setting(self, name: str) -> str | None:
        value: str | None = _SETTING.scalar(self._connection, {"name": name})
        return value

    def get_settings(self, names: Iterable[str]) -> dict[str, str]:
        statement, values = any_of(_SETTING_ROWS, settings.c.name, names)
        return {name: value for name, value in statement.rows(self._connection, values)} if values else {}

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
        row = _DOMAIN.first(self._connection, {"name": name.lower()})
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
        return [row.entry for row in _ACCESS_LIST.rows(self._connection)]

    def access_rules(self, email: str) -> AccessRules:
        domain = email.rpartition("@")[2]
        row = _ACCESS.rows(self._connection, {"domain": domain.lower(), "email": email, "entry": domain})[0]
        return AccessRules(row[0], bool(row[1]))
