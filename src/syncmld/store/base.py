"""The store interface: everything the engine and the admin tools keep, in small protocols by role.

A store hands out transactions. Everything done inside ``with store.transaction() as tx:`` is
applied together or not at all; the engine applies one SyncML message and the session state in
one transaction. A transaction plays every role (``Transaction``); code that needs some of them
asks for those: ``Accounts``, ``Admin``, ``Logins``, ``Devices``, ``Items``, ``SyncMaps``, ``Sessions``,
``AdminUsers``, ``Timelines``, ``Pushes``, ``SyncHistory``, ``Mail``.

Items and their change log live together: every item row carries the sequence number of its
latest change (``seq``, monotonic per store) and the device that made it; a deleted item stays as a
tombstone. "What changed since sequence S" is therefore one indexed range read, whatever the
folder size.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, Protocol

from syncmld.errors import LocalError
from syncmld.records import record
from syncmld.store.pushes import PushBell, Pushes, PushForm
from syncmld.store.upstreams import Upstreams


class StoreError(LocalError):
    """A store operation failed."""


class AlreadyExists(StoreError):
    """The thing being created exists already."""


class NotFound(StoreError):
    """The thing being changed does not exist."""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    md5_credential: str
    """B64(MD5(email ":" password)), what syncml:auth-md5 and auth-MAC need; "" when the account has none
    (made under ``auth basic``). SQL stores keep it sealed under the server key."""
    password_hash: str
    """A slow hash of the password, for syncml:auth-basic."""
    enabled: bool = True
    item_key: str = ""
    """B64(MD5(password)), what DES item encryption keys come from; "" when the account has none yet (made
    before item keys were kept: it gets one at its next basic login). No login secret, so kept under
    ``auth basic`` too; SQL stores keep it sealed under the server key."""


@dataclass(frozen=True)
class Device:
    id: int
    account_id: int
    device_ref: str
    """The device's own identifier: SyncHdr Source LocURI, e.g. ``IMEI:3500...``."""
    devinf: bytes | None = None
    """The device's last DevInf, serialised by the engine (opaque to the store)."""


@dataclass(frozen=True)
class DeviceAtLogin:
    """What a login needs of its device, read in one look."""

    device: Device
    previous_token: str | None
    """The token of the device's latest session, while that session is kept (``Sessions.note_device_session``)."""
    push_form: PushForm | None
    """How its push notifications go; None when it is no push device."""


@dataclass(frozen=True)
class Folder:
    id: int
    account_id: int
    name: str
    dav_collection: str | None = None
    """What a folder made by a CardDAV or CalDAV client holds, as that client described it; None for
    every other folder."""


@record
class StoredItem:
    """An item as the store holds it (a slotted record: a slow sync makes one or more for every item it writes)."""

    folder_id: int
    guid: str
    content_type: str
    data: bytes
    version: int
    """1 on creation, +1 on every change (tombstones included)."""
    seq: int
    """Sequence number of the latest change."""
    origin_device_id: int | None
    """The device whose message made the latest change; None for admin/back-end changes."""
    deleted: bool = False
    parent: str | None = None
    """GUID of the item's parent (a folder item of the same folder, SyncML 1.2 hierarchical sync);
    None at the top level."""


class Candidate(NamedTuple):
    """A server item a slow sync's item may duplicate."""

    item: StoredItem
    identity: str | None
    """Its identity key; None when no writer worked it out (the reader does, and keeps it: ``set_identities``)."""


class ItemToSend(NamedTuple):
    """What sending a stored item to a device needs of it."""

    guid: str
    content_type: str
    data: bytes
    parent: str | None


@record
class NewItem:
    """An item to write: ``guid`` None creates a new item with a fresh GUID."""

    guid: str | None
    content_type: str
    data: bytes
    parent: str | None = None
    """GUID of the parent item in the same folder; None at the top level."""
    fresh: bool = False
    """``guid`` was just made for this item (``new_guid``): no item has it, nothing is read for it."""
    identity: str | None = None
    """Its identity key (``store.uids.identity_key``) when the writer has worked it out; None leaves it to be
    worked out when a slow sync looks for duplicates (``duplicate_candidates``, ``set_identities``)."""


@dataclass(frozen=True)
class SyncState:
    """What one device and one folder agreed at the end of their last successful sync."""

    device_id: int
    folder_id: int
    client_anchor: str
    """The client's Next anchor of that sync (its Last anchor in the next one)."""
    server_anchor: str
    """The anchor the server gave the client."""
    seq: int
    """Server changes up to this sequence number are on the device."""
    started_from: tuple[str, str | None] | None = None
    """The client's Last and the server's Last anchors that sync began with. A client that comes back
    with that Last again did all of that sync but missed its end (the server's final reply was lost)."""


@dataclass(frozen=True)
class Domain:
    name: str
    """Lower-case domain name, e.g. ``example.org``."""
    enabled: bool = True


@dataclass(frozen=True)
class AccessRules:
    """What the domains and the access list say of one account, read together at its login."""

    domain_enabled: bool | None
    """Its domain's switch (None: the domain is not registered, so it is not disabled)."""
    listed: bool
    """The access list is empty or holds the account or its domain."""


@dataclass(frozen=True)
class DeviceSync:
    """How the last sync of one device and folder ended (for the admin's device list)."""

    device_id: int
    folder_name: str
    mode: str
    result: str
    """``ok``, or a short reason the sync failed."""
    finished_at: float
    received: str = ""
    """Counts as logged, e.g. ``added:3,replaced:0,deleted:1``."""
    sent: str = ""
    format: str = ""
    """What the sync used, e.g. ``text/x-vcard 2.1, WBXML, SyncML 1.2``; "" when it did not get that far."""


@dataclass(frozen=True)
class HistoryEntry:
    """An earlier version of an item (replaced, deleted, or lost a conflict), kept for a while: nothing
    is lost for good, and a conflict can be merged against what both sides started from."""

    folder_id: int
    guid: str
    content_type: str
    data: bytes
    reason: str
    saved_at: float
    seq: int = 0
    """The sequence number the kept version had (0: not known)."""


@dataclass(frozen=True)
class LoginFailures:
    count: int
    last_at: float


@dataclass(frozen=True)
class SessionRecord:
    token: str
    account_id: int | None
    state: bytes
    """The engine's serialised session state."""
    updated_at: float


class ChangeSource(StrEnum):
    """Who made the changes of a change session."""

    SYNC = "sync"
    UNDO = "undo"
    DEDUPE = "dedupe"
    RESTORE = "restore"
    DAV = "dav"
    UPSTREAM = "upstream"
    """What an account's upstream (its CalDAV/CardDAV server) changed, brought in by a pull."""


class Change(StrEnum):
    """What one write did to an item."""

    ADDED = "added"
    REPLACED = "replaced"
    DELETED = "deleted"


@dataclass(frozen=True)
class ChangeSessionSpec:
    """Whom the item writes of a transaction are recorded for (see ``SyncHistory.record_changes_as``)."""

    account_id: int
    source: ChangeSource
    label: str
    """What made them, for people: a device reference, ``undo of session 12``, an archive name."""
    at: float
    device_id: int | None = None
    key: str | None = None
    """Writes of several transactions with the same key belong to one session (a SyncML session's many
    messages); None: a session of its own."""


@dataclass(frozen=True)
class ChangeSession:
    id: int
    account_id: int
    source: ChangeSource
    label: str
    started_at: float
    device_id: int | None = None


@dataclass(frozen=True)
class ItemChange:
    """One write of a change session: the item's version before and after it, and its content before."""

    session_id: int
    folder_id: int
    guid: str
    change: Change
    version_before: int
    """0: the item did not exist."""
    version_after: int
    seq_before: int
    seq_after: int
    before: StoredItem | None
    """The item as it was (type, data, parent), None when it was not live (new, or a tombstone)."""


@dataclass(frozen=True)
class SessionCounts:
    """How many items a change session added, replaced and deleted in one folder."""

    session: ChangeSession
    folder_id: int
    added: int
    replaced: int
    deleted: int


@dataclass(frozen=True)
class TimelineMessage:
    """One message of a sync session as the web admin's timeline shows it."""

    session: str
    """The session's log id (``syncmld.log.log_session_id``), never its token."""
    account_id: int
    device_ref: str
    msg_id: str
    at: float
    """When the message arrived."""
    duration_ms: float
    """From its arrival to its reply."""
    size_in: int
    size_out: int
    encoding: str
    commands_in: str
    """The message's commands by name with their counts, e.g. ``Alert:2 Sync:1 Add:3``."""
    statuses_in: str
    """The status codes the message gave our commands, with their counts, e.g. ``200:4 201:1``."""
    commands_out: str
    statuses_out: str
    dump_in: str | None = None
    """The message as ``--log-messages`` writes it; None when that is off."""
    dump_out: str | None = None
    error: str | None = None
    """Why the message failed (its changes rolled back, the client answered with an HTTP error); None when
    it was answered."""


@dataclass(frozen=True)
class TimelineSession:
    """A session in the timeline: who, when, how many messages are kept of it."""

    session: str
    account_id: int
    device_ref: str
    started_at: float
    ended_at: float
    messages: int


@dataclass(frozen=True)
class HourCounts:
    """What happened in one hour: folder syncs that ended well or failed, and logins refused."""

    hour: int
    """Hours since 1970-01-01 00:00 UTC."""
    syncs: int = 0
    failed: int = 0
    refused_logins: int = 0


def hour_of(moment: float) -> int:
    """The hour (``HourCounts.hour``) a moment in seconds since 1970 falls in."""
    return int(moment // 3600)


class Accounts(Protocol):
    """Accounts and their secrets: credentials, password hash, item key."""

    def add_account(self, email: str, md5_credential: str, password_hash: str, item_key: str = "") -> Account:
        """Create an account; raises AlreadyExists. ``email`` is stored lower-cased."""
        ...

    def get_account(self, email: str) -> Account | None:
        """Look an account up by e-mail, case-insensitively."""
        ...

    def get_account_by_id(self, account_id: int) -> Account | None: ...

    def list_accounts(self) -> list[Account]:
        """All accounts, ordered by e-mail."""
        ...

    def set_credentials(self, email: str, md5_credential: str, password_hash: str, item_key: str) -> None:
        """Replace an account's credentials; raises NotFound."""
        ...

    def set_item_key(self, email: str, item_key: str) -> None:
        """Replace an account's item key alone; raises NotFound."""
        ...

    def remove_account(self, email: str) -> None:
        """Remove an account and everything it owns; raises NotFound."""
        ...

    def set_account_enabled(self, email: str, enabled: bool) -> None:
        """Enable or disable SyncML for one account; raises NotFound."""
        ...

    def drop_md5_credentials(self) -> int:
        """Forget every account's MD5 credential (they log in with basic only; item keys stay); returns how
        many had one."""
        ...


class Admin(Protocol):
    """What the administrator sets for the whole server: settings, domains, the access list."""

    def get_setting(self, name: str) -> str | None:
        """A server-wide setting (``syncml`` on/off, ``auth`` policy, ...); None when never set."""
        ...

    def get_settings(self, names: Iterable[str]) -> dict[str, str]:
        """Those of the settings ``names`` that are set, by name, in one look-up."""
        ...

    def set_setting(self, name: str, value: str) -> None: ...

    def list_settings(self) -> dict[str, str]: ...

    def add_domain(self, name: str) -> Domain:
        """Register a domain (lower-cased); raises AlreadyExists."""
        ...

    def get_domain(self, name: str) -> Domain | None: ...

    def list_domains(self) -> list[Domain]: ...

    def set_domain_enabled(self, name: str, enabled: bool) -> None:
        """Raises NotFound for an unknown domain."""
        ...

    def access_allow(self, entry: str) -> None:
        """Put an account (``user@domain``) or a whole domain (``domain``) on the access list."""
        ...

    def access_deny(self, entry: str) -> None:
        """Take an entry off the access list; raises NotFound if it is not there."""
        ...

    def list_access(self) -> list[str]:
        """The access list, sorted; empty means every account may sync."""
        ...

    def access_rules(self, email: str) -> AccessRules:
        """What the domains and the access list say of the account ``email``, in one look-up."""
        ...


class Logins(Protocol):
    """What logins leave behind: failed logins per key, and the nonce of each device that logged in."""

    def note_login_failure(self, key: str, now: float) -> LoginFailures:
        """Count one failed login for ``key`` (a device, a client address, ...); returns the count
        since the last success, this one included."""
        ...

    def login_failures(self, key: str) -> LoginFailures | None: ...

    def login_failures_of(self, keys: Iterable[str]) -> dict[str, LoginFailures]:
        """The failures remembered for those of ``keys`` that have any, by key, in one look-up."""
        ...

    def clear_login_failures(self, key: str) -> None: ...

    def count_login_failure_keys(self) -> int:
        """How many keys have failed logins remembered."""
        ...

    def purge_login_failures(self, last_before: float) -> int:
        """Forget the keys whose latest failed login came before ``last_before``; returns how many."""
        ...

    def get_nonce(self, device_ref: str, issued_after: float) -> str | None:
        """The nonce last stored for this device reference (any account), base64 text, if it was issued
        after ``issued_after``."""
        ...

    def set_nonce(self, device_ref: str, nonce: str, issued_at: float) -> None:
        """Store the device's nonce, replacing the one it had."""
        ...

    def purge_nonces(self, issued_before: float) -> int:
        """Drop the nonces issued before ``issued_before``; returns how many."""
        ...


class Devices(Protocol):
    """An account's devices: their DevInf, and how the last sync of each of their folders ended."""

    def ensure_device(self, account_id: int, device_ref: str) -> Device:
        """The account's device with this reference, created on first use."""
        ...

    def device_at_login(self, account_id: int, device_ref: str) -> DeviceAtLogin:
        """``ensure_device``, with the device's latest session and its push form read in the same look."""
        ...

    def list_devices(self, account_id: int) -> list[Device]: ...

    def set_devinf(self, device_id: int, devinf: bytes) -> None: ...

    def forget_device(self, account_id: int, device_ref: str) -> None:
        """Drop a device with its anchors, maps and sync history: its next sync is slow.
        Raises NotFound."""
        ...

    def record_device_sync(self, record: DeviceSync) -> None:
        """Remember how the last sync of a device and folder ended (replacing the previous one)."""
        ...

    def list_device_syncs(self, device_id: int) -> list[DeviceSync]:
        """The last sync of each folder of the device, by folder name."""
        ...


class Items(Protocol):
    """Folders, their items with the change log (``seq``), and the earlier versions of items."""

    def get_folder(self, account_id: int, name: str) -> Folder | None:
        """Folder by name, case-insensitively."""
        ...

    def ensure_folder(self, account_id: int, name: str) -> Folder:
        """The folder with this name, created on first use (name kept as given)."""
        ...

    def list_folders(self, account_id: int) -> list[Folder]: ...

    def set_dav_collection(self, folder_id: int, collection: str | None) -> None:
        """Record what a folder made by a CardDAV or CalDAV client holds (None: nothing, it is no
        collection of theirs)."""
        ...

    def get_items(self, folder_id: int, guids: Iterable[str]) -> dict[str, StoredItem]:
        """The live (not deleted) items among ``guids``, by GUID; unknown GUIDs are left out."""
        ...

    def get_items_and_parents(self, folder_id: int, guids: Iterable[str]) -> tuple[dict[str, StoredItem], set[str]]:
        """``get_items``, and the GUIDs of those of the items found that have live items below them: one read."""
        ...

    def items_to_send(self, folder_id: int, guids: Iterable[str]) -> dict[str, ItemToSend]:
        """``get_items`` with only what sending the items needs: the live items among ``guids``, by GUID."""
        ...

    def iter_items(self, folder_id: int) -> Iterator[StoredItem]:
        """Every live item of the folder, ordered by GUID."""
        ...

    def has_items_besides(self, folder_id: int, skip_changed_by: int | None, since: int, after: int = 0) -> bool:
        """Whether the folder holds a live item changed after sequence number ``after`` besides those whose latest
        change ``skip_changed_by`` made after sequence number ``since``; the index entries read are those of the
        changes after ``after`` (with ``after`` at least ``since``: none made before ``since``)."""
        ...

    def duplicate_candidates(
        self, folder_id: int, identities: Iterable[str], skip_changed_by: int | None, since: int
    ) -> list[Candidate]:
        """The live items of the folder whose identity key (``store.uids.identity_key``) is among ``identities`` or
        not worked out yet, ordered by GUID, without those whose latest change ``skip_changed_by`` made after
        sequence number ``since``; one index read per batch of keys, whatever the folder size."""
        ...

    def set_identities(self, folder_id: int, identities: Mapping[str, tuple[int, str]]) -> None:
        """Keep the identity keys worked out for live items of the folder: GUID -> (the sequence number of the
        version the key was worked out from, the key); an item written since keeps none."""
        ...

    def item_parents(self, folder_id: int) -> list[tuple[str, str | None]]:
        """The GUID and the parent's GUID of every live item of the folder, ordered by GUID: what
        queueing the whole folder for a device needs, without reading the items."""
        ...

    def count_items(self, folder_id: int) -> int:
        """Number of live items."""
        ...

    def children_of(self, folder_id: int, parents: Iterable[str]) -> list[StoredItem]:
        """The live items whose parent is one of ``parents`` (GUIDs), ordered by GUID."""
        ...

    def guids_with_uid(self, folder_id: int, uid: str) -> list[str]:
        """The GUIDs of the live items whose own UID is ``uid`` (a vCard's, a calendar object's, read when the
        item was written), ordered; one index read, whatever the folder size."""
        ...

    def put_items(self, folder_id: int, items: Iterable[NewItem], origin_device_id: int | None) -> list[StoredItem]:
        """Create or replace items (a tombstone is brought back to life); each gets a new seq, and its UID is
        read for ``guids_with_uid``."""
        ...

    def delete_items(self, folder_id: int, guids: Iterable[str], origin_device_id: int | None) -> list[str]:
        """Turn live items into tombstones with a new seq; returns the GUIDs that were live."""
        ...

    def changes_since(self, folder_id: int, seq: int, upto: int, exclude_device_id: int | None) -> list[StoredItem]:
        """Items (live or tombstone) whose latest change has ``seq < item.seq <= upto``, ordered by
        seq, leaving out those whose latest change came from ``exclude_device_id``."""
        ...

    def current_seq(self) -> int:
        """The highest sequence number handed out so far (0 for a new store)."""
        ...

    def folder_seq(self, folder_id: int) -> int:
        """The sequence number of the folder's latest change, deletions included (0: none yet); one index
        read, whatever the folder size."""
        ...

    def keep_history(self, entries: Iterable[HistoryEntry]) -> None:
        """Keep earlier versions of items."""
        ...

    def list_history(self, folder_id: int, guid: str) -> list[HistoryEntry]:
        """The kept versions of an item, oldest first."""
        ...

    def list_histories(self, folder_id: int, guids: Iterable[str]) -> dict[str, list[HistoryEntry]]:
        """``list_history`` of several items in one read, by GUID (items with no kept version left out)."""
        ...

    def purge_history(self, saved_before: float) -> int:
        """Forget kept versions older than ``saved_before``; returns how many."""
        ...


class SyncMaps(Protocol):
    """Per device and folder: the state of the last completed sync, and the LUID <-> GUID maps."""

    def get_sync_state(self, device_id: int, folder_id: int) -> SyncState | None: ...

    def set_sync_state(self, state: SyncState) -> None: ...

    def clear_sync_state(self, device_id: int, folder_id: int) -> None:
        """Forget anchors and maps: the next sync of that device and folder is slow."""
        ...

    def guids_for_luids(self, device_id: int, folder_id: int, luids: Iterable[str]) -> dict[str, str]:
        """Known mappings, LUID -> GUID."""
        ...

    def luids_for_guids(self, device_id: int, folder_id: int, guids: Iterable[str]) -> dict[str, str]:
        """Known mappings, GUID -> LUID."""
        ...

    def all_maps(self, device_id: int, folder_id: int) -> dict[str, str]:
        """Every mapping of the device and folder, GUID -> LUID."""
        ...

    def set_maps(self, device_id: int, folder_id: int, guid_to_luid: Mapping[str, str], new: bool = False) -> None:
        """Add or replace mappings; a LUID or GUID maps to one partner only (old pairs replaced). ``new``: none
        of these GUIDs and LUIDs has a mapping yet, so none is looked for."""
        ...

    def delete_maps(self, device_id: int, folder_id: int, guids: Iterable[str]) -> None: ...


class Sessions(Protocol):
    """Sessions, with what they carry beyond their state: large objects on their way, piece by piece, and
    each device's latest session (where a suspended sync is resumed from)."""

    def load_session(self, token: str) -> SessionRecord | None:
        """The session with this token, without the reply it keeps (only a resend reads that: ``kept_reply``)."""
        ...

    def kept_reply(self, token: str) -> bytes | None:
        """The reply to the session's last message, as it went out, to answer a resend of that message."""
        ...

    def has_session(self, token: str) -> bool:
        """Whether a session with this token exists (without reading its state)."""
        ...

    def add_session(self, record: SessionRecord, reply: bytes | None) -> None:
        """Insert a session with a new token, keeping ``reply`` (the answer to its first message)."""
        ...

    def save_session(self, record: SessionRecord, reply: bytes | None) -> bool:
        """Replace the state, kept reply and time of the session with this token (its account stays); False when
        there is none."""
        ...

    def count_sessions(self, updated_after: float) -> int:
        """How many sessions were used after ``updated_after``."""
        ...

    def delete_sessions_before(self, updated_before: float) -> int:
        """Drop idle sessions, with their large objects and the devices' notes of them; returns how many."""
        ...

    def note_device_session(self, device_id: int, token: str) -> None:
        """Remember ``token`` as the device's latest session (``Devices.device_at_login`` reads it while that
        session is kept)."""
        ...

    def append_chunk(self, token: str, key: str, data: bytes) -> int:
        """Add ``data`` at the end of the object ``key`` of session ``token``; returns the object's
        size in bytes, this piece included."""
        ...

    def read_chunks(self, token: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        """``length`` bytes of the object from byte ``start`` (to its end when None); reads only the
        pieces that hold them."""
        ...

    def drop_chunks(self, token: str, key: str) -> None: ...

    def move_chunks(self, token: str, key: str, new_token: str) -> None:
        """Give the object ``key`` of session ``token`` to session ``new_token`` (a resumed sync)."""
        ...


@dataclass(frozen=True)
class MailServer:
    """Where the mail of a domain or an account lives (``syncmld mail set``)."""

    scope: str
    """A lower-case domain, or an account's e-mail address (which wins over its domain's)."""
    imap: str
    """``imap://HOST[:PORT]`` or ``imaps://HOST[:PORT]``."""
    smtp: str
    """``smtp://HOST[:PORT]`` or ``smtps://HOST[:PORT]``."""
    starttls: bool = False
    login: str = ""
    """"" logs in with the account's own address and password; else this master user logs in for it."""
    secret: str = ""
    """The master user's password (SQL stores keep it sealed under the server key)."""


@dataclass(frozen=True)
class MailSend:
    """One mail a device gave to send, recorded before it goes, so that it goes once."""

    key: str
    """What names the mail whichever message brings it again (its account, device, item and bytes)."""
    status: int | None
    """The item status its sending earned; None while it is on its way (or was cut off on it)."""
    detail: str = ""
    account_id: int | None = None
    """Whose mail it is (None: recorded before records were kept per account)."""
    at: float = 0.0
    """When it was first given to send (seconds since the epoch)."""


@dataclass(frozen=True)
class MailJournalLoad:
    """What an account's journal of mail changes holds: changes (one per mail) and the bytes of their messages."""

    changes: int = 0
    message_bytes: int = 0

    def __add__(self, other: "MailJournalLoad") -> "MailJournalLoad":
        return MailJournalLoad(self.changes + other.changes, self.message_bytes + other.message_bytes)


@dataclass(frozen=True)
class MailJournalEntry:
    """Devices' changes to one IMAP folder, committed in the store and not yet applied there."""

    id: int
    account_id: int
    changes: str
    """As ``syncmld.mail.model.FolderChanges`` writes them (JSON)."""
    load: MailJournalLoad


@dataclass(frozen=True)
class MailMark:
    """How far a mail folder's snapshot has followed its IMAP folder."""

    uidvalidity: int
    modseq: int
    """The folder's HIGHESTMODSEQ then (0: the server has none)."""


@dataclass(frozen=True)
class MailWrite:
    """What syncmld wrote to one IMAP folder for a device's changes: the folder's HIGHESTMODSEQ before its
    first write and after its last (None while it writes). A change seen within that span is the device's."""

    account_id: int
    device_id: int
    mailbox: str
    """The folder's name on the IMAP server."""
    uidvalidity: int
    since: int
    until: int | None
    at: float
    """When the writing began (seconds since the epoch)."""
    id: int = 0


class Mail(Protocol):
    """The mail servers of domains and accounts, the passwords they are logged in with, the mails sent."""

    def set_mail_server(self, server: MailServer) -> None:
        """Set (or replace) the mail server of a domain or an account."""
        ...

    def remove_mail_server(self, scope: str) -> None:
        """NotFound when ``scope`` has none of its own."""
        ...

    def list_mail_servers(self) -> list[MailServer]: ...

    def mail_server_for(self, email: str) -> MailServer | None:
        """The account's own mail server, else its domain's, else None."""
        ...

    def set_mail_password(self, account_id: int, password: str) -> None:
        """Keep the password the account logs in to its mail server with (sealed in SQL stores)."""
        ...

    def mail_password(self, account_id: int) -> str | None: ...

    def claim_send(self, send: MailSend, keep: int) -> MailSend | None:
        """Record a mail as on its way; None when it was not known (its account's records beyond the latest
        ``keep - 1`` are forgotten first), else what is recorded of it."""
        ...

    def finish_send(self, key: str, status: int, detail: str) -> None:
        """Record the status the mail's sending earned."""
        ...

    def purge_mail_sends(self, before: float) -> int:
        """Forget the mails given to send before ``before`` whose sending earned a status (those still on their
        way stay); how many."""
        ...

    def journal_mail_changes(self, account_id: int, changes: str, load: MailJournalLoad) -> int:
        """Keep devices' changes to an IMAP folder (``load``: how many, their messages' bytes) until they are
        applied there; their entry's id."""
        ...

    def mail_journal_load(self, account_id: int) -> MailJournalLoad:
        """What the account's changes not yet applied add up to."""
        ...

    def pending_mail_changes(self, account_id: int) -> list[MailJournalEntry]:
        """The account's changes not yet applied, oldest first."""
        ...

    def forget_mail_changes(self, entry_id: int) -> None:
        """The changes were applied (an entry already forgotten is no error)."""
        ...

    def mail_mark(self, folder_id: int) -> MailMark | None: ...

    def set_mail_mark(self, folder_id: int, mark: MailMark | None) -> None:
        """Keep (None: forget) how far the folder's snapshot has followed its IMAP folder."""
        ...

    def begin_mail_write(self, write: MailWrite, keep: int, expired: float) -> int:
        """Record a device's writing to an IMAP folder as begun; its id. The account's records begun before
        ``expired``, and its oldest beyond the newest ``keep``, are forgotten."""
        ...

    def end_mail_write(self, write_id: int, until: int | None) -> None:
        """The writing ended at HIGHESTMODSEQ ``until``; None: it failed, and the record is forgotten."""
        ...

    def mail_writes(self, account_id: int, mailbox: str, uidvalidity: int, since: float) -> list[MailWrite]:
        """The records of writings to the folder begun at ``since`` or later, by devices that still exist."""
        ...


class AdminUsers(Protocol):
    """The people who may use the web admin (``syncmld admin add``): a name and a password hash each.
    No SyncML account is one, and no admin user is a SyncML account."""

    def add_admin_user(self, name: str, password_hash: str) -> None:
        """Raises AlreadyExists."""
        ...

    def admin_password_hash(self, name: str) -> str | None:
        """The password hash of the admin user ``name``; None when there is none."""
        ...

    def set_admin_password(self, name: str, password_hash: str) -> None:
        """Raises NotFound."""
        ...

    def remove_admin_user(self, name: str) -> None:
        """Raises NotFound."""
        ...

    def list_admin_users(self) -> list[str]:
        """The admin users' names, sorted."""
        ...


class Timelines(Protocol):
    """The history of sync sessions, message by message, and the syncs and failures of each hour (kept for
    the web admin, bounded: the sweep forgets what is older than ``history_days``)."""

    def add_timeline_message(self, message: TimelineMessage, keep: int) -> None:
        """Add ``message`` to its session's timeline; the session keeps its latest ``keep`` messages."""
        ...

    def session_timeline(self, session: str) -> list[TimelineMessage]:
        """The kept messages of a session, in the order they came."""
        ...

    def list_timeline_sessions(self, account_id: int | None, limit: int) -> list[TimelineSession]:
        """The latest ``limit`` sessions (of one account, or of all), the latest first."""
        ...

    def purge_timeline(self, before: float) -> int:
        """Forget the messages that came before ``before``; returns how many."""
        ...

    def count_hour(self, counts: HourCounts) -> None:
        """Add ``counts`` to those of its hour."""
        ...

    def hour_counts(self, since_hour: int) -> list[HourCounts]:
        """The counts of every hour from ``since_hour`` that has any, in order."""
        ...

    def purge_hour_counts(self, before_hour: int) -> int:
        """Forget the counts of the hours before ``before_hour``; returns how many hours."""
        ...


class SyncHistory(Protocol):
    """Every write of an item, recorded by change session (a sync, an undo, a dedupe, a restore) with the
    item's version before and after, for ``history_days``: what a session did can be shown and undone."""

    def record_changes_as(self, spec: ChangeSessionSpec | None) -> None:
        """Record the item writes of this transaction from now on (``put_items``, ``delete_items``) under
        the session ``spec`` names, made on the first write; None: stop recording."""
        ...

    def recording_session(self) -> int | None:
        """The id of the session this transaction's writes are recorded under, once one was written."""
        ...

    def get_change_session(self, session_id: int) -> ChangeSession | None: ...

    def list_change_sessions(
        self, account_id: int, folder_id: int | None = None, since: float = 0.0
    ) -> list[SessionCounts]:
        """The account's change sessions started at ``since`` or later with their counts per folder, oldest
        first; with ``folder_id``, those that changed that folder."""
        ...

    def session_changes(self, session_id: int) -> list[ItemChange]:
        """The writes of a session, in the order they were made."""
        ...

    def item_states(self, folder_id: int, guids: Iterable[str]) -> dict[str, StoredItem]:
        """The items among ``guids`` as they are now, tombstones included, by GUID."""
        ...

    def purge_change_sessions(self, started_before: float) -> int:
        """Forget the sessions started before ``started_before`` with their changes; returns how many."""
        ...


class Transaction(
    Accounts,
    Admin,
    Logins,
    Devices,
    Items,
    SyncMaps,
    Sessions,
    AdminUsers,
    Timelines,
    Pushes,
    SyncHistory,
    Upstreams,
    Mail,
    Protocol,
):
    """Every role at once, in one unit of work: what ``Store.transaction`` hands out. Code that needs
    only some roles takes those (or a small protocol composing them), not the whole transaction."""


class Store(Protocol):
    push_bell: PushBell
    """Rung after each committed transaction that left a pending notification."""

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A unit of work: committed when the block ends normally, rolled back on an exception."""
        ...

    def reading(self) -> AbstractContextManager[Transaction]:
        """A unit of work that only reads: it does not wait for, nor hold up, the store's writers where
        the database allows that (SQLite: no write lock). Writing in it is an error."""
        ...

    def close(self) -> None: ...
