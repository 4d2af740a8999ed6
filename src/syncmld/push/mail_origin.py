"""Whose change a mailbox watcher saw: a device's own, when syncmld wrote it to IMAP for that device (the
store's records of what it wrote, ``Mail.begin_mail_write``), so that the device is not told of it."""

from syncmld.store.base import MailWrite

OPEN_WRITE = 120.0
"""Seconds a writing whose end was not recorded (its server process stopped) still counts as its device's."""


def writer_of(writes: list[MailWrite], since: int, until: int, now: float) -> int | None:
    """The device whose writes span all of the HIGHESTMODSEQ span (``since``, ``until``], when no other
    device's writes touch it; None otherwise (an IMAP client's change, or several devices')."""
    touching: list[tuple[int, float, int]] = []
    for write in writes:
        end = float("inf") if write.until is None and write.at >= now - OPEN_WRITE else float(write.until or 0)
        if write.since < until and end > since:
            touching.append((write.since, end, write.device_id))
    if not touching or len({device for *_, device in touching}) != 1:
        return None
    covered = float(since)
    for start, end, _ in sorted(touching):
        if start > covered:
            return None
        covered = max(covered, end)
    return touching[0][2] if covered >= until else None
