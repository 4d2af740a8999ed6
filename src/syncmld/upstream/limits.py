"""What syncing with upstreams may take: time per request, answer sizes, how often failures are retried."""

from dataclasses import dataclass

from syncmld.errors import ConfigError


@dataclass(frozen=True)
class UpstreamSettings:
    timeout: float = 10.0
    """Seconds each request to an upstream may take, and a device's login waits for the upstream's changes
    (then its session goes on with what syncmld holds, and the pull finishes in the background)."""
    retry_interval: float = 60.0
    """Seconds between attempts to reach an upstream that failed, and between looks for unsent changes."""
    max_answer: int = 100_000_000
    """Bytes of one answer of an upstream (a multigets of 100 items, a listing of a collection)."""

    def __post_init__(self) -> None:
        if min(self.timeout, self.retry_interval) <= 0 or self.max_answer < 1:
            raise ConfigError("the upstream timeout, retry interval and answer size must be positive")
