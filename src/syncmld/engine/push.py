"""What a sync session tells the push role: a device asking for push, the form it speaks, the folders
it synced (its notifications name them as it does, and only them)."""

import logging

from syncmld.engine.session import SessionState
from syncmld.store.pushes import PushChannel, Pushes, PushFolder, PushSource, SyncedFolder

log = logging.getLogger("syncmld.engine")


def session_started(
    tx: Pushes, device_id: int, device_ref: str, asks_for_push: bool, version: str, wbxml: bool
) -> None:
    """A session began: a device that asks for push (the ``push`` URL parameter) is registered, without a
    channel until the administrator gives it one (``syncmld device push``); a push device is told in the
    version and encoding it speaks now."""
    if tx.set_push_form(device_id, version, wbxml) or not asks_for_push:
        return
    tx.set_push(device_id, PushChannel.NONE, "", PushSource.URL)
    tx.set_push_form(device_id, version, wbxml)
    log.info(
        "device %s asked for push: registered; it has no channel until one is set with 'syncmld device push'",
        device_ref,
    )


def sync_finished(tx: Pushes, state: SessionState) -> None:
    """The device has what the session sent it: a push device may be told again, about what came since."""
    folders = [
        SyncedFolder(
            PushFolder(ds.folder_id, ds.server_uri, ds.wire_type),
            ds.upto_seq if ds.upto_seq is not None else ds.since_seq,
        )
        for ds in state.datastores
    ]
    tx.push_synced(state.device_id, folders)
