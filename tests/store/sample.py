"""What the contract tests start from: an account with a device and a folder, items, records."""

from dataclasses import dataclass

from syncmld.store.base import DeviceSync, NewItem, Transaction

VCARD = "text/x-vcard"


@dataclass(frozen=True)
class Owner:
    """An account with one device and one folder."""

    account_id: int
    device_id: int
    folder_id: int


def make_owner(tx: Transaction, email: str = "anna@example.org", device_ref: str = "IMEI:1") -> Owner:
    account = tx.add_account(email, "md5", "hash")
    device = tx.ensure_device(account.id, device_ref)
    folder = tx.ensure_folder(account.id, "Contacts")
    return Owner(account.id, device.id, folder.id)


def vcard(text: str, guid: str | None = None) -> NewItem:
    return NewItem(guid, VCARD, f"BEGIN:VCARD\nFN:{text}\nEND:VCARD\n".encode())


def last_sync(device_id: int, folder: str, mode: str = "two-way", finished_at: float = 100.0) -> DeviceSync:
    """How a device's last sync of ``folder`` ended, as the admin's device list shows it."""
    return DeviceSync(device_id, folder, mode, "ok", finished_at, "added:1,replaced:0,deleted:0", "added:2")


class Abort(Exception):
    """Raised inside a transaction to roll it back."""
