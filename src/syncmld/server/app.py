"""The SyncML endpoint: the only code that sees HTTP.

One POST carries one SyncML message: the body is read under a size limit, decoded, handed to the
engine in the thread pool, and the reply is encoded in the encoding the client used. A body that is
not SyncML is answered with an HTTP error and a one-line reason; a failure of ours with HTTP 500
and the traceback in the server log only, never in the response.

A message without a session (a login) may cost little: its body is read under a much smaller limit,
only a few are decoded and answered at once (``login_gate``), and ``--log-messages`` logs only the
start of one that does not log in.
"""

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import anyio
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.requests import Request as HTTPRequest
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from syncmld import __version__
from syncmld.accounts import body_digest
from syncmld.backup import BackupStore
from syncmld.caches import configure as configure_caches
from syncmld.config import ServerConfig, backups_dir
from syncmld.engine import handle_message, session_account, session_exists
from syncmld.engine.api import (
    SESSION_PARAM,
    EngineContext,
    EngineSettings,
    Outcome,
    Request,
    SyncSummary,
    split_session_url,
)
from syncmld.engine.housekeeping import sweep_store
from syncmld.errors import ConfigError, DecodeError, LocalError, RemoteError
from syncmld.log import MultiLine, install_escaping, set_log_session
from syncmld.mail.gateway import MailServers
from syncmld.protocol.codec import Decoded, Encoding, decode
from syncmld.protocol.hmac_header import HEADER as HMAC_HEADER
from syncmld.protocol.hmac_header import MacHeaderError, mac_header, read_mac_header
from syncmld.protocol.logview import render_for_log
from syncmld.protocol.messages import Atomic, Command, Sequence, Status, Sync, SyncML
from syncmld.push.mail_watch import watch_mail_periodically
from syncmld.push.worker import deliver_periodically
from syncmld.server.asgi import SyncMLFirst
from syncmld.server.body import BodyTooLarge, read_body
from syncmld.server.dav import dav_routes
from syncmld.server.live_sessions import LiveSessions
from syncmld.server.login_gate import GateFull, LoginGate
from syncmld.server.responses import busy, internal_error, plain_error
from syncmld.server.threads import MessageThreads
from syncmld.server.timeline import Exchanged, Timeline
from syncmld.server_key import derived_key, load_server_key
from syncmld.status import StatusCode
from syncmld.store.base import Store, Transaction
from syncmld.upstream.runner import UpstreamRunner
from syncmld.web import ADMIN_PATH, admin_app

logger = logging.getLogger(__name__)

RESPONSE_CONTENT_TYPES = {
    Encoding.XML: f"{Encoding.XML.content_type}; charset=UTF-8",
    Encoding.WBXML: Encoding.WBXML.content_type,
}
HTTP_STATUS_FOR_DECODE_ERROR = {
    StatusCode.ENTITY_TOO_LARGE: 413,
    StatusCode.UNSUPPORTED_MEDIA_TYPE: 415,
}
"""A DecodeError answers HTTP 400 unless its SyncML status has an HTTP twin listed here."""
HTTP_STATUS_FOR_REMOTE_ERROR = {StatusCode.NOT_FOUND: 404}
"""The engine's refusals of a whole message answer HTTP 400, an unknown or expired session 404."""
METRICS_PATH = "/metrics"


def engine_settings(config: ServerConfig) -> EngineSettings:
    """The plain settings the engine works with, derived from the server configuration."""
    return EngineSettings(
        max_msg_size=config.max_msg_size,
        max_obj_size=config.max_obj_size,
        session_timeout=config.session_timeout,
        throttle=config.login_throttle,
        identifiers=config.identifiers,
        nonce_lifetime=config.nonce_lifetime,
        challenge_window=config.challenge_window,
        mail_journal_max_changes=config.mail_journal_max_changes,
        mail_journal_max_bytes=config.mail_journal_max_bytes,
        mail_sends_keep=config.mail_sends_keep,
        mail_sends_max=config.mail_sends_max,
        max_session_items=config.max_session_items,
    )


def engine_context(config: ServerConfig, store: Store) -> EngineContext:
    """The engine's context: settings, backups, the nonce key derived from the server key, the mail servers' I/O."""
    return EngineContext(
        settings=engine_settings(config),
        backups=BackupStore(backups_dir(config.data_dir)),
        nonce_key=derived_key(load_server_key(config.key_file), "challenge nonces"),
        mail=MailServers(
            store,
            config.mail_timeout,
            keep_writes=config.push.mail_writes_keep,
            max_writes=config.push.mail_writes_max,
            max_sends=config.mail_sends_max,
        ),
    )


def count_commands(commands: tuple[Command, ...]) -> int:
    """Commands in a message, those inside Sync, Atomic and Sequence included."""
    total = 0
    for command in commands:
        total += 1
        if isinstance(command, Sync | Atomic | Sequence):
            total += count_commands(command.commands)
    return total


def format_counts(counts: dict[str, int]) -> str:
    return ",".join(f"{name}:{number}" for name, number in counts.items()) or "0"


def refused_commands(reply: SyncML) -> list[str]:
    """``Cmd#CmdRef code`` for each Status of a reply that refuses a command (4xx or 5xx, but not
    508, which asks for a slow sync)."""
    return [
        f"{status.cmd}#{status.cmd_ref} {int(status.data)}"
        for status in reply.commands
        if isinstance(status, Status) and status.data >= 400 and status.data != StatusCode.REFRESH_REQUIRED
    ]


def log_exchange(message: SyncML, outcome: Outcome, size_in: int, size_out: int, duration_ms: float) -> None:
    """One line per message answered, one more if the reply refuses commands (at INFO when it only
    challenges a login), then one per folder sync it finished."""
    header = message.header
    who = (outcome.account or "-", outcome.device or header.source.uri, header.session_id, header.msg_id)
    logger.info(
        "msg account=%s device=%s session=%s msgid=%s in=%dB out=%dB cmds=%d ms=%.0f%s",
        *who,
        size_in,
        size_out,
        count_commands(message.commands),
        duration_ms,
        " resent: stored reply" if outcome.resent else "",
    )
    refused = refused_commands(outcome.reply) if outcome.reply is not None else []
    if refused:
        logger.log(
            logging.INFO if outcome.challenge else logging.WARNING,
            "%s account=%s device=%s session=%s msgid=%s: %s",
            "challenged" if outcome.challenge else "refused",
            *who,
            ", ".join(refused),
        )
    for summary in outcome.summaries:
        log_summary(summary)


def log_summary(summary: SyncSummary) -> None:
    logger.log(
        logging.INFO if summary.ok else logging.WARNING,
        'sync account=%s device=%s folder=%s mode=%s reason="%s" received=%s sent=%s ms=%.0f%s',
        summary.account,
        summary.device,
        summary.folder,
        summary.mode,
        summary.reason,
        format_counts(summary.received),
        format_counts(summary.sent),
        summary.duration_ms,
        "" if summary.ok else " failed",
    )


async def sweep_periodically(store: Store, settings: EngineSettings, interval: float) -> None:
    """Every ``interval`` seconds, drop expired sessions, nonces, failed logins and item versions."""
    while True:
        await anyio.sleep(interval)
        try:
            await run_in_threadpool(sweep_store, store, settings, time.time())
        except LocalError as error:
            logger.error("sweeping expired sessions failed: %s", error)


def reply_token(reply: SyncML) -> str | None:
    """The session token a reply hands out in its RespURI, if any."""
    return None if reply.header.resp_uri is None else split_session_url(reply.header.resp_uri)[1]


@dataclass(frozen=True)
class Exchange:
    """A message decoded and answered."""

    decoded: Decoded
    outcome: Outcome
    reply: bytes
    headers: dict[str, str]
    """HTTP headers of the reply (its HMAC signature)."""
    upstream: bool
    """The account has an upstream to pull from before the session or push to after it."""
    dump_in: str | None = None
    """The message as ``--log-messages`` writes it (None when that is off)."""
    dump_out: str | None = None


@dataclass(frozen=True)
class Arrival:
    """When a message arrived, and its size."""

    at: float
    started: float
    """``time.perf_counter()`` then."""
    size: int

    def seconds(self) -> float:
        return time.perf_counter() - self.started


def create_app(store: Store, config: ServerConfig) -> SyncMLFirst:
    """The ASGI application serving SyncML at ``config.path`` with ``store``; what it logs of a client's
    messages is escaped (``syncmld.log``), and the process's caches take ``config.caches``."""
    # Imported here: under ``serve``, prometheus_client must first see the metrics directory serve makes.
    from syncmld.server.metrics import Metrics

    install_escaping()
    configure_caches(config.caches)
    metrics = Metrics(store, config.session_timeout)
    timeline = Timeline(config.timeline_dump_size, config.wire.live_sessions)
    context = engine_context(config, store)
    logins = LoginGate(config.wire.login_concurrency, config.wire.login_queue)
    threads = MessageThreads(config.wire.message_threads)
    live = LiveSessions(config.wire.live_sessions, config.session_timeout)
    upstreams = UpstreamRunner(store, config.upstream)

    def answer(request: Request) -> tuple[Outcome, dict[str, str]]:
        """The engine's answer and its headers."""
        outcome = handle_message(request, store, context)
        headers = {HMAC_HEADER: mac_header(outcome.sign_reply(outcome.body))} if outcome.sign_reply else {}
        return outcome, headers

    def keep_failure(request: Request, failed: Exchanged, error: str) -> None:
        """A message that failed, kept with ``error`` in the timeline of the live session it belongs to."""
        try:
            with store.transaction() as tx:
                account_id = session_account(tx, request, context)
                if account_id is not None:
                    timeline.keep_failure(tx, failed, account_id, error)
        except LocalError as unkept:
            logger.error("could not keep the failed message in the session's timeline: %s", unkept)

    def dump(message: SyncML | Outcome) -> str | None:
        """With --log-messages: the message as it is logged, its session token hidden (a stored reply sent
        again is read back for it)."""
        if not config.log_messages:
            return None
        shown = message.message() if isinstance(message, Outcome) else message
        return render_for_log(shown, secret_params=(SESSION_PARAM,))

    def log_message(direction: str, text: str | None, whole: bool) -> None:
        """Log a message's ``dump``, or only its start when it did not log in."""
        if text is None:
            return
        shown = text
        limit = config.wire.log_login_bytes
        if not whole and len(text) > limit:
            shown = f"{text[:limit]}\n[cut: {len(text) - limit} more characters of a message that did not log in]"
        logger.info("message %s:%s", direction, MultiLine("\n" + shown))

    def exchange(
        http: HTTPRequest, body: bytes, arrival: Arrival, limit: int, in_session: bool, url: str, token: str | None
    ) -> Exchange | Response:
        """Decode the body (WBXML within ``decoded_ratio`` times ``limit``) and answer it, in one turn of a worker
        thread; the timeline keeps the message in the message's own transaction, or with its error in one of its
        own when it fails."""
        client = http.client.host if http.client else ""
        try:
            decoded = decode(body, http.headers.get("content-type", ""), config.wire.decoded_ratio * limit)
        except DecodeError as error:
            logger.warning("refused a message from %s: %s", client, error)
            return plain_error(HTTP_STATUS_FOR_DECODE_ERROR.get(error.status, 400), str(error))
        dump_in = dump(decoded.message)
        dumps_out: list[str | None] = []
        """What ``keep`` wrote of the reply, for the log."""
        upstream: list[bool] = []
        """What ``keep`` read: whether the upstream has work (an account that has one, logging in or ending a
        session that changed something)."""

        def timed(size_out: int, logged_in: bool, dump_out: str | None, session: str | None) -> Exchanged:
            """The message of ``session`` as the timeline keeps it (the dumps of a logged-in one only)."""
            return Exchanged(
                session,
                decoded.message,
                decoded.encoding,
                arrival.at,
                arrival.seconds(),
                arrival.size,
                size_out,
                dump_in if logged_in else None,
                dump_out if logged_in else None,
            )

        def keep(tx: Transaction, outcome: Outcome) -> None:
            logged_in = outcome.account is not None
            dumps_out.append(dump(outcome) if logged_in else None)
            session = token or reply_token(outcome.message())
            timeline.keep(tx, timed(len(outcome.body), logged_in, dumps_out[-1], session), outcome)
            ends = not in_session or bool(outcome.summaries)
            upstream[:] = [outcome.account_id is not None and ends and upstreams.linked(tx, outcome.account_id)]

        request = Request(decoded.message, decoded.encoding, url, token, client, keep=keep)
        signed = http.headers.get(HMAC_HEADER)
        try:
            signed_request = (
                request if signed is None else replace(request, mac=read_mac_header(signed, body_digest(body)))
            )
            outcome, headers = answer(signed_request)
        except (MacHeaderError, RemoteError) as error:
            log_message("in", dump_in, in_session)
            logger.warning("refused a message from %s: %s", client, error)
            status = 400 if isinstance(error, MacHeaderError) else HTTP_STATUS_FOR_REMOTE_ERROR.get(error.status, 400)
            response, reason = plain_error(status, str(error)), str(error)
        except ConfigError as error:
            log_message("in", dump_in, in_session)
            logger.error("failed to answer a message from %s: %s", client, error)
            response, reason = internal_error(), str(error)
        except Exception as error:
            log_message("in", dump_in, in_session)
            logger.exception("failed to answer a message from %s", client)
            response, reason = internal_error(), f"{type(error).__name__} (the traceback is in the server log)"
        else:
            dump_out = dumps_out[-1] if dumps_out and dumps_out[-1] is not None else dump(outcome)
            return Exchange(decoded, outcome, outcome.body, headers, any(upstream), dump_in, dump_out)
        if in_session:
            failed = timed(len(response.body), True, None, token)
            keep_failure(request, failed, f"HTTP {response.status_code}: {reason}")
        return response

    async def syncml(http: HTTPRequest) -> Response:
        started, arrived_at = time.perf_counter(), time.time()
        client = http.client.host if http.client else ""
        try:
            url, token = split_session_url(str(http.url))
        except RemoteError as error:
            logger.warning("refused a message from %s: %s", client, error)
            return plain_error(400, str(error))
        set_log_session(token)
        try:
            in_session = token is not None and (
                live.knows(token, arrived_at) or await threads.run(started, session_exists, store, token)
            )
        except Exception:
            logger.exception("failed to look up the session of a message from %s", client)
            return internal_error()
        limit = config.body_limit if in_session else config.login_body_limit
        try:
            body = await read_body(http, limit)
        except BodyTooLarge:
            before_login = "" if in_session else " without a session"
            logger.warning("refused a message from %s: larger than %d bytes%s", client, limit, before_login)
            return plain_error(413, f"message larger than {limit} bytes{before_login}")
        except ClientDisconnect:
            logger.warning("a message from %s ended before its body was complete", client)
            return plain_error(400, "the connection ended before the message was complete")
        if not body:
            logger.warning("refused an empty message from %s", client)
            return plain_error(400, "empty message")
        arrival = Arrival(arrived_at, started, len(body))
        if in_session:
            done = await threads.run(arrival.started, exchange, http, body, arrival, limit, in_session, url, token)
        else:
            try:
                async with logins.place():
                    done = await threads.run(
                        arrival.started, exchange, http, body, arrival, limit, in_session, url, token
                    )
            except GateFull:
                logger.warning(
                    "refused a message from %s: %d logins are being answered or waiting",
                    client,
                    config.wire.login_concurrency + config.wire.login_queue,
                )
                return busy()
        if isinstance(done, Response):
            if token is not None:
                live.forget(token)
            return done
        if token is None:
            token = reply_token(done.outcome.message())
            set_log_session(token)
        if done.outcome.delay:
            await anyio.sleep(done.outcome.delay)  # a throttled login: wait without holding a thread or a place
        logged_in = in_session or done.outcome.account is not None
        if logged_in and token is not None:
            live.note(token, time.time())
        if done.outcome.account is not None and not in_session and done.upstream:
            await upstreams.before_session(done.outcome.account)
        log_message("in", done.dump_in, logged_in)
        log_message("out", done.dump_out, logged_in)
        elapsed = time.perf_counter() - started
        log_exchange(done.decoded.message, done.outcome, len(body), len(done.reply), elapsed * 1000)
        metrics.exchange(done.outcome, elapsed)
        account = done.outcome.account
        pushed = (
            BackgroundTask(upstreams.after_session, account)
            if account and done.outcome.summaries and done.upstream
            else None
        )
        return Response(
            done.reply,
            media_type=RESPONSE_CONTENT_TYPES[done.outcome.encoding],
            headers=done.headers,
            background=pushed,
        )

    async def counted(http: HTTPRequest) -> Response:
        """A message answered, its HTTP refusal counted."""
        response = await syncml(http)
        if response.status_code >= 400:
            metrics.refusal(response.status_code)
        return response

    async def about(http: HTTPRequest) -> Response:
        return PlainTextResponse(
            f"syncmld {__version__}: this is a SyncML (OMA Data Synchronization) endpoint.\n"
            f"Set {http.url.replace(query='')} as the server URL of your SyncML client and log in\n"
            "with your full e-mail address and password.\n"
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as group:
            group.start_soon(sweep_periodically, store, context.settings, config.session_sweep_interval)
            group.start_soon(upstreams.retry_periodically)
            group.start_soon(deliver_periodically, store, config.push)
            group.start_soon(watch_mail_periodically, store, config.push, config.mail_timeout)
            yield
            group.cancel_scope.cancel()

    routes: list[BaseRoute] = [Route(path, about, methods=["GET"]) for path in config.endpoint_paths]
    routes.append(Route(METRICS_PATH, metrics.endpoint, methods=["GET"]))
    routes.append(Mount(ADMIN_PATH, app=admin_app(store, config)))
    routes += dav_routes(store, config, logins)
    return SyncMLFirst(config.endpoint_paths, counted, Starlette(routes=routes, lifespan=lifespan))
