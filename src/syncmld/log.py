"""Logging setup: one stderr handler, millisecond timestamps, one logger tree per layer.

Modules log through ``logging.getLogger(__name__)``, so each layer has its own branch
(``syncmld.server``, ``syncmld.engine``, ``syncmld.store``, ...) that can be tuned on its own.
Third-party libraries stay at WARNING so that ``--log-level debug`` shows syncmld, not SQL.

Log records carry what clients sent (device IDs, URIs, user names), so every record is one line:
the text and arguments of each record have their control characters escaped when it is made
(``install_escaping``), and text meant to span lines (a message dump, a traceback) has every line
after its first indented behind ``CONTINUATION``, where no record starts.
"""

import logging
import numbers
from collections.abc import Mapping
from typing import Any

from syncmld.escape import Escaped, escape_control

LOG_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
VERBOSE_LOGGERS = ("syncmld", "uvicorn")
"""Loggers that follow the chosen level; every other logger stays at WARNING."""
CONTINUATION = "    | "
"""What starts every line of a record after its first."""


class MultiLine(str):
    """A log argument meant to span lines: each line escaped, each after the first behind ``CONTINUATION``."""

    __slots__ = ()

    def __new__(cls, text: str) -> "MultiLine":
        return super().__new__(cls, continued(text))


def continued(text: str) -> str:
    """``text`` with its lines escaped and every line after the first behind ``CONTINUATION``."""
    return ("\n" + CONTINUATION).join(escape_control(line) for line in text.split("\n"))


def _safe(value: object) -> object:
    """A log argument that cannot break its record's line; numbers, bytes (shown by repr) and None as
    they are, so that ``%d`` and friends still apply."""
    if isinstance(value, MultiLine | Escaped | numbers.Number | bytes) or value is None:
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


def setup_logging(level: str) -> None:
    """Send log records to stderr; ``level`` is a name such as ``"info"``."""
    install_escaping()
    handler = logging.StreamHandler()
    handler.setFormatter(OneRecordFormatter(LOG_FORMAT, DATE_FORMAT))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    for name in VERBOSE_LOGGERS:
        logging.getLogger(name).setLevel(level.upper())
