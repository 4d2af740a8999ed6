"""The SQL store's devices and the record of their last syncs."""

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Row, bindparam, delete, select, update

from syncmld.store.base import Device, DeviceAtLogin, DeviceSync, NotFound
from syncmld.store.pushes import PushForm
from syncmld.store.schema import device_sessions, device_syncs, devices, push_devices, sessions
from syncmld.store.sql.common import SqlRole
from syncmld.store.sql.prepared import Prepared
from syncmld.store.sql.pushes import PushTargets

T = TypeVar("T")

_DEVICE = Prepared(
    select(devices).where(devices.c.account_id == bindparam("account_id"), devices.c.device_ref == bindparam("ref"))
)
"""Made once: every session reads its device (building a statement costs more than running it)."""
_AT_LOGIN = Prepared(
    select(
        *devices.c,
        sessions.c.token.label("previous_token"),
        push_devices.c.version.label("push_version"),
        push_devices.c.wbxml.label("push_wbxml"),
    )
    .select_from(
        devices.outerjoin(device_sessions, device_sessions.c.device_id == devices.c.id)
        .outerjoin(sessions, sessions.c.token == device_sessions.c.token)
        .outerjoin(push_devices, push_devices.c.device_id == devices.c.id)
    )
    .where(devices.c.account_id == bindparam("account_id"), devices.c.device_ref == bindparam("ref"))
)
"""A login's device with its latest session while that is kept, and its push form if it is a push device."""
_SET_DEVINF = Prepared(
    update(devices).where(devices.c.id == bindparam("device_id")).values(devinf=bindparam("new_devinf"))
)
_DEVICE_KEY = ("account_id", "device_ref")


def _device(row: Any) -> Device:
    return Device(row.id, row.account_id, row.device_ref, row.devinf)


def _at_login(row: Any) -> DeviceAtLogin:
    push_form = None if row.push_version is None else PushForm(row.push_version, row.push_wbxml)
    return DeviceAtLogin(_device(row), row.previous_token, push_form)


def _new_at_login(row: Any) -> DeviceAtLogin:
    """A device a login has just added: no session before, no push form."""
    return DeviceAtLogin(_device(row), None, None)


def _device_sync(row: Row[Any]) -> DeviceSync:
    return DeviceSync(
        row.device_id, row.folder_name, row.mode, row.result, row.finished_at, row.received, row.sent, row.format
    )


class SqlDevices(SqlRole):
    """See ``syncmld.store.base.Devices``."""

    _push_targets: PushTargets
    """The transaction's (``SqlTransaction`` makes it)."""

    def ensure_device(self, account_id: int, device_ref: str) -> Device:
        return self._found_or_added(account_id, device_ref, _DEVICE, _device, _device)

    def device_at_login(self, account_id: int, device_ref: str) -> DeviceAtLogin:
        return self._found_or_added(account_id, device_ref, _AT_LOGIN, _at_login, _new_at_login)

    def _found_or_added(
        self, account_id: int, device_ref: str, read: Prepared, found: Callable[[Any], T], added: Callable[[Any], T]
    ) -> T:
        """What ``read`` finds of the account's device with this reference, or of the device it adds when none is."""
        key = {"account_id": account_id, "ref": device_ref}
        row = read.first(self._connection, key)
        if row is None:
            new = self._add_owned(devices, {"account_id": account_id, "device_ref": device_ref}, _DEVICE_KEY)
            if new is not None:
                return added(new)
            row = read.first(self._connection, key)  # made meanwhile by another transaction
            if row is None:
                raise NotFound(f"no account with id {account_id}")
        return found(row)

    def list_devices(self, account_id: int) -> list[Device]:
        statement = select(devices).where(devices.c.account_id == account_id).order_by(devices.c.id)
        return [_device(row) for row in self._connection.execute(statement)]

    def set_devinf(self, device_id: int, devinf: bytes) -> None:
        if _SET_DEVINF.run(self._connection, {"device_id": device_id, "new_devinf": devinf}) == 0:
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
