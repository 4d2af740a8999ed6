"""The SQL store: SQLAlchemy Core queries over the tables of ``schema``, for every dialect we migrate.

Bulk work is done with executemany and IN lists of at most ``CHUNK_SIZE`` values; no method reads
item by item. New sequence numbers come from the one-row counter, whose update also serialises the
writers of sequence numbers until they commit.
"""

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Row, Table, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

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
    StoreError,
    SyncState,
)
from syncmld.store.schema import (
    SEQUENCE_ROW_ID,
    access_list,
    accounts,
    device_syncs,
    devices,
    domains,
    folders,
    item_history,
    login_failures,
    maps,
    nonces,
    sequence_counter,
    sessions,
    settings,
    sync_states,
)
from syncmld.store.schema import items as item_table
from syncmld.store.sealing import SecretBox
from syncmld.store.sql_sessions import SqlSessionExtras

log = logging.getLogger(__name__)

CHUNK_SIZE = 500
"""Most values bound in one IN list."""

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

_DIALECT_INSERTS: dict[str, Callable[[Table], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}

_T = TypeVar("_T")


def upgrade_schema(engine: Engine, box: SecretBox, revision: str = "head") -> None:
    """Bring the database to the migration ``revision``, the newest by default; ``box`` seals the
    secrets that earlier revisions kept in the clear."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        config.attributes["secret_box"] = box
        command.upgrade(config, revision)
        connection.commit()


class SqlStore:
    """A store in a SQL database reached through a SQLAlchemy engine."""

    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self._engine = engine
        self._box = box

    @contextmanager
    def transaction(self) -> Iterator["SqlTransaction"]:
        try:
            with self._engine.connect() as connection, connection.begin():
                yield SqlTransaction(connection, self._box)
        except SQLAlchemyError as error:
            raise StoreError(f"store operation failed: {error}") from error

    def close(self) -> None:
        self._engine.dispose()


def _chunks(values: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(values), CHUNK_SIZE):
        yield values[start : start + CHUNK_SIZE]


def _device(row: Row[Any]) -> Device:
    return Device(row.id, row.account_id, row.device_ref, row.devinf)


def _folder(row: Row[Any]) -> Folder:
    return Folder(row.id, row.account_id, row.name)


def _device_sync(row: Row[Any]) -> DeviceSync:
    return DeviceSync(row.device_id, row.folder_name, row.mode, row.result, row.finished_at, row.received, row.sent)


_ITEM_COLUMNS = tuple(item_table.c[field.name] for field in fields(StoredItem))
"""The item columns in the order of StoredItem's fields, so that a row is built without looking names up."""


def _item(row: Sequence[Any]) -> StoredItem:
    folder_id, guid, content_type, data, version, seq, origin_device_id, deleted, parent = row
    return StoredItem(folder_id, guid, content_type, data, version, seq, origin_device_id, deleted, parent)


def _item_row(item: StoredItem) -> dict[str, Any]:
    return {
        "folder_id": item.folder_id,
        "guid": item.guid,
        "content_type": item.content_type,
        "data": item.data,
        "version": item.version,
        "seq": item.seq,
        "origin_device_id": item.origin_device_id,
        "deleted": item.deleted,
        "parent": item.parent,
    }


class SqlTransaction(SqlSessionExtras):
    """One unit of work on one connection; see ``syncmld.store.base.Transaction``."""

    def __init__(self, connection: Connection, box: SecretBox) -> None:
        self._connection = connection
        self._insert = _DIALECT_INSERTS[connection.dialect.name]
        self._box = box

    def _account(self, row: Row[Any]) -> Account:
        secret = self._box.open(row.md5_credential, row.email)
        if secret is None:
            log.warning(
                "the MD5 secret of %s does not open with this server key: it logs in with MD5 only "
                "once its password is set again",
                row.email,
            )
        item_key = self._box.open(row.item_key, row.email)
        if item_key is None:
            log.warning(
                "the item key of %s does not open with this server key: its encrypted items decrypt again "
                "after its next basic login",
                row.email,
            )
        return Account(row.id, row.email, secret or "", row.password_hash, row.enabled, item_key or "")

    def _upsert(self, table: Table, rows: dict[str, Any] | list[dict[str, Any]], key: list[str]) -> None:
        """Insert ``rows``, replacing the non-key columns of rows that exist already."""
        statement = self._insert(table)
        replaced = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in key}
        self._connection.execute(statement.on_conflict_do_update(index_elements=key, set_=replaced), rows)

    # --- accounts ---------------------------------------------------------------------------
    def add_account(self, email: str, md5_credential: str, password_hash: str, item_key: str = "") -> Account:
        email = email.lower()
        statement = (
            self._insert(accounts)
            .values(
                email=email,
                md5_credential=self._box.seal(md5_credential, email),
                password_hash=password_hash,
                enabled=True,
                item_key=self._box.seal(item_key, email),
            )
            .on_conflict_do_nothing(index_elements=["email"])
            .returning(accounts.c.id)
        )
        account_id = self._connection.execute(statement).scalar()
        if account_id is None:
            raise AlreadyExists(f"an account {email} exists already")
        return Account(account_id, email, md5_credential, password_hash, item_key=item_key)

    def get_account(self, email: str) -> Account | None:
        row = self._connection.execute(select(accounts).where(accounts.c.email == email.lower())).first()
        return None if row is None else self._account(row)

    def get_account_by_id(self, account_id: int) -> Account | None:
        row = self._connection.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return None if row is None else self._account(row)

    def list_accounts(self) -> list[Account]:
        rows = self._connection.execute(select(accounts).order_by(accounts.c.email))
        return [self._account(row) for row in rows]

    def set_credentials(self, email: str, md5_credential: str, password_hash: str, item_key: str) -> None:
        self._update_account(
            email,
            md5_credential=self._box.seal(md5_credential, email.lower()),
            password_hash=password_hash,
            item_key=self._box.seal(item_key, email.lower()),
        )

    def set_item_key(self, email: str, item_key: str) -> None:
        self._update_account(email, item_key=self._box.seal(item_key, email.lower()))

    def remove_account(self, email: str) -> None:
        account_ids = select(accounts.c.id).where(accounts.c.email == email.lower())
        self._forget_sessions(select(sessions.c.token).where(sessions.c.account_id.in_(account_ids)))
        statement = delete(accounts).where(accounts.c.email == email.lower())
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no account {email.lower()}")

    def set_account_enabled(self, email: str, enabled: bool) -> None:
        self._update_account(email, enabled=enabled)

    def _update_account(self, email: str, **values: Any) -> None:
        """Set columns of one account's row; raises NotFound."""
        statement = update(accounts).where(accounts.c.email == email.lower()).values(**values)
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no account {email.lower()}")

    def drop_md5_credentials(self) -> int:
        statement = update(accounts).where(accounts.c.md5_credential != "").values(md5_credential="")
        return self._connection.execute(statement).rowcount

    def _require_account(self, account_id: int) -> None:
        if self.get_account_by_id(account_id) is None:
            raise NotFound(f"no account with id {account_id}")

    # --- failed logins ---------------------------------------------------------------------
    def note_login_failure(self, key: str, now: float) -> LoginFailures:
        previous = self.login_failures(key)
        noted = LoginFailures((previous.count if previous else 0) + 1, now)
        self._upsert(login_failures, {"key": key, "count": noted.count, "last_at": now}, ["key"])
        return noted

    def login_failures(self, key: str) -> LoginFailures | None:
        row = self._connection.execute(
            select(login_failures.c.count, login_failures.c.last_at).where(login_failures.c.key == key)
        ).first()
        return LoginFailures(row[0], row[1]) if row is not None else None

    def clear_login_failures(self, key: str) -> None:
        self._connection.execute(delete(login_failures).where(login_failures.c.key == key))

    def count_login_failure_keys(self) -> int:
        return int(self._connection.execute(select(func.count()).select_from(login_failures)).scalar_one())

    def purge_login_failures(self, last_before: float) -> int:
        statement = delete(login_failures).where(login_failures.c.last_at < last_before)
        return self._connection.execute(statement).rowcount

    # --- server settings, domains and the access list ----------------------------------------
    def get_setting(self, name: str) -> str | None:
        value: str | None = self._connection.execute(select(settings.c.value).where(settings.c.name == name)).scalar()
        return value

    def set_setting(self, name: str, value: str) -> None:
        self._upsert(settings, {"name": name, "value": value}, ["name"])

    def list_settings(self) -> dict[str, str]:
        rows = self._connection.execute(select(settings.c.name, settings.c.value).order_by(settings.c.name))
        return {name: value for name, value in rows}

    def add_domain(self, name: str) -> Domain:
        name = name.lower()
        statement = (
            self._insert(domains)
            .values(name=name, enabled=True)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(domains.c.name)
        )
        if self._connection.execute(statement).scalar() is None:
            raise AlreadyExists(f"a domain {name} exists already")
        return Domain(name)

    def get_domain(self, name: str) -> Domain | None:
        row = self._connection.execute(select(domains).where(domains.c.name == name.lower())).first()
        return None if row is None else Domain(row.name, row.enabled)

    def list_domains(self) -> list[Domain]:
        rows = self._connection.execute(select(domains).order_by(domains.c.name))
        return [Domain(row.name, row.enabled) for row in rows]

    def set_domain_enabled(self, name: str, enabled: bool) -> None:
        statement = update(domains).where(domains.c.name == name.lower()).values(enabled=enabled)
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"no domain {name.lower()}")

    def access_allow(self, entry: str) -> None:
        statement = self._insert(access_list).values(entry=entry.lower())
        self._connection.execute(statement.on_conflict_do_nothing(index_elements=["entry"]))

    def access_deny(self, entry: str) -> None:
        statement = delete(access_list).where(access_list.c.entry == entry.lower())
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"{entry.lower()} is not on the access list")

    def list_access(self) -> list[str]:
        return list(self._connection.execute(select(access_list.c.entry).order_by(access_list.c.entry)).scalars())

    # --- devices and nonces -----------------------------------------------------------------
    def _find_device(self, account_id: int, device_ref: str) -> Device | None:
        statement = select(devices).where(devices.c.account_id == account_id, devices.c.device_ref == device_ref)
        row = self._connection.execute(statement).first()
        return None if row is None else _device(row)

    def ensure_device(self, account_id: int, device_ref: str) -> Device:
        device = self._find_device(account_id, device_ref)
        if device is None:
            self._require_account(account_id)
            statement = self._insert(devices).values(account_id=account_id, device_ref=device_ref)
            self._connection.execute(statement.on_conflict_do_nothing(index_elements=["account_id", "device_ref"]))
            device = self._find_device(account_id, device_ref)
            assert device is not None
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

    def record_device_sync(self, record: DeviceSync) -> None:
        row = {
            "device_id": record.device_id,
            "folder_name": record.folder_name,
            "mode": record.mode,
            "result": record.result,
            "finished_at": record.finished_at,
            "received": record.received,
            "sent": record.sent,
        }
        self._upsert(device_syncs, row, ["device_id", "folder_name"])

    def list_device_syncs(self, device_id: int) -> list[DeviceSync]:
        statement = (
            select(device_syncs).where(device_syncs.c.device_id == device_id).order_by(device_syncs.c.folder_name)
        )
        return [_device_sync(row) for row in self._connection.execute(statement)]

    def get_nonce(self, device_ref: str, issued_after: float) -> str | None:
        statement = select(nonces.c.nonce).where(nonces.c.device_ref == device_ref, nonces.c.issued_at > issued_after)
        nonce: str | None = self._connection.execute(statement).scalar()
        return nonce

    def set_nonce(self, device_ref: str, nonce: str, issued_at: float) -> None:
        self._upsert(nonces, {"device_ref": device_ref, "nonce": nonce, "issued_at": issued_at}, ["device_ref"])

    def purge_nonces(self, issued_before: float) -> int:
        return self._connection.execute(delete(nonces).where(nonces.c.issued_at < issued_before)).rowcount

    # --- folders ----------------------------------------------------------------------------
    def get_folder(self, account_id: int, name: str) -> Folder | None:
        statement = select(folders).where(folders.c.account_id == account_id, folders.c.name_key == name.casefold())
        row = self._connection.execute(statement).first()
        return None if row is None else _folder(row)

    def ensure_folder(self, account_id: int, name: str) -> Folder:
        folder = self.get_folder(account_id, name)
        if folder is None:
            self._require_account(account_id)
            statement = self._insert(folders).values(account_id=account_id, name=name, name_key=name.casefold())
            self._connection.execute(statement.on_conflict_do_nothing(index_elements=["account_id", "name_key"]))
            folder = self.get_folder(account_id, name)
            assert folder is not None
        return folder

    def list_folders(self, account_id: int) -> list[Folder]:
        statement = select(folders).where(folders.c.account_id == account_id).order_by(folders.c.name_key, folders.c.id)
        return [_folder(row) for row in self._connection.execute(statement)]

    # --- items and the change log -----------------------------------------------------------
    def _allocate_seqs(self, count: int) -> int:
        """Reserve ``count`` new sequence numbers; returns the first."""
        statement = (
            update(sequence_counter)
            .where(sequence_counter.c.id == SEQUENCE_ROW_ID)
            .values(value=sequence_counter.c.value + count)
            .returning(sequence_counter.c.value)
        )
        last: int = self._connection.execute(statement).scalar_one()
        return last - count + 1

    def _versions(self, folder_id: int, guids: Sequence[str], live_only: bool) -> dict[str, int]:
        """The current version of those of ``guids`` that exist (tombstones too unless ``live_only``)."""
        versions: dict[str, int] = {}
        for chunk in _chunks(guids):
            statement = select(item_table.c.guid, item_table.c.version).where(
                item_table.c.folder_id == folder_id, item_table.c.guid.in_(chunk)
            )
            if live_only:
                statement = statement.where(item_table.c.deleted.is_(False))
            versions.update((guid, version) for guid, version in self._connection.execute(statement))
        return versions

    def get_items(self, folder_id: int, guids: Iterable[str]) -> dict[str, StoredItem]:
        found: dict[str, StoredItem] = {}
        for chunk in _chunks(list(guids)):
            statement = select(*_ITEM_COLUMNS).where(
                item_table.c.folder_id == folder_id,
                item_table.c.guid.in_(chunk),
                item_table.c.deleted.is_(False),
            )
            found.update((row[1], _item(row)) for row in self._connection.execute(statement))
        return found

    def iter_items(self, folder_id: int, *, skip_changed_by: int | None = None, since: int = 0) -> Iterator[StoredItem]:
        statement = select(*_ITEM_COLUMNS).where(item_table.c.folder_id == folder_id, item_table.c.deleted.is_(False))
        if skip_changed_by is not None:
            statement = statement.where(
                or_(
                    item_table.c.seq <= since,
                    item_table.c.origin_device_id.is_(None),
                    item_table.c.origin_device_id != skip_changed_by,
                )
            )
        statement = statement.order_by(item_table.c.guid).execution_options(yield_per=CHUNK_SIZE)
        for row in self._connection.execute(statement):
            yield _item(row)

    def count_items(self, folder_id: int) -> int:
        statement = select(func.count()).where(item_table.c.folder_id == folder_id, item_table.c.deleted.is_(False))
        count: int = self._connection.execute(statement).scalar_one()
        return count

    def children_of(self, folder_id: int, parents: Iterable[str]) -> list[StoredItem]:
        found: list[StoredItem] = []
        for chunk in _chunks(list(parents)):
            statement = select(*_ITEM_COLUMNS).where(
                item_table.c.folder_id == folder_id,
                item_table.c.parent.in_(chunk),
                item_table.c.deleted.is_(False),
            )
            found.extend(_item(row) for row in self._connection.execute(statement))
        return sorted(found, key=lambda item: item.guid)

    def put_items(self, folder_id: int, items: Iterable[NewItem], origin_device_id: int | None) -> list[StoredItem]:
        batch = list(items)
        if not batch:
            return []
        # Sequence numbers first: the counter's row lock orders concurrent writers (PostgreSQL), so
        # the versions read next are the committed ones.
        first_seq = self._allocate_seqs(len(batch))
        versions = self._versions(folder_id, [i.guid for i in batch if i.guid is not None], live_only=False)
        written: list[StoredItem] = []
        latest: dict[str, StoredItem] = {}
        for offset, new in enumerate(batch):
            guid = new_guid() if new.guid is None else new.guid
            versions[guid] = versions.get(guid, 0) + 1
            item = StoredItem(
                folder_id,
                guid,
                new.content_type,
                new.data,
                versions[guid],
                first_seq + offset,
                origin_device_id,
                parent=new.parent,
            )
            written.append(item)
            latest[guid] = item
        self._upsert(item_table, [_item_row(item) for item in latest.values()], ["folder_id", "guid"])
        return written

    def delete_items(self, folder_id: int, guids: Iterable[str], origin_device_id: int | None) -> list[str]:
        wanted = list(dict.fromkeys(guids))
        live = self._versions(folder_id, wanted, live_only=True)
        deleted = [guid for guid in wanted if guid in live]
        if not deleted:
            return []
        first_seq = self._allocate_seqs(len(deleted))
        statement = (
            update(item_table)
            .where(item_table.c.folder_id == folder_id, item_table.c.guid == bindparam("b_guid"))
            .values(
                deleted=True,
                data=b"",
                version=bindparam("b_version"),
                seq=bindparam("b_seq"),
                origin_device_id=origin_device_id,
            )
        )
        rows = [
            {"b_guid": guid, "b_version": live[guid] + 1, "b_seq": first_seq + offset}
            for offset, guid in enumerate(deleted)
        ]
        self._connection.execute(statement, rows)
        return deleted

    def changes_since(self, folder_id: int, seq: int, upto: int, exclude_device_id: int | None) -> list[StoredItem]:
        statement = select(*_ITEM_COLUMNS).where(
            item_table.c.folder_id == folder_id, item_table.c.seq > seq, item_table.c.seq <= upto
        )
        if exclude_device_id is not None:
            statement = statement.where(
                item_table.c.origin_device_id.is_(None) | (item_table.c.origin_device_id != exclude_device_id)
            )
        return [_item(row) for row in self._connection.execute(statement.order_by(item_table.c.seq))]

    def folder_seq(self, folder_id: int) -> int:
        statement = select(func.max(item_table.c.seq)).where(item_table.c.folder_id == folder_id)
        latest: int | None = self._connection.execute(statement).scalar_one()
        return latest or 0

    def keep_history(self, entry: HistoryEntry) -> None:
        self._connection.execute(
            item_history.insert().values(
                folder_id=entry.folder_id,
                guid=entry.guid,
                content_type=entry.content_type,
                data=entry.data,
                reason=entry.reason,
                saved_at=entry.saved_at,
                seq=entry.seq,
            )
        )

    def list_history(self, folder_id: int, guid: str) -> list[HistoryEntry]:
        rows = self._connection.execute(
            select(
                item_history.c.content_type,
                item_history.c.data,
                item_history.c.reason,
                item_history.c.saved_at,
                item_history.c.seq,
            )
            .where(item_history.c.folder_id == folder_id, item_history.c.guid == guid)
            .order_by(item_history.c.saved_at, item_history.c.id)
        )
        return [HistoryEntry(folder_id, guid, row[0], row[1], row[2], row[3], row[4]) for row in rows]

    def purge_history(self, saved_before: float) -> int:
        result = self._connection.execute(delete(item_history).where(item_history.c.saved_at < saved_before))
        return int(result.rowcount)

    def current_seq(self) -> int:
        statement = select(sequence_counter.c.value).where(sequence_counter.c.id == SEQUENCE_ROW_ID)
        value: int = self._connection.execute(statement).scalar_one()
        return value

    # --- per device and folder: sync state and LUID <-> GUID maps --------------------------
    def get_sync_state(self, device_id: int, folder_id: int) -> SyncState | None:
        statement = select(sync_states).where(
            sync_states.c.device_id == device_id, sync_states.c.folder_id == folder_id
        )
        row = self._connection.execute(statement).first()
        if row is None:
            return None
        started = None if row.started_client_anchor is None else (row.started_client_anchor, row.started_server_anchor)
        return SyncState(row.device_id, row.folder_id, row.client_anchor, row.server_anchor, row.seq, started)

    def set_sync_state(self, state: SyncState) -> None:
        row = {
            "device_id": state.device_id,
            "folder_id": state.folder_id,
            "client_anchor": state.client_anchor,
            "server_anchor": state.server_anchor,
            "seq": state.seq,
            "started_client_anchor": state.started_from[0] if state.started_from else None,
            "started_server_anchor": state.started_from[1] if state.started_from else None,
        }
        self._upsert(sync_states, row, ["device_id", "folder_id"])

    def clear_sync_state(self, device_id: int, folder_id: int) -> None:
        for table in (sync_states, maps):
            self._connection.execute(
                delete(table).where(table.c.device_id == device_id, table.c.folder_id == folder_id)
            )

    def _map_pairs(
        self, device_id: int, folder_id: int, column: str, values: Iterable[str]
    ) -> Iterator[tuple[str, str]]:
        """The (guid, luid) maps whose ``column`` (guid or luid) is among ``values``."""
        for chunk in _chunks(list(values)):
            statement = select(maps.c.guid, maps.c.luid).where(
                maps.c.device_id == device_id, maps.c.folder_id == folder_id, maps.c[column].in_(chunk)
            )
            yield from ((guid, luid) for guid, luid in self._connection.execute(statement))

    def guids_for_luids(self, device_id: int, folder_id: int, luids: Iterable[str]) -> dict[str, str]:
        return {luid: guid for guid, luid in self._map_pairs(device_id, folder_id, "luid", luids)}

    def luids_for_guids(self, device_id: int, folder_id: int, guids: Iterable[str]) -> dict[str, str]:
        return dict(self._map_pairs(device_id, folder_id, "guid", guids))

    def all_maps(self, device_id: int, folder_id: int) -> dict[str, str]:
        statement = select(maps.c.guid, maps.c.luid).where(maps.c.device_id == device_id, maps.c.folder_id == folder_id)
        return {guid: luid for guid, luid in self._connection.execute(statement)}

    def _delete_maps_where(self, device_id: int, folder_id: int, column: str, values: Sequence[str]) -> None:
        for chunk in _chunks(values):
            self._connection.execute(
                delete(maps).where(
                    maps.c.device_id == device_id, maps.c.folder_id == folder_id, maps.c[column].in_(chunk)
                )
            )

    def set_maps(self, device_id: int, folder_id: int, guid_to_luid: Mapping[str, str]) -> None:
        if not guid_to_luid:
            return
        # Applied in order, a later pair takes the LUID from an earlier one: keep the last per LUID.
        guid_by_luid = {luid: guid for guid, luid in guid_to_luid.items()}
        self._delete_maps_where(device_id, folder_id, "guid", list(guid_to_luid))
        self._delete_maps_where(device_id, folder_id, "luid", list(guid_by_luid))
        rows = [
            {"device_id": device_id, "folder_id": folder_id, "guid": guid, "luid": luid}
            for luid, guid in guid_by_luid.items()
        ]
        self._connection.execute(maps.insert(), rows)

    def delete_maps(self, device_id: int, folder_id: int, guids: Iterable[str]) -> None:
        self._delete_maps_where(device_id, folder_id, "guid", list(guids))

    # --- sessions ---------------------------------------------------------------------------
    def load_session(self, token: str) -> SessionRecord | None:
        row = self._connection.execute(select(sessions).where(sessions.c.token == token)).first()
        if row is None:
            return None
        return SessionRecord(row.token, row.account_id, row.state, row.last_reply, row.updated_at)

    def has_session(self, token: str) -> bool:
        return self._connection.execute(select(sessions.c.token).where(sessions.c.token == token)).first() is not None

    def save_session(self, record: SessionRecord) -> None:
        row = {
            "token": record.token,
            "account_id": record.account_id,
            "state": record.state,
            "last_reply": record.last_reply,
            "updated_at": record.updated_at,
        }
        self._upsert(sessions, row, ["token"])

    def delete_sessions_before(self, updated_before: float) -> int:
        ended = sessions.c.updated_at < updated_before
        self._forget_sessions(select(sessions.c.token).where(ended))
        count: int = self._connection.execute(delete(sessions).where(ended)).rowcount
        return count
