"""A device's push channel in one line, as ``syncmld device list`` and the web admin show it."""

from datetime import UTC, datetime

from syncmld.shown import shown_time
from syncmld.store.pushes import PushDevice, PushSource


def push_summary(push: PushDevice) -> str:
    """One line on a device's push: channel, who set it, what was sent, what is awaited or failing."""
    target = f" {push.address}" if push.address else ""
    parts = [f"push: {push.channel}{target} (by {'the device' if push.source == PushSource.URL else 'the admin'})"]
    parts.append(f"{push.sent} sent")
    if push.awaiting_since is not None:
        parts.append(f"told {shown_time(datetime.fromtimestamp(push.awaiting_since, UTC))}, waiting for its sync")
    if push.failures:
        parts.append(f"FAILING: {push.failures} failed attempts, last: {push.last_error}")
    return ", ".join(parts)
