"""The in-memory store's web admin users."""

from syncmld.store.base import AlreadyExists, NotFound
from syncmld.store.memory.tables import MemoryRole


class MemoryAdminUsers(MemoryRole):
    """See ``syncmld.store.base.AdminUsers``."""

    def add_admin_user(self, name: str, password_hash: str) -> None:
        if name in self._t.admin_users:
            raise AlreadyExists(f"an admin user {name} exists already")
        self._t.admin_users[name] = password_hash

    def admin_password_hash(self, name: str) -> str | None:
        return self._t.admin_users.get(name)

    def set_admin_password(self, name: str, password_hash: str) -> None:
        if name not in self._t.admin_users:
            raise NotFound(f"no admin user {name}")
        self._t.admin_users[name] = password_hash

    def remove_admin_user(self, name: str) -> None:
        if self._t.admin_users.pop(name, None) is None:
            raise NotFound(f"no admin user {name}")

    def list_admin_users(self) -> list[str]:
        return sorted(self._t.admin_users)
