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
from dataclasses import dataclass

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.requests import Request as HTTPRequest
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from syncmld import __version__
from syncmld.accounts import body_digest
from syncmld.backup import BackupStore
from syncmld.config import ServerConfig, backups_dir
from syncmld.engine import handle_message, session_exists
from syncmld.engine.api import EngineContext, EngineSettings, Outcome, Request, SyncSummary, split_session_url
from syncmld.engine.housekeeping import sweep_store
from syncmld.errors import ConfigError, DecodeError, LocalError, RemoteError
from syncmld.log import MultiLine, install_escaping
from syncmld.mail.gateway import MailServers
from syncmld.protocol.codec import Decoded, Encoding, decode, encode
from syncmld.protocol.hmac_header import HEADER as HMAC_HEADER
from syncmld.protocol.hmac_header import MacHeaderError, mac_header, read_mac_header
from syncmld.protocol.logview import render_for_log
from syncmld.protocol.messages import Atomic, Command, Sequence, Status, Sync, SyncML
from syncmld.server.body import BodyTooLarge, read_body
from syncmld.server.login_gate import GateFull, LoginGate
from syncmld.server_key import derived_key, load_server_key
from syncmld.status import StatusCode
from syncmld.store.base import Store

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
RETRY_AFTER_S = 5
"""Seconds a client turned away because too many logins are under way is asked to wait."""


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
    )


def engine_context(config: ServerConfig, store: Store) -> EngineContext:
    """The engine's context: settings, backups, the nonce key derived from the server key, the mail servers' I/O."""
    return EngineContext(
        settings=engine_settings(config),
        backups=BackupStore(backups_dir(config.data_dir)),
        nonce_key=derived_key(load_server_key(config.key_file), "challenge nonces"),
        mail=MailServers(store, config.mail_timeout),
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
        f"{status.cmd}#{status.cmd_ref} {status.code}"
        for status in reply.commands
        if isinstance(status, Status) and (status.code or 0) >= 400 and status.code != StatusCode.REFRESH_REQUIRED
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
    refused = refused_commands(outcome.reply)
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


def plain_error(status: int, reason: str) -> PlainTextResponse:
    """An HTTP error with a one-line, plain-text reason."""
    return PlainTextResponse(" ".join(reason.split()) + "\n", status_code=status)


def busy() -> PlainTextResponse:
    """HTTP 503: too many logins at once; the client may try again after ``RETRY_AFTER_S``."""
    response = plain_error(503, "too many logins at once; try again shortly")
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


@dataclass(frozen=True)
class Exchange:
    """A message decoded and answered."""

    decoded: Decoded
    outcome: Outcome
    reply: bytes
    headers: dict[str, str]
    """HTTP headers of the reply (its HMAC signature)."""


def create_app(store: Store, config: ServerConfig) -> Starlette:
    """The ASGI application serving SyncML at ``config.path`` with ``store``; what it logs of a client's
    messages is escaped (``syncmld.log``)."""
    install_escaping()
    context = engine_context(config, store)
    logins = LoginGate(config.wire.login_concurrency, config.wire.login_queue)

    def answer(request: Request) -> tuple[Outcome, bytes, dict[str, str]]:
        outcome = handle_message(request, store, context)
        reply = encode(outcome.reply, request.encoding)
        headers = {HMAC_HEADER: mac_header(outcome.sign_reply(reply))} if outcome.sign_reply else {}
        return outcome, reply, headers

    def log_message(direction: str, message: SyncML, whole: bool) -> None:
        """With --log-messages: the message, or only its start when it did not log in."""
        if not config.log_messages:
            return
        text = render_for_log(message)
        shown = config.wire.log_login_bytes
        if not whole and len(text) > shown:
            text = f"{text[:shown]}\n[cut: {len(text) - shown} more characters of a message that did not log in]"
        logger.info("message %s:%s", direction, MultiLine("\n" + text))

    async def exchange(
        http: HTTPRequest, body: bytes, limit: int, in_session: bool, url: str, token: str | None
    ) -> Exchange | Response:
        """Decode the body (WBXML within ``decoded_ratio`` times ``limit``) and answer it."""
        client = http.client.host if http.client else ""
        try:
            decoded: Decoded = await run_in_threadpool(
                decode, body, http.headers.get("content-type", ""), config.wire.decoded_ratio * limit
            )
        except DecodeError as error:
            logger.warning("refused a message from %s: %s", client, error)
            return plain_error(HTTP_STATUS_FOR_DECODE_ERROR.get(error.status, 400), str(error))
        signed = http.headers.get(HMAC_HEADER)
        try:
            mac = read_mac_header(signed, body_digest(body)) if signed is not None else None
        except MacHeaderError as error:
            log_message("in", decoded.message, in_session)
            logger.warning("refused a message from %s: %s", client, error)
            return plain_error(400, str(error))
        request = Request(
            message=decoded.message,
            encoding=decoded.encoding,
            url=url,
            session_token=token,
            client_address=client,
            mac=mac,
        )
        try:
            outcome, reply, headers = await run_in_threadpool(answer, request)
        except RemoteError as error:
            log_message("in", decoded.message, in_session)
            logger.warning("refused a message from %s: %s", client, error)
            return plain_error(HTTP_STATUS_FOR_REMOTE_ERROR.get(error.status, 400), str(error))
        except ConfigError as error:
            log_message("in", decoded.message, in_session)
            logger.error("failed to answer a message from %s: %s", client, error)
            return plain_error(500, "internal server error; see the server log")
        except Exception:
            log_message("in", decoded.message, in_session)
            logger.exception("failed to answer a message from %s", client)
            return plain_error(500, "internal server error; see the server log")
        return Exchange(decoded, outcome, reply, headers)

    async def syncml(http: HTTPRequest) -> Response:
        started = time.perf_counter()
        client = http.client.host if http.client else ""
        try:
            url, token = split_session_url(str(http.url))
        except RemoteError as error:
            logger.warning("refused a message from %s: %s", client, error)
            return plain_error(400, str(error))
        try:
            in_session = token is not None and await run_in_threadpool(session_exists, store, token)
        except Exception:
            logger.exception("failed to look up the session of a message from %s", client)
            return plain_error(500, "internal server error; see the server log")
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
        if in_session:
            done = await exchange(http, body, limit, in_session, url, token)
        else:
            try:
                async with logins.place():
                    done = await exchange(http, body, limit, in_session, url, token)
            except GateFull:
                logger.warning(
                    "refused a message from %s: %d logins are being answered or waiting",
                    client,
                    config.wire.login_concurrency + config.wire.login_queue,
                )
                return busy()
        if isinstance(done, Response):
            return done
        if done.outcome.delay:
            await anyio.sleep(done.outcome.delay)  # a throttled login: wait without holding a thread or a place
        logged_in = in_session or done.outcome.account is not None
        log_message("in", done.decoded.message, logged_in)
        log_message("out", done.outcome.reply, logged_in)
        log_exchange(
            done.decoded.message, done.outcome, len(body), len(done.reply), (time.perf_counter() - started) * 1000
        )
        return Response(done.reply, media_type=RESPONSE_CONTENT_TYPES[done.decoded.encoding], headers=done.headers)

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
            yield
            group.cancel_scope.cancel()

    routes = [Route(path, syncml, methods=["POST"]) for path in config.endpoint_paths]
    routes += [Route(path, about, methods=["GET"]) for path in config.endpoint_paths]
    return Starlette(routes=routes, lifespan=lifespan)
