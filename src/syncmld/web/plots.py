"""The web admin's plots, laid out here and drawn as SVG by ``templates/plot.html``: the syncs and failures
of each hour over the last days, and the messages of a session on a time line."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from syncmld.store.base import HourCounts, TimelineMessage

HOUR = 3600
BAR_WIDTH = 5
PLOT_HEIGHT = 120
LABEL_HEIGHT = 16
TIMING_WIDTH = 800
ROW_HEIGHT = 16
LABEL_WIDTH = 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str
    """Its CSS class: ``ok``, ``failed``, ``refused`` or ``message``."""
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Plot:
    width: int
    height: int
    title: str
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


def hourly_plot(counts: Sequence[HourCounts], first_hour: int, hours: int) -> Plot:
    """A bar per hour from ``first_hour``: syncs that ended well, failed syncs and refused logins, stacked."""
    by_hour = {entry.hour: entry for entry in counts}
    highest = max((entry.syncs + entry.failed + entry.refused_logins for entry in counts), default=0) or 1
    scale = PLOT_HEIGHT / highest
    plot = Plot(hours * BAR_WIDTH, PLOT_HEIGHT + LABEL_HEIGHT, f"syncs and failures per hour (highest: {highest})")
    for index in range(hours):
        hour = first_hour + index
        start = datetime.fromtimestamp(hour * HOUR, UTC)
        if start.hour == 0:
            plot.labels.append(Label(index * BAR_WIDTH, PLOT_HEIGHT + LABEL_HEIGHT - 3, start.strftime("%m-%d")))
        entry = by_hour.get(hour)
        if entry is None:
            continue
        top = float(PLOT_HEIGHT)
        for kind, value in (("ok", entry.syncs), ("failed", entry.failed), ("refused", entry.refused_logins)):
            if value:
                top -= value * scale
                when = start.strftime("%Y-%m-%d %H:00 UTC")
                plot.bars.append(
                    Bar(index * BAR_WIDTH, top, BAR_WIDTH - 1, value * scale, kind, f"{when}: {value} {kind}")
                )
    return plot


def timing_plot(messages: Sequence[TimelineMessage]) -> Plot:
    """A row per message: a bar from its arrival to its reply, on the session's time line."""
    if not messages:
        return Plot(TIMING_WIDTH, ROW_HEIGHT, "no messages")
    start = messages[0].at
    span = max(max(entry.at + entry.duration_ms / 1000 for entry in messages) - start, 0.001)
    scale = (TIMING_WIDTH - LABEL_WIDTH) / span
    plot = Plot(TIMING_WIDTH, ROW_HEIGHT * len(messages), f"{len(messages)} messages over {span:.2f} s")
    for row, entry in enumerate(messages):
        y = row * ROW_HEIGHT
        plot.labels.append(Label(0, y + ROW_HEIGHT - 4, entry.msg_id))
        x = LABEL_WIDTH + (entry.at - start) * scale
        title = f"message {entry.msg_id}: +{entry.at - start:.3f} s, {entry.duration_ms:.0f} ms"
        plot.bars.append(Bar(x, y + 2, max(entry.duration_ms / 1000 * scale, 1), ROW_HEIGHT - 4, "message", title))
    return plot
