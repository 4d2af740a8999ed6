"""Handling each top-level command of a client message (Alert, Put, Get, Results, Status, Sync,
Map, ...) and writing its Status into the reply."""

import logging
import time
from datetime import UTC, datetime, timedelta

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map
from syncmld.engine import mail
from syncmld.engine.api import BackupItem, EngineContext
from syncmld.engine.content_work import ContentWork
from syncmld.engine.folders import MAIL_TREE, STANDARD_FOLDERS, FolderKind, folder_for_uri, folder_kind
from syncmld.engine.formats import UNKNOWN_FOLDER_RECORD, choose_format, family_for, refused_types_key
from syncmld.engine.identifiers import checked_map, item_problem
from syncmld.engine.incoming import SyncApplier, encryption_setting, stored_encryption
from syncmld.engine.mail_filter import read_filter
from syncmld.engine.mail_journal import JournalRoom
from syncmld.engine.modes import (
    SyncMode,
    decide_mode,
    erases_server_folder,
    is_incremental,
    is_sync_alert,
    wire_alert,
)
from syncmld.engine.params import FormatParam
from syncmld.engine.replies import ReplyBuilder
from syncmld.engine.resume import take_resumable
from syncmld.engine.server_devinf import server_devinf
from syncmld.engine.session import ChangeKind, DatastoreState, OutChange, Phase, SessionState
from syncmld.errors import DecodeError, LocalError, RemoteError
from syncmld.escape import quoted
from syncmld.mail.model import MailError
from syncmld.protocol.codec import decode_devinf_xml, encode_devinf_xml
from syncmld.protocol.constants import MIME_DEVINF_XML, AlertCode
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.messages import (
    Alert,
    Anchor,
    Command,
    Get,
    Item,
    LocRef,
    Map,
    Meta,
    Put,
    Results,
    Sequence,
    Status,
    Sync,
)
from syncmld.settings import CONFLICT, MAIL_FILTER_MAX, ReadTogether, SettingsSource
from syncmld.status import StatusCode
from syncmld.store.base import Device, DeviceSync, Folder, SyncState, Transaction

log = logging.getLogger("syncmld.engine")

ANCHOR_FORMAT = "%Y%m%dT%H%M%SZ"
_DELETE_CONFIRMED = frozenset({StatusCode.OK, StatusCode.ITEM_NOT_DELETED})
"""What a device answers to a Delete when it no longer holds the item."""


def stored_devinf(stored: bytes) -> DevInf:
    """A device's stored DevInf read back: each of its sessions reads the same one (and most send it again, the
    same, which is then not written again)."""
    return _STORED_DEVINFS.get(stored) or _STORED_DEVINFS.put(stored, decode_devinf_xml(stored), len(stored))


def same_as_stored(stored: bytes, sent: DevInf) -> None:
    """The device sent ``sent`` again, equal to its ``stored`` DevInf: ``sent`` is what ``stored`` reads back as from
    now on, so that the next session, sending the same object (the decoder keeps it), finds it unchanged at once
    instead of comparing every CTCap of two equal copies."""
    if _STORED_DEVINFS.peek(stored) is not sent:
        _STORED_DEVINFS.put(stored, sent, len(stored))


_STORED_DEVINFS: BoundedMap[bytes, DevInf] = bounded_map(
    "stored_devinfs", lambda limits: (limits.stored_devinfs, limits.devinf_bytes)
)
"""Stored DevInfs kept decoded when not too large, so that the cache's memory stays bounded whatever devices send."""


class CommandHandler:
    """Applies the commands of one message to the session and the store; ``device``, when given, is the device's
    row as the message's transaction read it already (its stored DevInf is not read again)."""

    def __init__(
        self,
        tx: Transaction,
        state: SessionState,
        builder: ReplyBuilder,
        ctx: EngineContext,
        work: ContentWork,
        device: Device | None = None,
    ) -> None:
        self.tx = tx
        self.state = state
        self.builder = builder
        self.ctx = ctx
        self.work = work
        self.saw_sync = False
        self.mail_seq_before: int | None = None
        """The store's sequence number before the message's first Sync of a mail folder (None: it had none): the
        device's changes to mail are those after it."""
        self.arrived: list[BackupItem] = []
        """Items of this message for the session's backup archive."""
        self._devinf: DevInf | None = None
        self._devinf_loaded = False
        self._stored_devinf: bytes | None = None
        """The device's DevInf as stored, once ``device_devinf`` has read it."""
        self._device = device
        self._switched: set[int] = set()
        """Folders whose type this message's 415s switched: its other 415s are for items sent in the old type."""
        self._deleted: list[str] = []
        """LUIDs of the items whose Delete the device confirmed in this message."""
        self._journal: JournalRoom | None = None
        """What the account's journal of mail changes still takes, once a Sync of a mail folder arrives."""

    def handle(self, command: Command) -> None:
        if isinstance(command, Status):
            self._status(command)
        elif isinstance(command, Alert):
            self._alert(command)
        elif isinstance(command, Put | Results):
            self._devinf_received(command)
        elif isinstance(command, Get):
            self._get(command)
        elif isinstance(command, Sync):
            self._sync(command)
        elif isinstance(command, Map):
            self._map(command)
        elif isinstance(command, Sequence):
            self.builder.status(command, StatusCode.OK)
            for nested in command.commands:
                self.handle(nested)
        else:
            log.info("%s is not supported here: answered 406", type(command).__name__)
            self.builder.status(command, StatusCode.OPTIONAL_FEATURE_NOT_SUPPORTED)

    # --- device information -------------------------------------------------------------
    def device_devinf(self) -> DevInf | None:
        """The device's DevInf: sent in this session, else the one stored from an earlier one."""
        if not self._devinf_loaded:
            self._devinf_loaded = True
            device = self._device or self.tx.ensure_device(self.state.account_id, self.state.device_ref)
            self._stored_devinf = device.devinf
            if device.devinf is not None:
                try:
                    self._devinf = stored_devinf(device.devinf)
                except DecodeError:
                    log.warning("stored DevInf of %s is unreadable; ignored", self.state.device_ref)
        return self._devinf

    def _devinf_received(self, command: Put | Results) -> None:
        devinf = next((item.data for item in command.items if isinstance(item.data, DevInf)), None)
        source = command.items[0].source.uri if command.items and command.items[0].source else None
        if devinf is None:
            self.builder.status(command, StatusCode.UNSUPPORTED_MEDIA_TYPE, source_ref=source)
            return
        if self.device_devinf() != devinf:
            self.tx.set_devinf(self.state.device_id, encode_devinf_xml(devinf))
        elif self._stored_devinf is not None:
            same_as_stored(self._stored_devinf, devinf)
        self._devinf, self._devinf_loaded, self.state.devinf_received = devinf, True, True
        for ds in self.state.datastores:
            self._choose_format(ds)
        self.builder.status(command, StatusCode.OK, source_ref=source)

    def ask_for_devinf_if_needed(self) -> None:
        """Ask the device for its DevInf when it neither sent one nor has one stored, or when the URL
        says ``format=get`` and it sent none in this session: the formats it takes and the properties
        it keeps decide what it gets."""
        if not self.state.datastores or self.state.devinf_received:
            return
        if self.device_devinf() is not None and self.state.format_preference != FormatParam.GET:
            return
        uri = self.state.version.devinf_uri
        log.info(
            "device %s sent no DevInf%s: asking for it",
            self.state.device_ref,
            " and format=get wants its current one" if self.device_devinf() is not None else "",
        )
        self.builder.add(Get(meta=Meta(type=MIME_DEVINF_XML), items=(Item(target=LocRef(uri)),)))

    def _get(self, get: Get) -> None:
        target = get.items[0].target.uri if get.items and get.items[0].target else ""
        if not target.lower().startswith("./devinf"):
            self.builder.status(get, StatusCode.NOT_FOUND, target_ref=target)
            return
        self.builder.status(get, StatusCode.OK, target_ref=target)
        version = self.state.version
        self.builder.add(
            Results(
                cmd_ref=get.cmd_id or "",
                msg_ref=self.builder.msg_ref,
                meta=Meta(type=MIME_DEVINF_XML),
                target_ref=None,
                source_ref=version.devinf_uri,
                items=(
                    Item(
                        source=LocRef(version.devinf_uri),
                        data=server_devinf(version, self.ctx.settings.server_id),
                    ),
                ),
            )
        )

    # --- sync negotiation -----------------------------------------------------------------
    def _alert(self, alert: Alert) -> None:
        code = alert.data
        if code in (AlertCode.NEXT_MESSAGE, AlertCode.DISPLAY):
            self.builder.status(alert, StatusCode.OK)
            return
        if code == AlertCode.SUSPEND:
            self.state.suspended = True
            self.builder.status(alert, StatusCode.OK)
            return
        resume = code == AlertCode.RESUME
        if resume:
            code = AlertCode.TWO_WAY
        if code is None or not is_sync_alert(code):
            log.info(
                "alert %s not supported: answered 406", "without a number" if alert.data is None else int(alert.data)
            )
            self.builder.status(alert, StatusCode.OPTIONAL_FEATURE_NOT_SUPPORTED)
            return
        item = alert.items[0] if alert.items else None
        if item is None or item.target is None or item.source is None:
            self.builder.status(alert, StatusCode.BAD_REQUEST)
            return
        problem = item_problem(item, self.ctx.settings.identifiers)
        if problem is not None:
            log.warning("device %s: Alert refused with 400: %s", self.state.device_ref, problem)
            self.builder.status(alert, StatusCode.BAD_REQUEST)
            return
        target_ref, source_ref = item.target.uri, item.source.uri
        if self.state.phase != Phase.INIT:
            self.builder.status(alert, StatusCode.COMMAND_NOT_ALLOWED, target_ref=target_ref, source_ref=source_ref)
            return
        if self.state.param_errors:
            reason = "; ".join(self.state.param_errors)
            log.warning("device %s: sync refused, bad URL parameters: %s", self.state.device_ref, reason)
            self.builder.status(
                alert,
                StatusCode.BAD_REQUEST,
                target_ref=target_ref,
                source_ref=source_ref,
                items=(Item(data=reason.encode("utf-8")),),
            )
            return
        listed = {folder.name.casefold(): folder for folder in self.tx.list_folders(self.state.account_id)}
        user_folders = frozenset(name for name in listed if name not in STANDARD_FOLDERS)
        folder_name = folder_for_uri(item.target.uri, user_folders)
        if folder_name is None:
            log.warning("device %s asked for unknown database %r: answered 404", self.state.device_ref, item.target.uri)
            self.tx.record_device_sync(
                DeviceSync(
                    self.state.device_id,
                    UNKNOWN_FOLDER_RECORD,
                    "none",
                    f"404: no folder {quoted(item.target.uri, 64)}",
                    self.ctx.clock(),
                )
            )
            self.builder.status(alert, StatusCode.NOT_FOUND, target_ref=target_ref, source_ref=source_ref)
            return
        if folder_name == FolderKind.MAIL and mail.takes_folders(self.device_devinf(), item.source.uri):
            folder_name = MAIL_TREE
        folder = listed.get(folder_name.casefold()) or self.tx.ensure_folder(self.state.account_id, folder_name)
        device_filter = None
        if folder_kind(folder_name) == FolderKind.MAIL:
            try:
                device_filter = (
                    read_filter(item.target.filter, MAIL_FILTER_MAX.read(self.tx)) if item.target.filter else None
                )
                if mail.refresh(self.tx, self.state, folder.id, folder.name, self.ctx, self.work):
                    self.tx.clear_sync_state(self.state.device_id, folder.id)
            except (MailError, RemoteError) as error:
                log.warning(
                    "device %s folder %s: answered %d: %s", self.state.device_ref, folder.name, error.status, error
                )
                self.builder.status(alert, error.status, target_ref=target_ref, source_ref=source_ref)
                return
        anchor = item.meta.anchor if item.meta and item.meta.anchor else Anchor()
        idle_since = self.state.started_at - self.ctx.settings.session_timeout
        resumed = take_resumable(self.tx, self.state, folder.id, item, anchor, idle_since) if resume else None
        if resumed is not None:
            resumed.reason = f"resumed ({resumed.reason})"
            self._open(alert, resumed, StatusCode.OK, anchor)
            return
        if resume:
            log.info(
                "device %s asked to resume the sync of %s: nothing to resume, a normal sync runs (509)",
                self.state.device_ref,
                folder.name,
            )
        previous = self.tx.get_sync_state(self.state.device_id, folder.id)
        started = previous.started_from if previous else None
        decision = decide_mode(
            code,
            self.state.url_mode,
            anchor.last,
            previous.client_anchor if previous else None,
            started[0] if started else None,
        )
        status = StatusCode.RESUME_NOT_POSSIBLE if resume and decision.status == StatusCode.OK else decision.status
        mode = decision.mode
        if mode in (SyncMode.REFRESH_FROM_SERVER, SyncMode.SLOW_TO_SERVER):
            self.tx.clear_sync_state(self.state.device_id, folder.id)
        if erases_server_folder(mode):
            self._erase_folder(folder)
        ds = DatastoreState(
            client_uri=item.source.uri,
            server_uri=item.target.uri,
            folder_id=folder.id,
            folder_name=folder.name,
            mode=mode,
            reason=decision.reason,
            client_next=anchor.next or "",
            server_next=_next_anchor(self.ctx.clock(), _server_anchor(previous)),
            client_last=anchor.last or "",
            server_last=started[1] if started and decision.missed_end else _server_anchor(previous),
            since_seq=previous.seq if previous and is_incremental(mode) else 0,
            wire_type="",
            device_properties=None,
            folder_kind=folder_kind(folder.name.casefold()),
            start_seq=self.tx.current_seq(),
        )
        folder_settings = ReadTogether(
            self.tx, (encryption_setting(self.state.device_id, folder.id), self._refused_key(ds))
        )
        ds.encryption = stored_encryption(folder_settings, self.state.device_id, folder.id)
        if device_filter is not None:
            mail.take_filter(self.tx, self.state, ds, device_filter)
        self._choose_format(ds, folder_settings)
        self._open(alert, ds, status, anchor)

    def _open(self, alert: Alert, ds: DatastoreState, status: StatusCode, anchor: Anchor) -> None:
        """Sync the data store in this session: answer the client's Alert and alert the mode."""
        self.state.datastores = [*(other for other in self.state.datastores if other.server_uri != ds.server_uri), ds]
        log.info("device %s folder %s: %s", self.state.device_ref, ds.folder_name, ds.reason)
        self.builder.status(
            alert,
            status,
            target_ref=ds.server_uri,
            source_ref=ds.client_uri,
            items=(Item(data=Anchor(next=anchor.next)),),
        )
        self.builder.add(
            Alert(
                data=wire_alert(ds.mode, alert.data),
                items=(
                    Item(
                        target=LocRef(ds.client_uri),
                        source=LocRef(ds.server_uri),
                        meta=Meta(anchor=Anchor(last=ds.server_last, next=ds.server_next)),
                    ),
                ),
            )
        )

    def _choose_format(self, ds: DatastoreState, settings: SettingsSource | None = None) -> None:
        """Choose the type the data store's items are sent in (the types it refused read from ``settings`` when
        given, else from the store)."""
        choice = choose_format(
            self.device_devinf(),
            ds.client_uri,
            ds.folder_kind,
            family_for(self.state.format_preference, ds.server_uri),
            tuple(self._refused_types(ds, settings)),
        )
        ds.wire_type, ds.device_properties, ds.other_types = choice.wire_type, choice.properties, list(choice.others)
        ds.format_from_device = choice.from_device
        log.info(
            "device %s folder %s gets %s: %s",
            self.state.device_ref,
            ds.folder_name,
            choice.wire_type or "each item in its own type",
            choice.reason,
        )

    def _erase_folder(self, folder: Folder) -> None:
        """Slow to server: back the folder up, then erase it (other devices get the deletes)."""
        folder_id, folder_name = folder.id, folder.name
        items = list(self.tx.iter_items(folder_id))
        if self.ctx.backups is None:
            raise LocalError("slow to server erases a folder but the server has no backup store")
        archive = self.ctx.backups.start(self.state.account_email, "erased", self.ctx.clock())
        self.ctx.backups.add_items(
            archive,
            (
                BackupItem(folder_name, None, stored.content_type, stored.data, folder.dav_collection)
                for stored in items
            ),
        )
        self.tx.delete_items(folder_id, [stored.guid for stored in items], self.state.device_id)
        log.info(
            "folder %s of %s: %d items backed up to %s and erased",
            folder_name,
            self.state.account_email,
            len(items),
            archive,
        )

    # --- modifications and maps -----------------------------------------------------------
    def _sync(self, sync: Sync) -> None:
        target = sync.target.uri if sync.target else ""
        source = sync.source.uri if sync.source else None
        ds = self.state.datastore_for(target, source)
        if ds is None or self.state.phase not in (Phase.INIT, Phase.SYNC):
            code = StatusCode.NOT_FOUND if ds is None else StatusCode.COMMAND_NOT_ALLOWED
            log.warning("Sync for %r refused with %d", target, code)
            self.builder.status(sync, code, target_ref=target, source_ref=source)
            for command in sync.commands:
                self.builder.status(command, code)
            return
        self.saw_sync = True
        if ds.folder_kind == FolderKind.MAIL and self.mail_seq_before is None:
            self.mail_seq_before = self.tx.current_seq()
        self.builder.status(sync, StatusCode.OK, target_ref=target, source_ref=source)
        backup = self.arrived if self.state.backup_archive else None
        policy = CONFLICT.read(self.tx, account=self.state.account_email)
        SyncApplier(
            self.tx,
            self.state,
            ds,
            self.builder,
            backup,
            policy,
            self.ctx.clock(),
            self.ctx.settings.identifiers,
            self.work,
            self.ctx.settings.max_obj_size,
            mail.outbox_sender(self.tx, self.state, self.ctx, self.work)
            if ds.folder_kind == FolderKind.OUTBOX or ds.folder_name == MAIL_TREE
            else None,
            mail.OUTBOX_GUID if ds.folder_name == MAIL_TREE else None,
            self._journal_room() if ds.folder_kind == FolderKind.MAIL else None,
        ).apply(sync)

    def _journal_room(self) -> JournalRoom:
        if self._journal is None:
            self._journal = JournalRoom.of(self.tx, self.state, self.ctx.settings)
        return self._journal

    def _map(self, map_command: Map) -> None:
        ds = self.state.datastore_for(map_command.target.uri, map_command.source.uri)
        target_ref, source_ref = map_command.target.uri, map_command.source.uri
        if ds is None:
            self.builder.status(map_command, StatusCode.NOT_FOUND, target_ref=target_ref, source_ref=source_ref)
            return
        pairs, problems = checked_map(map_command.map_items, self.ctx.settings.identifiers)
        self.tx.set_maps(self.state.device_id, ds.folder_id, pairs)
        if problems:
            log.warning(
                "device %s: Map answered 400, %d of its items left out: %s",
                self.state.device_ref,
                len(problems),
                problems[0],
            )
        self.builder.status(
            map_command,
            StatusCode.BAD_REQUEST if problems else StatusCode.OK,
            target_ref=target_ref,
            source_ref=source_ref,
        )

    def _status(self, status: Status) -> None:
        code = status.data
        if code is None:
            return
        if code >= 300 and code != StatusCode.REFRESH_REQUIRED:
            log.warning(
                "device %s answered %s %s with %d",
                self.state.device_ref,
                status.cmd,
                ",".join(status.source_refs + status.target_refs),
                code,
            )
            if code == StatusCode.UNSUPPORTED_MEDIA_TYPE and status.cmd in ("Add", "Replace"):
                self._format_refused(status)
        elif status.cmd == "Delete" and code in _DELETE_CONFIRMED:
            self._deleted.extend(status.target_refs)

    def forget_deleted(self) -> None:
        """The device no longer holds the items whose Delete it confirmed in this message: forget their
        mappings (a few statements for all of them), so that an item that comes back (an undo) goes to it
        as an Add."""
        if not self._deleted:
            return
        for ds in self.state.datastores:
            found = self.tx.guids_for_luids(self.state.device_id, ds.folder_id, self._deleted)
            states = self.tx.item_states(ds.folder_id, found.values())
            gone = [guid for guid in found.values() if guid in states and states[guid].deleted]
            if gone:
                self.tx.delete_maps(self.state.device_id, ds.folder_id, gone)

    def _format_refused(self, status: Status) -> None:
        """The device refused an item's format: switch its data store to another type it takes, for
        this session and the next ones, and send the item again in it."""
        for ds in self.state.datastores:
            if status.cmd == "Add":
                found_items = self.tx.get_items(ds.folder_id, list(status.source_refs))
                change = [OutChange(ChangeKind.ADD, guid) for guid in status.source_refs if guid in found_items]
            else:
                found = self.tx.guids_for_luids(self.state.device_id, ds.folder_id, status.target_refs)
                change = [OutChange(ChangeKind.REPLACE, guid, luid) for luid, guid in found.items()]
            if not change or not ds.wire_type:
                continue
            if not self._sent_in_old_type(ds, change) and not self._switch_type(ds):
                return
            if self.state.phase == Phase.SENDING:
                ds.queue[:0] = change
            else:
                ds.upto_seq = ds.since_seq  # the next sync sends this session's changes again
            return

    def _sent_in_old_type(self, ds: DatastoreState, change: list[OutChange]) -> bool:
        """Whether the refused item went out in a type already switched away from: one refused in the
        same message as the switch, or the large object that was on its way when it happened."""
        if ds.object_in_old_type is not None and ds.object_in_old_type in {item.guid for item in change}:
            ds.object_in_old_type = None
            return True
        return ds.folder_id in self._switched

    def _switch_type(self, ds: DatastoreState) -> bool:
        """Remember the data store's type as refused and choose another; False when there is none."""
        refused = self._refused_types(ds)
        if ds.wire_type not in refused:
            refused.append(ds.wire_type)
            self.tx.set_setting(self._refused_key(ds), ",".join(refused))
        old_type = ds.wire_type
        self._choose_format(ds)
        if ds.wire_type == old_type:
            log.warning(
                "device %s refused %s for %s and takes no other type: items stay unsent",
                self.state.device_ref,
                old_type,
                ds.folder_name,
            )
            return False
        log.info(
            "device %s refused %s for %s: switched to %s", self.state.device_ref, old_type, ds.folder_name, ds.wire_type
        )
        self._switched.add(ds.folder_id)
        if ds.outgoing is not None and ds.outgoing.content_type == old_type and ds.outgoing.guid:
            ds.object_in_old_type = ds.outgoing.guid
        return True

    def _refused_key(self, ds: DatastoreState) -> str:
        return refused_types_key(self.state.device_id, ds.folder_id)

    def _refused_types(self, ds: DatastoreState, settings: SettingsSource | None = None) -> list[str]:
        stored = (self.tx if settings is None else settings).get_setting(self._refused_key(ds))
        return stored.split(",") if stored else []


def _server_anchor(state: SyncState | None) -> str | None:
    return state.server_anchor if state else None


def _next_anchor(now: float, last: str | None) -> str:
    """The server's Next anchor: the time to the second, or a second after the ``last`` anchor when that
    is not earlier (two syncs within one second, a clock set back), so each sync's anchor is later."""
    anchor = time.strftime(ANCHOR_FORMAT, time.gmtime(now))
    if last is None or last < anchor:
        return anchor
    try:
        after = datetime.strptime(last, ANCHOR_FORMAT).replace(tzinfo=UTC) + timedelta(seconds=1)
    except ValueError:
        return anchor
    return after.strftime(ANCHOR_FORMAT)
