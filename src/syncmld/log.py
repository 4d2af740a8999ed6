"""Logging setup: one stderr handler, millisecond timestamps, one logger tree per layer.

Modules log through ``logging.getLogger(__name__)``, so each layer has its own branch
(``syncmld.server``, ``syncmld.engine``, ``syncmld.store``, ...) that can be tuned on its own.
Third-party libraries stay at WARNING so that ``--log-level debug`` shows syncmld, not SQL.
"""

import logging

LOG_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
VERBOSE_LOGGERS = ("syncmld", "uvicorn")
"""Loggers that follow the chosen level; every other logger stays at WARNING."""


def setup_logging(level: str) -> None:
    """Send log records to stderr; ``level`` is a name such as ``"info"``."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    for name in VERBOSE_LOGGERS:
        logging.getLogger(name).setLevel(level.upper())
