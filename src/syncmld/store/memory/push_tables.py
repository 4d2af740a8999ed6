"""The in-memory store's push tables, and what a write to a folder's items does to them."""

import dataclasses
from dataclasses import dataclass, field
from typing import NamedTuple

from syncmld.store.pushes import PushChannel, PushClaim, PushDevice, PushFolder


@dataclass(frozen=True)
class PendingRow:
    first_at: float
    last_at: float
    attempts: int = 0
    next_at: float = 0.0
    claimed_by: str | None = None
    claimed_until: float | None = None


class PendingFolder(NamedTuple):
    seq: int
    """The sequence number after the folder's latest change."""
    changes: int
    """How many changes of the folder the notification holds."""


@dataclass
class PushTables:
    devices: dict[int, PushDevice] = field(default_factory=dict)
    folders: dict[tuple[int, int], PushFolder] = field(default_factory=dict)
    """(device id, folder id) -> how the device names the folder."""
    pending: dict[int, PendingRow] = field(default_factory=dict)
    pending_folders: dict[tuple[int, int], PendingFolder] = field(default_factory=dict)
    """(device id, folder id) -> the folder's changes in the device's pending notification."""
    watches: dict[int, tuple[str, float]] = field(default_factory=dict)
    """Account id -> the worker watching its mailbox and until when its lease holds."""
    noted: bool = False
    """Whether the transaction working on this copy left a pending notification."""

    def copy(self) -> "PushTables":
        return PushTables(
            dict(self.devices),
            dict(self.folders),
            dict(self.pending),
            dict(self.pending_folders),
            dict(self.watches),
        )

    def drop_devices(self, device_ids: set[int]) -> None:
        for device_id in device_ids:
            self.devices.pop(device_id, None)
            self.drop_pending(device_id)
        for key in [key for key in self.folders if key[0] in device_ids]:
            del self.folders[key]

    def drop_pending(self, device_id: int) -> None:
        self.pending.pop(device_id, None)
        for key in [key for key in self.pending_folders if key[0] == device_id]:
            del self.pending_folders[key]

    def forget_claimed(self, claim: PushClaim) -> None:
        """Drop the changes the claim saw from the device's notification; one with changes that came since is
        kept as a new notification: unclaimed, not yet attempted, its burst begun at the claim."""
        device_id = claim.device_id
        for folder_id, changes in claim.folders:
            key = (device_id, folder_id)
            known = self.pending_folders.get(key)
            if known is not None and known.changes == changes:
                del self.pending_folders[key]
        row = self.pending.get(device_id)
        if row is None:
            return
        if not any(key[0] == device_id for key in self.pending_folders):
            del self.pending[device_id]
        elif row.claimed_until == claim.until:
            self.pending[device_id] = dataclasses.replace(
                row, first_at=claim.at, attempts=0, claimed_by=None, claimed_until=None
            )


def record_change(tables: PushTables, seq: int, folder_id: int, origin_device_id: int | None, now: float) -> int:
    """``Pushes.note_folder_change`` on ``tables``: what every write to a folder's items calls."""
    targets = [
        device_id
        for (device_id, folder), _ in tables.folders.items()
        if folder == folder_id
        and device_id != origin_device_id
        and device_id in tables.devices
        and tables.devices[device_id].channel != PushChannel.OFF
    ]
    tables.noted = tables.noted or bool(targets)
    for device_id in targets:
        row = tables.pending.get(device_id)
        tables.pending[device_id] = (
            PendingRow(now, now, next_at=now) if row is None else dataclasses.replace(row, last_at=now)
        )
        known = tables.pending_folders.get((device_id, folder_id))
        tables.pending_folders[device_id, folder_id] = PendingFolder(seq, 1 if known is None else known.changes + 1)
    return len(targets)
