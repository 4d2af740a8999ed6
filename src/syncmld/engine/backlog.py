"""The changes a device is still to receive, kept in the store rather than in the session state.

A slow sync to a new device queues every item of the folder. Saved in the session state, that queue
would be written and read again with every message of the session, a cost that grows with the square
of the folder. So beyond a window the queue is parked once in the session's chunk store, a batch of
changes to a line (one JSON array of ``[kind, guid, luid]``), and read back a batch at a time as
messages go out; the session keeps only the window and an offset.
"""

import json

from syncmld.engine.session import DatastoreState, saved_changes
from syncmld.errors import LocalError
from syncmld.store.base import Sessions

BATCH = 50
"""Changes parked to a line, and read for a message at a time: the queue is topped up a line at a time once it
holds less than this, so the session state, saved with every message, holds less than two lines of them."""
WINDOW = 2 * BATCH
"""Changes kept in the session state when the queue is parked; the rest waits in the store."""
READ_BYTES = 3 * 1024
"""Bytes read at a time: a line of ``BATCH`` changes of the server's GUIDs (about 48 bytes each), with room to
spare; a longer line takes another read."""
PIECE_BYTES = 16 * 1024
"""Bytes of the backlog per stored piece: parking 5,000 changes writes 15 of them."""


def park(tx: Sessions, token: str, ds: DatastoreState) -> None:
    """Move the queue beyond the window into the store."""
    if len(ds.queue) <= WINDOW:
        return
    key = f"backlog:{ds.folder_id}"
    queue = ds.queue
    lines = [
        json.dumps([change.saved() for change in queue[start : start + BATCH]], separators=(",", ":"))
        for start in range(WINDOW, len(queue), BATCH)
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if ds.backlog_key is not None:
        tx.drop_chunks(token, ds.backlog_key)
    for start in range(0, len(data), PIECE_BYTES):
        ds.backlog_size = tx.append_chunk(token, key, data[start : start + PIECE_BYTES])
    ds.backlog_key, ds.backlog_offset = key, 0
    ds.queue = ds.queue[:WINDOW]


def refill(tx: Sessions, token: str, ds: DatastoreState) -> None:
    """Top the queue up from the store, a line at a time, when it holds less than ``BATCH`` changes."""
    pending = b""  # read from the store at the backlog's offset, not yet taken
    while ds.backlog_key is not None and len(ds.queue) < BATCH:
        end = pending.find(b"\n")
        if end < 0:
            more = tx.read_chunks(token, ds.backlog_key, ds.backlog_offset + len(pending), READ_BYTES)
            if not more:
                raise LocalError(f"backlog {ds.backlog_key} of session {token} is cut short at {ds.backlog_offset}")
            pending += more
            continue
        changes = json.loads(pending[:end])
        if changes and isinstance(changes[0], str):
            changes = [changes]  # a line of one change, as parked before batches
        ds.queue += saved_changes(changes)
        ds.backlog_offset += end + 1
        pending = pending[end + 1 :]
        if ds.backlog_offset >= ds.backlog_size:
            tx.drop_chunks(token, ds.backlog_key)
            ds.backlog_key = None


def has_pending(ds: DatastoreState) -> bool:
    """Whether changes are still to go, in the session or in the store."""
    return bool(ds.queue) or ds.backlog_key is not None
