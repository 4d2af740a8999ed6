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
)

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
    Index(None, "folder_id", "seq"),
    Index(None, "folder_id", "parent"),
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
)

mail_journal = Table(
    "mail_journal",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    # What devices changed in one IMAP folder, committed and not yet applied there (JSON).
    Column("changes", Text, nullable=False),
)

mail_marks = Table(
    "mail_marks",
    metadata,
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    # The IMAP folder's UIDVALIDITY and HIGHESTMODSEQ when its snapshot was last made equal to it.
    Column("uidvalidity", BigInteger, nullable=False),
    Column("modseq", BigInteger, nullable=False),
)
