"""Who may sync: the global switch, domains, accounts and the access list."""

from syncmld.settings import SYNCML, SettingsSource
from syncmld.store.base import Account, Admin


def refusal(tx: Admin, account: Account, settings: SettingsSource | None = None) -> str | None:
    """Why ``account`` may not sync now, or None when it may; the ``syncml`` switch is read from ``settings``
    when given (read with others), else from ``tx``."""
    if not SYNCML.read(tx if settings is None else settings):
        return "SyncML is disabled on this server"
    rules = tx.access_rules(account.email)
    if rules.domain_enabled is False:
        return f"SyncML is disabled for domain {account.email.rpartition('@')[2]}"
    if not account.enabled:
        return f"SyncML is disabled for account {account.email}"
    if not rules.listed:
        return f"account {account.email} is not on the access list"
    return None
