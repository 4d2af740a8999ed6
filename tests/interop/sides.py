"""Read both sides of a sync (the device's files, the server's store) and compare them."""

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from syncmld.content import normalise_vcard
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import StoredItem

from .client import Device


def normalised(vcards: Iterable[bytes]) -> list[str]:
    return sorted(normalise_vcard(data) for data in vcards)


def device_contacts(device: Device) -> list[str]:
    return normalised(device.files().values())


def server_items(data_dir: Path, email: str, folder: str = "contacts") -> list[StoredItem]:
    """The live items of the account's folder, read straight from the store (read only)."""
    store = open_store(sqlite_url(data_dir))
    try:
        with store.transaction() as tx:
            account = tx.get_account(email)
            assert account is not None, f"no account {email} in {data_dir}"
            found = tx.get_folder(account.id, folder)
            return [] if found is None else list(tx.iter_items(found.id))
    finally:
        store.close()


def server_contacts(data_dir: Path, email: str) -> list[str]:
    return normalised(item.data for item in server_items(data_dir, email))


def assert_same_contacts(left: list[str], right: list[str], what: str) -> None:
    """Equal multisets of normalised vCards, reported as counts plus one example each way."""
    if Counter(left) == Counter(right):
        return
    only_left = list((Counter(left) - Counter(right)).elements())
    only_right = list((Counter(right) - Counter(left)).elements())
    example_left = only_left[0] if only_left else ""
    example_right = only_right[0] if only_right else ""
    raise AssertionError(
        f"{what}: {len(left)} vs {len(right)} contacts, {len(only_left)} only left, "
        f"{len(only_right)} only right\n--- first only left:\n{example_left}\n"
        f"--- first only right:\n{example_right}"
    )


StoreSnapshot = tuple[object, ...]


def store_snapshot(data_dir: Path) -> StoreSnapshot:
    """Everything a sync may change apart from nonces and sessions: devices, items, anchors, maps."""
    store = open_store(sqlite_url(data_dir))
    try:
        with store.transaction() as tx:
            rows: list[object] = [tx.current_seq()]
            for account in tx.list_accounts():
                devices = tx.list_devices(account.id)
                folders = tx.list_folders(account.id)
                rows += [account, devices, folders]
                for folder in folders:
                    rows.append(list(tx.iter_items(folder.id)))
                    for device in devices:
                        rows.append(tx.get_sync_state(device.id, folder.id))
                        rows.append(sorted(tx.all_maps(device.id, folder.id).items()))
            return tuple(rows)
    finally:
        store.close()
