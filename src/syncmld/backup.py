"""Backup archives: what a sync brought in (``backup`` URL parameter, or a folder before mode 7
erases it), kept as files an administrator can list, inspect and restore.

Naming: an archive is called PREFIX + ``YYYYMMDD`` (UTC) + a four-digit counter + ``.wot``, e.g.
``nokia200812310001.wot``; the prefix is optional and limited to letters, digits, ``_`` and ``-``
(at most ``BACKUP_PREFIX_MAX`` of them).
The counter counts per prefix and day, from 0001, continuing after the highest one present. A name
is taken by creating the file exclusively, so two processes never get the same one.

Format (version 1): a plain ZIP file, readable with any unzip tool.

- ``manifest.json``, written when the archive is created::

      {"format": "syncmld-backup", "version": 1, "account": "anna@example.org",
       "created": "2008-12-31T10:00:00+00:00"}

- per item, numbered from 000001 per folder in the order they arrived, two members in a directory
  named after the folder (every character but ``A-Z a-z 0-9 _ -`` written as ``%XX`` of its UTF-8
  bytes, so ``Calendar/Work`` becomes ``Calendar%2FWork``):

  - ``FOLDER/NNNNNN.data``: the item exactly as it arrived (vCard, iCalendar, any bytes);
  - ``FOLDER/NNNNNN.json``: ``{"folder": "Contacts", "luid": "17", "content_type":
    "text/x-vcard", "size": 123}`` (``luid`` is null for items that did not come from a device); an
    item of a folder a CardDAV or CalDAV client made says what the folder holds for them
    (``"collection": "calendar:VEVENT"``), and a restore that creates the folder makes it hold that again.

Items are appended one at a time, under an exclusive ``flock`` of the archive, so the engine may add
to one archive from several processes. Reading accepts exactly this layout: anything else is
reported as a damaged archive. An archive may come from anywhere, so reading trusts none of its
sizes: a manifest or description over ``MAX_DESCRIPTION_SIZE``, or an item over the limit given
(``DEFAULT_MAX_ITEM_SIZE``), is refused before more of it is decompressed, and items are read one at
a time; a restore creates only folders an account can have.
"""

import fcntl
import json
import os
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from syncmld.engine.api import BACKUP_PREFIX, BACKUP_PREFIX_MAX, BackupItem, EngineSettings
from syncmld.engine.folders import is_folder_name
from syncmld.errors import LocalError
from syncmld.store.base import Items, NewItem

ARCHIVE_SUFFIX = ".wot"
FORMAT_NAME = "syncmld-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_COUNTER = 9999
"""Archives per prefix and day."""
MAX_COLLECTION_LENGTH = 200
"""Characters of what a folder holds for DAV clients (``calendar:VEVENT,VTODO,VJOURNAL`` at most)."""
MAX_DESCRIPTION_SIZE = 64 * 1024
"""The manifest and each item's description hold a few hundred bytes; larger ones are refused unread."""
DEFAULT_MAX_ITEM_SIZE = EngineSettings.max_obj_size
"""The largest item read from an archive (``backup restore --max-item-size``): the largest object the
server takes from a device."""
RESTORE_BATCH_SIZE = 8 * 1024 * 1024
"""Bytes of items a restore hands to the store at once."""

_ARCHIVE_NAME = re.compile(r"(?P<prefix>[A-Za-z0-9_-]*)(?P<day>\d{8})(?P<counter>\d{4})\.wot")
_ITEM_MEMBER = re.compile(r"(?P<directory>[A-Za-z0-9_%-]+)/(?P<number>\d{6,})\.(?P<kind>data|json)")
_SAFE_FOLDER_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ARCHIVE_MODE = 0o600
"""Backups hold the users' data: readable by the server's user only."""


class BackupError(LocalError):
    """A backup archive cannot be created, found or read; the message says which and why."""


@dataclass(frozen=True)
class BackupEntry:
    """One item of an archive as its description tells: its folder, LUID, type, size and member."""

    folder: str
    luid: str | None
    content_type: str
    size: int
    member: str
    """The ZIP member holding its data."""
    collection: str | None = None
    """What its folder holds for DAV clients, when one of them made it."""


@dataclass(frozen=True)
class Backup:
    """An archive that was read and checked; its items' data stay in the file (``backup_items``)."""

    path: Path
    account: str
    created: datetime
    entries: tuple[BackupEntry, ...]
    max_item_size: int

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class BackupInfo:
    """One archive as ``list_backups`` sees it; ``problem`` says why a damaged one cannot be read."""

    name: str
    account: str
    created: datetime | None
    item_count: int
    problem: str | None = None


def archive_name(prefix: str, day: str, counter: int) -> str:
    return f"{prefix}{day}{counter:04d}{ARCHIVE_SUFFIX}"


def folder_directory(folder: str) -> str:
    """The archive directory of a folder: its name with unsafe characters percent-encoded."""
    return "".join(chr(byte) if byte in _SAFE_FOLDER_BYTES else f"%{byte:02X}" for byte in folder.encode())


@contextmanager
def _locked(path: Path, mode: str, lock: int) -> Iterator[IO[bytes]]:
    """``path`` opened in binary ``mode`` under a ``flock`` (shared or exclusive)."""
    with path.open(mode + "b") as file:
        fcntl.flock(file, lock)
        yield file


class BackupStore:
    """The archives in one directory (``DATA_DIR/backups`` for ``syncmld serve``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def start(self, account: str, prefix: str, now: float) -> str:
        """Create a new archive for ``account``; returns its name. BackupError for a bad prefix."""
        if not BACKUP_PREFIX.fullmatch(prefix):
            raise BackupError(
                f"backup name {prefix!r} may hold only letters, digits, '_' and '-', at most "
                f"{BACKUP_PREFIX_MAX} of them"
            )
        created = datetime.fromtimestamp(now, UTC)
        day = created.strftime("%Y%m%d")
        manifest = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "account": account.lower(),
            "created": created.isoformat(timespec="seconds"),
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            name, descriptor = self._create_exclusively(prefix, day)
            try:
                with os.fdopen(descriptor, "wb") as file:
                    fcntl.flock(file, fcntl.LOCK_EX)
                    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
                        archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
            except BaseException:
                (self.directory / name).unlink()
                raise
        except OSError as error:
            raise BackupError(f"cannot create a backup in {self.directory}: {error.strerror or error}") from error
        return name

    def _create_exclusively(self, prefix: str, day: str) -> tuple[str, int]:
        """The next free name for ``prefix`` and ``day``, with the new file open for writing."""
        taken = [
            int(found["counter"])
            for found in map(_ARCHIVE_NAME.fullmatch, os.listdir(self.directory))
            if found and found["prefix"] == prefix and found["day"] == day
        ]
        for counter in range(max(taken, default=0) + 1, MAX_COUNTER + 1):
            name = archive_name(prefix, day, counter)
            try:
                return name, os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _ARCHIVE_MODE)
            except FileExistsError:
                continue
        raise BackupError(f"no backup name left for {prefix!r} on {day}: {MAX_COUNTER} archives exist")

    def add(self, archive: str, folder: str, luid: str | None, content_type: str, data: bytes) -> None:
        """Append one item to an archive made by ``start``."""
        self.add_items(archive, [BackupItem(folder, luid, content_type, data)])

    def add_items(self, archive: str, items: Iterable[BackupItem]) -> None:
        """Append items to an archive made by ``start``, in one opening of the file.

        Every opening reads and rewrites the archive's central directory, which grows with the
        archive: add many items with one call, not one call each."""
        batch = list(items)
        if any(not item.folder for item in batch):
            raise BackupError("a backed-up item needs a folder name")
        path = self.path_of(archive)
        try:
            with _locked(path, "r+", fcntl.LOCK_EX) as file:
                if not zipfile.is_zipfile(file):
                    raise BackupError(f"backup {archive} is damaged: not a ZIP file")
                with zipfile.ZipFile(file, "a", zipfile.ZIP_DEFLATED) as zf:
                    _append(zf, batch)
        except FileNotFoundError as error:
            raise BackupError(f"no backup {archive} in {self.directory}") from error
        except zipfile.BadZipFile as error:
            raise BackupError(f"backup {archive} is damaged: {error}") from error
        except OSError as error:
            raise BackupError(f"cannot add to backup {archive}: {error.strerror or error}") from error

    def path_of(self, name: str) -> Path:
        """The file of the archive called ``name``; BackupError if that is not an archive name."""
        if not _ARCHIVE_NAME.fullmatch(name):
            raise BackupError(f"{name!r} is not a backup name (expected [PREFIX]YYYYMMDDNNNN{ARCHIVE_SUFFIX})")
        return self.directory / name

    def read_backup(self, name: str, max_item_size: int = DEFAULT_MAX_ITEM_SIZE) -> Backup:
        """The archive called ``name``, checked in full (``read_archive``)."""
        return read_archive(self.path_of(name), max_item_size)

    def list_backups(self, account: str | None = None) -> list[BackupInfo]:
        """The archives, by name: all of them (damaged ones included), or those of one account."""
        if not self.directory.is_dir():
            return []
        names = sorted(name for name in os.listdir(self.directory) if _ARCHIVE_NAME.fullmatch(name))
        infos = [_archive_info(self.directory / name) for name in names]
        if account is None:
            return infos
        return [info for info in infos if info.problem is None and info.account.lower() == account.lower()]


def _append(archive: zipfile.ZipFile, items: list[BackupItem]) -> None:
    """Write each item as its data and description members, numbered per folder."""
    numbers = Counter(name.split("/")[0] for name in archive.namelist() if name.endswith(".json") and name != MANIFEST)
    for item in items:
        directory = folder_directory(item.folder)
        numbers[directory] += 1
        stem = f"{directory}/{numbers[directory]:06d}"
        description = {
            "folder": item.folder,
            "luid": item.luid,
            "content_type": item.content_type,
            "size": len(item.data),
        }
        if item.collection is not None:
            description["collection"] = item.collection
        archive.writestr(stem + ".data", item.data)
        archive.writestr(stem + ".json", json.dumps(description))


def _archive_info(path: Path) -> BackupInfo:
    try:
        with _read_zip(path) as archive:
            account, created = _manifest(archive)
            count = sum(1 for name in archive.namelist() if name.endswith(".json") and name != MANIFEST)
    except BackupError as error:
        return BackupInfo(path.name, "", None, 0, str(error))
    return BackupInfo(path.name, account, created, count)


def read_archive(path: Path, max_item_size: int = DEFAULT_MAX_ITEM_SIZE) -> Backup:
    """A backup archive checked in full (every item read once, none kept); BackupError if it is missing,
    damaged, or holds an item larger than ``max_item_size`` bytes (refused before more is read)."""
    with _read_zip(path) as archive:
        account, created = _manifest(archive)
        entries = tuple(_entries(archive, max_item_size))
        for entry in entries:
            _item_data(archive, entry)
    return Backup(path, account, created, entries, max_item_size)


def backup_items(backup: Backup) -> Iterator[BackupItem]:
    """The archive's items with their data, read one at a time (checked as ``read_archive`` does)."""
    with _read_zip(backup.path) as archive:
        for entry in backup.entries:
            data = _item_data(archive, entry)
            yield BackupItem(entry.folder, entry.luid, entry.content_type, data, entry.collection)


@contextmanager
def _read_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """The archive open for reading; every way it can be broken becomes one BackupError."""
    try:
        with _locked(path, "r", fcntl.LOCK_SH) as file, zipfile.ZipFile(file) as archive:
            yield archive
    except FileNotFoundError as error:
        raise BackupError(f"no backup {path}") from error
    except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"backup {path.name} is damaged: {error}") from error
    except (NotImplementedError, RuntimeError) as error:  # a compression method or encryption we do not read
        raise BackupError(f"backup {path.name} cannot be read: {error}") from error
    except OSError as error:
        raise BackupError(f"cannot read backup {path}: {error.strerror or error}") from error


def _damaged(archive: zipfile.ZipFile, reason: str) -> BackupError:
    return BackupError(f"backup {Path(str(archive.filename)).name} is damaged: {reason}")


def _member(archive: zipfile.ZipFile, member: str, limit: int) -> bytes:
    """A member's bytes, refused as soon as it is known to hold more than ``limit`` (by its declared size,
    or while it is decompressed, whichever says so first)."""
    try:
        info = archive.getinfo(member)
    except KeyError as error:
        raise _damaged(archive, f"{member} is missing") from error
    if info.file_size > limit:
        raise _too_large(archive, member, info.file_size, limit)
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(archive, member, len(data), limit)
    return data


def _too_large(archive: zipfile.ZipFile, member: str, size: int, limit: int) -> BackupError:
    name = Path(str(archive.filename)).name
    return BackupError(f"backup {name}: {member} holds {size} bytes or more, over the limit of {limit}")


def _json_object(archive: zipfile.ZipFile, member: str) -> dict[str, Any]:
    value = json.loads(_member(archive, member, MAX_DESCRIPTION_SIZE))
    if not isinstance(value, dict):
        raise _damaged(archive, f"{member} is not a JSON object")
    return value


def _manifest(archive: zipfile.ZipFile) -> tuple[str, datetime]:
    manifest = _json_object(archive, MANIFEST)
    if manifest.get("format") != FORMAT_NAME or manifest.get("version") != FORMAT_VERSION:
        raise _damaged(archive, f"not a {FORMAT_NAME} archive of version {FORMAT_VERSION}")
    account, created = manifest.get("account"), manifest.get("created")
    if not isinstance(account, str) or not isinstance(created, str):
        raise _damaged(archive, f"{MANIFEST} lacks the account or creation time")
    try:
        when = datetime.fromisoformat(created)
    except ValueError as error:
        raise _damaged(archive, f"creation time {created!r} is not an ISO 8601 time") from error
    if when.tzinfo is None:
        raise _damaged(archive, f"creation time {created!r} has no time zone")
    return account, when


def _entries(archive: zipfile.ZipFile, max_item_size: int) -> Iterator[BackupEntry]:
    """The items' descriptions in the order the items were added, each checked."""
    names = archive.namelist()
    unexpected = [name for name in names if name != MANIFEST and not _ITEM_MEMBER.fullmatch(name)]
    if unexpected:
        raise _damaged(archive, f"unexpected member {unexpected[0]}")
    members = set(names)
    for name in names:
        if not name.endswith(".json") or name == MANIFEST:
            continue
        stem = name.removesuffix(".json")
        if stem + ".data" not in members:
            raise _damaged(archive, f"{stem}.data is missing")
        yield _entry(archive, stem, max_item_size)
    orphans = [name for name in names if name.endswith(".data") and name.removesuffix(".data") + ".json" not in members]
    if orphans:
        raise _damaged(archive, f"{orphans[0]} has no description")


def _entry(archive: zipfile.ZipFile, stem: str, max_item_size: int) -> BackupEntry:
    description = _json_object(archive, stem + ".json")
    folder, luid = description.get("folder"), description.get("luid")
    content_type, size = description.get("content_type"), description.get("size")
    if not (isinstance(folder, str) and isinstance(content_type, str) and isinstance(size, int) and size >= 0):
        raise _damaged(archive, f"{stem}.json lacks the folder, content type or size")
    if luid is not None and not isinstance(luid, str):
        raise _damaged(archive, f"{stem}.json has a LUID that is not text")
    collection = description.get("collection")
    if collection is not None and not (isinstance(collection, str) and 0 < len(collection) <= MAX_COLLECTION_LENGTH):
        raise _damaged(
            archive, f"{stem}.json has a collection that is not text of 1 to {MAX_COLLECTION_LENGTH} characters"
        )
    if stem.split("/")[0] != folder_directory(folder):
        raise _damaged(archive, f"{stem} is not in the directory of folder {folder!r}")
    if size > max_item_size:
        raise _too_large(archive, stem + ".data", size, max_item_size)
    return BackupEntry(folder, luid, content_type, size, stem + ".data", collection)


def _item_data(archive: zipfile.ZipFile, entry: BackupEntry) -> bytes:
    """An item's bytes, read no further than its description's size allows."""
    try:
        info = archive.getinfo(entry.member)
    except KeyError as error:
        raise _damaged(archive, f"{entry.member} is missing") from error
    with archive.open(info) as stream:
        data = stream.read(entry.size + 1) if info.file_size == entry.size else b""
    if info.file_size != entry.size or len(data) != entry.size:
        held = info.file_size if info.file_size != entry.size else len(data)
        raise _damaged(archive, f"{entry.member} holds {held} bytes, its description says {entry.size}")
    return data


def restore_backup(backup: Backup, tx: Items, account_id: int, folder: str | None = None) -> dict[str, int]:
    """Put the archive's items into the account's folders as new items: each into its own folder, or
    all into ``folder``; an item at a time, so that memory holds one item and a batch, whatever the
    archive holds. A folder of the archive's own that a DAV client made holds for them what it held.
    Returns how many went into each folder. BackupError, before anything is written, when a folder's
    name is not one an account's folder can have (``../../x``)."""
    for name in dict.fromkeys([folder] if folder is not None else [entry.folder for entry in backup.entries]):
        if not is_folder_name(name):
            raise BackupError(
                f"{name!r} is not a folder name (a standard folder's, or one without '/', '?', '#' "
                "and blanks at its ends): nothing restored"
            )
    counts: Counter[str] = Counter()
    batches: dict[str, list[NewItem]] = {}
    batched = 0
    if folder is None:
        _carry_collections(tx, account_id, backup)
    for item in backup_items(backup):
        name = folder or item.folder
        batches.setdefault(name, []).append(NewItem(None, item.content_type, item.data))
        counts[name] += 1
        batched += len(item.data)
        if batched >= RESTORE_BATCH_SIZE:
            _write_batches(tx, account_id, batches)
            batched = 0
    _write_batches(tx, account_id, batches)
    return dict(counts)


def _carry_collections(tx: Items, account_id: int, backup: Backup) -> None:
    """Create the archive's folders that DAV clients made and the account lacks, holding what they held."""
    collections = {entry.folder: entry.collection for entry in backup.entries if entry.collection is not None}
    for name, collection in collections.items():
        if tx.get_folder(account_id, name) is None:
            tx.set_dav_collection(tx.ensure_folder(account_id, name).id, collection)


def _write_batches(tx: Items, account_id: int, batches: dict[str, list[NewItem]]) -> None:
    for name, new_items in batches.items():
        tx.put_items(tx.ensure_folder(account_id, name).id, new_items, None)
    batches.clear()
