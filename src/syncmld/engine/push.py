"""What a sync session tells the push role: a device asking for push, the form it speaks, the folders
it synced (its notifications name them as it does, and only them)."""

import logging

from syncmld.engine.session import SessionState
from syncmld.store.pushes import PushChannel, Pushes, PushFolder, PushForm, PushSource, SyncedFolder

log = logging.getLogger("syncmld.engine")


def session_started(
    tx: Pushes, device_id: int, device_ref: str, asks_for_push: bool, known: PushForm | None, speaks: PushForm
) -> None:
    """A session began, in the form the device ``speaks``: a device that asks for push (the ``push`` URL parameter)
    is registered, without a channel until the administrator gives it one (``syncmld device push``); a push device
    (``known``: the form it is told in, read with its device) is told in that form from now on."""
    if known is not None:
        if known != speaks:
            tx.set_push_form(device_id, speaks.version, speaks.wbxml)
        return
    if not asks_for_push:
        return
    tx.set_push(device_id, PushChannel.NONE, "", PushSource.URL)
    tx.set_push_form(device_id, speaks.version, speaks.wbxml)
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
