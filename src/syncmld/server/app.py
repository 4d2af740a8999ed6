"""The SyncML endpoint: the only code that sees HTTP.

One POST carries one SyncML message: the body is read under a size limit, decoded, handed to the
engine in the thread pool, and the reply is encoded in the encoding the client used. A body that is
not SyncML is answered with an HTTP error and a one-line reason; a failure of ours with HTTP 500
and the traceback in the server log only, never in the response.

A message without a session (a login) may cost little: its body is read under a much smaller limit,
only a few are decoded and answered at once (``login_gate``), and ``--log-messages`` logs only the
start of one that does not log in.
"""

import logging
import time
from dataclasses import dataclass

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.requests import Request as HTTPRequest
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from syncmld import __version__
from syncmld.backup import BackupStore
from syncmld.config import ServerConfig, backups_dir
from syncmld.engine import handle_message, session_exists
from syncmld.engine.api import EngineContext, EngineSettings, Outcome, Request, SyncSummary, split_session_url
from syncmld.errors import DecodeError, RemoteError
from syncmld.protocol.codec import Decoded, Encoding, decode, encode
from syncmld.protocol.logview import render_for_log
from syncmld.protocol.messages import Atomic, Command, Sequence, Status, Sync, SyncML
from syncmld.server.body import BodyTooLarge, read_body
from syncmld.server.login_gate import GateFull, LoginGate
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
RETRY_AFTER_S = 5
"""Seconds a client turned away because too many logins are under way is asked to wait."""


def engine_settings(config: ServerConfig) -> EngineSettings:
    """The plain settings the engine works with, derived from the server configuration."""
    return EngineSettings(
        max_msg_size=config.max_msg_size,
        max_obj_size=config.max_obj_size,
        session_timeout=config.session_timeout,
        throttle=config.login_throttle,
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
    """One line per message answered, one more if the reply refuses commands, then one per folder
    sync it finished."""
    header = message.header
    who = (outcome.account or "-", outcome.device or header.source.uri, header.session_id, header.msg_id)
    logger.info("msg account=%s device=%s session=%s msgid=%s in=%dB out=%dB cmds=%d ms=%.0f%s",
                *who, size_in, size_out, count_commands(message.commands), duration_ms,
                " resent: stored reply" if outcome.resent else "")
    refused = refused_commands(outcome.reply)
    if refused:
        logger.warning("refused account=%s device=%s session=%s msgid=%s: %s", *who, ", ".join(refused))
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


def create_app(store: Store, config: ServerConfig) -> Starlette:
    """The ASGI application serving SyncML at ``config.path`` with ``store``."""
    context = EngineContext(settings=engine_settings(config), backups=BackupStore(backups_dir(config.data_dir)))
    logins = LoginGate(config.wire.login_concurrency, config.wire.login_queue)

    def answer(request: Request) -> tuple[Outcome, bytes]:
        outcome = handle_message(request, store, context)
        return outcome, encode(outcome.reply, request.encoding)

    def log_message(direction: str, message: SyncML, whole: bool) -> None:
        """With --log-messages: the message, or only its start when it did not log in."""
        if not config.log_messages:
            return
        text = render_for_log(message)
        shown = config.wire.log_login_bytes
        if not whole and len(text) > shown:
            text = f"{text[:shown]}\n[cut: {len(text) - shown} more characters of a message that did not log in]"
        logger.info("message %s:\n%s", direction, text)

    async def exchange(http: HTTPRequest, body: bytes, limit: int, in_session: bool) -> Exchange | Response:
        """Decode the body (WBXML within ``decoded_ratio`` times ``limit``) and answer it."""
        client = http.client.host if http.client else ""
        try:
            decoded: Decoded = await run_in_threadpool(
                decode, body, http.headers.get("content-type", ""), config.wire.decoded_ratio * limit
            )
        except DecodeError as error:
            logger.warning("refused a message from %s: %s", client, error)
            return plain_error(HTTP_STATUS_FOR_DECODE_ERROR.get(error.status, 400), str(error))
        url, token = split_session_url(str(http.url))
        request = Request(
            message=decoded.message,
            encoding=decoded.encoding,
            url=url,
            session_token=token,
            client_address=client,
        )
        try:
            outcome, reply = await run_in_threadpool(answer, request)
        except RemoteError as error:
            log_message("in", decoded.message, in_session)
            logger.warning("refused a message from %s: %s", client, error)
            return plain_error(400, str(error))
        except Exception:
            log_message("in", decoded.message, in_session)
            logger.exception("failed to answer a message from %s", client)
            return plain_error(500, "internal server error; see the server log")
        return Exchange(decoded, outcome, reply)

    async def syncml(http: HTTPRequest) -> Response:
        started = time.perf_counter()
        client = http.client.host if http.client else ""
        token = split_session_url(str(http.url))[1]
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
            done = await exchange(http, body, limit, in_session)
        else:
            try:
                async with logins.place():
                    done = await exchange(http, body, limit, in_session)
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
        return Response(done.reply, media_type=RESPONSE_CONTENT_TYPES[done.decoded.encoding])

    async def about(http: HTTPRequest) -> Response:
        return PlainTextResponse(
            f"syncmld {__version__}: this is a SyncML (OMA Data Synchronization) endpoint.\n"
            f"Set {http.url.replace(query='')} as the server URL of your SyncML client and log in\n"
            "with your full e-mail address and password.\n"
        )

    routes = [Route(path, syncml, methods=["POST"]) for path in config.endpoint_paths]
    routes += [Route(path, about, methods=["GET"]) for path in config.endpoint_paths]
    return Starlette(routes=routes)
