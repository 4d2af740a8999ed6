"""The in-memory store's tables, and what every role of its transaction shares."""

from dataclasses import dataclass, field

from syncmld.store.base import (
    Account,
    ChangeSession,
    Device,
    DeviceSync,
    Domain,
    Folder,
    HistoryEntry,
    HourCounts,
    ItemChange,
    LoginFailures,
    MailJournalEntry,
    MailMark,
    MailSend,
    MailServer,
    MailWrite,
    NotFound,
    SessionRecord,
    StoredItem,
    SyncState,
    TimelineMessage,
)
from syncmld.store.memory.push_tables import PushTables
from syncmld.store.upstreams import UpstreamCollection, UpstreamLink, UpstreamResource

DeviceFolder = tuple[int, int]
DeviceFolderName = tuple[int, str]
Piece = tuple[int, bytes]
"""Where a piece of a large object starts in its object, in bytes, and its bytes."""


@dataclass
class Tables:
    """Every row, as immutable values; the per-folder and per-map dicts are copied when first written."""

    accounts: dict[int, Account] = field(default_factory=dict)
    devices: dict[int, Device] = field(default_factory=dict)
    nonces: dict[str, tuple[str, float]] = field(default_factory=dict)
    """Device reference -> nonce and when it was issued."""
    folders: dict[int, Folder] = field(default_factory=dict)
    items: dict[int, dict[str, StoredItem]] = field(default_factory=dict)
    item_uids: dict[int, dict[str, str]] = field(default_factory=dict)
    """Folder id -> GUID -> the UID of the live item (as ``store.uids`` indexes it), for those that have one."""
    item_identities: dict[int, dict[str, str | None]] = field(default_factory=dict)
    """Folder id -> GUID -> the identity key of the live item, None when not worked out yet."""
    sync_states: dict[DeviceFolder, SyncState] = field(default_factory=dict)
    maps: dict[DeviceFolder, dict[str, str]] = field(default_factory=dict)
    """GUID -> LUID per device and folder."""
    sessions: dict[str, tuple[SessionRecord, bytes | None]] = field(default_factory=dict)
    """Each session with the reply it keeps for a resend."""
    settings: dict[str, str] = field(default_factory=dict)
    login_failures: dict[str, LoginFailures] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    domains: dict[str, Domain] = field(default_factory=dict)
    access: set[str] = field(default_factory=set)
    device_syncs: dict[DeviceFolderName, DeviceSync] = field(default_factory=dict)
    chunks: dict[tuple[str, str], tuple[Piece, ...]] = field(default_factory=dict)
    """(session token, object key) -> the object's pieces, in order."""
    device_sessions: dict[int, str] = field(default_factory=dict)
    mail_servers: dict[str, MailServer] = field(default_factory=dict)
    mail_passwords: dict[int, str] = field(default_factory=dict)
    mail_sends: dict[str, MailSend] = field(default_factory=dict)
    mail_journal: dict[int, MailJournalEntry] = field(default_factory=dict)
    mail_marks: dict[int, MailMark] = field(default_factory=dict)
    seq: int = 0
    last_id: int = 0
    upstreams: dict[int, UpstreamLink] = field(default_factory=dict)
    upstream_collections: dict[int, UpstreamCollection] = field(default_factory=dict)
    """Folder id -> the collection linked to it."""
    upstream_resources: dict[int, dict[str, UpstreamResource]] = field(default_factory=dict)
    """Folder id -> href -> resource."""
    admin_users: dict[str, str] = field(default_factory=dict)
    timeline: list[TimelineMessage] = field(default_factory=list)
    sync_hours: dict[int, HourCounts] = field(default_factory=dict)
    pushes: PushTables = field(default_factory=PushTables)
    change_sessions: dict[int, tuple[ChangeSession, str | None]] = field(default_factory=dict)
    """Change session id -> the session and its key."""
    item_changes: list[ItemChange] = field(default_factory=list)
    upstream_claims: dict[int, tuple[str, float]] = field(default_factory=dict)
    """Account id -> who holds its upstream, and until when."""
    mail_writes: dict[int, MailWrite] = field(default_factory=dict)

    def copy(self) -> "Tables":
        return Tables(
            dict(self.accounts),
            dict(self.devices),
            dict(self.nonces),
            dict(self.folders),
            dict(self.items),
            dict(self.item_uids),
            dict(self.item_identities),
            dict(self.sync_states),
            dict(self.maps),
            dict(self.sessions),
            dict(self.settings),
            dict(self.login_failures),
            list(self.history),
            dict(self.domains),
            set(self.access),
            dict(self.device_syncs),
            dict(self.chunks),
            dict(self.device_sessions),
            dict(self.mail_servers),
            dict(self.mail_passwords),
            dict(self.mail_sends),
            dict(self.mail_journal),
            dict(self.mail_marks),
            self.seq,
            self.last_id,
            dict(self.upstreams),
            dict(self.upstream_collections),
            {folder_id: dict(resources) for folder_id, resources in self.upstream_resources.items()},
            dict(self.admin_users),
            list(self.timeline),
            dict(self.sync_hours),
            self.pushes.copy(),
            dict(self.change_sessions),
            list(self.item_changes),
            dict(self.upstream_claims),
            dict(self.mail_writes),
        )


class MemoryRole:
    """The base of each role; ``MemoryTransaction`` composes the roles over one copy of the tables."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables
        self._copied_items: set[int] = set()
        """Folders whose items this transaction has copied before writing them."""
        self._copied_maps: set[DeviceFolder] = set()

    def _new_id(self) -> int:
        self._t.last_id += 1
        return self._t.last_id

    def _require_account(self, account_id: int) -> None:
        if account_id not in self._t.accounts:
            raise NotFound(f"no account with id {account_id}")
