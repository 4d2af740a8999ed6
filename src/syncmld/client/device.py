"""A SyncML client device with an in-memory data store, speaking through any transport.

The device keeps its items by LUID, its anchors per database and its change list, and runs whole
sessions (init, modifications, maps) like a phone does. Its items may form a tree (SyncML 1.2
hierarchical sync: folders holding files and folders) and each may have a content type of its own.
The transport is a callable that takes a message and the URL to post it to and returns the server's
reply, so the same device talks to the engine in process or to a server over HTTP.

Like real clients it may send its DevInf, send its items base64 (as Funambol clients send SIF) or
DES-encrypted (``des;b64``, ``3des;b64``), and refuse (415) items of types it cannot read.
"""

import base64
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from syncmld.accounts import body_digest, item_key, mac_digest, md5_credential
from syncmld.errors import LocalError, RemoteError
from syncmld.protocol.constants import (
    AUTH_BASIC,
    AUTH_MAC,
    AUTH_MD5,
    FORMAT_B64,
    MIME_DEVINF_XML,
    AlertCode,
    SyncMLVersion,
)
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.hmac_header import MacCredentials, mac_header
from syncmld.protocol.item_format import Encryption, decode_item_data, encrypted_text
from syncmld.protocol.messages import (
    Add,
    Alert,
    Anchor,
    Command,
    Cred,
    Delete,
    Get,
    Item,
    LocRef,
    Map,
    MapItem,
    Meta,
    Move,
    Put,
    Replace,
    Status,
    Sync,
    SyncHdr,
    SyncML,
)
from syncmld.status import StatusCode

Signer = Callable[[bytes], str]
"""Makes the x-syncml-hmac header of a message from its encoded body (syncml:auth-MAC)."""


class Transport(Protocol):
    """Posts a message to a URL and returns the reply; with ``sign``, sends the x-syncml-hmac header it makes
    from the encoded body (only a device logging in with auth-MAC passes it)."""

    def __call__(self, message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML: ...


@dataclass
class SyncReport:
    """What one session did, as the device saw it."""

    alerted_mode: int = 0
    statuses: list[Status] = field(default_factory=list)
    received: dict[str, int] = field(default_factory=lambda: {"add": 0, "replace": 0, "delete": 0})
    messages: int = 0
    header_status: int = 0
    challenge: str | None = None
    """The auth type of the last challenge (Chal) the server sent, if any."""

    def codes_for(self, cmd: str) -> list[int]:
        return [int(status.data) for status in self.statuses if status.cmd == cmd]


@dataclass(frozen=True)
class Interruption:
    """A session the device stops early, after sending ``after`` messages."""

    after: int
    how: str = "suspend"
    """``suspend``: the device answers the reply to message ``after`` with Alert 224 and ends;
    ``lost``: the reply to message ``after`` never arrives; ``silent``: it arrives, and the device
    sends nothing more."""


class _Stopped(Exception):
    """The session stops here (an ``Interruption``)."""


_Partial = tuple[str, str]
"""A large object arriving: its Source|Target key and the text received so far."""

_Modification = Add | Replace | Delete | Move


@dataclass
class _Progress:
    """How far a session got: what a resumed session continues from."""

    next_anchor: str
    steps: list[list[_Modification]] = field(default_factory=list)
    """The messages of the device's modifications package not yet answered (the last one is final)."""
    maps: list[MapItem] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)
    """The server ID -> LUID pairs of ``maps``, for lookups."""
    partial: _Partial | None = None
    confirmed_partial: _Partial | None = None
    """The large object arriving, as the device had answered it in the last message it sent."""


@dataclass
class Device:
    """A client device: one local database (``local_uri``) synced with ``server_db``."""

    transport: Transport
    url: str
    user: str
    password: str
    device_id: str
    server_db: str = "contacts"
    local_uri: str = "./contacts"
    content_type: str = "text/x-vcard"
    version: SyncMLVersion = SyncMLVersion.V1_2
    max_msg_size: int | None = None
    auth: str = AUTH_BASIC
    """``syncml:auth-basic``, ``syncml:auth-md5`` (1.1/1.2 digest with the last nonce received) or
    ``syncml:auth-MAC`` (every message signed in an x-syncml-hmac header with the last nonce received)."""
    nonce: bytes = b""
    devinf: DevInf | None = None
    """Sent (Put) with the first message of every session when set."""
    devinf_alone: bool = False
    """Send the DevInf (Put, with a Get of the server's) alone in the session's first message and the
    Alert in the second, as some clients do."""
    send_b64: bool = False
    """Send every item's data base64 with Meta Format b64, as Funambol clients do (data that is not
    UTF-8 always travels so). Items arriving base64 are kept decoded."""
    encryption: Encryption | None = None
    """Send every item's data encrypted this way (``des;b64`` or ``3des;b64``), as Funambol clients do
    when asked to; items arriving encrypted are kept decrypted either way."""
    encryption_password: str | None = None
    """The password the encryption keys come from (MD5(password), as Funambol clients take them); None:
    the device's own."""
    target_filter: str | None = None
    """The inner XML of a SyncML 1.2 ``Filter`` sent in the Alert's Target (a mail filter), if any."""
    refused_types: frozenset[str] = frozenset()
    items_per_message: int | None = None
    """At most this many items in one message of the device's package (None: all in one)."""
    """Content types the device cannot read: items of these types are answered 415 and not kept."""
    items: dict[str, bytes] = field(default_factory=dict)
    parents: dict[str, str | None] = field(default_factory=dict)
    """LUID -> LUID of the item's parent (None at the top level)."""
    types: dict[str, str] = field(default_factory=dict)
    """LUID -> content type, for items whose type is not ``content_type``."""
    changes: dict[str, str] = field(default_factory=dict)
    """Local changes since the last sync: LUID -> add, replace, move or delete."""
    last_anchor: str | None = None
    stopped: _Progress | None = None
    """The session the device stopped early (``Interruption``), for ``resume``."""
    _session: int = 0
    _luids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))

    # --- local edits --------------------------------------------------------------------
    def add(self, data: bytes, parent: str | None = None, content_type: str | None = None) -> str:
        """A new item, below the item ``parent`` (a LUID) if given, of ``content_type`` if given."""
        luid = f"L{next(self._luids)}"
        self.items[luid] = data
        self._keep(luid, parent, content_type)
        self.changes[luid] = "add"
        return luid

    def replace(self, luid: str, data: bytes) -> None:
        self.items[luid] = data
        if self.changes.get(luid) != "add":
            self.changes[luid] = "replace"

    def move(self, luid: str, parent: str | None) -> None:
        """Put the item below another parent (sent as a Move unless the item changed otherwise too)."""
        self.parents[luid] = parent
        self.changes.setdefault(luid, "move")

    def delete(self, luid: str) -> None:
        """Delete the item, and everything below it as a file system does (only the item's own delete
        is sent: the server deletes what is below it)."""
        for below in self.descendants(luid):
            self._forget(below)
            self.changes.pop(below, None)
        self._forget(luid)
        self.changes[luid] = "add-deleted" if self.changes.get(luid) == "add" else "delete"

    def descendants(self, luid: str) -> list[str]:
        """The LUIDs of the items below ``luid``, at any depth."""
        below = [child for child, parent in self.parents.items() if parent == luid]
        return [found for child in below for found in (child, *self.descendants(child))]

    def type_of(self, luid: str) -> str:
        return self.types.get(luid, self.content_type)

    def _keep(self, luid: str, parent: str | None, content_type: str | None) -> None:
        self.parents[luid] = parent
        if content_type is not None and content_type != self.content_type:
            self.types[luid] = content_type
        elif content_type is not None:
            self.types.pop(luid, None)

    def _forget(self, luid: str) -> None:
        del self.items[luid]
        self.parents.pop(luid, None)
        self.types.pop(luid, None)

    def _depth(self, luid: str) -> int:
        """How many of the device's items are above ``luid``."""
        above: list[str] = []
        parent = self.parents.get(luid)
        while parent is not None and parent in self.items and parent not in above and parent != luid:
            above.append(parent)
            parent = self.parents.get(parent)
        return len(above)

    # --- a session ----------------------------------------------------------------------
    def sync(self, mode: int = 200, chunk: int | None = None, stop: Interruption | None = None) -> SyncReport:
        """Run one session asking for ``mode``, sending items in chunks of ``chunk`` characters;
        ``stop`` ends it early. Returns what happened."""
        self._session += 1
        return self._run(mode, _Progress(next_anchor=f"A{self._session:06d}"), chunk, stop)

    def resume(self, chunk: int | None = None, stop: Interruption | None = None) -> SyncReport:
        """Continue the stopped session with Alert 225 (SyncML 1.2): the rest of the device's
        package, then the rest of the server's. When the server cannot resume, the sync it alerts
        runs from the start."""
        if self.stopped is None:
            raise LocalError("no stopped session to resume")
        self._session += 1
        progress = self.stopped
        progress.partial = progress.confirmed_partial
        return self._run(AlertCode.RESUME, progress, chunk, stop)

    def _run(self, mode: int, progress: _Progress, chunk: int | None, stop: Interruption | None) -> SyncReport:
        report = SyncReport()
        session = _Session(self, report, progress, stop)
        init: list[Command] = [
            Alert(
                data=AlertCode(mode),
                items=(
                    Item(
                        target=LocRef(self.server_db, filter=self.target_filter),
                        source=LocRef(self.local_uri),
                        meta=Meta(anchor=Anchor(last=self.last_anchor, next=progress.next_anchor)),
                    ),
                ),
            )
        ]
        devinf: list[Command] = []
        if self.devinf is not None:
            devinf.append(
                Put(
                    meta=Meta(type=MIME_DEVINF_XML),
                    items=(Item(source=LocRef(self.version.devinf_uri), data=self.devinf),),
                )
            )
        try:
            if self.devinf_alone:
                devinf.append(
                    Get(
                        meta=Meta(type=MIME_DEVINF_XML),
                        items=(Item(target=LocRef(self.version.devinf_uri)),),
                    )
                )
                report.header_status = _header_code(session.send(devinf, final=True, cred=True))
                if report.header_status not in (200, 212):
                    return report
                reply = session.send(init, final=True)
            else:
                reply = session.send([*init, *devinf], final=True, cred=True)
                report.header_status = _header_code(reply)
                if report.header_status not in (200, 212):
                    return report
            server_alert = next((c for c in reply.commands if isinstance(c, Alert)), None)
            report.alerted_mode = int(server_alert.data or 0) if server_alert else 0
            if mode != AlertCode.RESUME or report.codes_for("Alert")[-1:] != [200]:
                self._start_package(report.alerted_mode, progress, chunk)
            elif not progress.steps:
                progress.steps = [[]]
            reply = session.send_package()
            while True:
                statuses = session.apply_server_sync(reply)
                if reply.final:
                    break
                reply = session.send(
                    [
                        *statuses,
                        Alert(
                            data=AlertCode.NEXT_MESSAGE,
                            items=(Item(target=LocRef(self.url), source=LocRef(self.device_id)),),
                        ),
                    ],
                    final=False,
                )
            map_commands: list[Command] = []
            if progress.maps:
                map_commands.append(
                    Map(
                        target=LocRef(self.server_db),
                        source=LocRef(self.local_uri),
                        map_items=tuple(progress.maps),
                    )
                )
            reply = session.send([*statuses, *map_commands], final=True)
        except _Stopped:
            self.stopped = progress
            return report
        self.stopped = None
        if _header_code(reply) in (200, 212):
            self.last_anchor = progress.next_anchor
            self.changes.clear()
        return report

    def _start_package(self, alerted_mode: int, progress: _Progress, chunk: int | None) -> None:
        """Apply what the alerted mode means for local data, and plan the device's package."""
        if alerted_mode in (201, 203, 205):
            self.changes.clear()
        if alerted_mode == 205:
            self.items.clear()
            self.parents.clear()
            self.types.clear()
        outgoing = self._modifications(alerted_mode in (201, 203)) if alerted_mode not in (204, 205) else []
        progress.steps = _package(outgoing, chunk, self.items_per_message)
        progress.maps, progress.mapped, progress.partial, progress.confirmed_partial = [], {}, None, None

    def mac_header(self, body: bytes) -> str:
        """The x-syncml-hmac header of a message body, made with the last nonce received."""
        digest = body_digest(body)
        mac = mac_digest(md5_credential(self.user, self.password), self.nonce, digest)
        return mac_header(MacCredentials(self.user, mac, digest))

    def credential(self) -> str:
        """Cred/Data for the device's auth type."""
        if self.auth == AUTH_MD5:
            secret = md5_credential(self.user, self.password).encode()
            return base64.b64encode(hashlib.md5(secret + b":" + self.nonce).digest()).decode()
        return base64.b64encode(f"{self.user}:{self.password}".encode()).decode()

    def item_key(self) -> str:
        """What the device's item encryption keys come from."""
        return item_key(self.encryption_password or self.password)

    def _modifications(self, send_all: bool) -> list[Add | Replace | Delete | Move]:
        """The changes to send, parents before their children; Add and Replace name the parent by
        its LUID (SourceParent)."""
        if send_all:
            return [self._item_command(Replace, luid) for luid in sorted(self.items, key=self._depth)]
        commands: list[Add | Replace | Delete | Move] = []
        for luid in sorted(self.changes, key=lambda luid: self._depth(luid) if luid in self.items else 0):
            kind = self.changes[luid]
            if kind == "delete":
                commands.append(Delete(items=(Item(source=LocRef(luid)),)))
            elif kind == "move":
                commands.append(Move(items=(Item(source=LocRef(luid), source_parent=self.parents.get(luid)),)))
            elif kind in ("add", "replace"):
                commands.append(self._item_command(Add if kind == "add" else Replace, luid))
        return commands

    def _item_command(self, command: type[Add] | type[Replace], luid: str) -> Add | Replace:
        data, item_format = self._wire_data(self.items[luid])
        item = Item(
            source=LocRef(luid),
            source_parent=self.parents.get(luid),
            meta=Meta(format=item_format) if item_format else None,
            data=data.encode("utf-8"),
        )
        return command(meta=Meta(type=self.type_of(luid)), items=(item,))

    def _wire_data(self, data: bytes) -> tuple[str, str | None]:
        """The item's data as it travels, and its Format (des;b64, 3des;b64, b64 or None)."""
        if self.encryption is not None:
            return encrypted_text(self.encryption, self.item_key(), data)
        if not self.send_b64:
            try:
                return data.decode("utf-8"), None
            except UnicodeDecodeError:
                pass
        return base64.b64encode(data).decode("ascii"), FORMAT_B64


class _Session:
    def __init__(self, device: Device, report: SyncReport, progress: _Progress, stop: Interruption | None) -> None:
        self.device = device
        self.report = report
        self.progress = progress
        self.stop = stop
        self.msg_id = 0
        self.url = device.url

    def send(self, commands: list[Command], final: bool, cred: bool = False) -> SyncML:
        """Post a message and return the reply; raises _Stopped where the session's Interruption says."""
        stop = self.stop
        if stop is not None and self.msg_id == stop.after:
            if stop.how == "suspend":
                statuses = [command for command in commands if isinstance(command, Status)]
                self._post(
                    [
                        *statuses,
                        Alert(
                            data=AlertCode.SUSPEND,
                            items=(Item(target=LocRef(self.device.server_db), source=LocRef(self.device.local_uri)),),
                        ),
                    ],
                    True,
                    False,
                )
            raise _Stopped
        reply = self._post(commands, final, cred)
        if stop is not None and stop.how == "lost" and self.msg_id == stop.after:
            raise _Stopped
        return reply

    def _post(self, commands: list[Command], final: bool, cred: bool) -> SyncML:
        device = self.device
        self.msg_id += 1
        self.progress.confirmed_partial = self.progress.partial
        signed = device.auth == AUTH_MAC
        credentials = (
            Cred(data=device.credential(), meta=Meta(type=device.auth, format=FORMAT_B64))
            if cred and not signed
            else None
        )
        header = SyncHdr(
            version=device.version,
            session_id=str(device._session),
            msg_id=str(self.msg_id),
            target=LocRef(self.url),
            source=LocRef(device.device_id, device.user),
            cred=credentials,
            meta=Meta(max_msg_size=device.max_msg_size) if device.max_msg_size else None,
        )
        message = SyncML(header, tuple(commands), final)
        if signed:
            reply = device.transport(message, self.url, device.mac_header)
        else:
            reply = device.transport(message, self.url)
        self.report.messages += 1
        challenge = next((c.chal for c in reply.commands if isinstance(c, Status) and c.cmd == "SyncHdr"), None)
        if challenge is not None:
            self.report.challenge = challenge.meta.type
            if challenge.meta.next_nonce is not None:
                device.nonce = base64.b64decode(challenge.meta.next_nonce)
        self.report.statuses.extend(c for c in reply.commands if isinstance(c, Status))
        if reply.header.resp_uri:
            self.url = reply.header.resp_uri
        return reply

    def send_package(self) -> SyncML:
        """Send the messages of the device's package still unanswered; returns the reply to the last."""
        steps = self.progress.steps
        while True:
            reply = self.send([self._sync(steps[0])], final=len(steps) == 1)
            steps.pop(0)
            if not steps:
                return reply

    def _sync(self, commands: list[_Modification]) -> Sync:
        return Sync(
            target=LocRef(self.device.server_db),
            source=LocRef(self.device.local_uri),
            commands=tuple(commands),
        )

    def apply_server_sync(self, reply: SyncML) -> list[Command]:
        """Apply the server's changes in ``reply`` locally; returns the statuses to send back."""
        statuses: list[Command] = []
        for sync in (c for c in reply.commands if isinstance(c, Sync)):
            for command in sync.commands:
                if not isinstance(command, Add | Replace | Delete):
                    continue
                for item in command.items:
                    code = self._apply_item(
                        command,
                        item,
                        self._incoming_meta(command, item, "type"),
                        self._incoming_meta(command, item, "format"),
                    )
                    statuses.append(
                        Status(
                            msg_ref=reply.header.msg_id,
                            cmd_ref=command.cmd_id or "",
                            cmd=type(command).__name__,
                            data=StatusCode.of(code),
                            source_refs=(item.source.uri,) if item.source else (),
                            target_refs=(item.target.uri,) if item.target else (),
                        )
                    )
        return statuses

    @staticmethod
    def _incoming_meta(command: Add | Replace | Delete, item: Item, name: str) -> str | None:
        """The item's Meta ``type`` or ``format``, else the command's."""
        for meta in (item.meta, command.meta):
            value = getattr(meta, name) if meta is not None else None
            if value:
                return str(value)
        return None

    def _local_parent(self, item: Item) -> str | None:
        """The LUID of the parent the server names: TargetParent is the LUID, SourceParent the server's
        ID of an item added in this session. RemoteError 404 when the device holds no such item."""
        if item.target_parent is not None:
            parent: str | None = item.target_parent
        elif item.source_parent is not None:
            parent = self.progress.mapped.get(item.source_parent)
        else:
            return None
        if parent is None or parent not in self.device.items:
            raise RemoteError(
                f"no parent {item.target_parent or item.source_parent} on the device", StatusCode.NOT_FOUND
            )
        return parent

    def _apply_item(
        self,
        command: Add | Replace | Delete,
        item: Item,
        content_type: str | None,
        item_format: str | None,
    ) -> int:
        device = self.device
        text = _text_of(item)
        key = (item.source.uri if item.source else "") + "|" + (item.target.uri if item.target else "")
        partial = self.progress.partial
        done = partial[1] if partial is not None and partial[0] == key and not _first_chunk(item) else ""
        if item.more_data:
            self.progress.partial = (key, done + text)
            return 213
        if partial is not None and partial[0] == key:
            text = done + text
            self.progress.partial = None
        if not isinstance(command, Delete) and content_type in device.refused_types:
            return 415
        kind = type(command).__name__.lower()
        self.report.received[kind] += 1
        luid = item.target.uri if item.target else ""
        if isinstance(command, Delete):
            if luid not in device.items:
                return 211
            device._forget(luid)
            return 200
        try:
            parent = self._local_parent(item)
            data = decode_item_data(item_format, text.encode("utf-8", errors="surrogateescape"), device.item_key).data
        except RemoteError as error:
            return int(error.status)
        if isinstance(command, Add):
            guid = item.source.uri if item.source else ""
            known = self.progress.mapped.get(guid)
            luid = known or f"S{next(device._luids)}"
            if known is None:
                self.progress.maps.append(MapItem(target=LocRef(guid), source=LocRef(luid)))
                self.progress.mapped[guid] = luid
        elif luid in device.items and item.target_parent is None and item.source_parent is None:
            parent = device.parents.get(luid)
        device.items[luid] = data
        device._keep(luid, parent, content_type)
        return 201 if isinstance(command, Add) else 200


def _package(commands: list[_Modification], chunk: int | None, per_message: int | None) -> list[list[_Modification]]:
    """The messages of the device's modifications package: at most ``per_message`` items a message, each
    item's data split into chunks of ``chunk`` characters, one chunk a message (every chunk names the
    item and its parent)."""
    messages: list[list[_Modification]] = []
    pending: list[_Modification] = []
    for command in commands:
        if per_message is not None and len(pending) >= per_message:
            messages.append(pending)
            pending = []
        item = command.items[0]
        text = _text_of(item)
        if chunk is None or len(text) <= chunk:
            pending.append(command)
            continue
        for start in range(0, len(text), chunk):
            piece = text[start : start + chunk]
            more = start + chunk < len(text)
            item_meta = item.meta or Meta()
            piece_meta = replace(item_meta, size=len(text.encode())) if start == 0 else item.meta
            messages.append(
                [
                    *pending,
                    replace(
                        command, items=(replace(item, meta=piece_meta, data=piece.encode("utf-8"), more_data=more),)
                    ),
                ]
            )
            pending = []
    return [*messages, pending]


def _text_of(item: Item) -> str:
    """Item data as text (bytes that are not UTF-8 kept as surrogate escapes); "" for anything else."""
    return item.data.decode("utf-8", errors="surrogateescape") if isinstance(item.data, bytes) else ""


def _first_chunk(item: Item) -> bool:
    """The item starts a large object: its first chunk carries the object's Size."""
    return item.meta is not None and item.meta.size is not None


def _header_code(reply: SyncML) -> int:
    status = next((c for c in reply.commands if isinstance(c, Status) and c.cmd == "SyncHdr"), None)
    return int(status.data) if status else 0
