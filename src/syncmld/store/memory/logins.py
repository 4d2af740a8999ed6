"""The in-memory store's failed logins and device nonces."""

from collections.abc import Iterable

from syncmld.store.base import LoginFailures
from syncmld.store.memory.tables import MemoryRole


class MemoryLogins(MemoryRole):
    """See ``syncmld.store.base.Logins``."""

    def note_login_failure(self, key: str, now: float) -> LoginFailures:
        previous = self._t.login_failures.get(key)
        noted = LoginFailures((previous.count if previous else 0) + 1, now)
        self._t.login_failures[key] = noted
        return noted

    def login_failures(self, key: str) -> LoginFailures | None:
        return self._t.login_failures.get(key)

    def login_failures_of(self, keys: Iterable[str]) -> dict[str, LoginFailures]:
        return {key: self._t.login_failures[key] for key in keys if key in self._t.login_failures}

    def clear_login_failures(self, key: str) -> None:
        self._t.login_failures.pop(key, None)

    def count_login_failure_keys(self) -> int:
        return len(self._t.login_failures)

    def purge_login_failures(self, last_before: float) -> int:
        expired = [key for key, noted in self._t.login_failures.items() if noted.last_at < last_before]
        for key in expired:
            del self._t.login_failures[key]
        return len(expired)

    def get_nonce(self, device_ref: str, issued_after: float) -> str | None:
        nonce, issued_at = self._t.nonces.get(device_ref, ("", 0.0))
        return nonce if nonce and issued_at > issued_after else None

    def set_nonce(self, device_ref: str, nonce: str, issued_at: float) -> None:
        self._t.nonces[device_ref] = (nonce, issued_at)

    def purge_nonces(self, issued_before: float) -> int:
        expired = [ref for ref, (_, issued_at) in self._t.nonces.items() if issued_at < issued_before]
        for ref in expired:
            del self._t.nonces[ref]
        return len(expired)
