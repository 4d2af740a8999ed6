"""Typed, read-only SyncML messages (``model.record``), named after the elements of the SyncML representation protocol.

Every element a DS client or server sends has a field; elements a server never acts on (``Lang``,
``Correlator``, ``Filter``) are kept as plain text so that nothing read is silently dropped. A command
read from a message has the CmdID it came with; one built to be sent has none (``cmd_id`` None) and
is numbered by the encoder, in message order.
"""

from dataclasses import field

from syncmld.protocol.constants import AlertCode, SyncMLVersion
from syncmld.protocol.devinf import DevInf
from syncmld.records import record
from syncmld.status import StatusCode


@record
class Anchor:
    last: str | None = None
    next: str | None = None


@record
class Mem:
    shared_mem: bool = False
    free_mem: int | None = None
    free_id: int | None = None


@record
class Meta:
    """MetInf elements; all optional."""

    type: str | None = None
    format: str | None = None
    mark: str | None = None
    size: int | None = None
    anchor: Anchor | None = None
    version: str | None = None
    next_nonce: str | None = None
    max_msg_size: int | None = None
    max_obj_size: int | None = None
    emi: tuple[str, ...] = ()
    mem: Mem | None = None
    field_level: bool = False


@record
class LocRef:
    """A ``Target`` or ``Source``: LocURI plus optional LocName (and, for a 1.2 Target, a Filter)."""

    uri: str
    name: str | None = None
    filter: str | None = None


@record
class Cred:
    data: str | bytes
    meta: Meta | None = None


@record
class Chal:
    meta: Meta


# Item data: its bytes as they came (UTF-8 text from XML, OPAQUE data from WBXML), a DevInf document,
# or an Anchor (inside the Item of a Status answering an Alert).
ItemData = bytes | DevInf | Anchor


@record
class Item:
    target: LocRef | None = None
    source: LocRef | None = None
    target_parent: str | None = None
    source_parent: str | None = None
    meta: Meta | None = None
    data: ItemData | None = None
    more_data: bool = False


@record
class Alert:
    cmd_id: str | None = field(default=None, kw_only=True)
    data: AlertCode | None = None
    """The alert code; None when Data is missing or not a number."""
    items: tuple[Item, ...] = ()
    cred: Cred | None = None
    no_resp: bool = False
    correlator: str | None = None


@record
class Add:
    cmd_id: str | None = field(default=None, kw_only=True)
    items: tuple[Item, ...] = ()
    meta: Meta | None = None
    cred: Cred | None = None
    no_resp: bool = False


@record
class Replace:
    cmd_id: str | None = field(default=None, kw_only=True)
    items: tuple[Item, ...] = ()
    meta: Meta | None = None
    cred: Cred | None = None
    no_resp: bool = False


@record
class Delete:
    cmd_id: str | None = field(default=None, kw_only=True)
    items: tuple[Item, ...] = ()
    meta: Meta | None = None
    cred: Cred | None = None
    no_resp: bool = False
    archive: bool = False
    sft_del: bool = False


@record
class Copy:
    cmd_id: str | None = field(default=None, kw_only=True)
    items: tuple[Item, ...] = ()
    meta: Meta | None = None
    cred: Cred | None = None
    no_resp: bool = False


@record
class Move:
    cmd_id: str | None = field(default=None, kw_only=True)
    items: tuple[Item, ...] = ()
    meta: Meta | None = None
    cred: Cred | None = None
    no_resp: bool = False


ItemCommand = Add | Replace | Delete | Copy | Move


@record
class Get:
    cmd_id: str | None = field(default=None, kw_only=True)
    items: tuple[Item, ...] = ()
    meta: Meta | None = None
    cred: Cred | None = None
    no_resp: bool = False
    lang: str | None = None


@record
class Put:
    cmd_id: str | None = field(default=None, kw_only=True)
    items: tuple[Item, ...] = ()
    meta: Meta | None = None
    cred: Cred | None = None
    no_resp: bool = False
    lang: str | None = None


@record
class Results:
    cmd_id: str | None = field(default=None, kw_only=True)
    cmd_ref: str
    msg_ref: str | None = None
    meta: Meta | None = None
    target_ref: str | None = None
    source_ref: str | None = None
    items: tuple[Item, ...] = ()


@record
class MapItem:
    target: LocRef
    source: LocRef


@record
class Map:
    cmd_id: str | None = field(default=None, kw_only=True)
    target: LocRef
    source: LocRef
    map_items: tuple[MapItem, ...] = ()
    meta: Meta | None = None
    cred: Cred | None = None


@record
class Status:
    cmd_id: str | None = field(default=None, kw_only=True)
    msg_ref: str
    cmd_ref: str
    cmd: str
    data: StatusCode
    target_refs: tuple[str, ...] = ()
    source_refs: tuple[str, ...] = ()
    cred: Cred | None = None
    chal: Chal | None = None
    items: tuple[Item, ...] = ()


@record
class Sync:
    cmd_id: str | None = field(default=None, kw_only=True)
    target: LocRef | None = None
    source: LocRef | None = None
    meta: Meta | None = None
    number_of_changes: int | None = None
    commands: tuple["SyncSubCommand", ...] = ()
    cred: Cred | None = None
    no_resp: bool = False


@record
class Atomic:
    cmd_id: str | None = field(default=None, kw_only=True)
    commands: tuple["Command", ...] = ()
    meta: Meta | None = None
    no_resp: bool = False


@record
class Sequence:
    cmd_id: str | None = field(default=None, kw_only=True)
    commands: tuple["Command", ...] = ()
    meta: Meta | None = None
    no_resp: bool = False


@record
class Unsupported:
    """A command we read but do not implement (Exec, Search, or an unknown element)."""

    cmd_id: str | None = field(default=None, kw_only=True)
    name: str


SyncSubCommand = Add | Replace | Delete | Copy | Move | Atomic | Sequence | Unsupported
Command = (
    Alert
    | Add
    | Replace
    | Delete
    | Copy
    | Move
    | Get
    | Put
    | Results
    | Map
    | Status
    | Sync
    | Atomic
    | Sequence
    | Unsupported
)


@record
class SyncHdr:
    version: SyncMLVersion
    session_id: str
    msg_id: str
    target: LocRef
    source: LocRef
    resp_uri: str | None = None
    no_resp: bool = False
    cred: Cred | None = None
    meta: Meta | None = None


@record
class SyncML:
    header: SyncHdr
    commands: tuple[Command, ...] = field(default_factory=tuple)
    final: bool = False


def command_name(command: Command) -> str:
    """The element name of a command, as written in ``Status/Cmd``."""
    if isinstance(command, Unsupported):
        return command.name
    return type(command).__name__
