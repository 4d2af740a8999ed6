"""The SQL schema, defined once: the queries use these tables and the migrations create them."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)


def _index_of_values(*columns: str) -> Index:
    """An index of the rows whose last column holds a value: most rows leave it NULL, and no query looks for NULL."""
    where = text(f"{columns[-1]} IS NOT NULL")
    return Index(None, *columns, sqlite_where=where, postgresql_where=where)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", Text, nullable=False, unique=True),
    Column("md5_credential", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("item_key", Text, nullable=False, server_default=""),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("device_ref", Text, nullable=False),
    Column("devinf", LargeBinary, nullable=True),
    UniqueConstraint("account_id", "device_ref"),
)

nonces = Table(
    "nonces",
    metadata,
    Column("device_ref", Text, primary_key=True),
    Column("nonce", Text, nullable=False),
    Column("issued_at", Double, nullable=False),
    Index(None, "issued_at"),
)

folders = Table(
    "folders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    # The casefolded name: folder names are unique and looked up case-insensitively.
    Column("name_key", Text, nullable=False),
    # What a folder made by a CardDAV or CalDAV client holds (``addressbook``, ``calendar:VEVENT,VTODO``);
    # NULL for every other folder.
    Column("dav_collection", Text, nullable=True),
    UniqueConstraint("account_id", "name_key"),
)

items = Table(
    "items",
    metadata,
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    Column("guid", Text, primary_key=True),
    Column("content_type", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("version", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    # The device of the latest change. Not a foreign key: removing a device needs no scan of items.
    Column("origin_device_id", Integer, nullable=True),
    Column("deleted", Boolean, nullable=False),
    # GUID of the parent item in the same folder (SyncML 1.2 folder trees); NULL at the top level.
    Column("parent", Text, nullable=True),
    # The item's own UID (a vCard's, a calendar object's) as ``store.uids`` indexes it; NULL without one.
    Column("uid", Text, nullable=True),
    # The key of the item's slow-sync identity (``store.uids.identity_key``); NULL until its writer or a slow sync
    # works it out.
    Column("identity", Text, nullable=True),
    # With the device of the latest change: what changed since a sequence number, by another device, is
    # found without reading the rows that device wrote.
    Index(None, "folder_id", "seq", "origin_device_id"),
    _index_of_values("folder_id", "parent"),
    _index_of_values("folder_id", "uid"),
    Index(None, "folder_id", "identity"),
)

sequence_counter = Table(
    "sequence_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)
SEQUENCE_ROW_ID = 1
"""The counter table holds exactly one row, with this id."""

sync_states = Table(
    "sync_states",
    metadata,
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    Column("client_anchor", Text, nullable=False),
    Column("server_anchor", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("started_client_anchor", Text, nullable=True),
    Column("started_server_anchor", Text, nullable=True),
)

maps = Table(
    "maps",
    metadata,
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    Column("guid", Text, primary_key=True),
    Column("luid", Text, nullable=False),
    UniqueConstraint("device_id", "folder_id", "luid"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token", Text, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True),
    Column("state", LargeBinary, nullable=False),
    Column("last_reply", LargeBinary, nullable=True),
    Column("updated_at", Double, nullable=False),
    Index(None, "updated_at"),
)

settings = Table(
    "settings",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

admin_users = Table(
    "admin_users",
    metadata,
    Column("name", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
)
"""Who may use the web admin."""

server_key_checks = Table(
    "server_key_checks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("check_value", Text, nullable=False),
)
"""One row: a value derived from the server key the account secrets are sealed with."""

item_history = Table(
    "item_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="CASCADE"), nullable=False),
    Column("guid", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("reason", Text, nullable=False),
    Column("saved_at", Double, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Index(None, "folder_id", "guid"),
    Index(None, "saved_at"),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("key", Text, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("last_at", Double, nullable=False),
    Index(None, "last_at"),
)

domains = Table(
    "domains",
    metadata,
    Column("name", Text, primary_key=True),
    Column("enabled", Boolean, nullable=False),
)

access_list = Table(
    "access_list",
    metadata,
    Column("entry", Text, primary_key=True),
)

device_syncs = Table(
    "device_syncs",
    metadata,
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    Column("folder_name", Text, primary_key=True),
    Column("mode", Text, nullable=False),
    Column("result", Text, nullable=False),
    Column("finished_at", Double, nullable=False),
    Column("received", Text, nullable=False),
    Column("sent", Text, nullable=False),
    Column("format", Text, nullable=False, server_default=""),
)

large_object_chunks = Table(
    "large_object_chunks",
    metadata,
    # The session the large object travels in, and the object within it (the engine's name for it).
    Column("token", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    # Where the piece starts in the object, in bytes.
    Column("start", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

device_sessions = Table(
    "device_sessions",
    metadata,
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    # The device's latest session: where a suspended or interrupted sync is resumed from.
    Column("token", Text, nullable=False),
)

upstreams = Table(
    "upstreams",
    metadata,
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("url", Text, nullable=False),
    Column("username", Text, nullable=False),
    # Sealed under the server key, as the accounts' MD5 secrets.
    Column("password", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("retry_at", Double, nullable=False),
    # Which server process syncs the account with its upstream, until when (a lease it renews while it does).
    Column("claimed_by", Text, nullable=True),
    Column("claimed_until", Double, nullable=True),
)

upstream_collections = Table(
    "upstream_collections",
    metadata,
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", Integer, ForeignKey("upstreams.account_id", ondelete="CASCADE"), nullable=False),
    Column("href", Text, nullable=False),
    Column("component", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("sync_token", Text, nullable=False),
    Column("ctag", Text, nullable=False),
    Column("pushed_seq", BigInteger, nullable=False),
    Index(None, "account_id"),
)

upstream_resources = Table(
    "upstream_resources",
    metadata,
    Column("folder_id", Integer, ForeignKey("upstream_collections.folder_id", ondelete="CASCADE"), primary_key=True),
    Column("href", Text, primary_key=True),
    Column("guid", Text, nullable=False),
    Column("etag", Text, nullable=False),
    Column("uid", Text, nullable=False),
    UniqueConstraint("folder_id", "guid"),
)

timeline_messages = Table(
    "timeline_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session", Text, nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("device_ref", Text, nullable=False),
    Column("msg_id", Text, nullable=False),
    Column("at", Double, nullable=False),
    Column("duration_ms", Double, nullable=False),
    Column("size_in", Integer, nullable=False),
    Column("size_out", Integer, nullable=False),
    Column("encoding", Text, nullable=False),
    Column("commands_in", Text, nullable=False),
    Column("statuses_in", Text, nullable=False),
    Column("commands_out", Text, nullable=False),
    Column("statuses_out", Text, nullable=False),
    Column("dump_in", Text),
    Column("dump_out", Text),
    Column("error", Text),
    Index(None, "session", "id"),
    Index(None, "account_id", "at"),
    Index(None, "at"),
)
"""Each message of the recent sync sessions, for the web admin's timeline."""

sync_hours = Table(
    "sync_hours",
    metadata,
    Column("hour", BigInteger, primary_key=True, autoincrement=False),
    Column("syncs", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("refused_logins", Integer, nullable=False),
)
"""Folder syncs, failed ones and refused logins per hour (hours since 1970), for the web admin's dashboard."""
push_devices = Table(
    "push_devices",
    metadata,
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    Column("channel", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("wbxml", Boolean, nullable=False),
    Column("awaiting_since", Double, nullable=True),
    Column("sent", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
)
"""Devices told when their data changes (the push role, ``store/pushes.py``)."""

push_folders = Table(
    "push_folders",
    metadata,
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    Column("remote_uri", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Index(None, "folder_id"),
)
"""The folders each device syncs, as it names them (kept for every device: one registered later is told at once)."""

push_pending = Table(
    "push_pending",
    metadata,
    Column("device_id", Integer, ForeignKey("push_devices.device_id", ondelete="CASCADE"), primary_key=True),
    Column("first_at", Double, nullable=False),
    Column("last_at", Double, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", Double, nullable=False),
    Column("claimed_by", Text, nullable=True),
    Column("claimed_until", Double, nullable=True),
)
"""One pending notification per device: a burst of changes, coalesced."""

push_pending_folders = Table(
    "push_pending_folders",
    metadata,
    Column("device_id", Integer, ForeignKey("push_pending.device_id", ondelete="CASCADE"), primary_key=True),
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    # The store's sequence number after the latest change of the folder this notification is for.
    Column("seq", BigInteger, nullable=False),
    # How many changes of the folder it holds: a delivery forgets only those its claim saw.
    Column("changes", BigInteger, nullable=False),
)

push_watches = Table(
    "push_watches",
    metadata,
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    # The server process (host:pid) that watches the account's mailbox, and until when its lease holds.
    Column("worker", Text, nullable=False),
    Column("until", Double, nullable=False),
)
"""Which server process watches an account's mailbox for push (one IMAP IDLE connection), leased."""

change_sessions = Table(
    "change_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("source", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("started_at", Double, nullable=False),
    # The device whose sync it was; not a foreign key: a forgotten device's changes stay undoable.
    Column("device_id", Integer, nullable=True),
    # What ties the messages of one SyncML session together (a digest of its token); NULL for others.
    Column("session_key", Text, nullable=True, unique=True),
    Index(None, "account_id", "started_at"),
    Index(None, "started_at"),
)

item_changes = Table(
    "item_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("change_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="CASCADE"), nullable=False),
    Column("guid", Text, nullable=False),
    Column("change", Text, nullable=False),
    Column("version_before", Integer, nullable=False),
    Column("version_after", Integer, nullable=False),
    Column("seq_before", BigInteger, nullable=False),
    Column("seq_after", BigInteger, nullable=False),
    # The item before the change, when it was live: its content is the kept version it refers to (kept once,
    # in item_history), its parent is here.
    Column("history_id", Integer, ForeignKey("item_history.id", ondelete="SET NULL"), nullable=True),
    Column("before_parent", Text, nullable=True),
    Index(None, "session_id", "seq_after"),
    _index_of_values("history_id"),
)

mail_servers = Table(
    "mail_servers",
    metadata,
    # A lower-case domain or e-mail address.
    Column("scope", Text, primary_key=True),
    Column("imap", Text, nullable=False),
    Column("smtp", Text, nullable=False),
    Column("starttls", Boolean, nullable=False),
    Column("login", Text, nullable=False),
    # The master user's password, sealed under the server key.
    Column("secret", Text, nullable=False),
)

mail_passwords = Table(
    "mail_passwords",
    metadata,
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    # Sealed under the server key.
    Column("secret", Text, nullable=False),
)

mail_sends = Table(
    "mail_sends",
    metadata,
    Column("key", Text, primary_key=True),
    Column("status", Integer, nullable=True),
    Column("detail", Text, nullable=False),
    # NULL for mails recorded before records were kept per account.
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True),
    # When the mail was first given to send (seconds since the epoch).
    Column("at", Double, nullable=False),
    Index(None, "account_id", "at"),
    Index(None, "at"),
)
"""One row a mail a device gave to send, so that it goes once; forgotten ``mail_sends_keep`` seconds after it was
sent or refused, and beyond an account's ``mail_sends_max`` latest."""

mail_journal = Table(
    "mail_journal",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    # What devices changed in one IMAP folder, committed and not yet applied there (JSON).
    Column("changes", Text, nullable=False),
    # How many changes (one per mail) those are, and the bytes of the messages among them (drafts, moves).
    Column("change_count", Integer, nullable=False, server_default="0"),
    Column("message_bytes", BigInteger, nullable=False, server_default="0"),
)

mail_marks = Table(
    "mail_marks",
    metadata,
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    # The IMAP folder's UIDVALIDITY and HIGHESTMODSEQ when its snapshot was last made equal to it.
    Column("uidvalidity", BigInteger, nullable=False),
    Column("modseq", BigInteger, nullable=False),
)

mail_writes = Table(
    "mail_writes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    # The IMAP folder's name, UIDVALIDITY, and HIGHESTMODSEQ before the first write and after the last (NULL
    # while writing).
    Column("mailbox", Text, nullable=False),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("since", BigInteger, nullable=False),
    Column("until", BigInteger, nullable=True),
    Column("at", Double, nullable=False),
    Index(None, "account_id", "at"),
)
"""What syncmld wrote to IMAP for each device's changes, so that a watcher does not tell a device of its own."""
