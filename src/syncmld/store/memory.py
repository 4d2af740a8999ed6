"""The in-memory store: the reference semantics for the engine tests; nothing survives the process.

A transaction holds the store's lock from start to end and works on a copy of the tables, which
replaces the store's tables only when the transaction ends normally.
"""

import dataclasses
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from syncmld.store import new_guid
from syncmld.store.base import (
    Account,
    AlreadyExists,
    Device,
    DeviceSync,
    Domain,
    Folder,
    HistoryEntry,
    LoginFailures,
    NewItem,
    NotFound,
    SessionRecord,
    StoredItem,
    SyncState,
)
from syncmld.store.memory_sessions import MemorySessionExtras, SessionExtraTables

_DeviceFolder = tuple[int, int]
_DeviceFolderName = tuple[int, str]


@dataclass
class _Tables:
    """Every row, as immutable values; the per-folder and per-map dicts are copied when first written."""

    accounts: dict[int, Account] = field(default_factory=dict)
    devices: dict[int, Device] = field(default_factory=dict)
    nonces: dict[str, tuple[str, float]] = field(default_factory=dict)
    """Device reference -> nonce and when it was issued."""
    folders: dict[int, Folder] = field(default_factory=dict)
    items: dict[int, dict[str, StoredItem]] = field(default_factory=dict)
    sync_states: dict[_DeviceFolder, SyncState] = field(default_factory=dict)
    maps: dict[_DeviceFolder, dict[str, str]] = field(default_factory=dict)
    """GUID -> LUID per device and folder."""
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    login_failures: dict[str, LoginFailures] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    domains: dict[str, Domain] = field(default_factory=dict)
    access: set[str] = field(default_factory=set)
    device_syncs: dict[_DeviceFolderName, DeviceSync] = field(default_factory=dict)
    seq: int = 0
    last_id: int = 0
    extras: SessionExtraTables = field(default_factory=SessionExtraTables)

    def copy(self) -> "_Tables":
        return _Tables(
            dict(self.accounts),
            dict(self.devices),
            dict(self.nonces),
            dict(self.folders),
            dict(self.items),
            dict(self.sync_states),
            dict(self.maps),
            dict(self.sessions),
            dict(self.settings),
            dict(self.login_failures),
            list(self.history),
            dict(self.domains),
            set(self.access),
            dict(self.device_syncs),
            self.seq,
            self.last_id,
            self.extras.copy(),
        )


class MemoryStore:
    """A store kept in this process's memory."""

    def __init__(self) -> None:
        self._tables = _Tables()
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator["MemoryTransaction"]:
        with self._lock:
            tables = self._tables.copy()
            yield MemoryTransaction(tables)
            self._tables = tables

    def close(self) -> None:
        """Nothing to release."""


class MemoryTransaction(MemorySessionExtras):
    """One unit of work on a private copy of the tables; see ``syncmld.store.base.Transaction``."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables
        self._extras = tables.extras
        self._sessions = tables.sessions
        self._device_rows = tables.devices
        self._copied_items: set[int] = set()
        self._copied_maps: set[_DeviceFolder] = set()

    def _new_id(self) -> int:
        self._t.last_id += 1
        return self._t.last_id

    def _folder_items(self, folder_id: int) -> dict[str, StoredItem]:
        return self._t.items.get(folder_id, {})

    def _writable_items(self, folder_id: int) -> dict[str, StoredItem]:
        if folder_id not in self._t.folders:
            raise NotFound(f"no folder with id {folder_id}")
        if folder_id not in self._copied_items or folder_id not in self._t.items:
            self._t.items[folder_id] = dict(self._folder_items(folder_id))
            self._copied_items.add(folder_id)
        return self._t.items[folder_id]

    def _maps(self, device_id: int, folder_id: int) -> dict[str, str]:
        return self._t.maps.get((device_id, folder_id), {})

    def _writable_maps(self, device_id: int, folder_id: int) -> dict[str, str]:
        key = (device_id, folder_id)
        if key not in self._copied_maps or key not in self._t.maps:
            self._t.maps[key] = dict(self._maps(device_id, folder_id))
            self._copied_maps.add(key)
        return self._t.maps[key]

    # --- accounts ---------------------------------------------------------------------------
    def add_account(self, email: str, md5_credential: str, password_hash: str, item_key: str = "") -> Account:
        email = email.lower()
        if self.get_account(email) is not None:
            raise AlreadyExists(f"an account {email} exists already")
        account = Account(self._new_id(), email, md5_credential, password_hash, item_key=item_key)
        self._t.accounts[account.id] = account
        return account

    def get_account(self, email: str) -> Account | None:
        email = email.lower()
        return next((a for a in self._t.accounts.values() if a.email == email), None)

    def get_account_by_id(self, account_id: int) -> Account | None:
        return self._t.accounts.get(account_id)

    def list_accounts(self) -> list[Account]:
        return sorted(self._t.accounts.values(), key=lambda account: account.email)

    def _require_account(self, email: str) -> Account:
        account = self.get_account(email)
        if account is None:
            raise NotFound(f"no account {email.lower()}")
        return account

    def set_credentials(self, email: str, md5_credential: str, password_hash: str, item_key: str) -> None:
        account = self._require_account(email)
        self._t.accounts[account.id] = dataclasses.replace(
            account, md5_credential=md5_credential, password_hash=password_hash, item_key=item_key
        )

    def set_item_key(self, email: str, item_key: str) -> None:
        account = self._require_account(email)
        self._t.accounts[account.id] = dataclasses.replace(account, item_key=item_key)

    def remove_account(self, email: str) -> None:
        account = self._require_account(email)
        device_ids = {d.id for d in self._t.devices.values() if d.account_id == account.id}
        folder_ids = {f.id for f in self._t.folders.values() if f.account_id == account.id}
        del self._t.accounts[account.id]
        self._drop_devices(device_ids)
        for folder_id in folder_ids:
            del self._t.folders[folder_id]
            self._t.items.pop(folder_id, None)
        for owned in (self._t.sync_states, self._t.maps):
            for device_id, folder_id in list(owned):
                if folder_id in folder_ids:
                    del owned[device_id, folder_id]
        ended = {token for token, session in self._t.sessions.items() if session.account_id == account.id}
        for token in ended:
            del self._t.sessions[token]
        self._forget_sessions(ended)

    def set_account_enabled(self, email: str, enabled: bool) -> None:
        account = self._require_account(email)
        self._t.accounts[account.id] = dataclasses.replace(account, enabled=enabled)

    def drop_md5_credentials(self) -> int:
        holders = [account for account in self._t.accounts.values() if account.md5_credential]
        for account in holders:
            self._t.accounts[account.id] = dataclasses.replace(account, md5_credential="")
        return len(holders)

    def _require_account_id(self, account_id: int) -> None:
        if account_id not in self._t.accounts:
            raise NotFound(f"no account with id {account_id}")

    # --- failed logins ---------------------------------------------------------------------
    def note_login_failure(self, key: str, now: float) -> LoginFailures:
        previous = self._t.login_failures.get(key)
        noted = LoginFailures((previous.count if previous else 0) + 1, now)
        self._t.login_failures[key] = noted
        return noted

    def login_failures(self, key: str) -> LoginFailures | None:
        return self._t.login_failures.get(key)

    def clear_login_failures(self, key: str) -> None:
        self._t.login_failures.pop(key, None)

    def count_login_failure_keys(self) -> int:
        return len(self._t.login_failures)

    def purge_login_failures(self, last_before: float) -> int:
        expired = [key for key, noted in self._t.login_failures.items() if noted.last_at < last_before]
        for key in expired:
            del self._t.login_failures[key]
        return len(expired)

    # --- server settings, domains and the access list ----------------------------------------
    def get_setting(self, name: str) -> str | None:
        return self._t.settings.get(name)

    def set_setting(self, name: str, value: str) -> None:
        self._t.settings[name] = value

    def list_settings(self) -> dict[str, str]:
        return dict(sorted(self._t.settings.items()))

    def add_domain(self, name: str) -> Domain:
        name = name.lower()
        if name in self._t.domains:
            raise AlreadyExists(f"a domain {name} exists already")
        domain = Domain(name)
        self._t.domains[name] = domain
        return domain

    def get_domain(self, name: str) -> Domain | None:
        return self._t.domains.get(name.lower())

    def list_domains(self) -> list[Domain]:
        return [self._t.domains[name] for name in sorted(self._t.domains)]

    def set_domain_enabled(self, name: str, enabled: bool) -> None:
        domain = self.get_domain(name)
        if domain is None:
            raise NotFound(f"no domain {name.lower()}")
        self._t.domains[domain.name] = dataclasses.replace(domain, enabled=enabled)

    def access_allow(self, entry: str) -> None:
        self._t.access.add(entry.lower())

    def access_deny(self, entry: str) -> None:
        entry = entry.lower()
        if entry not in self._t.access:
            raise NotFound(f"{entry} is not on the access list")
        self._t.access.remove(entry)

    def list_access(self) -> list[str]:
        return sorted(self._t.access)

    # --- devices and nonces -----------------------------------------------------------------
    def ensure_device(self, account_id: int, device_ref: str) -> Device:
        for device in self._t.devices.values():
            if device.account_id == account_id and device.device_ref == device_ref:
                return device
        self._require_account_id(account_id)
        device = Device(self._new_id(), account_id, device_ref)
        self._t.devices[device.id] = device
        return device

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
                self._drop_devices({device.id})
                return
        raise NotFound(f"no device {device_ref} in account {account_id}")

    def _drop_devices(self, device_ids: set[int]) -> None:
        """Delete devices with their sync states, maps and sync history."""
        for device_id in device_ids:
            del self._t.devices[device_id]
        for owned in (self._t.sync_states, self._t.maps):
            for key in [key for key in owned if key[0] in device_ids]:
                del owned[key]
        for history_key in [key for key in self._t.device_syncs if key[0] in device_ids]:
            del self._t.device_syncs[history_key]

    def record_device_sync(self, record: DeviceSync) -> None:
        if record.device_id not in self._t.devices:
            raise NotFound(f"no device with id {record.device_id}")
        self._t.device_syncs[record.device_id, record.folder_name] = record

    def list_device_syncs(self, device_id: int) -> list[DeviceSync]:
        records = [record for (owner, _), record in self._t.device_syncs.items() if owner == device_id]
        return sorted(records, key=lambda record: record.folder_name)

    def get_nonce(self, device_ref: str, issued_after: float) -> str | None:
        nonce, issued_at = self._t.nonces.get(device_ref, ("", 0.0))
        return nonce if nonce and issued_at > issued_after else None

    def set_nonce(self, device_ref: str, nonce: str, issued_at: float) -> None:
        self._t.nonces[device_ref] = (nonce, issued_at)

    def purge_nonces(self, issued_before: float) -> int:
        expired = [ref for ref, (_, issued_at) in self._t.nonces.items() if issued_at < issued_before]
        for ref in expired:
            del self._t.nonces[ref]
        return len(expired)

    # --- folders ----------------------------------------------------------------------------
    def get_folder(self, account_id: int, name: str) -> Folder | None:
        key = name.casefold()
        return next(
            (f for f in self._t.folders.values() if f.account_id == account_id and f.name.casefold() == key),
            None,
        )

    def ensure_folder(self, account_id: int, name: str) -> Folder:
        folder = self.get_folder(account_id, name)
        if folder is None:
            self._require_account_id(account_id)
            folder = Folder(self._new_id(), account_id, name)
            self._t.folders[folder.id] = folder
        return folder

    def list_folders(self, account_id: int) -> list[Folder]:
        owned = [f for f in self._t.folders.values() if f.account_id == account_id]
        return sorted(owned, key=lambda folder: (folder.name.casefold(), folder.id))

    # --- items and the change log -----------------------------------------------------------
    def _live_items(self, folder_id: int) -> list[StoredItem]:
        return [item for item in self._folder_items(folder_id).values() if not item.deleted]

    def get_items(self, folder_id: int, guids: Iterable[str]) -> dict[str, StoredItem]:
        stored = self._folder_items(folder_id)
        found = {guid: stored.get(guid) for guid in guids}
        return {guid: item for guid, item in found.items() if item is not None and not item.deleted}

    def iter_items(self, folder_id: int, *, skip_changed_by: int | None = None, since: int = 0) -> Iterator[StoredItem]:
        items = [
            item
            for item in self._live_items(folder_id)
            if skip_changed_by is None or item.seq <= since or item.origin_device_id != skip_changed_by
        ]
        return iter(sorted(items, key=lambda item: item.guid))

    def count_items(self, folder_id: int) -> int:
        return len(self._live_items(folder_id))

    def children_of(self, folder_id: int, parents: Iterable[str]) -> list[StoredItem]:
        wanted = set(parents)
        return sorted(
            (item for item in self._live_items(folder_id) if item.parent in wanted), key=lambda item: item.guid
        )

    def _next_seq(self) -> int:
        self._t.seq += 1
        return self._t.seq

    def put_items(self, folder_id: int, items: Iterable[NewItem], origin_device_id: int | None) -> list[StoredItem]:
        stored = self._writable_items(folder_id)
        written: list[StoredItem] = []
        for new in items:
            guid = new_guid() if new.guid is None else new.guid
            previous = stored.get(guid)
            version = 1 if previous is None else previous.version + 1
            item = StoredItem(
                folder_id,
                guid,
                new.content_type,
                new.data,
                version,
                self._next_seq(),
                origin_device_id,
                parent=new.parent,
            )
            stored[guid] = item
            written.append(item)
        return written

    def delete_items(self, folder_id: int, guids: Iterable[str], origin_device_id: int | None) -> list[str]:
        stored = self._writable_items(folder_id)
        deleted: list[str] = []
        for guid in guids:
            item = stored.get(guid)
            if item is None or item.deleted:
                continue
            stored[guid] = dataclasses.replace(
                item,
                data=b"",
                version=item.version + 1,
                seq=self._next_seq(),
                origin_device_id=origin_device_id,
                deleted=True,
            )
            deleted.append(guid)
        return deleted

    def changes_since(self, folder_id: int, seq: int, upto: int, exclude_device_id: int | None) -> list[StoredItem]:
        changed = [
            item
            for item in self._folder_items(folder_id).values()
            if seq < item.seq <= upto and (exclude_device_id is None or item.origin_device_id != exclude_device_id)
        ]
        return sorted(changed, key=lambda item: item.seq)

    def folder_seq(self, folder_id: int) -> int:
        return max((item.seq for item in self._folder_items(folder_id).values()), default=0)

    def keep_history(self, entry: HistoryEntry) -> None:
        self._t.history.append(entry)

    def list_history(self, folder_id: int, guid: str) -> list[HistoryEntry]:
        kept = [entry for entry in self._t.history if entry.folder_id == folder_id and entry.guid == guid]
        return sorted(kept, key=lambda entry: entry.saved_at)

    def purge_history(self, saved_before: float) -> int:
        kept = [entry for entry in self._t.history if entry.saved_at >= saved_before]
        purged = len(self._t.history) - len(kept)
        self._t.history = kept
        return purged

    def current_seq(self) -> int:
        return self._t.seq

    # --- per device and folder: sync state and LUID <-> GUID maps --------------------------
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

    def set_maps(self, device_id: int, folder_id: int, guid_to_luid: Mapping[str, str]) -> None:
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

    # --- sessions ---------------------------------------------------------------------------
    def load_session(self, token: str) -> SessionRecord | None:
        return self._t.sessions.get(token)

    def has_session(self, token: str) -> bool:
        return token in self._t.sessions

    def save_session(self, record: SessionRecord) -> None:
        self._t.sessions[record.token] = record

    def delete_sessions_before(self, updated_before: float) -> int:
        idle = [token for token, record in self._t.sessions.items() if record.updated_at < updated_before]
        for token in idle:
            del self._t.sessions[token]
        self._forget_sessions(set(idle))
        return len(idle)
