"""The in-memory store's devices and the record of their last syncs."""

import dataclasses

from syncmld.store.base import Device, DeviceAtLogin, DeviceSync, NotFound
from syncmld.store.memory.tables import MemoryRole, Tables
from syncmld.store.pushes import PushForm


def drop_devices(tables: Tables, device_ids: set[int]) -> None:
    """Delete devices with their sync states, maps and sync history."""
    for device_id in device_ids:
        del tables.devices[device_id]
    for owned in (tables.sync_states, tables.maps):
        for key in [key for key in owned if key[0] in device_ids]:
            del owned[key]
    for history_key in [key for key in tables.device_syncs if key[0] in device_ids]:
        del tables.device_syncs[history_key]
    tables.pushes.drop_devices(device_ids)


class MemoryDevices(MemoryRole):
    """See ``syncmld.store.base.Devices``."""

    def ensure_device(self, account_id: int, device_ref: str) -> Device:
        for device in self._t.devices.values():
            if device.account_id == account_id and device.device_ref == device_ref:
                return device
        self._require_account(account_id)
        device = Device(self._new_id(), account_id, device_ref)
        self._t.devices[device.id] = device
        return device

    def device_at_login(self, account_id: int, device_ref: str) -> DeviceAtLogin:
        device = self.ensure_device(account_id, device_ref)
        token = self._t.device_sessions.get(device.id)
        push = self._t.pushes.devices.get(device.id)
        return DeviceAtLogin(
            device,
            token if token in self._t.sessions else None,
            None if push is None else PushForm(push.version, push.wbxml),
        )

    def list_devices(self, account_id: int) -> list[Device]:
        return [d for d in self._t.devices.values() if d.account_id == account_id]

    def set_devinf(self, device_id: int, devinf: bytes) -> None:
        device = self._t.devices.get(device_id)
        if device is None:
            raise NotFound(f"no device with id {device_id}")
        self._t.devices[device_id] = dataclasses.replace(device, devinf=devinf)

    def forget_device(self, account_id: int, device_ref: str) -> None:
        for device in self._t.devices.values():
            if device.account_id == account_id and device.device_ref == device_ref:
                drop_devices(self._t, {device.id})
                return
        raise NotFound(f"no device {device_ref} in account {account_id}")

    def record_device_sync(self, record: DeviceSync) -> None:
        if record.device_id not in self._t.devices:
            raise NotFound(f"no device with id {record.device_id}")
        self._t.device_syncs[record.device_id, record.folder_name] = record

    def list_device_syncs(self, device_id: int) -> list[DeviceSync]:
        records = [record for (owner, _), record in self._t.device_syncs.items() if owner == device_id]
        return sorted(records, key=lambda record: record.folder_name)
