"""``/metrics``: what the server did, in the Prometheus text format (prometheus_client).

No label value names a user, a device or a folder of a user's own: modes, results, operations and
folder kinds are fixed lists. Under ``syncmld serve`` every worker writes its counts to files in the
directory named by ``PROMETHEUS_MULTIPROC_DIR`` (made by ``serve`` before this module is imported) and
a scrape adds up every worker's; without it (the app in a test) the counts stay in this process.
Active sessions are counted in the store at each scrape, so they are right whichever worker answers.
"""

import os
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as HTTPRequest
from starlette.responses import Response

from syncmld.caches import entry_counts
from syncmld.config import METRICS_DIR_ENV
from syncmld.engine.api import Outcome
from syncmld.engine.folders import folder_kind
from syncmld.errors import ConfigError
from syncmld.server.timeline import refused_login
from syncmld.store.base import Store

MESSAGE_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"
"""What ``generate_latest`` writes (our names have no characters that later versions would escape)."""
SESSION_SECONDS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

if os.environ.get(METRICS_DIR_ENV) and values.ValueClass is values.MutexValue:
    raise ConfigError(f"prometheus_client was imported before ${METRICS_DIR_ENV} was set: counts would be lost")


class ActiveSessions(Collector):
    """Sessions used within the session timeout, counted in the store at each scrape."""

    def __init__(self, store: Store, timeout: float) -> None:
        self.store = store
        self.timeout = timeout

    def collect(self) -> Iterator[Metric]:
        with self.store.transaction() as tx:
            count = tx.count_sessions(time.time() - self.timeout)
        yield GaugeMetricFamily("syncmld_active_sessions", "Sessions used within the session timeout.", value=count)


class CacheEntries(Collector):
    """Entries each cache holds in the process that answers the scrape (each worker has its own caches)."""

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "syncmld_cache_entries", "Entries each cache holds in the worker that answered.", labels=["cache"]
        )
        for name, count in entry_counts().items():
            family.add_metric([name], count)
        yield family


class Metrics:
    """The server's counters and histograms, and the scrape of them."""

    def __init__(self, store: Store, session_timeout: float) -> None:
        self.multiprocess_dir = os.environ.get(METRICS_DIR_ENV) or None
        self.registry = CollectorRegistry()
        own = None if self.multiprocess_dir else self.registry
        self.syncs = Counter(
            "syncmld_syncs", "Folder syncs finished, by mode and result.", ["mode", "result"], registry=own
        )
        self.items = Counter(
            "syncmld_items",
            "Items received from and sent to devices, by direction, operation and folder kind.",
            ["direction", "operation", "kind"],
            registry=own,
        )
        self.messages = Counter("syncmld_messages", "SyncML messages answered with a reply.", registry=own)
        self.refused = Counter(
            "syncmld_refused_requests", "Requests refused with an HTTP error, by status.", ["status"], registry=own
        )
        self.failed_logins = Counter("syncmld_failed_logins", "Logins refused (wrong or no credentials).", registry=own)
        self.message_seconds = Histogram(
            "syncmld_message_duration_seconds",
            "Seconds from a message's arrival to its reply.",
            buckets=MESSAGE_SECONDS,
            registry=own,
        )
        self.session_seconds = Histogram(
            "syncmld_session_duration_seconds",
            "Seconds from a session's first message to the end of its syncs.",
            buckets=SESSION_SECONDS,
            registry=own,
        )
        self.sessions = ActiveSessions(store, session_timeout)
        self.registry.register(self.sessions)
        self.caches = CacheEntries()
        self.registry.register(self.caches)

    def exchange(self, outcome: Outcome, seconds: float) -> None:
        """Count a message answered with a SyncML reply."""
        self.messages.inc()
        self.message_seconds.observe(seconds)
        if refused_login(outcome):
            self.failed_logins.inc()
        for summary in outcome.summaries:
            self.syncs.labels(summary.mode, "ok" if summary.ok else "failed").inc()
            kind = folder_kind(summary.folder).value
            for direction, counts in (("received", summary.received), ("sent", summary.sent)):
                for operation, count in counts.items():
                    if count:
                        self.items.labels(direction, operation, kind).inc(count)
        if outcome.summaries:
            self.session_seconds.observe(max(summary.duration_ms for summary in outcome.summaries) / 1000)

    def refusal(self, status: int) -> None:
        """Count a request answered with an HTTP error."""
        self.refused.labels(str(status)).inc()

    def scrape(self) -> bytes:
        """Every metric in the text format: every worker's counts added up under ``serve``."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, self.multiprocess_dir)  # type: ignore[no-untyped-call]
        registry.register(self.sessions)
        registry.register(self.caches)
        return generate_latest(registry)

    async def endpoint(self, http: HTTPRequest) -> Response:
        return Response(await run_in_threadpool(self.scrape), media_type=TEXT_FORMAT)
