"""``syncmld serve``: bind the port, open the store, run the app on uvicorn until a signal stops it.

With ``workers`` > 1 the process binds the port, brings the store's schema up to date, then forks
that many worker processes; each opens the store itself and runs uvicorn on the inherited socket
(the kernel spreads connections over them). The engine keeps every session in the store, so any
worker may answer any message. The parent only supervises: SIGTERM or SIGINT stops every worker,
and a worker that dies is reported in the log and replaced.
"""

import asyncio
import contextlib
import ctypes
import errno
import functools
import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import NoReturn

import uvicorn
from uvicorn.server import ServerState

from syncmld import __version__
from syncmld.config import METRICS_DIR_ENV, ServerConfig
from syncmld.errors import ConfigError
from syncmld.server.app import create_app
from syncmld.server.slow_clients import guarded_protocol
from syncmld.server.warmup import warm_up
from syncmld.store import open_store
from syncmld.store.base import Store

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
STOP_TIMEOUT_S = 20.0
"""How long stopping workers may take to finish the messages in hand before they are killed."""
RESTART_DELAY_S = 1.0
"""A worker that died sooner than this after its start is replaced only after this pause (no busy loop)."""
_PR_SET_PDEATHSIG = 1


class ServeError(ConfigError):
    """The server cannot start; the message says why."""


def bind_listener(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` before the store opens, so that a busy port is caught; it takes
    connections once ``listen_on`` has it listen, when the process is ready to answer them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, so that asyncio sets TCP_NODELAY on every connection accepted from this socket:
    # without it a reply's body waits for the client's delayed ACK of its headers (40 ms a message).
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise _cannot_listen(error, host, port) from error
    return listener


def listen_on(listener: socket.socket, host: str) -> None:
    """Have the bound ``listener`` take connections."""
    try:
        listener.listen()
    except OSError as error:
        raise _cannot_listen(error, host, listener.getsockname()[1]) from error


def _cannot_listen(error: OSError, host: str, port: int) -> ServeError:
    if error.errno == errno.EADDRINUSE:
        return ServeError(f"port {port} on {host} is in use")
    return ServeError(f"cannot listen on {host} port {port}: {error.strerror or error}")


def endpoint_url(scheme: str, host: str, port: int, path: str) -> str:
    shown_host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown_host}:{port}{path}"


def check_tls(config: ServerConfig) -> None:
    """ServeError unless the TLS certificate and key (if any) can be loaded and belong together."""
    if config.tls_cert is None or config.tls_key is None:
        return
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(config.tls_cert, config.tls_key)
    except ssl.SSLError as error:
        reason = error.reason or str(error)
    except OSError as error:
        reason = error.strerror or str(error)
    else:
        return
    raise ServeError(f"cannot use TLS certificate {config.tls_cert} with key {config.tls_key}: {reason}")


def announce(store: Store, config: ServerConfig, port: int) -> None:
    """Log where SyncML is served and, while there is no account, how to create one."""
    logger.info(
        "syncmld %s serving SyncML at %s (store: %s)",
        __version__,
        endpoint_url(config.scheme, config.host, port, config.path),
        config.store_option,
    )
    logger.info(
        "serving CardDAV and CalDAV at %s (clients find it from %s)",
        endpoint_url(config.scheme, config.host, port, config.dav_path + "/"),
        endpoint_url(config.scheme, config.host, port, "/"),
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


class _DatedOnDemand(ServerState):
    """uvicorn's server state whose Date header is written when a response asks for it (at most once a second),
    instead of by uvicorn's timer, which woke the idle server ten times a second."""

    def __init__(self) -> None:
        self._second = -1
        self._extra: list[tuple[bytes, bytes]] = []
        self._headers: list[tuple[bytes, bytes]] = []
        super().__init__()

    @property
    def default_headers(self) -> list[tuple[bytes, bytes]]:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._headers = [(b"date", formatdate(now, usegmt=True).encode()), *self._extra]
        return self._headers

    @default_headers.setter
    def default_headers(self, headers: list[tuple[bytes, bytes]]) -> None:
        self._extra = [header for header in headers if header[0] != b"date"]
        self._second = -1


class _Server(uvicorn.Server):
    """uvicorn's server, taking the stop signals only once its own handlers are in place, and sleeping until
    one comes (uvicorn's own loop looks ten times a second)."""

    def __init__(self, config: uvicorn.Config, gc_threshold: int) -> None:
        super().__init__(config)
        self.gc_threshold = gc_threshold
        self.server_state = _DatedOnDemand()
        self._wake: Callable[[], object] | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            yield

    async def main_loop(self) -> None:
        """Wait for a stop signal. What start-up made (modules, the app) lives as long as the process: it is
        moved out of the garbage collector's sight, so that a full collection during a sync does not walk it, and
        the youngest objects are collected after ``gc_threshold`` new ones."""
        gc.collect()
        gc.freeze()
        gc.set_threshold(self.gc_threshold, *gc.get_threshold()[1:])
        logger.debug(
            "garbage collector: %d objects of start-up frozen, the youngest collected after %d new ones",
            gc.get_freeze_count(),
            gc.get_threshold()[0],
        )
        stopping = asyncio.Event()
        self._wake = functools.partial(asyncio.get_running_loop().call_soon_threadsafe, stopping.set)
        if not await self.on_tick(0):
            await stopping.wait()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._wake is not None:
            self._wake()


def serve_app(listener: socket.socket, config: ServerConfig, store: Store) -> None:
    """Run the app with ``store`` on uvicorn on ``listener`` until a stop signal. A stop signal that
    comes while the event loop is being set up waits for uvicorn's handlers, which shut down cleanly
    (raised in the middle of setting up the loop, it left a traceback)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    server = _Server(
        uvicorn.Config(
            create_app(store, config),
            host=config.host,
            port=listener.getsockname()[1],
            lifespan="on",
            access_log=False,
            log_config=None,
            proxy_headers=config.forwarded_allow_ips is not None,
            forwarded_allow_ips=config.forwarded_allow_ips,
            ssl_certfile=config.tls_cert,
            ssl_keyfile=config.tls_key,
            http=guarded_protocol(
                config.http, config.wire.read_timeout, config.wire.min_body_rate, config.wire.max_head_size
            ),
            h11_max_incomplete_event_size=config.wire.max_head_size,
            loop=config.loop.value,
            limit_concurrency=config.wire.max_connections,
        ),
        config.gc_threshold,
    )
    server.run(sockets=[listener])


@contextlib.contextmanager
def metrics_directory() -> Iterator[None]:
    """A directory of its own where every worker writes its metrics (``/metrics`` adds them up), named by
    ``$PROMETHEUS_MULTIPROC_DIR`` for the workers, removed at the end."""
    directory = tempfile.mkdtemp(prefix="syncmld-metrics-")
    os.environ[METRICS_DIR_ENV] = directory
    try:
        yield
    finally:
        del os.environ[METRICS_DIR_ENV]
        shutil.rmtree(directory, ignore_errors=True)


def run_server(config: ServerConfig, workers: int = 1) -> None:
    """Serve until SIGTERM or SIGINT with ``workers`` processes; raises ServeError when the port cannot be bound."""
    check_tls(config)
    listener = bind_listener(config.host, config.port)
    with metrics_directory():
        serve_on(listener, config, workers)


def serve_on(listener: socket.socket, config: ServerConfig, workers: int) -> None:
    """Open the store, warm the process up (workers start from it warm), listen and announce the URL, and serve on
    ``listener`` in this process or in ``workers``."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, exit_cleanly)
    try:
        store = open_store(config.store_url, config.key_file)
        try:
            # held from here until uvicorn (_Server) or the worker pool has its handlers in place
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
            warm_up(store)
            listen_on(listener, config.host)
            announce(store, config, listener.getsockname()[1])
            if workers == 1:
                serve_app(listener, config, store)
                return
        finally:
            store.close()
        WorkerPool(listener, config, workers).run()
    finally:
        listener.close()


def exit_with_parent(parent_pid: int) -> None:
    """Have the kernel stop this process (SIGTERM) when its parent dies, even by SIGKILL (Linux)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:
        raise SystemExit(0)  # the parent died before the request took effect


def run_worker(listener: socket.socket, config: ServerConfig, number: int, parent_pid: int) -> None:
    """A worker process: its own store connections, uvicorn on the socket the parent bound."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, exit_cleanly)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    exit_with_parent(parent_pid)
    store = open_store(config.store_url, config.key_file)
    try:
        logger.info("worker %d (pid %d) serving", number, os.getpid())
        serve_app(listener, config, store)
    finally:
        store.close()


def describe_exit(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"killed by {signal.Signals(-exitcode).name}"
    return f"exited with status {exitcode}"


class WorkerPool:
    """Worker processes sharing one listening socket, supervised until a stop signal."""

    def __init__(self, listener: socket.socket, config: ServerConfig, size: int) -> None:
        self.listener = listener
        self.config = config
        self.size = size
        self.workers: dict[int, tuple[BaseProcess, float]] = {}
        """Worker number -> its process and when it started."""
        self.stop_deadline: float | None = None
        self._context = multiprocessing.get_context("fork")
        self._stopping_read, self._stopping_write = os.pipe()
        """Written by ``stop``: what ends the wait for a worker's exit that has no timeout."""

    def run(self) -> None:
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, self.stop)
        for number in range(1, self.size + 1):
            self.start(number)
        logger.info("%d workers started", len(self.workers))
        while self.workers:
            self.wait_for_exits()
        logger.info("all workers stopped")

    def start(self, number: int) -> None:
        """Start worker ``number``, unless the pool is stopping. Stop signals are blocked until the worker
        is on the list: a worker never runs the parent's handler, and the handler sees every worker."""
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            if self.stop_deadline is not None:
                return
            process = self._context.Process(
                target=run_worker,
                name=f"syncmld-worker-{number}",
                args=(self.listener, self.config, number, os.getpid()),
            )
            process.start()
            self.workers[number] = (process, time.monotonic())
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def stop(self, signum: int, frame: FrameType | None) -> None:
        """Signal handler: ask every worker to finish (SIGTERM)."""
        if self.stop_deadline is None:
            logger.info("stopping %d workers (%s)", len(self.workers), signal.Signals(signum).name)
            self.stop_deadline = time.monotonic() + STOP_TIMEOUT_S
        for process, _ in self.workers.values():
            if process.is_alive():
                os.kill(process.pid or 0, signal.SIGTERM)
        os.write(self._stopping_write, b"\0")

    def wait_for_exits(self) -> None:
        """Wait for a worker to end (or, once stopping, a moment); report and replace those that died, kill those
        that linger."""
        sentinels: list[int] = [process.sentinel for process, _ in self.workers.values()]
        if self.stop_deadline is None:
            multiprocessing.connection.wait([*sentinels, self._stopping_read])
        else:
            multiprocessing.connection.wait(sentinels, timeout=0.5)
        for number, (process, started) in list(self.workers.items()):
            if process.is_alive():
                continue
            del self.workers[number]
            process.join()
            if self.stop_deadline is None:
                logger.error(
                    "worker %d (pid %s) %s; starting another", number, process.pid, describe_exit(process.exitcode)
                )
                if time.monotonic() - started < RESTART_DELAY_S:
                    time.sleep(RESTART_DELAY_S)
                self.start(number)
        if self.stop_deadline is not None and time.monotonic() > self.stop_deadline:
            for number, (process, _) in self.workers.items():
                logger.warning(
                    "worker %d (pid %s) did not stop in %.0f s: killing it", number, process.pid, STOP_TIMEOUT_S
                )
                process.kill()
