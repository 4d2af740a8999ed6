"""Under which change session the item writes of a transaction are recorded."""

import hashlib
import uuid

from syncmld.store.base import ChangeSessionSpec, ChangeSource


def sync_session(account_id: int, device_id: int, device_ref: str, started_at: float, token: str) -> ChangeSessionSpec:
    """A SyncML session's: one change session for all of its messages (tied by a digest of its token, which
    is a credential while the session lasts)."""
    key = hashlib.sha256(token.encode()).hexdigest()
    return ChangeSessionSpec(account_id, ChangeSource.SYNC, device_ref, started_at, device_id, key)


def restore_session(account_id: int, archive_name: str, at: float) -> ChangeSessionSpec:
    """A backup restore's, from the command line or the web admin."""
    return ChangeSessionSpec(account_id, ChangeSource.RESTORE, f"restore of {archive_name}", at)


def dav_session(account_id: int, client: str, at: float) -> ChangeSessionSpec:
    """A CardDAV/CalDAV request's: each request that writes is a change session of its own."""
    return ChangeSessionSpec(account_id, ChangeSource.DAV, client, at)


def upstream_session(account_id: int, device_id: int, url: str, at: float) -> ChangeSessionSpec:
    """An upstream sync's: what one run of pulls (and the conflicts its pushes meet) brings in from the
    upstream at ``url``, one change session however many transactions it takes."""
    return ChangeSessionSpec(account_id, ChangeSource.UPSTREAM, url, at, device_id, f"upstream {uuid.uuid4().hex}")
