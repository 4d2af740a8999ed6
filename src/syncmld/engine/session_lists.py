"""The lists a session grows item by item, kept in the store beside the session state.

A slow sync notes every GUID the device shows it holds (``DatastoreState.matched``), a slow sync to the
device every LUID it is to delete (``client_luids``). Saved in the session state, those lists would be
written and read again with every message, a cost that grows with the square of the sync. So the state
holds only the entries of the message at hand; with the state they are appended to the session's chunk
store, one JSON line a message, and a whole list is read only where it is needed: when the device's
changes are planned, and when a slow sync looks for duplicates among the server's items.
"""

import json

from syncmld.engine.session import DatastoreState
from syncmld.errors import RemoteError
from syncmld.status import StatusCode
from syncmld.store.base import Sessions


def keep(tx: Sessions, token: str, ds: DatastoreState, limit: int) -> None:
    """Append the entries of this message to the store; RemoteError when the data store would hold more
    than ``limit`` entries in a list (the message is then refused as a whole)."""
    if ds.matched:
        ds.matched_kept = _append(tx, token, _matched_key(ds), ds.matched, ds.matched_kept, limit)
        ds.matched = []
    if ds.client_luids:
        ds.client_luids_kept = _append(tx, token, _luids_key(ds), ds.client_luids, ds.client_luids_kept, limit)
        ds.client_luids = []


def matched(tx: Sessions, token: str, ds: DatastoreState) -> set[str]:
    """Every GUID the device has shown it holds in this session."""
    return {*_stored(tx, token, _matched_key(ds), ds.matched_kept), *ds.matched}


def client_luids(tx: Sessions, token: str, ds: DatastoreState) -> list[str]:
    """Every LUID the device sent in this session, in the order it sent them."""
    return [*_stored(tx, token, _luids_key(ds), ds.client_luids_kept), *ds.client_luids]


def move(tx: Sessions, token: str, ds: DatastoreState, new_token: str) -> None:
    """Hand the data store's lists from the session ``token`` to the session ``new_token``."""
    for key, kept in ((_matched_key(ds), ds.matched_kept), (_luids_key(ds), ds.client_luids_kept)):
        if kept:
            tx.move_chunks(token, key, new_token)


def _append(tx: Sessions, token: str, key: str, entries: list[str], kept: int | None, limit: int) -> int:
    total = (kept or 0) + len(entries)
    if total > limit:
        raise RemoteError(
            f"a session may hold {limit} items of a data store in a slow sync or reset; this message brings "
            f"it to {total}",
            StatusCode.DEVICE_FULL,
        )
    tx.append_chunk(token, key, json.dumps(entries, separators=(",", ":")).encode() + b"\n")
    return total


def _stored(tx: Sessions, token: str, key: str, kept: int | None) -> list[str]:
    if not kept:
        return []
    lines = tx.read_chunks(token, key).splitlines()
    entries: list[str] = json.loads(b"[" + b",".join(line[1:-1] for line in lines) + b"]")
    return entries


def _matched_key(ds: DatastoreState) -> str:
    return f"matched:{ds.folder_id}"


def _luids_key(ds: DatastoreState) -> str:
    return f"luids:{ds.folder_id}"
