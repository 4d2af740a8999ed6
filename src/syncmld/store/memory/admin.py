"""The in-memory store's server settings, domains and access list."""

import dataclasses
from collections.abc import Iterable

from syncmld.store.base import AccessRules, AlreadyExists, Domain, NotFound
from syncmld.store.memory.tables import MemoryRole


class MemoryAdmin(MemoryRole):
    """See ``syncmld.store.base.Admin``."""

    def get_setting(self, name: str) -> str | None:
        return self._t.settings.get(name)

    def get_settings(self, names: Iterable[str]) -> dict[str, str]:
        return {name: self._t.settings[name] for name in names if name in self._t.settings}

    def set_setting(self, name: str, value: str) -> None:
        self._t.settings[name] = value

    def list_settings(self) -> dict[str, str]:
        return dict(sorted(self._t.settings.items()))

    def add_domain(self, name: str) -> Domain:
        name = name.lower()
        if name in self._t.domains:
            raise AlreadyExists(f"a domain {name} exists already")
        domain = Domain(name)
        self._t.domains[name] = domain
        return domain

    def get_domain(self, name: str) -> Domain | None:
        return self._t.domains.get(name.lower())

    def list_domains(self) -> list[Domain]:
        return [self._t.domains[name] for name in sorted(self._t.domains)]

    def set_domain_enabled(self, name: str, enabled: bool) -> None:
        domain = self.get_domain(name)
        if domain is None:
            raise NotFound(f"no domain {name.lower()}")
        self._t.domains[domain.name] = dataclasses.replace(domain, enabled=enabled)

    def access_allow(self, entry: str) -> None:
        self._t.access.add(entry.lower())

    def access_deny(self, entry: str) -> None:
        entry = entry.lower()
        if entry not in self._t.access:
            raise NotFound(f"{entry} is not on the access list")
        self._t.access.remove(entry)

    def list_access(self) -> list[str]:
        return sorted(self._t.access)

    def access_rules(self, email: str) -> AccessRules:
        domain_name = email.rpartition("@")[2]
        domain = self.get_domain(domain_name)
        access = self._t.access
        return AccessRules(
            None if domain is None else domain.enabled, not access or bool({email, domain_name} & access)
        )
