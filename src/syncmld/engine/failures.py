"""Failed logins kept in the store under a bound: the table never grows past ``max_keys`` keys."""

import logging

from syncmld.engine.api import ThrottleSettings
from syncmld.store.base import Logins

log = logging.getLogger("syncmld.engine")


def note_failure(tx: Logins, key: str, now: float, settings: ThrottleSettings) -> int | None:
    """Count a failed login against ``key``; its count, or None when there was no room to remember it.

    Failures older than the throttling period are forgotten first. A new key finds room once expired
    keys are dropped; when even then ``max_keys`` keys are remembered, its failure goes uncounted."""
    noted = tx.login_failures(key)
    if noted is not None and now >= noted.last_at + settings.period:
        tx.clear_login_failures(key)
        noted = None
    if noted is None and tx.count_login_failure_keys() >= settings.max_keys:
        tx.purge_login_failures(now - settings.period)
        if tx.count_login_failure_keys() >= settings.max_keys:
            log.warning(
                "failed login of %s not counted: %d keys of failed logins are remembered already",
                key,
                settings.max_keys,
            )
            return None
    return tx.note_login_failure(key, now).count
