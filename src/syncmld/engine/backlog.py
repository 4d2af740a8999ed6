"""The changes a device is still to receive, kept in the store rather than in the session state.

A slow sync to a new device queues every item of the folder. Saved in the session state, that queue
would be written and read again with every message of the session, a cost that grows with the square
of the folder. So beyond a window the queue is parked once in the session's chunk store, as JSON lines,
and read back a window at a time as messages go out; the session keeps only the window and an offset.
"""

import json

from syncmld.engine.session import CHANGE_KINDS, DatastoreState, OutChange
from syncmld.errors import LocalError
from syncmld.store.base import Sessions

WINDOW = 400
"""Changes kept in the session state; the rest waits in the store."""
READ_BYTES = 64 * 1024


def park(tx: Sessions, token: str, ds: DatastoreState) -> None:
    """Move the queue beyond the window into the store."""
    if len(ds.queue) <= WINDOW:
        return
    key = f"backlog:{ds.folder_id}"
    lines = "".join(json.dumps([change.kind, change.guid, change.luid]) + "\n" for change in ds.queue[WINDOW:])
    data = lines.encode("utf-8")
    tx.drop_chunks(token, key)
    # in pieces of the size read back, so that a refill reads one or two pieces, not the whole backlog
    for start in range(0, len(data), READ_BYTES):
        ds.backlog_size = tx.append_chunk(token, key, data[start : start + READ_BYTES])
    ds.backlog_key, ds.backlog_offset = key, 0
    ds.queue = ds.queue[:WINDOW]


def refill(tx: Sessions, token: str, ds: DatastoreState) -> None:
    """Top the queue up to the window from the store when it runs low."""
    while ds.backlog_key is not None and len(ds.queue) < WINDOW // 2:
        data = tx.read_chunks(token, ds.backlog_key, ds.backlog_offset, READ_BYTES)
        lines = data[: data.rfind(b"\n") + 1].split(b"\n", WINDOW - len(ds.queue))[:-1]
        if not lines:
            raise LocalError(f"backlog {ds.backlog_key} of session {token} is cut short at {ds.backlog_offset}")
        changes = json.loads(b"[" + b",".join(lines) + b"]")
        ds.queue.extend(OutChange(CHANGE_KINDS[kind], guid, luid) for kind, guid, luid in changes)
        ds.backlog_offset += sum(map(len, lines)) + len(lines)
        if ds.backlog_offset >= ds.backlog_size:
            tx.drop_chunks(token, ds.backlog_key)
            ds.backlog_key = None


def has_pending(ds: DatastoreState) -> bool:
    """Whether changes are still to go, in the session or in the store."""
    return bool(ds.queue) or ds.backlog_key is not None
