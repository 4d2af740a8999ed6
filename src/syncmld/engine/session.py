"""Session state: plain data, serialised into the store after every message.

Any worker process can load it and answer the next message of the session; nothing of a session
lives only in memory.
"""

import json
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from enum import Enum, StrEnum
from typing import Any

from syncmld.engine.folders import FolderKind
from syncmld.engine.mail_filter import DeviceFilter
from syncmld.engine.modes import SyncMode
from syncmld.engine.params import FormatParam
from syncmld.protocol.constants import AUTH_BASIC, AuthType, SyncMLVersion
from syncmld.protocol.encoder import Encoding
from syncmld.protocol.item_format import Encryption


class Phase(StrEnum):
    """Where the session is in the package flow (client pkg 1 .. pkg 6)."""

    INIT = "init"
    """Receiving the client's initialisation (pkg 1)."""
    SYNC = "sync"
    """Receiving the client's modifications (pkg 3)."""
    SENDING = "sending"
    """Sending the server's modifications (pkg 4), possibly over several messages."""
    MAP = "map"
    """Server modifications sent; receiving statuses and maps (pkg 5)."""
    DONE = "done"


class ChangeKind(StrEnum):
    """What a change does to the item on the device."""

    ADD = "add"
    REPLACE = "replace"
    DELETE = "delete"


CHANGE_KINDS = {kind.value: kind for kind in ChangeKind}
"""Each change kind by its JSON value (a dictionary look-up: a window of changes is read with every message)."""


@dataclass
class OutChange:
    """One server change still to send."""

    kind: ChangeKind
    guid: str
    luid: str | None = None

    def saved(self) -> "SavedChange":
        return [self.kind, self.guid, self.luid]


SavedChange = list[Any]
"""A change as the session state and its backlog keep it: the JSON array ``[kind, guid, luid]``."""


def saved_changes(saved: list[SavedChange]) -> list[OutChange]:
    """The changes ``saved`` holds."""
    kinds = CHANGE_KINDS
    return [OutChange(kinds[kind], guid, luid) for kind, guid, luid in saved]


@dataclass
class PartialItem:
    """A large object on its way, in either direction. Its bytes are in the store, as pieces of the
    session's object ``key``; the session keeps sizes and offsets only.

    Incoming: ``offset`` bytes have arrived. Outgoing: the item's wire text was written once, ``size``
    bytes, of which ``offset`` have been sent.
    """

    kind: ChangeKind
    luid: str | None
    guid: str | None
    content_type: str
    size: int | None
    key: str = ""
    offset: int = 0
    format: str | None = None
    parent: str | None = None
    """GUID of the item's parent, when it has one (SyncML 1.2 folder trees)."""
    last_piece: int = 0
    """Incoming: bytes of the last piece, while the client may not have seen its 213."""
    confirmed: int = 0
    """Outgoing: bytes the client is known to hold (it answered the message that carried them)."""
    resumed_at: int = 0
    """Incoming, after a resume: bytes held when the sync was resumed."""
    unconfirmed: int = 0
    """Incoming, after a resume: bytes of the piece before ``resumed_at`` the client may send again."""


@dataclass
class Counts:
    added: int = 0
    replaced: int = 0
    deleted: int = 0
    failed: int = 0


@dataclass
class DatastoreState:
    client_uri: str
    server_uri: str
    folder_id: int
    folder_name: str
    mode: SyncMode
    """The mode that runs."""
    reason: str
    client_next: str
    server_next: str
    server_last: str | None
    since_seq: int
    wire_type: str
    """The type items are sent in ("" = each in its stored type)."""
    device_properties: list[str] | None
    other_types: list[str] = field(default_factory=list)
    """Other types the device takes in this store: an item the wire type cannot carry goes in the first
    of them that can."""
    folder_kind: FolderKind = FolderKind.OTHER
    client_last: str = ""
    """The client's Last anchor in its Alert: the sync state keeps it as where the sync began."""
    format_from_device: bool = False
    """The wire type comes from the device's DevInf; otherwise the type of its own items replaces it."""
    object_in_old_type: str | None = None
    """The GUID of a large object that was on its way when the device refused its type: its 415 only
    sends it again, in the new type."""
    start_seq: int | None = None
    """The store's sequence number when the data store was alerted (None: sessions from before it was kept)."""
    unmatched_upto: int | None = None
    """A slow sync's messages found no server item the device's items may duplicate among the changes up to this
    sequence number (None: none looked)."""
    encryption: Encryption | None = None
    """The item encryption this device uses for this data store: it sent encrypted items, so the items
    it gets are encrypted the same way."""
    upto_seq: int | None = None
    matched: list[str] = field(default_factory=list)
    """Slow and refresh-from-client syncs: GUIDs the client has shown it holds, in this message (those of
    earlier messages are in the session's chunk store: ``session_lists``)."""
    client_luids: list[str] = field(default_factory=list)
    """Slow to client and client reset: the client's items, all to be deleted on the client; in this
    message, as ``matched``."""
    matched_kept: int | None = None
    """Entries of ``matched`` from earlier messages, in the store (None: none)."""
    client_luids_kept: int | None = None
    """Entries of ``client_luids`` from earlier messages, in the store (None: none)."""
    queue: list[OutChange] = field(default_factory=list)
    backlog_key: str | None = None
    """Where the rest of the queue waits in the session's chunk store (see ``backlog``), if it does."""
    backlog_offset: int = 0
    backlog_size: int = 0
    planned: bool = False
    """The queue holds what the device must receive (the client's package was complete)."""
    incoming: PartialItem | None = None
    refused_object: str | None = None
    """The client's ID of a large object refused as too large, whose further chunks are refused too."""
    outgoing: PartialItem | None = None
    received: Counts = field(default_factory=Counts)
    sent: Counts = field(default_factory=Counts)
    mail_filter: DeviceFilter | None = None
    """A mail folder's: what the device's Filter asked for."""

    def delivered(self) -> None:
        """The client sent another message, so it has the last reply: what it carried is confirmed."""
        if self.incoming is not None:
            self.incoming.last_piece = 0
        if self.outgoing is not None:
            self.outgoing.confirmed = self.outgoing.offset

    def resume(self) -> None:
        """Continue in a new session from what the client is known to hold: the queue where it stands (the
        message that suspended the sync answered the last reply, so the client holds every change that went), a
        large object being sent from its confirmed part, and a large object being received keeps its pieces (the
        client may send the last one again)."""
        if self.outgoing is not None:
            self.outgoing.offset = self.outgoing.confirmed
        if self.incoming is not None:
            self.incoming.resumed_at = self.incoming.offset
            self.incoming.unconfirmed = self.incoming.last_piece
            self.incoming.last_piece = 0


@dataclass
class SessionState:
    version: SyncMLVersion
    device_ref: str
    session_id: str
    token: str
    """The session's token: the store keeps its large objects under it."""
    account_id: int
    account_email: str
    device_id: int
    phase: Phase = Phase.INIT
    last_msg_id: str = ""
    server_msg_id: int = 0
    client_max_msg_size: int | None = None
    client_max_obj_size: int | None = None
    started_at: float = 0.0
    url_mode: SyncMode | None = None
    """The ``sync=`` URL parameter; ``reset`` is stored as ``CLIENT_RESET``."""
    backup_archive: str | None = None
    format_preference: FormatParam | None = None
    """The ``format=`` URL parameter."""
    param_errors: list[str] = field(default_factory=list)
    previous_token: str | None = None
    """The device's session before this one: a sync suspended there can be resumed here."""
    devinf_received: bool = False
    """The device sent its DevInf in this session."""
    suspended: bool = False
    """The client suspended the session (Alert 224): it ends here, resumable."""
    datastores: list[DatastoreState] = field(default_factory=list)
    auth_type: AuthType = AUTH_BASIC
    """How the session logged in: with auth-MAC every message of it carries a valid x-syncml-hmac header."""
    reply_encoding: Encoding = Encoding.XML
    """The encoding of the last reply, which the store keeps as it went out (for a resent message)."""

    def datastore_for(self, server_uri: str, client_uri: str | None) -> DatastoreState | None:
        """The alerted data store a Sync or Map addresses (by server URI, then client URI)."""
        wanted = _bare(server_uri)
        for store in self.datastores:
            if _bare(store.server_uri) == wanted:
                return store
        if client_uri is not None:
            for store in self.datastores:
                if _bare(store.client_uri) == _bare(client_uri):
                    return store
        return None

    def to_bytes(self) -> bytes:
        """Compact JSON: each dataclass an object of the fields that differ from their defaults (a message changes
        a few of them), enumerations as their values (``StrEnum`` and ``IntEnum`` are written so by themselves,
        the version is a plain ``Enum``), queued changes as arrays."""
        saved = _changed(self)
        saved["version"] = self.version.value
        if self.datastores:
            saved["datastores"] = [_saved_datastore(ds) for ds in self.datastores]
        return _encode(saved).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "SessionState":
        """The state ``to_bytes`` wrote, or that earlier versions wrote (every field, changes as objects)."""
        data = json.loads(raw)
        for name, kind in _SESSION_ENUMS:
            _typed(data, name, kind)
        if "datastores" in data:
            data["datastores"] = [_datastore_from_dict(item) for item in data["datastores"]]
        return cls(**data)


_SESSION_ENUMS: tuple[tuple[str, Callable[[Any], Enum]], ...] = (
    ("phase", Phase),
    ("version", SyncMLVersion),
    ("auth_type", AuthType),
    ("url_mode", SyncMode),
    ("format_preference", FormatParam),
    ("reply_encoding", Encoding),
)
_DATASTORE_ENUMS: tuple[tuple[str, Callable[[Any], Enum]], ...] = (
    ("mode", SyncMode),
    ("folder_kind", FolderKind),
    ("encryption", Encryption),
)

_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
"""Made once: ``json.dumps`` with any option makes a new encoder at every call."""


class _Required:
    """The default of a field that has none: unequal to every value, so the field is always written."""

    def __ne__(self, other: object) -> bool:
        return True


_REQUIRED = _Required()


def _defaults(kind: type) -> dict[str, Any]:
    """Each field of the dataclass ``kind`` by name, with the value a new one holds."""
    made = {}
    for described in fields(kind):
        if described.default is not MISSING:
            made[described.name] = described.default
        elif described.default_factory is not MISSING:
            made[described.name] = described.default_factory()
        else:
            made[described.name] = _REQUIRED
    return made


_DEFAULTS: dict[type, dict[str, Any]] = {
    kind: _defaults(kind) for kind in (SessionState, DatastoreState, PartialItem, Counts, DeviceFilter)
}


def _changed(value: object) -> dict[str, Any]:
    """The fields of the dataclass ``value`` that differ from their defaults."""
    defaults = _DEFAULTS[type(value)]
    return {name: held for name, held in vars(value).items() if defaults[name] != held}


def _saved_datastore(ds: DatastoreState) -> dict[str, Any]:
    saved = _changed(ds)
    if ds.queue:
        # up to a hundred changes a message: as arrays made here
        saved["queue"] = [change.saved() for change in ds.queue]
    for name in ("incoming", "outgoing", "received", "sent", "mail_filter"):
        if name in saved and saved[name] is not None:
            saved[name] = _changed(saved[name])
    return saved


def _typed(data: dict[str, Any], name: str, kind: Callable[[Any], Enum]) -> None:
    """The JSON value ``name`` as the enumeration ``kind`` (when it is there and not null)."""
    if data.get(name) is not None:
        data[name] = kind(data[name])


def _as_saved(changes: list[Any]) -> list[SavedChange]:
    """Changes as saved, from a session saved when each was an object of kind, guid and luid."""
    if changes and isinstance(changes[0], dict):
        return [[change["kind"], change["guid"], change["luid"]] for change in changes]
    return changes


def _partial(data: dict[str, Any]) -> PartialItem:
    data["kind"] = CHANGE_KINDS[data["kind"]]
    return PartialItem(**data)


def _datastore_from_dict(data: dict[str, Any]) -> DatastoreState:
    for name, kind in _DATASTORE_ENUMS:
        _typed(data, name, kind)
    data.pop("in_flight", None)  # the changes of the last reply, which earlier versions kept
    if data.get("queue"):
        data["queue"] = saved_changes(_as_saved(data["queue"]))
    for name in ("incoming", "outgoing"):
        if data.get(name) is not None:
            data[name] = _partial(data[name])
    for name in ("received", "sent"):
        if name in data:
            data[name] = Counts(**data[name])
    if data.get("mail_filter") is not None:
        data["mail_filter"] = DeviceFilter(**data["mail_filter"])
    return DatastoreState(**data)


def _bare(uri: str) -> str:
    """A data store URI without ``./``, query and case, for matching."""
    uri = uri.strip().split("?", 1)[0]
    if uri.startswith("./"):
        uri = uri[2:]
    return uri.strip("/").lower()
