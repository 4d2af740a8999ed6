"""handle_message: one client message, applied atomically with the session state, and its reply."""

import logging
from dataclasses import replace

from syncmld.engine import auth, mail, push, session_lists, throttle
from syncmld.engine.access import refusal
from syncmld.engine.api import EngineContext, Outcome, Request, SyncSummary, session_url
from syncmld.engine.backlog import has_pending
from syncmld.engine.commands import CommandHandler
from syncmld.engine.content_work import ContentWork, Deferred, SettlingSink
from syncmld.engine.folders import FolderKind
from syncmld.engine.formats import used_format
from syncmld.engine.identifiers import check_message
from syncmld.engine.modes import SyncMode, sends_to_client
from syncmld.engine.nonces import Nonces
from syncmld.engine.outgoing import Expand, Room, fill_sync, plan_changes
from syncmld.engine.params import parse_params
from syncmld.engine.phases import Action, Event, package_end, step
from syncmld.engine.replies import Reply, ReplyBuilder
from syncmld.engine.session import Phase, SessionState
from syncmld.errors import LocalError, RemoteError
from syncmld.history.recording import sync_session
from syncmld.mail.model import MailChanges
from syncmld.protocol.codec import decode, encode
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MAC, AlertCode
from syncmld.protocol.encoder import Encoding, MessageEncoder
from syncmld.protocol.messages import Alert, Chal, LocRef, Meta, SyncHdr
from syncmld.settings import AUTH, SYNCML, ReadTogether
from syncmld.status import StatusCode
from syncmld.store.base import Account, Device, DeviceSync, SessionRecord, Store, SyncState, Transaction
from syncmld.store.pushes import PushForm

log = logging.getLogger("syncmld.engine")

HEAD_ROOM = 2560
"""Bytes the header and statuses of a message may take: a change larger than the device's MaxMsgSize
less this goes as a large object, in pieces."""


def handle_message(request: Request, store: Store, ctx: EngineContext) -> Outcome:
    """Apply one client message and return the reply; the store sees all of it or none of it. A
    large object is converted between attempts, with no transaction open (see ``content_work``)."""
    work = ContentWork(large=ctx.settings.max_msg_size)
    if ctx.backups is not None:
        ctx = replace(ctx, backups=SettlingSink(ctx.backups, work))
    while True:
        try:
            outcome = _handle(request, store, ctx, work)
        except Deferred as deferred:
            log.info(
                "device %s message %s: %s done outside the store transaction",
                request.message.header.source.uri,
                request.message.header.msg_id,
                deferred,
            )
            work.do(deferred)
            continue
        mail.apply_changes(store, ctx, outcome.mail_changes)
        return outcome


def _handle(request: Request, store: Store, ctx: EngineContext, work: ContentWork) -> Outcome:
    check_message(request.message, ctx.settings.identifiers)
    with store.transaction() as tx:
        outcome = _answer(tx, request, ctx, work)
        if request.keep is not None:
            request.keep(tx, outcome)
    return outcome


def _answer(tx: Transaction, request: Request, ctx: EngineContext, work: ContentWork) -> Outcome:
    """The message applied in ``tx`` and its reply, with the session state saved."""
    header = request.message.header
    settings = ctx.settings
    nonces = Nonces(ctx.nonce_key, settings.challenge_window, settings.nonce_lifetime)
    now = ctx.clock()
    sign_reply = None
    bound = _bound_session(tx, request, now, settings.session_timeout)
    if bound is not None:
        record, state = bound
        kept = tx.kept_reply(record.token) if header.msg_id == state.last_msg_id else None
        if kept is not None:
            log.info("resent message %s of session %s answered again", header.msg_id, record.token)
            body = _in_encoding(kept, state.reply_encoding, request.encoding)
            return Outcome(
                None,
                body,
                request.encoding,
                state.account_email,
                state.device_ref,
                resent=True,
                account_id=state.account_id,
            )
        token = record.token
        header_status, chal, delay = StatusCode.OK, None, 0.0
        device: Device | None = None
        if state.auth_type == AUTH_MAC:
            signed = auth.check_session_mac(tx, request, state.account_id, nonces, now)
            if isinstance(signed, str):
                log.warning("message %s of session %s refused: %s", header.msg_id, token, signed)
                refused = _refusal(request, StatusCode.INVALID_CREDENTIALS, None)
                return Outcome(refused.message, refused.body, refused.encoding, None, header.source.uri)
            chal, sign_reply = signed
    else:
        wrong_type = auth.wrong_type_key(request)
        gate = throttle.admit(tx, request, settings.throttle, now, aside=(wrong_type,))
        if gate.refused_by is not None:
            refused = _refusal(request, StatusCode.FORBIDDEN, None)
            return Outcome(refused.message, refused.body, refused.encoding, None, header.source.uri)
        delay = gate.delay
        login_settings = ReadTogether(tx, (AUTH.name, SYNCML.name))
        checked = auth.authenticate(
            tx,
            request,
            AUTH.read(login_settings),
            nonces,
            settings.throttle,
            now,
            lambda account: refusal(tx, account, login_settings),
            wrong_type in gate.noted_aside,
        )
        if checked.account is not None or checked.failed_login:
            gate.note_result(tx, checked.account is not None, now)
        if checked.account is None:
            if checked.failed_login:
                log.warning(
                    "login refused for device %s (user %r): %s",
                    header.source.uri,
                    header.source.name,
                    checked.reason,
                )
            else:
                log.info(
                    "login of device %s (user %r) challenged: %s",
                    header.source.uri,
                    header.source.name,
                    checked.reason,
                )
            refused = _refusal(request, checked.status, checked.chal)
            return Outcome(
                refused.message,
                refused.body,
                refused.encoding,
                None,
                header.source.uri,
                delay=delay,
                challenge=not checked.failed_login,
            )
        shown = auth.basic_login(header.cred) if checked.auth_type == AUTH_BASIC and header.cred else None
        if shown is not None:
            mail.keep_password(tx, checked.account.id, checked.account.email, shown[1])
        token = ctx.new_token()
        state, device = _new_session(tx, request, ctx, checked.account, token)
        state.auth_type = checked.auth_type
        header_status, chal, sign_reply = checked.status, checked.chal, checked.sign_reply
    tx.record_changes_as(sync_session(state.account_id, state.device_id, state.device_ref, state.started_at, token))
    reply, summaries, mail_changes = _process(tx, state, request, ctx, work, token, header_status, chal, device)
    state.reply_encoding = reply.encoding
    for ds in state.datastores:
        session_lists.keep(tx, token, ds, settings.max_session_items)
    saved = SessionRecord(token, state.account_id, state.to_bytes(), now)
    if bound is None:
        tx.add_session(saved, reply.body)
    elif not tx.save_session(saved, reply.body):
        raise RemoteError(f"session {token!r} ended while its message was answered", StatusCode.NOT_FOUND)
    return Outcome(
        reply.message,
        reply.body,
        reply.encoding,
        state.account_email,
        state.device_ref,
        summaries,
        delay=delay,
        mail_changes=mail_changes,
        sign_reply=sign_reply,
        account_id=state.account_id,
    )


def _bound_session(
    tx: Transaction, request: Request, now: float, timeout: float
) -> tuple[SessionRecord, SessionState] | None:
    """The live session the message's token names, which must be the one of the message's device and session
    id (RemoteError otherwise); None for a message without a token (a login)."""
    token = request.session_token
    if not token:
        return None
    record = tx.load_session(token)
    if record is None or record.updated_at < now - timeout:
        raise RemoteError(f"unknown or expired session {token!r}", StatusCode.NOT_FOUND)
    state = SessionState.from_bytes(record.state)
    header = request.message.header
    if state.device_ref != header.source.uri or state.session_id != header.session_id:
        raise RemoteError(
            f"session {token!r} belongs to device {state.device_ref!r} "
            f"session {state.session_id!r}, not {header.source.uri!r} {header.session_id!r}",
            StatusCode.FORBIDDEN,
        )
    return record, state


def session_account(tx: Transaction, request: Request, ctx: EngineContext) -> int | None:
    """The account of the live session a message belongs to (its token names it, its device and session id
    are the session's); None when it belongs to none."""
    try:
        bound = _bound_session(tx, request, ctx.clock(), ctx.settings.session_timeout)
    except RemoteError:
        return None
    return None if bound is None else bound[0].account_id


def _in_encoding(reply: bytes, stored: Encoding, wanted: Encoding) -> bytes:
    """A stored reply sent again in the encoding of the message it answers (the one kept, unless the
    client sent that message again in the other encoding)."""
    if stored is wanted:
        return reply
    return encode(decode(reply, stored.content_type).message, wanted)


def session_exists(store: Store, token: str) -> bool:
    """Whether ``token`` names a session the store holds: its messages come from a device that logged in."""
    with store.reading() as tx:
        return tx.has_session(token)


def _new_session(
    tx: Transaction, request: Request, ctx: EngineContext, account: Account, token: str
) -> tuple[SessionState, Device]:
    """The session a login opens, and the device's row it read."""
    header = request.message.header
    login = tx.device_at_login(account.id, header.source.uri)
    device = login.device
    tx.note_device_session(device.id, token)
    _, hash_sign, fragment = header.target.uri.partition("#")
    params = parse_params(request.url + hash_sign + fragment)
    state = SessionState(
        version=header.version,
        device_ref=header.source.uri,
        session_id=header.session_id,
        token=token,
        previous_token=login.previous_token,
        account_id=account.id,
        account_email=account.email,
        device_id=device.id,
        started_at=ctx.clock(),
        url_mode=SyncMode.CLIENT_RESET if params.reset else params.sync,
        param_errors=params.errors,
        format_preference=params.format,
    )
    if params.backup is not None:
        if ctx.backups is None:
            log.warning("backup asked for by %s but this server keeps no backups", header.source.uri)
        else:
            try:
                state.backup_archive = ctx.backups.start(account.email, params.backup, ctx.clock())
            except LocalError as error:
                log.error("no backup for the session of %s: %s", header.source.uri, error)
                state.param_errors.append(f"backup={params.backup}: no archive could be started (see the server log)")
            else:
                log.info("session of %s backs up what arrives to %s", header.source.uri, state.backup_archive)
    form = PushForm(header.version.value, request.encoding is Encoding.WBXML)
    push.session_started(tx, device.id, header.source.uri, params.push, login.push_form, form)
    return state, device


def _process(
    tx: Transaction,
    state: SessionState,
    request: Request,
    ctx: EngineContext,
    work: ContentWork,
    token: str,
    header_status: StatusCode,
    chal: Chal | None,
    device: Device | None,
) -> tuple[Reply, tuple[SyncSummary, ...], tuple[MailChanges, ...]]:
    message = request.message
    header = message.header
    if header.meta is not None:
        state.client_max_msg_size = header.meta.max_msg_size or state.client_max_msg_size
        state.client_max_obj_size = header.meta.max_obj_size or state.client_max_obj_size
    for ds in state.datastores:
        ds.delivered()
    builder = ReplyBuilder(header.msg_id)
    builder.header_status(header, header_status, chal)
    handler = CommandHandler(tx, state, builder, ctx, work, device)
    phase_before = state.phase
    for command in message.commands:
        handler.handle(command)
    mail_seq_before = handler.mail_seq_before
    mail_changes = tuple(
        found
        for ds in state.datastores
        if ds.folder_kind == FolderKind.MAIL and mail_seq_before is not None
        for found in mail.device_changes(tx, state, ds, mail_seq_before)
    )
    handler.forget_deleted()
    if handler.arrived and state.backup_archive and ctx.backups is not None:
        ctx.backups.add_items(state.backup_archive, handler.arrived)
    state.last_msg_id = header.msg_id

    # A client answering a message of the server's package waits for the next one, Alert 222 or not.
    client_waits = (
        message.final
        or phase_before == Phase.SENDING
        or any(isinstance(command, Alert) and command.data == AlertCode.NEXT_MESSAGE for command in message.commands)
    )
    summaries: tuple[SyncSummary, ...] = ()
    first_changes = False
    if state.suspended:
        log.info("device %s suspended session %s: it can be resumed", state.device_ref, token)
    elif message.final:
        event = package_end(phase_before, handler.saw_sync, bool(state.datastores))
        first_changes, summaries = _advance(tx, state, ctx, handler, event, request.encoding)

    reply_header = _reply_header(header, state, request.url, token, ctx)
    encoder = builder.seal(reply_header, request.encoding)
    final = client_waits
    if state.phase == Phase.SENDING and client_waits and not state.suspended:
        expand = mail.expander(tx, state, ctx, work)
        final = _fill_changes(tx, state, builder, encoder, first_changes, expand)
        if final:
            _advance(tx, state, ctx, handler, Event.ALL_SENT, request.encoding)
            if not any(sends_to_client(ds.mode) for ds in state.datastores):
                _, summaries = _advance(tx, state, ctx, handler, Event.NOTHING_TO_MAP, request.encoding)
    return builder.build(final), summaries, mail_changes


def _advance(
    tx: Transaction,
    state: SessionState,
    ctx: EngineContext,
    handler: CommandHandler,
    event: Event | None,
    encoding: Encoding,
) -> tuple[bool, tuple[SyncSummary, ...]]:
    """Take the step of the phase table ``event`` calls for, if any, and do its action: whether the
    device's changes were planned, and the folder syncs finished (in ``encoding``)."""
    found = step(state.phase, event)
    if found is None:
        return False, ()
    state.phase = found.to
    match found.action:
        case Action.ASK_FOR_DEVINF:
            handler.ask_for_devinf_if_needed()
        case Action.PLAN_CHANGES:
            for ds in state.datastores:
                if not ds.planned:
                    plan_changes(tx, state, ds)
            return True, ()
        case Action.FINISH:
            return False, _finish(tx, state, ctx, encoding)
        case Action.NONE:
            pass
    return False, ()


def _fill_changes(
    tx: Transaction,
    state: SessionState,
    builder: ReplyBuilder,
    encoder: MessageEncoder,
    first: bool,
    expand: Expand,
) -> bool:
    """Write the server's changes that fit; True when all of them are now on their way."""
    limit = state.client_max_msg_size or 1_000_000_000
    room = Room(limit=limit, fresh=limit - HEAD_ROOM)
    for ds in state.datastores:
        sync = fill_sync(tx, state, ds, encoder, room, always=first, expand=expand)
        if sync is not None:
            builder.written(sync)
    return all(not has_pending(ds) and ds.outgoing is None for ds in state.datastores)


def _finish(tx: Transaction, state: SessionState, ctx: EngineContext, encoding: Encoding) -> tuple[SyncSummary, ...]:
    """The client has everything: store the new anchors and record and report each folder's sync, with the
    format it used."""
    summaries = []
    duration = (ctx.clock() - state.started_at) * 1000
    push.sync_finished(tx, state)
    for ds in state.datastores:
        seq = ds.upto_seq if ds.upto_seq is not None else ds.since_seq
        tx.set_sync_state(
            SyncState(
                state.device_id, ds.folder_id, ds.client_next, ds.server_next, seq, (ds.client_last, ds.server_last)
            )
        )
        received = f"added:{ds.received.added},replaced:{ds.received.replaced},deleted:{ds.received.deleted}"
        sent = f"added:{ds.sent.added},replaced:{ds.sent.replaced},deleted:{ds.sent.deleted}"
        used = used_format(ds.wire_type, encoding, state.version)
        tx.record_device_sync(
            DeviceSync(state.device_id, ds.folder_name, ds.mode.label, "ok", ctx.clock(), received, sent, used)
        )
        summaries.append(
            SyncSummary(
                account=state.account_email,
                device=state.device_ref,
                folder=ds.folder_name,
                mode=ds.mode.label,
                reason=ds.reason,
                received={
                    "added": ds.received.added,
                    "replaced": ds.received.replaced,
                    "deleted": ds.received.deleted,
                    "failed": ds.received.failed,
                },
                sent={"added": ds.sent.added, "replaced": ds.sent.replaced, "deleted": ds.sent.deleted},
                duration_ms=duration,
            )
        )
    return tuple(summaries)


def _reply_header(header: SyncHdr, state: SessionState, url: str, token: str, ctx: EngineContext) -> SyncHdr:
    state.server_msg_id += 1
    return SyncHdr(
        version=header.version,
        session_id=header.session_id,
        msg_id=str(state.server_msg_id),
        target=LocRef(header.source.uri, header.source.name),
        source=LocRef(header.target.uri),
        resp_uri=session_url(url, token),
        meta=Meta(max_msg_size=ctx.settings.max_msg_size, max_obj_size=ctx.settings.max_obj_size),
    )


def _refusal(request: Request, code: StatusCode, chal: Chal | None) -> Reply:
    """The reply to a message whose sender could not be authenticated: every command gets the
    header's code, nothing is applied, no session is opened."""
    message = request.message
    header = message.header
    builder = ReplyBuilder(header.msg_id)
    builder.header_status(header, code, chal)
    for command in message.commands:
        builder.status(command, code)
    reply_header = SyncHdr(
        version=header.version,
        session_id=header.session_id,
        msg_id="1",
        target=LocRef(header.source.uri, header.source.name),
        source=LocRef(header.target.uri),
    )
    builder.seal(reply_header, request.encoding)
    return builder.build(message.final)
