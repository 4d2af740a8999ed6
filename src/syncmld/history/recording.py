"""Under which change session the item writes of a transaction are recorded."""

import hashlib

from syncmld.store.base import ChangeSessionSpec, ChangeSource


def sync_session(account_id: int, device_id: int, device_ref: str, started_at: float, token: str) -> ChangeSessionSpec:
    """A SyncML session's: one change session for all of its messages (tied by a digest of its token, which
    is a credential while the session lasts)."""
    key = hashlib.sha256(token.encode()).hexdigest()
    return ChangeSessionSpec(account_id, ChangeSource.SYNC, device_ref, started_at, device_id, key)
