"""Logging setup: one stderr handler, millisecond timestamps, one logger tree per layer.

Modules log through ``logging.getLogger(__name__)``, so each layer has its own branch
(``syncmld.server``, ``syncmld.engine``, ``syncmld.store``, ...) that can be tuned on its own.
Third-party libraries stay at WARNING so that ``--log-level debug`` shows syncmld, not SQL.

Every record made while a SyncML session's message is answered carries that session's log id
(``sid``: a digest of its token, never the token, which lets whoever holds it post into the session).
``--log-format text`` writes it after the logger's name, ``json`` writes one JSON object a line.

Log records carry what clients sent (device IDs, URIs, user names), so every record is one line:
the text and arguments of each record have their control characters escaped when it is made
(``install_escaping``), and text meant to span lines (a message dump, a traceback) has every line
after its first indented behind ``CONTINUATION``, where no record starts.
"""

import hashlib
import json
import logging
import numbers
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from syncmld.escape import Escaped, escape_control

LOG_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s%(sid_tag)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
VERBOSE_LOGGERS = ("syncmld", "uvicorn")
"""Loggers that follow the chosen level; every other logger stays at WARNING."""
CONTINUATION = "    | "
"""What starts every line of a record after its first."""


SID_LENGTH = 12
"""Hex digits of a session's log id."""


class LogFormat(StrEnum):
    """How log records are written (``--log-format``)."""

    TEXT = "text"
    JSON = "json"


_session: ContextVar[str | None] = ContextVar("syncmld_log_session", default=None)


def log_session_id(token: str) -> str:
    """The id a session goes by in the log and on the admin pages."""
    return hashlib.sha256(token.encode()).hexdigest()[:SID_LENGTH]


def set_log_session(token: str | None) -> None:
    """Records made from here on in this task (or thread) carry the log id of the session ``token``."""
    _session.set(None if token is None else log_session_id(token))


class MultiLine(str):
    """A log argument meant to span lines: each line escaped, each after the first behind ``CONTINUATION``."""

    __slots__ = ()

    def __new__(cls, text: str) -> "MultiLine":
        return super().__new__(cls, continued(text))


def continued(text: str) -> str:
    """``text`` with its lines escaped and every line after the first behind ``CONTINUATION``."""
    return ("\n" + CONTINUATION).join(escape_control(line) for line in text.split("\n"))


_PLAIN = frozenset({int, float, bool, bytes, type(None)})
"""The types of most log arguments that go as they are, told by their exact type (``isinstance`` of
``numbers.Number``, an abstract class, costs about a microsecond)."""


def _safe(value: object) -> object:
    """A log argument that cannot break its record's line; numbers, bytes (shown by repr) and None as
    they are, so that ``%d`` and friends still apply."""
    if type(value) is str:
        return Escaped(value)
    if type(value) in _PLAIN or isinstance(value, MultiLine | Escaped | numbers.Number | bytes):
        return value
    return Escaped(str(value))


def _safe_args(args: Any) -> Any:
    if isinstance(args, Mapping):
        return {key: _safe(value) for key, value in args.items()}
    if isinstance(args, tuple):
        return tuple(_safe(value) for value in args)
    return args


_factory_before = logging.getLogRecordFactory()


def _escaping_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _factory_before(*args, **kwargs)
    record.sid = _session.get()
    record.msg = _safe(record.msg)
    record.args = _safe_args(record.args)
    return record


def install_escaping() -> None:
    """Make every log record of this process escape its text and arguments (once, whoever asks)."""
    if logging.getLogRecordFactory() is not _escaping_record:
        logging.setLogRecordFactory(_escaping_record)


class OneRecordFormatter(logging.Formatter):
    """Tracebacks and stack dumps, which may quote client data, continue their record's first line."""

    def formatException(self, ei: Any) -> str:
        return CONTINUATION + continued(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return CONTINUATION + continued(super().formatStack(stack_info))


class TextFormatter(OneRecordFormatter):
    """``LOG_FORMAT``: the session's log id, when there is one, after the logger's name."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT, DATE_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        sid = getattr(record, "sid", None)
        record.sid_tag = f" sid={sid}" if sid else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, sid (in a session), message, and
    traceback or stack when the record has one. Control characters are escaped as in text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        sid = getattr(record, "sid", None)
        if sid:
            entry["sid"] = sid
        entry["message"] = record.getMessage()
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=True)


def setup_logging(level: str, log_format: LogFormat = LogFormat.TEXT) -> None:
    """Send log records to stderr; ``level`` is a name such as ``"info"``."""
    install_escaping()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == LogFormat.JSON else TextFormatter())
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    for name in VERBOSE_LOGGERS:
        logging.getLogger(name).setLevel(level.upper())
