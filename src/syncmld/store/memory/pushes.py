"""The in-memory store's push registrations, push devices' folders and pending notifications."""

import dataclasses

from syncmld.store.memory.push_tables import record_change
from syncmld.store.memory.tables import MemoryRole
from syncmld.store.pushes import (
    ClaimedFolder,
    PendingPush,
    PushChannel,
    PushClaim,
    PushDevice,
    PushSource,
    PushTiming,
    SyncedFolder,
    WatchedFolder,
    due_at,
)


class MemoryPushes(MemoryRole):
    """See ``syncmld.store.pushes.Pushes``."""

    def set_push(self, device_id: int, channel: PushChannel, address: str, source: PushSource) -> None:
        pushes = self._t.pushes
        known = pushes.devices.get(device_id)
        if known is None:
            pushes.devices[device_id] = PushDevice(device_id, channel, address, source)
        else:
            pushes.devices[device_id] = dataclasses.replace(known, channel=channel, address=address, source=source)
        if channel == PushChannel.OFF:
            pushes.drop_pending(device_id)

    def get_push(self, device_id: int) -> PushDevice | None:
        return self._t.pushes.devices.get(device_id)

    def list_pushes(self, account_id: int) -> dict[int, PushDevice]:
        return {
            device_id: push
            for device_id, push in self._t.pushes.devices.items()
            if self._t.devices[device_id].account_id == account_id
        }

    def set_push_form(self, device_id: int, version: str, wbxml: bool) -> bool:
        known = self._t.pushes.devices.get(device_id)
        if known is not None:
            self._t.pushes.devices[device_id] = dataclasses.replace(known, version=version, wbxml=wbxml)
        return known is not None

    def push_synced(self, device_id: int, folders: list[SyncedFolder]) -> None:
        pushes = self._t.pushes
        for synced in folders:
            pushes.folders[device_id, synced.folder.folder_id] = synced.folder
        known = pushes.devices.get(device_id)
        if known is None or not folders:
            return
        pushes.devices[device_id] = dataclasses.replace(known, awaiting_since=None)
        for synced in folders:
            key = (device_id, synced.folder.folder_id)
            pending = pushes.pending_folders.get(key)
            if pending is not None and pending.seq <= synced.seq:
                del pushes.pending_folders[key]
        if not any(key[0] == device_id for key in pushes.pending_folders):
            pushes.pending.pop(device_id, None)

    def note_folder_change(self, folder_id: int, origin_device_id: int | None, now: float) -> int:
        return record_change(self._t.pushes, self._t.seq, folder_id, origin_device_id, now)

    def claim_pushes(self, worker: str, now: float, timing: PushTiming, limit: int) -> list[PendingPush]:
        pushes = self._t.pushes
        due = []
        for device_id, row in sorted(pushes.pending.items(), key=lambda entry: entry[1].first_at):
            push = pushes.devices[device_id]
            if (
                row.next_at <= now
                and (row.claimed_until is None or row.claimed_until < now)
                and (row.last_at <= now - timing.quiet or row.first_at <= now - timing.max_wait)
                and (push.awaiting_since is None or push.awaiting_since < now - timing.resend_after)
                and push.channel != PushChannel.OFF
            ):
                due.append(device_id)
        claimed = []
        for device_id in due[:limit]:
            row = dataclasses.replace(pushes.pending[device_id], claimed_by=worker, claimed_until=now + timing.lease)
            pushes.pending[device_id] = row
            device = self._t.devices[device_id]
            seen = [
                (key, ClaimedFolder(key[1], pending.changes))
                for key, pending in pushes.pending_folders.items()
                if key[0] == device_id
            ]
            folders = sorted(
                (pushes.folders[key] for key, _ in seen if key in pushes.folders), key=lambda folder: folder.remote_uri
            )
            claim = PushClaim(device_id, now, now + timing.lease, tuple(claimed for _, claimed in seen))
            claimed.append(
                PendingPush(
                    pushes.devices[device_id],
                    device.account_id,
                    device.device_ref,
                    tuple(folders),
                    row.attempts,
                    row.first_at,
                    claim,
                )
            )
        return claimed

    def push_delivered(self, claim: PushClaim, now: float) -> None:
        pushes = self._t.pushes
        pushes.forget_claimed(claim)
        push = pushes.devices[claim.device_id]
        pushes.devices[claim.device_id] = dataclasses.replace(
            push, awaiting_since=now, sent=push.sent + 1, failures=0, last_error=""
        )

    def push_failed(self, claim: PushClaim, error: str, retry_at: float | None) -> None:
        pushes = self._t.pushes
        push = pushes.devices[claim.device_id]
        pushes.devices[claim.device_id] = dataclasses.replace(push, failures=push.failures + 1, last_error=error)
        if retry_at is None:
            pushes.forget_claimed(claim)
            return
        row = pushes.pending.get(claim.device_id)
        if row is not None and row.claimed_until == claim.until:
            pushes.pending[claim.device_id] = dataclasses.replace(
                row, attempts=row.attempts + 1, next_at=retry_at, claimed_by=None, claimed_until=None
            )

    def count_pending_pushes(self) -> int:
        return len(self._t.pushes.pending)

    def next_push_due(self, timing: PushTiming) -> float | None:
        pushes = self._t.pushes
        return min(
            (
                due_at(timing, row.next_at, row.claimed_until, row.first_at, row.last_at, push.awaiting_since)
                for device_id, row in pushes.pending.items()
                if (push := pushes.devices[device_id]).channel != PushChannel.OFF
            ),
            default=None,
        )

    def watched_folders(self) -> list[WatchedFolder]:
        pushes = self._t.pushes
        watched = set()
        for device_id, folder_id in pushes.folders:
            push = pushes.devices.get(device_id)
            folder = self._t.folders.get(folder_id)
            if push is None or push.channel == PushChannel.OFF or folder is None:
                continue
            account = self._t.accounts[folder.account_id]
            if not account.enabled:
                continue
            watched.add(WatchedFolder(account.id, account.email, folder.id, folder.name))
        return sorted(watched, key=lambda found: (found.account_id, found.folder_id))

    def claim_watches(self, worker: str, account_ids: list[int], now: float, until: float) -> set[int]:
        watches = self._t.pushes.watches
        for account_id in account_ids:
            holder, held_until = watches.get(account_id, (worker, now))
            if holder == worker or held_until < now:
                watches[account_id] = (worker, until)
        return {account_id for account_id in account_ids if watches[account_id][0] == worker}

    def release_watches(self, worker: str, account_ids: list[int]) -> None:
        watches = self._t.pushes.watches
        for account_id in account_ids:
            if watches.get(account_id, ("", 0.0))[0] == worker:
                del watches[account_id]
