"""The in-memory store's sync states and LUID <-> GUID maps, per device and folder."""

from collections.abc import Iterable, Mapping

from syncmld.store.base import NotFound, SyncState
from syncmld.store.memory.tables import MemoryRole


class MemorySyncMaps(MemoryRole):
    """See ``syncmld.store.base.SyncMaps``."""

    def _maps(self, device_id: int, folder_id: int) -> dict[str, str]:
        return self._t.maps.get((device_id, folder_id), {})

    def _writable_maps(self, device_id: int, folder_id: int) -> dict[str, str]:
        key = (device_id, folder_id)
        if key not in self._copied_maps or key not in self._t.maps:
            self._t.maps[key] = dict(self._maps(device_id, folder_id))
            self._copied_maps.add(key)
        return self._t.maps[key]

    def _require_device_and_folder(self, device_id: int, folder_id: int) -> None:
        if device_id not in self._t.devices or folder_id not in self._t.folders:
            raise NotFound(f"no device {device_id} or no folder {folder_id}")

    def get_sync_state(self, device_id: int, folder_id: int) -> SyncState | None:
        return self._t.sync_states.get((device_id, folder_id))

    def set_sync_state(self, state: SyncState) -> None:
        self._require_device_and_folder(state.device_id, state.folder_id)
        self._t.sync_states[state.device_id, state.folder_id] = state

    def clear_sync_state(self, device_id: int, folder_id: int) -> None:
        self._t.sync_states.pop((device_id, folder_id), None)
        self._t.maps.pop((device_id, folder_id), None)

    def guids_for_luids(self, device_id: int, folder_id: int, luids: Iterable[str]) -> dict[str, str]:
        wanted = set(luids)
        return {luid: guid for guid, luid in self._maps(device_id, folder_id).items() if luid in wanted}

    def luids_for_guids(self, device_id: int, folder_id: int, guids: Iterable[str]) -> dict[str, str]:
        pairs = self._maps(device_id, folder_id)
        return {guid: pairs[guid] for guid in guids if guid in pairs}

    def all_maps(self, device_id: int, folder_id: int) -> dict[str, str]:
        return dict(self._maps(device_id, folder_id))

    def set_maps(self, device_id: int, folder_id: int, guid_to_luid: Mapping[str, str], new: bool = False) -> None:
        self._require_device_and_folder(device_id, folder_id)
        luid_of = self._writable_maps(device_id, folder_id)
        guid_of = {luid: guid for guid, luid in luid_of.items()}
        for guid, luid in guid_to_luid.items():
            old_luid = luid_of.pop(guid, None)
            if old_luid is not None:
                del guid_of[old_luid]
            old_guid = guid_of.pop(luid, None)
            if old_guid is not None:
                del luid_of[old_guid]
            luid_of[guid] = luid
            guid_of[luid] = guid

    def delete_maps(self, device_id: int, folder_id: int, guids: Iterable[str]) -> None:
        luid_of = self._writable_maps(device_id, folder_id)
        for guid in guids:
            luid_of.pop(guid, None)
