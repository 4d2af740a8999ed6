"""Conversion throughput of every device format to the stored form and back, on generated items.

    .venv/bin/python bench/convert_throughput.py [--items 10000] [--reps 1] [--shared ../shared]

Items come from the interop generators (``shared/interop/pimgen.py``: realistic contacts, events
with time zones, recurrences, exceptions and alarms, tasks, memos); SIF items are made from them by
the server's own SIF writer. For each pair the table shows items per second into the stored form
(what a device's Add costs) and out of it (what sending to a device costs), and the mean item size.
Times are this process's CPU time, the best of ``--reps`` runs (other load on the machine counts less).
"""

import argparse
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from syncmld import content

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")

# (label, generator kind, generator options, wire type, folder kind)
PAIRS: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    ("vCard 3.0", "contacts", (), "text/vcard", "contacts"),
    ("vCard 2.1", "contacts", ("--version", "2.1"), "text/x-vcard", "contacts"),
    ("SIF-C", "contacts", (), "text/x-s4j-sifc", "contacts"),
    ("iCalendar 2.0 events", "events", ("--format", "ical20"), "text/calendar", "events"),
    ("vCalendar 1.0 events", "events", ("--format", "vcal10"), "text/x-vcalendar", "events"),
    ("SIF-E", "events", ("--format", "ical20"), "text/x-s4j-sife", "events"),
    ("iCalendar 2.0 tasks", "tasks", ("--format", "ical20"), "text/calendar", "tasks"),
    ("vCalendar 1.0 tasks", "tasks", ("--format", "vcal10"), "text/x-vcalendar", "tasks"),
    ("SIF-T", "tasks", ("--format", "ical20"), "text/x-s4j-sift", "tasks"),
    ("plain-text notes", "memos", (), "text/plain", "notes"),
    ("vNote 1.1", "memos", (), "text/x-vnote", "notes"),
    ("SIF-N", "memos", (), "text/x-s4j-sifn", "notes"),
)


def generated(pimgen: Path, kind: str, options: tuple[str, ...], count: int, where: Path) -> list[bytes]:
    folder = where / f"{kind}{'-'.join(options)}"
    if not folder.exists():
        subprocess.run([str(pimgen), kind, str(count), str(folder), *options], check=True, capture_output=True)
    return [path.read_bytes() for path in sorted(folder.iterdir())]


def device_items(samples: list[bytes], generated_type: str, wire_type: str, folder_kind: str) -> list[bytes]:
    """The samples in the pair's wire type (SIF and vNote are written from the stored form)."""
    if content.media_type(wire_type) == generated_type:
        return samples
    stored = [content.to_stored(generated_type, data, None, None, folder_kind) for data in samples]
    return [content.from_stored(kind, data, wire_type) for kind, data in stored]


def timed(work: Callable[[], T], reps: int) -> tuple[T, float]:
    """What ``work`` returned and the least CPU seconds it took in ``reps`` runs."""
    best = float("inf")
    for _ in range(reps):
        began = time.process_time()
        result = work()
        best = min(best, time.process_time() - began)
    return result, best


def into_stored(items: list[bytes], wire_type: str, folder_kind: str) -> list[tuple[str, bytes]]:
    return [content.to_stored(wire_type, data, None, None, folder_kind) for data in items]


def out_of_stored(stored: list[tuple[str, bytes]], wire_type: str) -> list[bytes]:
    return [content.from_stored(kind, data, wire_type) for kind, data in stored]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    pimgen = args.shared / "interop" / "pimgen.py"
    generated_types = {
        "contacts": "text/vcard",
        "events": "text/calendar",
        "tasks": "text/calendar",
        "memos": "text/plain",
    }
    print(f"{args.items} items per pair; items/s (higher is better)")
    print(f"{'format':<22} {'to stored':>10} {'from stored':>12} {'bytes/item':>11}")
    with tempfile.TemporaryDirectory() as scratch:
        for label, kind, options, wire_type, folder_kind in PAIRS:
            samples = generated(pimgen, kind, options, args.items, Path(scratch))
            source_type = (
                "text/x-vcard"
                if "2.1" in options
                else "text/x-vcalendar"
                if "vcal10" in options
                else generated_types[kind]
            )
            items = device_items(samples, source_type, wire_type, folder_kind)
            stored, into = timed(partial(into_stored, items, wire_type, folder_kind), args.reps)
            _, out = timed(partial(out_of_stored, stored, wire_type), args.reps)
            size = sum(map(len, items)) // len(items)
            print(f"{label:<22} {len(items) / into:>10.0f} {len(items) / out:>12.0f} {size:>11}")


if __name__ == "__main__":
    main()
