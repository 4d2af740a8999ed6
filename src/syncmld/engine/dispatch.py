"""handle_message: one client message, applied atomically with the session state, and its reply."""

import logging
from dataclasses import replace

from syncmld.engine import auth, throttle
from syncmld.engine.access import SETTING_AUTH, refusal
from syncmld.engine.api import EngineContext, Outcome, Request, SyncSummary, session_url
from syncmld.engine.backlog import has_pending
from syncmld.engine.commands import CommandHandler
from syncmld.engine.conflicts import history_seconds
from syncmld.engine.content_work import ContentWork, Deferred, SettlingSink
from syncmld.engine.modes import SyncMode
from syncmld.engine.outgoing import Budget, fill_sync, plan_changes
from syncmld.engine.params import parse_params
from syncmld.engine.replies import ReplyBuilder
from syncmld.engine.session import Phase, SessionState
from syncmld.errors import RemoteError
from syncmld.protocol.codec import decode_xml, encode_xml, encoded_size
from syncmld.protocol.messages import Alert, Chal, LocRef, Meta, Sync, SyncHdr, SyncML
from syncmld.status import StatusCode
from syncmld.store.base import Account, DeviceSync, SessionRecord, Store, SyncState, Transaction

log = logging.getLogger("syncmld.engine")

SIZE_MARGIN = 512
"""Bytes kept free below the device's MaxMsgSize, for what the size estimate does not see."""


def handle_message(request: Request, store: Store, ctx: EngineContext) -> Outcome:
    """Apply one client message and return the reply; the store sees all of it or none of it. A
    large object is converted between attempts, with no transaction open (see ``content_work``)."""
    work = ContentWork(large=ctx.settings.max_msg_size)
    if ctx.backups is not None:
        ctx = replace(ctx, backups=SettlingSink(ctx.backups, work))
    while True:
        try:
            return _handle(request, store, ctx, work)
        except Deferred as deferred:
            log.info(
                "device %s message %s: %s done outside the store transaction",
                request.message.header.source.uri,
                request.message.header.msg_id,
                deferred,
            )
            work.do(deferred)


def _handle(request: Request, store: Store, ctx: EngineContext, work: ContentWork) -> Outcome:
    header = request.message.header
    with store.transaction() as tx:
        record = tx.load_session(request.session_token) if request.session_token else None
        if request.session_token and record is None:
            raise RemoteError(f"unknown or expired session {request.session_token!r}", StatusCode.NOT_FOUND)
        if record is not None:
            state = SessionState.from_bytes(record.state)
            if state.device_ref != header.source.uri or state.session_id != header.session_id:
                raise RemoteError(
                    f"session {request.session_token!r} belongs to device {state.device_ref!r} "
                    f"session {state.session_id!r}, not {header.source.uri!r} {header.session_id!r}",
                    StatusCode.FORBIDDEN)
            if header.msg_id == state.last_msg_id and record.last_reply is not None:
                log.info("resent message %s of session %s answered again", header.msg_id, record.token)
                return Outcome(decode_xml(record.last_reply), state.account_email, state.device_ref, resent=True)
            token = record.token
            header_status, chal, delay = StatusCode.OK, None, 0.0
        else:
            gate = throttle.admit(tx, header, request.client_address, ctx.settings.throttle, ctx.clock())
            if gate.refused_by is not None:
                return Outcome(_refusal(request.message, StatusCode.FORBIDDEN, None), None, header.source.uri)
            delay = gate.delay
            checked = auth.authenticate(tx, header, tx.get_setting(SETTING_AUTH) or ctx.settings.auth, ctx.clock(),
                                        lambda account: refusal(tx, account))
            if checked.account is not None or checked.failed_login:
                gate.note_result(tx, checked.account is not None, ctx.clock())
            if checked.account is None:
                log.warning("login refused for device %s (user %r): %s", header.source.uri,
                            header.source.name, checked.reason)
                return Outcome(_refusal(request.message, checked.status, checked.chal), None, header.source.uri,
                               delay=delay)
            tx.delete_sessions_before(ctx.clock() - ctx.settings.session_timeout)
            tx.purge_history(ctx.clock() - history_seconds(tx))
            token = ctx.new_token()
            state = _new_session(tx, request, ctx, checked.account, token)
            header_status, chal = checked.status, checked.chal
        reply, summaries = _process(tx, state, request, ctx, work, token, header_status, chal)
        tx.save_session(SessionRecord(token, state.account_id, state.to_bytes(), encode_xml(reply), ctx.clock()))
    return Outcome(reply, state.account_email, state.device_ref, summaries, delay=delay)


def session_exists(store: Store, token: str) -> bool:
    """Whether ``token`` names a session the store holds: its messages come from a device that logged in."""
    with store.transaction() as tx:
        return tx.has_session(token)


def _new_session(
    tx: Transaction, request: Request, ctx: EngineContext, account: Account, token: str
) -> SessionState:
    header = request.message.header
    device = tx.ensure_device(account.id, header.source.uri)
    previous_token = tx.last_device_session(device.id)
    tx.note_device_session(device.id, token)
    _, hash_sign, fragment = header.target.uri.partition("#")
    params = parse_params(request.url + hash_sign + fragment)
    state = SessionState(
        version=header.version.value, device_ref=header.source.uri, session_id=header.session_id, token=token,
        previous_token=previous_token, account_id=account.id, account_email=account.email, device_id=device.id,
        started_at=ctx.clock(),
        url_mode=SyncMode.CLIENT_RESET if params.reset else params.sync,
        param_errors=params.errors, format_preference=params.format)
    if params.backup is not None:
        if ctx.backups is None:
            log.warning("backup asked for by %s but this server keeps no backups", header.source.uri)
        else:
            state.backup_archive = ctx.backups.start(account.email, params.backup, ctx.clock())
            log.info("session of %s backs up what arrives to %s", header.source.uri, state.backup_archive)
    if params.push:
        log.info("device %s asked for push; server-alerted sync is not offered yet", header.source.uri)
    return state


def _process(
    tx: Transaction, state: SessionState, request: Request, ctx: EngineContext, work: ContentWork, token: str,
    header_status: StatusCode, chal: Chal | None,
) -> tuple[SyncML, tuple[SyncSummary, ...]]:
    message = request.message
    header = message.header
    if header.meta is not None:
        state.client_max_msg_size = header.meta.max_msg_size or state.client_max_msg_size
        state.client_max_obj_size = header.meta.max_obj_size or state.client_max_obj_size
    for ds in state.datastores:
        ds.delivered()
    builder = ReplyBuilder(header.msg_id)
    builder.header_status(header, header_status, chal)
    handler = CommandHandler(tx, state, builder, ctx, work)
    phase_before = state.phase
    for command in message.commands:
        handler.handle(command)
    if handler.arrived and state.backup_archive and ctx.backups is not None:
        ctx.backups.add_items(state.backup_archive, handler.arrived)
    state.last_msg_id = header.msg_id

    # A client answering a message of the server's package waits for the next one, Alert 222 or not.
    client_waits = message.final or phase_before == Phase.SENDING or any(
        isinstance(command, Alert) and command.code == 222 for command in message.commands)
    first_changes = False
    summaries: tuple[SyncSummary, ...] = ()
    if state.suspended:
        log.info("device %s suspended session %s: it can be resumed", state.device_ref, token)
    elif message.final:
        if phase_before == Phase.INIT and not handler.saw_sync:
            state.phase = Phase.SYNC
            handler.ask_for_devinf_if_needed()
        elif phase_before in (Phase.INIT, Phase.SYNC):
            for ds in state.datastores:
                if not ds.planned:
                    plan_changes(tx, state, ds)
            state.phase = Phase.SENDING
            first_changes = True
        elif phase_before == Phase.MAP:
            summaries = _finish(tx, state, ctx)
            state.phase = Phase.DONE

    reply_header = _reply_header(header, state, request.url, token, ctx)
    final = client_waits
    if state.phase == Phase.SENDING and client_waits and not state.suspended:
        final = _fill_changes(tx, state, builder, reply_header, request, first_changes)
        if final:
            state.phase = Phase.MAP
    return builder.build(reply_header, final), summaries


def _fill_changes(
    tx: Transaction, state: SessionState, builder: ReplyBuilder, reply_header: SyncHdr, request: Request,
    first: bool,
) -> bool:
    """Add the server's changes that fit; True when all of them are now on their way."""
    limit = state.client_max_msg_size or 1_000_000_000
    base = encoded_size(builder.build(reply_header, True), request.encoding)
    budget = Budget(remaining=limit - base - SIZE_MARGIN, fresh=limit - 2048 - SIZE_MARGIN)
    for ds in state.datastores:
        sync = fill_sync(tx, state, ds, budget, always=first,
                         measure=lambda sync: _sync_size(sync, reply_header, request))
        if sync is not None:
            builder.add(sync)
    return all(not has_pending(ds) and ds.outgoing is None for ds in state.datastores)


def _sync_size(sync: Sync, header: SyncHdr, request: Request) -> int:
    """Encoded bytes a Sync adds to a message."""
    with_sync = encoded_size(SyncML(header, (sync,), True), request.encoding)
    without = encoded_size(SyncML(header, (), True), request.encoding)
    return with_sync - without


def _finish(tx: Transaction, state: SessionState, ctx: EngineContext) -> tuple[SyncSummary, ...]:
    """The client has everything: store the new anchors and report each folder's sync."""
    summaries = []
    duration = (ctx.clock() - state.started_at) * 1000
    for ds in state.datastores:
        seq = ds.upto_seq if ds.upto_seq is not None else ds.since_seq
        tx.set_sync_state(SyncState(state.device_id, ds.folder_id, ds.client_next, ds.server_next, seq,
                                    (ds.client_last, ds.server_last)))
        received = f"added:{ds.received.added},replaced:{ds.received.replaced},deleted:{ds.received.deleted}"
        sent = f"added:{ds.sent.added},replaced:{ds.sent.replaced},deleted:{ds.sent.deleted}"
        tx.record_device_sync(DeviceSync(state.device_id, ds.folder_name, SyncMode(ds.mode).label, "ok",
                                         ctx.clock(), received, sent))
        summaries.append(SyncSummary(
            account=state.account_email, device=state.device_ref, folder=ds.folder_name,
            mode=SyncMode(ds.mode).label, reason=ds.reason,
            received={"added": ds.received.added, "replaced": ds.received.replaced,
                      "deleted": ds.received.deleted, "failed": ds.received.failed},
            sent={"added": ds.sent.added, "replaced": ds.sent.replaced, "deleted": ds.sent.deleted},
            duration_ms=duration,
        ))
    return tuple(summaries)


def _reply_header(header: SyncHdr, state: SessionState, url: str, token: str, ctx: EngineContext) -> SyncHdr:
    state.server_msg_id += 1
    return SyncHdr(
        version=header.version, session_id=header.session_id, msg_id=str(state.server_msg_id),
        target=LocRef(header.source.uri, header.source.name), source=LocRef(header.target.uri),
        resp_uri=session_url(url, token),
        meta=Meta(max_msg_size=ctx.settings.max_msg_size, max_obj_size=ctx.settings.max_obj_size),
    )


def _refusal(message: SyncML, code: StatusCode, chal: Chal | None) -> SyncML:
    """The reply to a message whose sender could not be authenticated: every command gets the
    header's code, nothing is applied, no session is opened."""
    header = message.header
    builder = ReplyBuilder(header.msg_id)
    builder.header_status(header, code, chal)
    for command in message.commands:
        builder.status(command, code)
    reply_header = SyncHdr(
        version=header.version, session_id=header.session_id, msg_id="1",
        target=LocRef(header.source.uri, header.source.name), source=LocRef(header.target.uri))
    return builder.build(reply_header, message.final)
