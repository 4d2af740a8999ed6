"""How a change the store does not see happen is told to push: mail that arrived in a mailbox (an IMAP
IDLE watcher calls ``folder_changed``), or anything else that changes a folder outside SyncML and DAV.

Changes written through the store (SyncML devices, DAV clients, restores) need nothing: every write to a
folder's items leaves its pending notifications in the same transaction."""

import time

from syncmld.store.base import Store


def folder_changed(store: Store, account_email: str, folder_name: str, origin_device_ref: str | None = None) -> int:
    """The account's folder ``folder_name`` changed (by the device ``origin_device_ref``, which is not told,
    or by no device): its other push devices that sync it get a pending notification, delivered by any
    server process after the quiet time. Returns how many devices; 0 for an unknown account or folder."""
    with store.transaction() as tx:
        account = tx.get_account(account_email)
        folder = None if account is None else tx.get_folder(account.id, folder_name)
        if account is None or folder is None:
            return 0
        origin = next((d.id for d in tx.list_devices(account.id) if d.device_ref == origin_device_ref), None)
        return tx.note_folder_change(folder.id, origin, time.time())
