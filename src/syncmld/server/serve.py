"""``syncmld serve``: bind the port, open the store once, run the app on uvicorn until a signal stops it."""

import errno
import logging
import signal
import socket
from types import FrameType
from typing import NoReturn

import uvicorn

from syncmld import __version__
from syncmld.config import ServerConfig
from syncmld.server.app import create_app
from syncmld.store import open_store
from syncmld.store.base import Store

logger = logging.getLogger(__name__)


class ServeError(Exception):
    """The server cannot start; the message says why."""


def bind_listener(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``, bound before uvicorn starts so a busy port is caught."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen()
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is in use") from error
        raise ServeError(f"cannot listen on {host} port {port}: {error.strerror or error}") from error
    return listener


def endpoint_url(host: str, port: int, path: str) -> str:
    shown_host = f"[{host}]" if ":" in host else host
    return f"http://{shown_host}:{port}{path}"


def announce(store: Store, config: ServerConfig, port: int) -> None:
    """Log where SyncML is served and, while there is no account, how to create one."""
    logger.info(
        "syncmld %s serving SyncML at %s (store: %s)",
        __version__,
        endpoint_url(config.host, port, config.path),
        config.store_option,
    )
    with store.transaction() as tx:
        has_accounts = bool(tx.list_accounts())
    if not has_accounts:
        logger.warning(
            "no account yet; create one with: syncmld account add EMAIL --password PW %s",
            config.store_option,
        )


def exit_cleanly(signum: int, frame: FrameType | None) -> NoReturn:
    """A stop signal ends the process with status 0 (uvicorn re-raises it once it has shut down)."""
    raise SystemExit(0)


def run_server(config: ServerConfig) -> None:
    """Serve until SIGTERM or SIGINT; raises ServeError when the port cannot be bound."""
    listener = bind_listener(config.host, config.port)
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, exit_cleanly)
    store = open_store(config.store_url)
    try:
        port = listener.getsockname()[1]
        announce(store, config, port)
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(store, config),
                host=config.host,
                port=port,
                lifespan="off",
                access_log=False,
                log_config=None,
            )
        )
        server.run(sockets=[listener])
    finally:
        store.close()
        listener.close()
