"""The SQL store's push registrations, push devices' folders and pending notifications."""

from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.engine import Connection

from syncmld.store.pushes import (
    ClaimedFolder,
    PendingPush,
    PushChannel,
    PushClaim,
    PushDevice,
    PushFolder,
    PushSource,
    PushTiming,
    SyncedFolder,
    WatchedFolder,
    due_at,
)
from syncmld.store.schema import (
    SEQUENCE_ROW_ID,
    accounts,
    devices,
    folders,
    push_devices,
    push_folders,
    push_pending,
    push_pending_folders,
    push_watches,
    sequence_counter,
)
from syncmld.store.sql.common import SqlRole, chunks, excluded, with_dialect_insert
from syncmld.store.sql.prepared import Prepared

_TARGETS = Prepared(
    select(push_folders.c.device_id)
    .join(push_devices, push_devices.c.device_id == push_folders.c.device_id)
    .where(push_folders.c.folder_id == bindparam("folder_id"), push_devices.c.channel != PushChannel.OFF.value)
)
"""The push devices (with a channel that is not off) that sync a folder: read by every transaction that writes
to a folder's items. This and the statements below are made once, as making one costs more than running it."""
_OF_DEVICE = push_devices.c.device_id == bindparam("of_device")
_SET_FORM = Prepared(
    update(push_devices).where(_OF_DEVICE).values(version=bindparam("new_version"), wbxml=bindparam("new_wbxml"))
)
"""What every session begins with."""
_SYNCED = Prepared(update(push_devices).where(_OF_DEVICE).values(awaiting_since=None))
"""What every finished sync does."""
_PENDING_OF = push_pending.c.device_id == bindparam("of_device")
_FOLDERS_OF = push_pending_folders.c.device_id == bindparam("of_device")
_SYNCED_FOLDER = Prepared(
    delete(push_pending_folders).where(
        _FOLDERS_OF,
        push_pending_folders.c.folder_id == bindparam("folder_id"),
        push_pending_folders.c.seq <= bindparam("seq"),
    )
)
_FOLDER_LEFT = Prepared(select(push_pending_folders.c.folder_id).where(_FOLDERS_OF).limit(1))
_DROP_PENDING = Prepared(delete(push_pending).where(_PENDING_OF))
_HOLD_PENDING = Prepared(select(push_pending.c.device_id).where(_PENDING_OF).with_for_update())
"""A device's pending notification, locked (PostgreSQL) until the transaction ends before any of its folders is
dropped: a change written meanwhile waits, or is seen, so that the notification is not dropped with it. Taken
after the device's row in ``push_devices``, in every transaction that takes both."""
_CLAIMED_FOLDER = Prepared(
    delete(push_pending_folders).where(
        _FOLDERS_OF,
        push_pending_folders.c.folder_id == bindparam("folder_id"),
        push_pending_folders.c.changes == bindparam("changes"),
    )
)
_OF_CLAIM = and_(_PENDING_OF, push_pending.c.claimed_until == bindparam("of_claim"))
_AFRESH = Prepared(
    update(push_pending)
    .where(_OF_CLAIM)
    .values(first_at=bindparam("claimed_at"), attempts=0, claimed_by=None, claimed_until=None)
)
"""What came after a claim, left when the claimed notification is done with: a new notification."""
_DELIVERED = Prepared(
    update(push_devices)
    .where(_OF_DEVICE)
    .values(awaiting_since=bindparam("now"), sent=push_devices.c.sent + 1, failures=0, last_error="")
)
_FAILED = Prepared(
    update(push_devices).where(_OF_DEVICE).values(failures=push_devices.c.failures + 1, last_error=bindparam("error"))
)
_RETRY = Prepared(
    update(push_pending)
    .where(_OF_CLAIM)
    .values(attempts=push_pending.c.attempts + 1, next_at=bindparam("retry_at"), claimed_by=None, claimed_until=None)
)
_SEQUENCE = Prepared(select(sequence_counter.c.value).where(sequence_counter.c.id == SEQUENCE_ROW_ID))
_WAITING = Prepared(
    select(
        push_pending.c.next_at,
        push_pending.c.claimed_until,
        push_pending.c.first_at,
        push_pending.c.last_at,
        push_devices.c.awaiting_since,
    )
    .join(push_devices, push_devices.c.device_id == push_pending.c.device_id)
    .where(push_devices.c.channel != PushChannel.OFF.value)
)
"""The times that decide when each waiting notification of a device whose push is on is due."""


_PENDING = with_dialect_insert(
    lambda insert: insert(push_pending).on_conflict_do_update(
        index_elements=["device_id"], set_={"last_at": excluded(push_pending).c.last_at}
    )
)
"""The upsert of a device's pending notification (its latest change's time)."""
_PENDING_FOLDER = with_dialect_insert(
    lambda insert: insert(push_pending_folders).on_conflict_do_update(
        index_elements=["device_id", "folder_id"],
        set_={"seq": excluded(push_pending_folders).c.seq, "changes": push_pending_folders.c.changes + 1},
    )
)
"""The upsert of a folder in a device's pending notification (the sequence number of its latest change, and one
change more)."""


def _push_device(row: Row[Any]) -> PushDevice:
    return PushDevice(
        row.device_id,
        PushChannel(row.channel),
        row.address,
        PushSource(row.source),
        row.version,
        row.wbxml,
        row.awaiting_since,
        row.sent,
        row.failures,
        row.last_error,
    )


class PushTargets:
    """Which push devices a change to each folder tells, read once per folder in a transaction: a write to
    the items of a folder no push device syncs costs no statement after the first. The push role's own
    writes, and forgetting a device, make it read again."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._by_folder: dict[int, tuple[int, ...]] = {}
        self.noted = False
        """Whether this transaction left a pending notification."""

    def of(self, folder_id: int) -> tuple[int, ...]:
        """The push devices (with a channel that is not off) that sync the folder."""
        known = self._by_folder.get(folder_id)
        if known is None:
            found = _TARGETS.rows(self._connection, {"folder_id": folder_id})
            known = self._by_folder[folder_id] = tuple(row.device_id for row in found)
        return known

    def forget(self) -> None:
        self._by_folder.clear()

    def record_change(self, folder_id: int, origin_device_id: int | None, now: float) -> int:
        """``Pushes.note_folder_change``: what every write to a folder's items calls."""
        targets = [device_id for device_id in self.of(folder_id) if device_id != origin_device_id]
        if not targets:
            return 0
        self.noted = True
        connection = self._connection
        seq = _SEQUENCE.scalar(connection)
        _PENDING.run_many(
            connection,
            [
                {
                    "device_id": device_id,
                    "first_at": now,
                    "last_at": now,
                    "attempts": 0,
                    "next_at": now,
                    "claimed_by": None,
                    "claimed_until": None,
                }
                for device_id in targets
            ],
        )
        _PENDING_FOLDER.run_many(
            connection,
            [{"device_id": device_id, "folder_id": folder_id, "seq": seq, "changes": 1} for device_id in targets],
        )
        return len(targets)


class SqlPushes(SqlRole):
    """See ``syncmld.store.pushes.Pushes``."""

    _push_targets: PushTargets
    """The transaction's (``SqlTransaction`` makes it)."""

    def set_push(self, device_id: int, channel: PushChannel, address: str, source: PushSource) -> None:
        statement = self._insert(push_devices).values(
            device_id=device_id,
            channel=channel.value,
            address=address,
            source=source.value,
            version="1.2",
            wbxml=True,
            awaiting_since=None,
            sent=0,
            failures=0,
            last_error="",
        )
        changed = {"channel": channel.value, "address": address, "source": source.value}
        self._connection.execute(statement.on_conflict_do_update(index_elements=["device_id"], set_=changed))
        self._push_targets.forget()
        if channel == PushChannel.OFF:
            self._connection.execute(delete(push_pending).where(push_pending.c.device_id == device_id))

    def get_push(self, device_id: int) -> PushDevice | None:
        row = self._connection.execute(select(push_devices).where(push_devices.c.device_id == device_id)).first()
        return None if row is None else _push_device(row)

    def list_pushes(self, account_id: int) -> dict[int, PushDevice]:
        statement = (
            select(push_devices)
            .join(devices, devices.c.id == push_devices.c.device_id)
            .where(devices.c.account_id == account_id)
        )
        return {row.device_id: _push_device(row) for row in self._connection.execute(statement)}

    def set_push_form(self, device_id: int, version: str, wbxml: bool) -> bool:
        changed = _SET_FORM.run(self._connection, {"of_device": device_id, "new_version": version, "new_wbxml": wbxml})
        return bool(changed)

    def push_synced(self, device_id: int, folders: list[SyncedFolder]) -> None:
        if not folders:
            return
        rows = [
            {
                "device_id": device_id,
                "folder_id": synced.folder.folder_id,
                "remote_uri": synced.folder.remote_uri,
                "content_type": synced.folder.content_type,
            }
            for synced in folders
        ]
        self._upsert(push_folders, rows, ["device_id", "folder_id"])
        self._push_targets.forget()
        of_device = {"of_device": device_id}
        if _SYNCED.run(self._connection, of_device) == 0 or _HOLD_PENDING.first(self._connection, of_device) is None:
            return
        for synced in folders:
            _SYNCED_FOLDER.run(
                self._connection, {"of_device": device_id, "folder_id": synced.folder.folder_id, "seq": synced.seq}
            )
        if _FOLDER_LEFT.first(self._connection, of_device) is None:
            _DROP_PENDING.run(self._connection, of_device)

    def note_folder_change(self, folder_id: int, origin_device_id: int | None, now: float) -> int:
        return self._push_targets.record_change(folder_id, origin_device_id, now)

    def claim_pushes(self, worker: str, now: float, timing: PushTiming, limit: int) -> list[PendingPush]:
        due = (
            select(push_pending.c.device_id)
            .join(push_devices, push_devices.c.device_id == push_pending.c.device_id)
            .where(
                push_pending.c.next_at <= now,
                or_(push_pending.c.claimed_until.is_(None), push_pending.c.claimed_until < now),
                or_(push_pending.c.last_at <= now - timing.quiet, push_pending.c.first_at <= now - timing.max_wait),
                or_(
                    push_devices.c.awaiting_since.is_(None),
                    push_devices.c.awaiting_since < now - timing.resend_after,
                ),
                push_devices.c.channel != PushChannel.OFF.value,
            )
            .order_by(push_pending.c.first_at)
            .limit(limit)
        )
        if self._connection.dialect.name == "postgresql":
            due = due.with_for_update(of=push_pending, skip_locked=True)
        claimed = list(self._connection.execute(due).scalars())
        if not claimed:
            return []
        self._connection.execute(
            update(push_pending)
            .where(push_pending.c.device_id.in_(claimed))
            .values(claimed_by=worker, claimed_until=now + timing.lease)
        )
        return self._pending(claimed, now, now + timing.lease)

    def _pending(self, device_ids: list[int], claimed_at: float, claimed_until: float) -> list[PendingPush]:
        result = []
        for part in chunks(device_ids):
            rows = self._connection.execute(
                select(push_pending, push_devices, devices.c.account_id, devices.c.device_ref)
                .join(push_devices, push_devices.c.device_id == push_pending.c.device_id)
                .join(devices, devices.c.id == push_pending.c.device_id)
                .where(push_pending.c.device_id.in_(part))
            ).all()
            folder_rows = self._connection.execute(
                select(push_pending_folders.c.device_id, push_pending_folders.c.folder_id)
                .add_columns(push_pending_folders.c.changes, push_folders.c.remote_uri, push_folders.c.content_type)
                .outerjoin(
                    push_folders,
                    and_(
                        push_folders.c.device_id == push_pending_folders.c.device_id,
                        push_folders.c.folder_id == push_pending_folders.c.folder_id,
                    ),
                )
                .where(push_pending_folders.c.device_id.in_(part))
                .order_by(push_folders.c.remote_uri)
            ).all()
            for row in rows:
                of_device = [f for f in folder_rows if f.device_id == row.device_id]
                folders = tuple(
                    PushFolder(f.folder_id, f.remote_uri, f.content_type) for f in of_device if f.remote_uri is not None
                )
                seen = tuple(ClaimedFolder(f.folder_id, f.changes) for f in of_device)
                claim = PushClaim(row.device_id, claimed_at, claimed_until, seen)
                result.append(
                    PendingPush(
                        _push_device(row), row.account_id, row.device_ref, folders, row.attempts, row.first_at, claim
                    )
                )
        return result

    def push_delivered(self, claim: PushClaim, now: float) -> None:
        _DELIVERED.run(self._connection, {"of_device": claim.device_id, "now": now})
        self._forget_claimed(claim)

    def push_failed(self, claim: PushClaim, error: str, retry_at: float | None) -> None:
        _FAILED.run(self._connection, {"of_device": claim.device_id, "error": error})
        if retry_at is None:
            self._forget_claimed(claim)
            return
        _RETRY.run(self._connection, {"of_device": claim.device_id, "of_claim": claim.until, "retry_at": retry_at})

    def _forget_claimed(self, claim: PushClaim) -> None:
        """Drop the changes the claim saw from the device's notification; one with changes that came since is
        kept as a new notification: unclaimed, not yet attempted, its burst begun at the claim."""
        connection = self._connection
        of_device = {"of_device": claim.device_id}
        if _HOLD_PENDING.first(connection, of_device) is None:
            return
        if claim.folders:
            _CLAIMED_FOLDER.run_many(
                connection,
                [{"of_device": claim.device_id, "folder_id": f.folder_id, "changes": f.changes} for f in claim.folders],
            )
        if _FOLDER_LEFT.first(connection, of_device) is None:
            _DROP_PENDING.run(connection, of_device)
            return
        _AFRESH.run(connection, {**of_device, "of_claim": claim.until, "claimed_at": claim.at})

    def count_pending_pushes(self) -> int:
        return int(self._connection.execute(select(func.count()).select_from(push_pending)).scalar_one())

    def next_push_due(self, timing: PushTiming) -> float | None:
        rows = _WAITING.rows(self._connection)
        return min((due_at(timing, *row) for row in rows), default=None)

    def watched_folders(self) -> list[WatchedFolder]:
        statement = (
            select(folders.c.account_id, accounts.c.email, folders.c.id, folders.c.name)
            .distinct()
            .select_from(push_folders)
            .join(push_devices, push_devices.c.device_id == push_folders.c.device_id)
            .join(folders, folders.c.id == push_folders.c.folder_id)
            .join(accounts, accounts.c.id == folders.c.account_id)
            .where(push_devices.c.channel != PushChannel.OFF.value, accounts.c.enabled)
            .order_by(folders.c.account_id, folders.c.id)
        )
        return [WatchedFolder(*row) for row in self._connection.execute(statement)]

    def claim_watches(self, worker: str, account_ids: list[int], now: float, until: float) -> set[int]:
        held: set[int] = set()
        for part in chunks(account_ids):
            statement = self._insert(push_watches)
            self._connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["account_id"],
                    set_={"worker": excluded(push_watches).c.worker, "until": excluded(push_watches).c.until},
                    where=or_(push_watches.c.worker == worker, push_watches.c.until < now),
                ),
                [{"account_id": account_id, "worker": worker, "until": until} for account_id in part],
            )
            mine = select(push_watches.c.account_id).where(
                push_watches.c.account_id.in_(part), push_watches.c.worker == worker
            )
            held.update(self._connection.execute(mine).scalars())
        return held

    def release_watches(self, worker: str, account_ids: list[int]) -> None:
        for part in chunks(account_ids):
            self._connection.execute(
                delete(push_watches).where(push_watches.c.account_id.in_(part), push_watches.c.worker == worker)
            )
