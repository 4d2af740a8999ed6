"""Both the device and the server changed an item since the device's last sync: who wins.

The policy is a server setting (``conflict``) that an account may override
(``conflict:<email>``); the versions that lose are kept in the item's history (``history_days``).
"""

from dataclasses import dataclass

from syncmld import content
from syncmld.status import StatusCode
from syncmld.store.base import Transaction

SETTING_CONFLICT = "conflict"
SETTING_HISTORY_DAYS = "history_days"
POLICIES = ("merge", "server-wins", "client-wins", "newest-wins", "duplicate")
DEFAULT_POLICY = "merge"
DEFAULT_HISTORY_DAYS = 30


@dataclass(frozen=True)
class Resolution:
    outcome: str
    """``client`` (write the device's version), ``server`` (keep the server's), ``merged`` (write
    ``data`` and send it back to the device) or ``duplicate`` (keep both as two items)."""
    status: StatusCode
    data: bytes | None = None


def policy_for(tx: Transaction, account_email: str) -> str:
    policy = tx.get_setting(f"{SETTING_CONFLICT}:{account_email}") or tx.get_setting(SETTING_CONFLICT)
    return policy if policy in POLICIES else DEFAULT_POLICY


def history_seconds(tx: Transaction) -> float:
    days = tx.get_setting(SETTING_HISTORY_DAYS)
    return (int(days) if days and days.isdigit() else DEFAULT_HISTORY_DAYS) * 86400.0


def resolve(
    policy: str, server: content.ParsedItem, client: content.ParsedItem, base: content.ParsedItem | None
) -> Resolution:
    """The outcome of a conflict between the server's and the device's stored forms of an item;
    ``base`` is the version the device had before its change, when the history still holds it."""
    if policy == "duplicate":
        return Resolution("duplicate", StatusCode.CONFLICT_DUPLICATE)
    if policy == "server-wins":
        return Resolution("server", StatusCode.CONFLICT_SERVER_WON)
    if policy == "client-wins":
        return Resolution("client", StatusCode.CONFLICT_CLIENT_WON)
    newer = content.newer_side(server, client)
    if policy == "merge":
        merged = content.merge(server, client, newer, base)
        if merged is not None:
            return Resolution("merged", StatusCode.CONFLICT_MERGED, merged)
    if newer == "server":
        return Resolution("server", StatusCode.CONFLICT_SERVER_WON)
    return Resolution("client", StatusCode.CONFLICT_CLIENT_WON)
