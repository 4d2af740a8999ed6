"""The figures of a load run, as text for people and as one JSON object for scripts."""

import json
import math
import statistics
from dataclasses import dataclass
from typing import Any

from syncmld.load.kinds import MessageKind
from syncmld.load.procstats import Usage

MAX_REASONS_SHOWN = 5
MB = 1024 * 1024
PERCENTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
SLOWEST = 0.01
"""The share of the slowest messages counted by kind: where the p99 is."""


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (0.0 when there are none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    """p50, p95, p99 and the maximum of ``seconds``, in milliseconds."""
    return {name: round(percentile(seconds, fraction) * 1000, 1) for name, fraction in PERCENTILES}


@dataclass(frozen=True)
class ServerFigures:
    """The server's usage (the process and its workers) before and after the run, and RSS samples taken during it."""

    pid: int
    before: Usage
    after: Usage
    rss_samples: tuple[tuple[float, int], ...]
    """(seconds since the start, RSS bytes)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "cpu_s": round(self.after.cpu_seconds - self.before.cpu_seconds, 2),
            "cpu_s_before": self.before.cpu_seconds,
            "cpu_s_after": self.after.cpu_seconds,
            "rss_mb_before": round(self.before.rss_bytes / MB, 1),
            "rss_mb_after": round(self.after.rss_bytes / MB, 1),
            "rss_mb_samples": [[round(moment, 1), round(rss / MB, 1)] for moment, rss in self.rss_samples],
        }

    def as_text(self) -> list[str]:
        figures = self.as_dict()
        lines = [
            f"server pid {self.pid}: CPU {figures['cpu_s']:.2f} s "
            f"({figures['cpu_s_before']:.2f} s before, {figures['cpu_s_after']:.2f} s after)",
            f"server RSS: {figures['rss_mb_before']:.1f} MB before, {figures['rss_mb_after']:.1f} MB after",
        ]
        if self.rss_samples:
            sampled = [rss for _, rss in self.rss_samples]
            lines.append(
                f"server RSS sampled {len(sampled)} times: min {min(sampled) / MB:.1f} MB, "
                f"max {max(sampled) / MB:.1f} MB"
            )
        return lines


@dataclass(frozen=True)
class LoadReport:
    """What a load run did and how fast."""

    devices: int
    accounts: int
    wire: str
    duration_s: float
    syncs: int
    items: int
    """Items the devices sent plus items they received."""
    latencies_s: list[float]
    """Seconds of each HTTP exchange."""
    latencies_by_kind_s: dict[MessageKind, list[float]]
    """The same seconds, by the kind of message sent."""
    errors: list[str]
    client_cpu_s: float
    """CPU seconds this load generator used (on the same machine, it competes with the server)."""
    checked_devices: int
    """Devices whose final data was checked against what the devices of their account made."""
    server: ServerFigures | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "devices": self.devices,
            "accounts": self.accounts,
            "wire": self.wire,
            "duration_s": round(self.duration_s, 3),
            "syncs": self.syncs,
            "syncs_per_s": round(self.syncs / self.duration_s, 2),
            "items": self.items,
            "items_per_s": round(self.items / self.duration_s, 1),
            "messages": len(self.latencies_s),
            "latency_ms": {
                **percentiles_ms(self.latencies_s),
                "mean": round(statistics.fmean(self.latencies_s) * 1000, 1) if self.latencies_s else 0.0,
            },
            "latency_by_kind_ms": {
                kind.value: {"messages": len(seconds), **percentiles_ms(seconds)}
                for kind, seconds in sorted(self.latencies_by_kind_s.items())
            },
            "slowest_1pct_by_kind": self.slowest_by_kind(),
            "errors": {"count": len(self.errors), "first": self.errors[:MAX_REASONS_SHOWN]},
            "client_cpu_s": round(self.client_cpu_s, 2),
            "checked_devices": self.checked_devices,
            "server": None if self.server is None else self.server.as_dict(),
        }

    def slowest_by_kind(self) -> dict[str, int]:
        """How many of the slowest 1 % of the messages (at least one) were of each kind."""
        ranked = sorted(
            ((seconds, kind) for kind, values in self.latencies_by_kind_s.items() for seconds in values), reverse=True
        )
        counts = dict.fromkeys(sorted(self.latencies_by_kind_s), 0)
        for _, kind in ranked[: math.ceil(SLOWEST * len(ranked))]:
            counts[kind] += 1
        return {kind.value: count for kind, count in counts.items()}

    def as_json(self) -> str:
        return json.dumps(self.as_dict())

    def as_text(self) -> str:
        figures = self.as_dict()
        latency = figures["latency_ms"]
        lines = [
            f"{self.devices} devices on {self.accounts} accounts, {self.wire}, {figures['duration_s']:.3f} s",
            f"throughput: {figures['syncs_per_s']:.2f} syncs/s ({self.syncs} syncs), "
            f"{figures['items_per_s']:.1f} items/s ({self.items} items)",
            f"message latency: p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms, "
            f"p99 {latency['p99']:.1f} ms, max {latency['max']:.1f} ms, mean {latency['mean']:.1f} ms "
            f"({figures['messages']} messages)",
            *(
                f"  {kind}: p50 {shown['p50']:.1f} ms, p95 {shown['p95']:.1f} ms, p99 {shown['p99']:.1f} ms, "
                f"max {shown['max']:.1f} ms ({shown['messages']} messages, "
                f"{figures['slowest_1pct_by_kind'][kind]} of the slowest 1 %)"
                for kind, shown in figures["latency_by_kind_ms"].items()
            ),
            f"errors: {len(self.errors)}",
            *(f"  {reason}" for reason in self.errors[:MAX_REASONS_SHOWN]),
            f"final data checked on {self.checked_devices} of {self.devices} devices",
            f"load generator CPU: {self.client_cpu_s:.2f} s",
        ]
        if self.server is not None:
            lines += self.server.as_text()
        return "\n".join(lines)
