"""A recorded device played against a real server over HTTP, one session at a time.

Each recorded message is sent in turn, rewritten where the server's answers must drive it
(``rewrite``): our session, message numbers and RespURI, our login (basic, or the digest of our
own MD5 challenge), and the device's answers to this server instead of the one it was recorded
with: a Status for every command the server sent (but a Get of the device's DevInf, which the
recorded devices that sent none left unanswered too) and a Map for every item the server added,
with the LUIDs the recording mapped first. What the recording lacks to finish a session is
written in the device's version and encoding: an init package before recorded changes, the Alerts
after a DevInf-only first message, the rest of a large object, an empty changes package, Alert 222
while the server's package goes on, and the final statuses and maps.

The player keeps what the device holds (its own items as it sent them, the server's as it received
them) and records what happened; ``checks`` judges it.
"""

import base64
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from enum import Enum

import httpx

from syncmld.accounts import md5_credential, md5_digest
from syncmld.engine.folders import folder_for_uri
from syncmld.engine.modes import ALERT_MODES
from syncmld.protocol.codec import Encoding, decode
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5, FORMAT_B64, AlertCode
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.messages import (
    Add,
    Alert,
    Anchor,
    Chal,
    Command,
    Cred,
    Delete,
    Get,
    Item,
    LocRef,
    Map,
    MapItem,
    Meta,
    Put,
    Replace,
    Status,
    Sync,
    SyncML,
    command_name,
)
from syncmld.status import StatusCode
from tests.interop.server import Login

from .recordings import Recorded
from .rewrite import Header, composed, numbered, rewritten

ACCEPTED_HEADER = (200, 212)
CHALLENGED = (401, 407)
MAX_CONTINUATIONS = 100
"""Alert 222 messages a session may need before the server's package ends (a runaway guard)."""
SYNTHESIZED = "written by the replay"
SKIPPED = "not sent: the server had sent everything"


class Phase(Enum):
    """Where the device is in its session."""

    INIT = "init"
    CHANGES = "changes"
    RECEIVING = "receiving"
    MAPPING = "mapping"
    DONE = "done"


@dataclass(frozen=True)
class DeviceItem:
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Exchange:
    """One message the device sent and what the server answered to its commands."""

    sent: str
    """The recorded file it was made from, or what the replay wrote."""
    http_status: int
    header_status: int
    statuses: tuple[tuple[str, int], ...] = ()
    """(Cmd, code) of every Status the server gave the message's commands."""
    error: str = ""


@dataclass
class FolderResult:
    """One data store the device synced in a session."""

    client_uri: str
    server_uri: str
    asked: int
    next_anchor: str = ""
    """The device's Next anchor: what the server stores once the sync is done."""
    alert_status: int = 0
    mode: str = ""
    """The mode the server alerted, as ``syncmld`` names it ("" when it alerted none)."""
    wire_types: list[str] = field(default_factory=list)
    """The types of the items the server sent."""
    sent: Counter[str] = field(default_factory=Counter)
    """The device's own Add, Replace and Delete commands."""
    received: Counter[str] = field(default_factory=Counter)
    """The server's Add, Replace and Delete commands."""


@dataclass
class SessionResult:
    label: str
    exchanges: list[Exchange] = field(default_factory=list)
    folders: dict[str, FolderResult] = field(default_factory=dict)
    """By the device's database URI."""
    problems: list[str] = field(default_factory=list)
    """What went wrong on the wire (HTTP errors, items not of their declared type, ...)."""
    device: dict[str, dict[str, DeviceItem]] = field(default_factory=dict)
    """What the device holds at the end, by database URI and LUID."""
    synthesized: list[str] = field(default_factory=list)
    """What the replay had to write itself."""


@dataclass
class _Partial:
    """A large object on its way, in either direction."""

    command: str
    client_uri: str
    server_uri: str
    key: str
    """The LUID (device to server) or server ID (server to device)."""
    content_type: str
    size: int
    received: bytes = b""


@dataclass
class _Session:
    version_source: SyncML
    """The first message: the header every message the replay writes starts from."""
    encoding: Encoding
    session_id: str
    url: str
    result: SessionResult
    recorded_luids: Iterator[str]
    phase: Phase = Phase.INIT
    msg_id: int = 0
    answers: list[Command] = field(default_factory=list)
    maps: dict[tuple[str, str], list[MapItem]] = field(default_factory=dict)
    mapped: dict[str, str] = field(default_factory=dict)
    """Server ID -> LUID of the items the server added in this session."""
    incoming: _Partial | None = None
    outgoing: _Partial | None = None


TypeCheck = Callable[[str, bytes], str | None]
"""Says what is wrong with an item the server sent under a content type (None: nothing)."""


class Player:
    """One device of one account: plays its sessions in order, keeping what it holds between them."""

    def __init__(self, http: httpx.Client, url: str, login: Login, type_check: TypeCheck) -> None:
        self.http = http
        self.base_url = url
        self.login = login
        self.type_check = type_check
        self.nonce = b""
        self.devinf: DevInf | None = None
        self.items: dict[str, dict[str, DeviceItem]] = {}
        self._luids = (f"R{number}" for number in itertools.count(1))

    # --- a session --------------------------------------------------------------------------------
    def play(self, label: str, messages: tuple[Recorded, ...], as_recorded: bool = False) -> SessionResult:
        """Send the session's recorded messages, then (unless ``as_recorded``) what the session lacks."""
        first = messages[0]
        recorded_luids = (
            item.source.uri
            for message in messages
            for command in message.message.commands
            if isinstance(command, Map)
            for item in command.map_items
        )
        session = _Session(
            first.message,
            first.encoding,
            first.message.header.session_id,
            self.base_url,
            SessionResult(label),
            iter(list(recorded_luids)),
        )
        if not _starts_session(first.message):
            self._write(
                session,
                self._init_package(first.message),
                "the init package",
                cred=self._recorded_cred(first.message) or self._cred(AUTH_BASIC),
            )
        for index, recorded in enumerate(messages):
            if session.phase is Phase.DONE or self._stopped(session):
                break
            retry = index + 1 == len(messages) or not _starts_session(messages[index + 1].message)
            self._send_recorded(session, recorded, retry)
        if not as_recorded and not self._stopped(session):
            self._finish(session)
        session.result.device = {uri: dict(items) for uri, items in self.items.items()}
        return session.result

    def _stopped(self, session: _Session) -> bool:
        exchanges = session.result.exchanges
        if not exchanges:
            return False
        last = exchanges[-1]
        if last.http_status != 200 or last.error:
            return True
        if last.header_status not in (*ACCEPTED_HEADER, *CHALLENGED):
            return True
        folders = session.result.folders.values()
        return bool(folders) and not any(_alert_accepted(folder) for folder in folders)

    def _send_recorded(self, session: _Session, recorded: Recorded, retry: bool) -> None:
        message = recorded.message
        if session.phase is Phase.MAPPING and _asks_for_more(message):
            session.result.synthesized.append(f"{_short(recorded.name)} {SKIPPED}")
            return
        if session.phase is Phase.RECEIVING and message.final and not _asks_for_more(message):
            self._fetch_rest(session)
        reply = self._exchange(session, recorded, message, recorded.name, cred=self._recorded_cred(message))
        chal = _challenge(reply)
        if chal is not None and retry:
            self._exchange(session, recorded, message, f"{recorded.name} again", cred=self._answer(chal))

    def _finish(self, session: _Session) -> None:
        if session.result.exchanges and session.result.exchanges[-1].header_status in CHALLENGED:
            return
        if session.phase is Phase.INIT and self.devinf is not None and not session.result.folders:
            self._write(session, self._alerts_for(self.devinf), "the Alerts after the DevInf-only first message")
        if session.phase is Phase.CHANGES and not self._stopped(session):
            if session.outgoing is not None:
                self._write(session, self._rest_of_object(session), "the rest of the large object")
            else:
                self._write(session, self._empty_changes(session), "an empty changes package")
        if session.phase is Phase.RECEIVING and not self._stopped(session):
            self._fetch_rest(session)
        if session.phase is Phase.MAPPING and not self._stopped(session):
            self._write(session, [], "the final statuses and maps")

    def _fetch_rest(self, session: _Session) -> None:
        """Ask for the rest of the server's package (Alert 222) until its last message arrives."""
        for _ in range(MAX_CONTINUATIONS):
            if session.phase is not Phase.RECEIVING or self._stopped(session):
                return
            alerts: list[Command] = [
                Alert(
                    cmd_id="0",
                    data=AlertCode.NEXT_MESSAGE,
                    items=(Item(target=LocRef(folder.server_uri), source=LocRef(folder.client_uri)),),
                )
                for folder in session.result.folders.values()
                if _alert_accepted(folder)
            ]
            self._write(session, alerts, "Alert 222", final=False)
        if session.phase is Phase.RECEIVING:
            session.result.problems.append(f"the server's package did not end after {MAX_CONTINUATIONS} messages")

    def _write(
        self, session: _Session, commands: list[Command], what: str, cred: Cred | None = None, final: bool = True
    ) -> None:
        """Send a message of the replay's own (answering a challenge to it once)."""
        session.result.synthesized.append(what)
        message = SyncML(session.version_source.header, tuple(commands), final)
        reply = self._exchange(session, None, message, f"{what} ({SYNTHESIZED})", cred=cred)
        chal = _challenge(reply)
        if chal is not None:
            self._exchange(session, None, message, f"{what} again ({SYNTHESIZED})", cred=self._answer(chal))

    # --- what the replay writes ---------------------------------------------------------------------
    def _init_package(self, first: SyncML) -> list[Command]:
        """Slow-sync Alerts for the databases a recorded changes package syncs."""
        return [
            Alert(
                cmd_id="0",
                data=AlertCode.SLOW_SYNC,
                items=(
                    Item(
                        target=LocRef(sync.target.uri if sync.target else ""),
                        source=LocRef(sync.source.uri if sync.source else ""),
                        meta=Meta(anchor=Anchor(next="1")),
                    ),
                ),
            )
            for sync in first.commands
            if isinstance(sync, Sync)
        ]

    def _alerts_for(self, devinf: DevInf) -> list[Command]:
        """Slow-sync Alerts for each data store of a DevInf, named after what it holds."""
        alerts: list[Command] = []
        for store in devinf.datastores:
            name = _remote_name(store.rx_pref.ct_type if store.rx_pref else "")
            if name is not None:
                alerts.append(
                    Alert(
                        cmd_id="0",
                        data=AlertCode.SLOW_SYNC,
                        items=(
                            Item(
                                target=LocRef(name), source=LocRef(store.source_ref), meta=Meta(anchor=Anchor(next="1"))
                            ),
                        ),
                    )
                )
        return alerts

    def _empty_changes(self, session: _Session) -> list[Command]:
        return [
            Sync(cmd_id="0", target=LocRef(folder.server_uri), source=LocRef(folder.client_uri))
            for folder in session.result.folders.values()
            if _alert_accepted(folder)
        ]

    def _rest_of_object(self, session: _Session) -> list[Command]:
        """The last chunk of the large object the recording leaves unfinished, up to its announced size:
        the object's own end line, after a NOTE padding it to that size."""
        partial = session.outgoing
        assert partial is not None
        kind = partial.received.split(b"\n", 1)[0].removeprefix(b"BEGIN:").strip() or b"VCARD"
        end = b"END:" + kind + b"\r\n"
        missing = partial.size - len(partial.received)
        padding = b"NOTE:" + b"." * (missing - len(end) - 7) + b"\r\n" if missing >= len(end) + 7 else b""
        rest = padding + end
        command: type[Add] | type[Replace] = Add if partial.command == "Add" else Replace
        return [
            Sync(
                cmd_id="0",
                target=LocRef(partial.server_uri),
                source=LocRef(partial.client_uri),
                commands=(
                    command(
                        cmd_id="0",
                        meta=Meta(type=partial.content_type),
                        items=(Item(source=LocRef(partial.key), data=rest),),
                    ),
                ),
            )
        ]

    # --- credentials ---------------------------------------------------------------------------------
    def _recorded_cred(self, message: SyncML) -> Cred | None:
        """Our login in the recorded message's kind of credentials (none if it had none)."""
        cred = message.header.cred
        if cred is None:
            return None
        kind = (cred.meta.type if cred.meta and cred.meta.type else AUTH_BASIC).strip().lower()
        return self._cred(AUTH_MD5 if kind == AUTH_MD5 else AUTH_BASIC)

    def _answer(self, chal: Chal) -> Cred:
        if chal.meta.next_nonce:
            self.nonce = base64.b64decode(chal.meta.next_nonce)
        return self._cred(AUTH_MD5 if (chal.meta.type or "").strip().lower() == AUTH_MD5 else AUTH_BASIC)

    def _cred(self, kind: str) -> Cred:
        email, password = self.login.email, self.login.password
        if kind == AUTH_MD5:
            return Cred(md5_digest(md5_credential(email, password), self.nonce), Meta(type=AUTH_MD5, format=FORMAT_B64))
        token = base64.b64encode(f"{email}:{password}".encode()).decode()
        return Cred(token, Meta(type=AUTH_BASIC, format=FORMAT_B64))

    # --- one exchange --------------------------------------------------------------------------------
    def _exchange(
        self, session: _Session, recorded: Recorded | None, message: SyncML, sent: str, cred: Cred | None = None
    ) -> SyncML | None:
        """Send a message (recorded, or the replay's own) with the answers due; None if no SyncML came back."""
        session.msg_id += 1
        md5 = cred is not None and cred.meta is not None and cred.meta.type == AUTH_MD5
        user = self.login.email if md5 or message.header.source.name else None
        header = Header(session.session_id, str(session.msg_id), session.url, cred, user)
        answers = session.answers
        if message.final and session.phase is Phase.MAPPING:
            answers = [
                *answers,
                *(
                    Map(cmd_id="0", target=LocRef(server_uri), source=LocRef(client_uri), map_items=tuple(items))
                    for (server_uri, client_uri), items in session.maps.items()
                ),
            ]
        if recorded is not None:
            body = rewritten(recorded, header, answers)
            own = message.commands
        else:
            message = replace(message, commands=numbered([*answers, *message.commands]))
            body = composed(message, header, session.encoding)
            own = message.commands[len(answers) :]
        try:
            response = self.http.post(
                session.url, content=body, headers={"content-type": session.encoding.content_type}
            )
        except httpx.HTTPError as error:
            session.result.exchanges.append(Exchange(_short(sent), 0, 0, error=repr(error)))
            return None
        if response.status_code != 200:
            reason = " ".join(response.text.split())[:200]
            session.result.exchanges.append(Exchange(_short(sent), response.status_code, 0, error=reason))
            return None
        reply = decode(response.content, response.headers.get("content-type")).message
        header_status = _header_status(reply)
        statuses = tuple((status.cmd, status.data or 0) for status in reply.commands if isinstance(status, Status))
        session.result.exchanges.append(Exchange(_short(sent), 200, header_status, statuses))
        if header_status in CHALLENGED:
            return reply
        self._note_nonce(reply)
        if header_status not in ACCEPTED_HEADER:
            return reply
        if reply.header.resp_uri:
            session.url = reply.header.resp_uri
        self._note_sent(session, own, reply)
        self._advance(session, message, reply)
        session.answers = self._answers(session, reply)
        return reply

    def _note_nonce(self, reply: SyncML) -> None:
        chal = _challenge(reply)
        if chal is not None and chal.meta.next_nonce:
            self.nonce = base64.b64decode(chal.meta.next_nonce)

    def _note_sent(self, session: _Session, commands: tuple[Command, ...], reply: SyncML) -> None:
        """Keep what the device sent: its DevInf, its Alerts (with the server's answers), its items."""
        result = session.result
        for command in commands:
            devinf = next((item.data for item in getattr(command, "items", ()) if isinstance(item.data, DevInf)), None)
            if devinf is not None:
                self.devinf = devinf
            if isinstance(command, Alert) and command.data is not None and command.data != AlertCode.NEXT_MESSAGE:
                item = command.items[0] if command.items else Item()
                client_uri = item.source.uri if item.source else ""
                anchor = item.meta.anchor if item.meta and item.meta.anchor else None
                folder = FolderResult(
                    client_uri,
                    item.target.uri if item.target else "",
                    command.data,
                    anchor.next or "" if anchor else "",
                )
                folder.alert_status = next(
                    (
                        status.data or 0
                        for status in reply.commands
                        if isinstance(status, Status) and status.cmd == "Alert" and status.cmd_ref == command.cmd_id
                    ),
                    0,
                )
                server_alert = next(
                    (
                        alert
                        for alert in reply.commands
                        if isinstance(alert, Alert)
                        and alert.items
                        and alert.items[0].target
                        and alert.items[0].target.uri == client_uri
                    ),
                    None,
                )
                if server_alert is not None and server_alert.data is not None:
                    folder.mode = _mode_label(server_alert.data)
                result.folders[client_uri] = folder
            if isinstance(command, Sync):
                self._keep_sent_items(session, command)

    def _keep_sent_items(self, session: _Session, sync: Sync) -> None:
        client_uri = sync.source.uri if sync.source else ""
        server_uri = sync.target.uri if sync.target else ""
        folder = session.result.folders.get(client_uri)
        store = self.items.setdefault(client_uri, {})
        for command in sync.commands:
            if not isinstance(command, Add | Replace | Delete):
                continue
            name = command_name(command)
            for item in command.items:
                luid = item.source.uri if item.source else (item.target.uri if item.target else "")
                if isinstance(command, Delete):
                    if folder is not None:
                        folder.sent[name] += 1
                    store.pop(luid, None)
                    continue
                content_type = _item_meta(command, item, "type") or (sync.meta.type if sync.meta else None) or ""
                data = _item_bytes(item, _item_meta(command, item, "format"))
                partial = session.outgoing
                if partial is not None and partial.key == luid:
                    data = partial.received + data
                    session.outgoing = None
                if item.more_data:
                    size = (
                        item.meta.size if item.meta and item.meta.size else (command.meta.size if command.meta else 0)
                    )
                    session.outgoing = _Partial(
                        name, client_uri, server_uri, luid, content_type, size or (partial.size if partial else 0), data
                    )
                    continue
                if folder is not None:
                    folder.sent[name] += 1
                store[luid] = DeviceItem(content_type, data)

    def _advance(self, session: _Session, sent: SyncML, reply: SyncML) -> None:
        if session.phase is Phase.INIT:
            if any(_alert_accepted(folder) for folder in session.result.folders.values()):
                session.phase = Phase.CHANGES
        elif session.phase is Phase.CHANGES and sent.final:
            session.phase = Phase.RECEIVING
        elif session.phase is Phase.MAPPING and sent.final:
            session.phase = Phase.DONE
            return
        if session.phase is Phase.RECEIVING and reply.final:
            session.phase = Phase.MAPPING

    # --- the device's answers to the server -------------------------------------------------------
    def _answers(self, session: _Session, reply: SyncML) -> list[Command]:
        msg_ref = reply.header.msg_id
        header = reply.header
        answers: list[Command] = [
            Status(
                cmd_id="0",
                msg_ref=msg_ref,
                cmd_ref="0",
                cmd="SyncHdr",
                data=StatusCode.OK,
                target_refs=(header.source.uri,),
                source_refs=(header.target.uri,),
            )
        ]
        for command in reply.commands:
            if isinstance(command, Status | Get):
                continue
            if isinstance(command, Sync):
                answers.append(
                    Status(
                        cmd_id="0",
                        msg_ref=msg_ref,
                        cmd_ref=command.cmd_id,
                        cmd="Sync",
                        data=StatusCode.OK,
                        target_refs=(command.target.uri,) if command.target else (),
                        source_refs=(command.source.uri,) if command.source else (),
                    )
                )
                answers += self._apply_server_sync(session, command, msg_ref)
            elif isinstance(command, Alert):
                answers.append(_alert_status(command, msg_ref))
            else:
                answers.append(
                    Status(
                        cmd_id="0",
                        msg_ref=msg_ref,
                        cmd_ref=command.cmd_id,
                        cmd=command_name(command),
                        data=StatusCode.OK,
                    )
                )
        return answers

    def _apply_server_sync(self, session: _Session, sync: Sync, msg_ref: str) -> list[Command]:
        client_uri = sync.target.uri if sync.target else ""
        server_uri = sync.source.uri if sync.source else ""
        folder = session.result.folders.get(client_uri)
        store = self.items.setdefault(client_uri, {})
        statuses: list[Command] = []
        for command in sync.commands:
            if not isinstance(command, Add | Replace | Delete):
                continue
            name = command_name(command)
            for item in command.items:
                code, guid, luid = self._apply_server_item(session, client_uri, server_uri, store, command, item)
                if folder is not None and code != 213:
                    folder.received[name] += 1
                    content_type = _item_meta(command, item, "type")
                    if content_type and content_type not in folder.wire_types and not isinstance(command, Delete):
                        folder.wire_types.append(content_type)
                statuses.append(
                    Status(
                        cmd_id="0",
                        msg_ref=msg_ref,
                        cmd_ref=command.cmd_id,
                        cmd=name,
                        data=StatusCode.of(code),
                        source_refs=(guid,) if guid else (),
                        target_refs=(luid,) if luid else (),
                    )
                )
        return statuses

    def _apply_server_item(
        self,
        session: _Session,
        client_uri: str,
        server_uri: str,
        store: dict[str, DeviceItem],
        command: Add | Replace | Delete,
        item: Item,
    ) -> tuple[int, str, str]:
        """Apply one item of the server's: (status code, server ID, LUID)."""
        guid = item.source.uri if item.source else ""
        luid = item.target.uri if item.target else ""
        if isinstance(command, Delete):
            return (200 if store.pop(luid, None) is not None else 211), "", luid
        content_type = _item_meta(command, item, "type") or ""
        data = _item_bytes(item, _item_meta(command, item, "format"))
        key = guid or luid
        partial = session.incoming
        if partial is not None and partial.key == key:
            data = partial.received + data
            session.incoming = None
        if item.more_data:
            session.incoming = _Partial(command_name(command), client_uri, server_uri, key, content_type, 0, data)
            return 213, guid, luid
        problem = self.type_check(content_type, data)
        if problem is not None:
            session.result.problems.append(f"{command_name(command)} {guid or luid}: {problem}")
        if isinstance(command, Add):
            luid = session.mapped.get(guid) or next(session.recorded_luids, None) or next(self._luids)
            if guid not in session.mapped:
                session.mapped[guid] = luid
                session.maps.setdefault((server_uri, client_uri), []).append(
                    MapItem(target=LocRef(guid), source=LocRef(luid))
                )
            store[luid] = DeviceItem(content_type, data)
            return 201, guid, ""
        known = luid in store
        store[luid] = DeviceItem(content_type, data)
        return (200 if known else 201), "", luid


def _alert_status(alert: Alert, msg_ref: str) -> Status:
    """The device's 200 to the server's Alert, echoing the server's Next anchor as devices do."""
    item = alert.items[0] if alert.items else Item()
    anchor = item.meta.anchor if item.meta and item.meta.anchor else None
    return Status(
        cmd_id="0",
        msg_ref=msg_ref,
        cmd_ref=alert.cmd_id,
        cmd="Alert",
        data=StatusCode.OK,
        target_refs=(item.target.uri,) if item.target else (),
        source_refs=(item.source.uri,) if item.source else (),
        items=(Item(data=Anchor(next=anchor.next)),) if anchor is not None and anchor.next else (),
    )


def _starts_session(message: SyncML) -> bool:
    """A first message: a sync Alert or a DevInf, and no Sync."""
    if any(isinstance(command, Sync) for command in message.commands):
        return False
    return any(
        (isinstance(command, Alert) and command.data not in (None, AlertCode.NEXT_MESSAGE)) or isinstance(command, Put)
        for command in message.commands
    )


def _asks_for_more(message: SyncML) -> bool:
    return not any(isinstance(command, Sync) for command in message.commands) and any(
        isinstance(command, Alert) and command.data == AlertCode.NEXT_MESSAGE for command in message.commands
    )


def _alert_accepted(folder: FolderResult) -> bool:
    return folder.alert_status in (200, 508) and bool(folder.mode)


def _challenge(reply: SyncML | None) -> Chal | None:
    if reply is None:
        return None
    return next(
        (
            status.chal
            for status in reply.commands
            if isinstance(status, Status)
            and status.cmd == "SyncHdr"
            and status.chal is not None
            and (status.data or 0) in CHALLENGED
        ),
        None,
    )


def _header_status(reply: SyncML) -> int:
    return next(
        (status.data or 0 for status in reply.commands if isinstance(status, Status) and status.cmd == "SyncHdr"), 0
    )


def _mode_label(code: int) -> str:
    mode = ALERT_MODES.get(code)
    return mode.label if mode is not None else f"alert {code}"


def _item_meta(command: Add | Replace | Delete, item: Item, name: str) -> str | None:
    for meta in (item.meta, command.meta):
        value = getattr(meta, name) if meta is not None else None
        if value:
            return str(value)
    return None


def _item_bytes(item: Item, item_format: str | None) -> bytes:
    data = item.data
    if not isinstance(data, bytes):
        return b""
    return base64.b64decode(data) if item_format == FORMAT_B64 else data


_REMOTE_NAMES = {
    "vcard": "Contacts",
    "vcalendar": "Calendar",
    "calendar": "Calendar",
    "plain": "Notes",
    "vnote": "Notes",
}


def _remote_name(content_type: str) -> str | None:
    """The server database a data store of this preferred type syncs with."""
    subtype = content_type.lower().rsplit("/", 1)[-1].removeprefix("x-")
    name = _REMOTE_NAMES.get(subtype)
    return name if name is not None and folder_for_uri(name) is not None else None


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]
