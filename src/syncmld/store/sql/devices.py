"""The SQL store's devices and the record of their last syncs."""

from functools import cache
from typing import Any

from sqlalchemy import Executable, Integer, Row, String, bindparam, delete, exists, select, update

from syncmld.store.base import Device, DeviceSync, NotFound
from syncmld.store.schema import accounts, device_syncs, devices
from syncmld.store.sql.common import DialectInsert, SqlRole
from syncmld.store.sql.pushes import PushTargets

_DEVICE = select(devices).where(
    devices.c.account_id == bindparam("account_id"), devices.c.device_ref == bindparam("ref")
)
"""Made once: every session reads its device (building a statement costs more than running it)."""


@cache
def _adding_device(insert: DialectInsert) -> Executable:
    """The INSERT of a new device, made only when its account exists, returning the row it made (none when the
    account does not exist or the device does already)."""
    account, ref = bindparam("account_id", type_=Integer), bindparam("ref", type_=String)
    made = select(account, ref).where(exists().where(accounts.c.id == account))
    statement = insert(devices).from_select(["account_id", "device_ref"], made)
    return statement.on_conflict_do_nothing(index_elements=["account_id", "device_ref"]).returning(*devices.c)


def _device(row: Row[Any]) -> Device:
    return Device(row.id, row.account_id, row.device_ref, row.devinf)


def _device_sync(row: Row[Any]) -> DeviceSync:
    return DeviceSync(
        row.device_id, row.folder_name, row.mode, row.result, row.finished_at, row.received, row.sent, row.format
    )


class SqlDevices(SqlRole):
    """See ``syncmld.store.base.Devices``."""

    _push_targets: PushTargets
    """The transaction's (``SqlTransaction`` makes it)."""

    def _find_device(self, account_id: int, device_ref: str) -> Device | None:
        row = self._connection.execute(_DEVICE, {"account_id": account_id, "ref": device_ref}).first()
        return None if row is None else _device(row)

    def ensure_device(self, account_id: int, device_ref: str) -> Device:
        device = self._find_device(account_id, device_ref)
        if device is not None:
            return device
        made = self._connection.execute(_adding_device(self._insert), {"account_id": account_id, "ref": device_ref})
        row = made.first()
        if row is not None:
            return _device(row)
        device = self._find_device(account_id, device_ref)  # made meanwhile by another transaction
        if device is None:
            raise NotFound(f"no account with id {account_id}")
        return device

    def list_devices(self, account_id: int) -> list[Device]:
        statement = select(devices).where(devices.c.account_id == account_id).order_by(devices.c.id)
        return [_device(row) for row in self._connection.execute(statement)]

    def set_devinf(self, device_id: int, devinf: bytes) -> None:
        statement = update(devices).where(devices.c.id == device_id).values(devinf=devinf)
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no device with id {device_id}")

    def forget_device(self, account_id: int, device_ref: str) -> None:
        # Its sync states, maps and sync history go with it: their foreign keys cascade.
        statement = delete(devices).where(devices.c.account_id == account_id, devices.c.device_ref == device_ref)
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no device {device_ref} in account {account_id}")
        self._push_targets.forget()

    def record_device_sync(self, record: DeviceSync) -> None:
        row = {
            "device_id": record.device_id,
            "folder_name": record.folder_name,
            "mode": record.mode,
            "result": record.result,
            "finished_at": record.finished_at,
            "received": record.received,
            "sent": record.sent,
            "format": record.format,
        }
        self._upsert(device_syncs, row, ["device_id", "folder_name"])

    def list_device_syncs(self, device_id: int) -> list[DeviceSync]:
        statement = (
            select(device_syncs).where(device_syncs.c.device_id == device_id).order_by(device_syncs.c.folder_name)
        )
        return [_device_sync(row) for row in self._connection.execute(statement)]
