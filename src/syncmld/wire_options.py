"""The ``syncmld serve`` options that bound what a client may cost: message and object sizes, logins,
decoding, slow connections. The command gets them as a ``WireLimits`` named ``wire``."""

import functools
from collections.abc import Callable
from typing import Any

import click

from syncmld.config import MSG_SIZE_ALLOWANCE, WireLimits
from syncmld.engine.api import EngineSettings

_Command = Callable[..., Any]

_SIZES = (
    click.option(
        "--max-message-size",
        "max_msg_size",
        type=click.IntRange(min=1),
        default=EngineSettings.max_msg_size,
        show_default=True,
        help=f"The MaxMsgSize announced to clients, in bytes; a body up to {MSG_SIZE_ALLOWANCE} % larger "
        "is still read, a larger one is answered 413.",
    ),
    click.option(
        "--max-object-size",
        "max_obj_size",
        type=click.IntRange(min=1),
        default=EngineSettings.max_obj_size,
        show_default=True,
        help="The MaxObjSize announced to clients, in bytes: a larger item (its chunks added up) is "
        "refused with status 413 and not kept.",
    ),
)
_WIRE = (
    click.option(
        "--max-login-message-size",
        "login_message_size",
        type=click.IntRange(min=1),
        default=WireLimits.login_message_size,
        show_default=True,
        help="Bytes of a message without a session (a login: credentials, Alerts, DevInf); a larger "
        "one is answered 413.",
    ),
    click.option(
        "--max-decoded-ratio",
        "decoded_ratio",
        type=click.IntRange(min=1),
        default=WireLimits.decoded_ratio,
        show_default=True,
        help="A WBXML message may decode to this many times its size limit (text, data and 8 bytes an "
        "element); beyond that it is answered 413.",
    ),
    click.option(
        "--login-concurrency",
        "login_concurrency",
        type=click.IntRange(min=1),
        default=WireLimits.login_concurrency,
        show_default=True,
        help="Messages without a session decoded and answered at once.",
    ),
    click.option(
        "--login-queue",
        "login_queue",
        type=click.IntRange(min=0),
        default=WireLimits.login_queue,
        show_default=True,
        help="Messages without a session that may wait for their turn; any more are answered 503 with Retry-After.",
    ),
    click.option(
        "--message-threads",
        "message_threads",
        type=click.IntRange(min=1),
        default=WireLimits.message_threads,
        show_default=True,
        help="Worker threads answering messages at once; the other messages wait for one, the earliest arrival first.",
    ),
    click.option(
        "--log-login-bytes",
        "log_login_bytes",
        type=click.IntRange(min=0),
        default=WireLimits.log_login_bytes,
        show_default=True,
        help="With --log-messages: characters logged of a message that did not log in (the rest is "
        "cut, and the log says so).",
    ),
    click.option(
        "--read-timeout",
        "read_timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=WireLimits.read_timeout,
        show_default=True,
        help="Seconds a connection has to send a request's headers (from its start or the last reply), "
        "and a body before --min-body-rate applies; a connection too slow is closed.",
    ),
    click.option(
        "--min-body-rate",
        "min_body_rate",
        type=click.IntRange(min=1),
        default=WireLimits.min_body_rate,
        show_default=True,
        help="Bytes per second a request body must arrive at, on average, once --read-timeout has "
        "passed (a 64 kbit/s link sends 8000).",
    ),
    click.option(
        "--max-connections",
        "max_connections",
        type=click.IntRange(min=1),
        default=WireLimits.max_connections,
        show_default=True,
        help="Open connections (per worker); beyond them every request is answered 503.",
    ),
    click.option(
        "--max-header-size",
        "max_head_size",
        type=click.IntRange(min=1),
        default=WireLimits.max_head_size,
        show_default=True,
        help="Bytes of a request's line and headers; a longer head is answered 431 and its connection closed.",
    ),
    click.option(
        "--live-sessions",
        "live_sessions",
        type=click.IntRange(min=0),
        default=WireLimits.live_sessions,
        show_default=True,
        help="Sessions a worker remembers having answered, so that their next message is not looked for in "
        "the store before its body is read (0: always look).",
    ),
)
_WIRE_NAMES = (
    "login_message_size",
    "decoded_ratio",
    "login_concurrency",
    "login_queue",
    "message_threads",
    "log_login_bytes",
    "read_timeout",
    "min_body_rate",
    "max_connections",
    "max_head_size",
    "live_sessions",
)


def wire_limit_options(command: _Command) -> _Command:
    """Add the options to ``command``, which gets ``max_msg_size``, ``max_obj_size`` and ``wire``."""

    @functools.wraps(command)
    def with_limits(**options: Any) -> Any:
        wire = WireLimits(**{name: options.pop(name) for name in _WIRE_NAMES})
        return command(wire=wire, **options)

    decorated: _Command = with_limits
    for option in reversed((*_SIZES, *_WIRE)):
        decorated = option(decorated)
    return decorated
