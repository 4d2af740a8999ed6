"""SyncML 1.2 resume (Alert 225): a data store's sync that the device suspended in its previous session
(Alert 224) continues in a new session; any other unfinished session is answered 509 and synced anew."""

import logging
from typing import Protocol

from syncmld.engine import session_lists
from syncmld.engine.modes import is_incremental
from syncmld.engine.session import DatastoreState, Phase, SessionState
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.messages import Anchor, Item
from syncmld.store.base import Sessions, SyncMaps

log = logging.getLogger("syncmld.engine")


class ResumeStore(Sessions, SyncMaps, Protocol):
    """What a resume reads and moves: the previous session with its large objects, the folder's sync state."""


def take_resumable(
    tx: ResumeStore, state: SessionState, folder_id: int, item: Item, anchor: Anchor, expired_before: float
) -> DatastoreState | None:
    """The unfinished sync of the folder from the device's previous session, ready to continue in this
    one (its large objects moved here); None when there is none to continue: that session completed
    or expired (its last message came before ``expired_before``, swept or not yet), did not sync the
    folder, or the client's anchor is not the one it started from."""
    if state.version != SyncMLVersion.V1_2 or state.previous_token is None:
        return None
    record = tx.load_session(state.previous_token)
    if record is None or record.updated_at < expired_before:
        return None
    previous = SessionState.from_bytes(record.state)
    if previous.phase == Phase.DONE or not previous.suspended:
        # only a session the device suspended (Alert 224) says what it holds: after a lost connection
        # a client may have applied a reply the server never heard about, so a normal sync is safer
        return None
    ds = next((ds for ds in previous.datastores if ds.folder_id == folder_id), None)
    if ds is None:
        return None
    agreed = tx.get_sync_state(state.device_id, folder_id)
    if is_incremental(ds.mode) and (agreed.client_anchor if agreed else "") != (anchor.last or ""):
        log.info("device %s: the sync of %s cannot be resumed, its anchor changed", state.device_ref, ds.folder_name)
        return None
    for partial in (ds.incoming, ds.outgoing):
        if partial is not None:
            tx.move_chunks(previous.token, partial.key, state.token)
    if ds.backlog_key is not None:
        tx.move_chunks(previous.token, ds.backlog_key, state.token)
    session_lists.move(tx, previous.token, ds, state.token)
    ds.resume()
    ds.client_next = anchor.next or ds.client_next
    if item.source is not None and item.target is not None:
        ds.client_uri, ds.server_uri = item.source.uri, item.target.uri
    return ds
