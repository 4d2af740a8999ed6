"""Who may sync: the global switch, domains, accounts and the access list."""

from syncmld.settings import SYNCML
from syncmld.store.base import Account, Admin


def refusal(tx: Admin, account: Account) -> str | None:
    """Why ``account`` may not sync now, or None when it may."""
    if not SYNCML.read(tx):
        return "SyncML is disabled on this server"
    domain_name = account.email.rpartition("@")[2]
    domain = tx.get_domain(domain_name)
    if domain is not None and not domain.enabled:
        return f"SyncML is disabled for domain {domain_name}"
    if not account.enabled:
        return f"SyncML is disabled for account {account.email}"
    allowed = tx.list_access()
    if allowed and account.email not in allowed and domain_name not in allowed:
        return f"account {account.email} is not on the access list"
    return None
