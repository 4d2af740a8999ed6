"""What a sync of one device and folder would do on the server, worked out by the engine's own code
(the decision table, the folder erase, the planning of what the device gets) in a transaction that is
rolled back: nothing is changed."""

from dataclasses import dataclass

from syncmld.engine.backlog import refill
from syncmld.engine.folders import folder_kind
from syncmld.engine.modes import SyncMode, decide_mode, erases_server_folder, is_incremental, takes_from_client
from syncmld.engine.outgoing import plan_changes
from syncmld.engine.session import ChangeKind, DatastoreState, OutChange, SessionState
from syncmld.history.dry_run import rolled_back
from syncmld.protocol.constants import AlertCode, SyncMLVersion
from syncmld.store.base import Change, ChangeSessionSpec, ChangeSource, Device, Folder, Store, StoredItem

PREVIEW_TOKEN = "preview"
"""The session token the rolled-back planning parks its backlog under."""


@dataclass(frozen=True)
class Preview:
    folder: str
    mode: SyncMode
    reason: str
    deleted: tuple[StoredItem, ...]
    """Server items the sync deletes before the device sends anything (their last version)."""
    sent: tuple[tuple[ChangeKind, StoredItem], ...]
    """What the device gets, in order (a delete with the item's last version)."""
    takes_from_device: bool


def preview_sync(store: Store, account_id: int, device: Device, folder: Folder, url_mode: SyncMode | None) -> Preview:
    """What a sync of ``device`` and ``folder`` with ``url_mode`` in its URL would do, when the device asks
    for a two-way sync with the anchor of its last one (as it does when all is well)."""
    found: list[Preview] = []
    with rolled_back(store) as tx:
        previous = tx.get_sync_state(device.id, folder.id)
        anchor = previous.client_anchor if previous else None
        decision = decide_mode(AlertCode.TWO_WAY, url_mode, anchor, anchor)
        mode = decision.mode
        tx.record_changes_as(ChangeSessionSpec(account_id, ChangeSource.SYNC, device.device_ref, 0.0, device.id))
        if erases_server_folder(mode):
            tx.delete_items(folder.id, [item.guid for item in tx.iter_items(folder.id)], device.id)
        state = SessionState(SyncMLVersion.V1_2, device.device_ref, "", PREVIEW_TOKEN, account_id, "", device.id)
        ds = DatastoreState(
            client_uri="",
            server_uri=folder.name,
            folder_id=folder.id,
            folder_name=folder.name,
            mode=mode,
            reason=decision.reason,
            client_next="",
            server_next="",
            server_last=None,
            since_seq=previous.seq if previous and is_incremental(mode) else 0,
            wire_type="",
            device_properties=None,
            folder_kind=folder_kind(folder.name.casefold()),
            start_seq=tx.current_seq(),
        )
        plan_changes(tx, state, ds)
        queue: list[OutChange] = []
        while ds.queue:
            queue.extend(ds.queue)
            ds.queue = []
            refill(tx, PREVIEW_TOKEN, ds)
        session = tx.recording_session()
        changes = tx.session_changes(session) if session is not None else []
        deleted = [change for change in changes if change.change == Change.DELETED and change.before]
        states = tx.item_states(folder.id, [change.guid for change in queue])
        gone = {change.guid: change.before for change in deleted if change.before is not None}
        for guid, now in states.items():
            kept = tx.list_history(folder.id, guid) if now.deleted else []
            if kept:
                states[guid] = StoredItem(folder.id, guid, kept[-1].content_type, kept[-1].data, 0, 0, None)
        sent = tuple(
            (change.kind, gone.get(change.guid) or states[change.guid])
            for change in queue
            if change.guid in states or change.guid in gone
        )
        found.append(
            Preview(
                folder.name,
                mode,
                decision.reason,
                tuple(gone.values()),
                sent,
                takes_from_client(mode),
            )
        )
    return found[0]
