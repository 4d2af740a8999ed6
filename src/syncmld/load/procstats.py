"""A server's CPU time and memory, read from /proc for a process and all its descendants (workers)."""

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Usage:
    """CPU seconds used so far (reaped children included) and the resident memory now, in bytes."""

    cpu_seconds: float
    rss_bytes: int


def stat_fields(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (which may hold spaces): state is [0]."""
    text = (PROC / str(pid) / "stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _children() -> dict[int, list[int]]:
    """Every process's children, by parent pid."""
    tree: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent_pid = int(stat_fields(int(entry.name))[1])
        except (OSError, ValueError, IndexError):
            continue  # it ended while we looked
        tree.setdefault(parent_pid, []).append(int(entry.name))
    return tree


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that are alive."""
    tree = _children()
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(tree.get(current, []))
    return found


def usage(pid: int) -> Usage:
    """The usage of ``pid`` with its descendants; raises ProcessLookupError if ``pid`` is not running."""
    if not (PROC / str(pid)).is_dir():
        raise ProcessLookupError(f"no process {pid}")
    ticks = 0
    pages = 0
    for member in process_tree(pid):
        try:
            fields = stat_fields(member)
        except OSError:
            continue
        # utime, stime, cutime, cstime are fields 14-17 of stat; rss (pages) is field 24.
        ticks += sum(int(value) for value in fields[11:15])
        pages += int(fields[21])
    return Usage(cpu_seconds=ticks / _TICKS_PER_SECOND, rss_bytes=pages * _PAGE_SIZE)


def peak_rss_bytes(pid: int) -> int:
    """The most memory ``pid`` has had resident (VmHWM), since it started or since ``reset_peak_rss``."""
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise ProcessLookupError(f"no peak memory for process {pid}")


def reset_peak_rss(pid: int) -> None:
    """Measure ``pid``'s peak memory again from what it has resident now (Linux 4.0 and later)."""
    (PROC / str(pid) / "clear_refs").write_text("5")
