"""How times are written for people, the same in the CLI and the web admin."""

from datetime import UTC, datetime


def shown_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
