"""CPU per item of a device's item to the stored form (``content.from_device``) for the formats phones send besides
SyncEvolution's vCard 3.0: generated vCard 2.1 contacts and iCalendar 2.0 events, and every vCard and calendar object
of the real devices' captures.

    .venv/bin/python bench/device_items.py [--items 300] [--reps 5] [--shared ../shared]

The generated items are the interop generator's (``shared/interop/pimgen.py``, seed 1); the real devices' are those
found in ``shared/interop/real-devices`` (vCard 2.1 as ``text/x-vcard``, 3.0 as ``text/vcard``, vCalendar 1.0 as
``text/x-vcalendar``, iCalendar as ``text/calendar``). Each figure is this process's CPU microseconds an item, the
least of ``--reps`` runs over all of them.
"""

import argparse
import re
import subprocess
import tempfile
import time
from pathlib import Path

from syncmld import content
from syncmld.errors import SyncMLError

REPO = Path(__file__).resolve().parents[1]
_VCARD = re.compile(rb"BEGIN:VCARD.*?END:VCARD\r?\n?", re.DOTALL | re.IGNORECASE)
_CALENDAR = re.compile(rb"BEGIN:VCALENDAR.*?END:VCALENDAR\r?\n?", re.DOTALL | re.IGNORECASE)


def generated(shared: Path, kind: str, count: int, where: Path, *options: str) -> list[bytes]:
    folder = where / f"{kind}{''.join(options)}"
    subprocess.run(
        [str(shared / "interop" / "pimgen.py"), kind, str(count), str(folder), "--seed", "1", *options],
        check=True,
        capture_output=True,
    )
    return [path.read_bytes() for path in sorted(folder.iterdir())]


def recorded(shared: Path, pattern: re.Pattern[bytes]) -> list[bytes]:
    files = sorted(path for path in (shared / "interop" / "real-devices").rglob("*") if path.is_file())
    return [found for path in files for found in pattern.findall(path.read_bytes())]


def vcard_type(data: bytes) -> str:
    return "text/x-vcard" if b"VERSION:2.1" in data[:60].upper() else "text/vcard"


def calendar_type(data: bytes) -> str:
    return "text/x-vcalendar" if b"VERSION:1.0" in data.upper() else "text/calendar"


def per_item(items: list[tuple[str, bytes]], folder_kind: str, reps: int) -> tuple[float, int]:
    """The least CPU microseconds an item took in ``reps`` runs, and how many were stored (not refused)."""
    best, stored = float("inf"), 0
    for _ in range(reps):
        began, stored = time.process_time(), 0
        for content_type, data in items:
            try:
                content.from_device(content_type, data, None, None, folder_kind)
                stored += 1
            except SyncMLError:
                pass
        best = min(best, time.process_time() - began)
    return 1e6 * best / len(items), stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        where = Path(scratch)
        sets = {
            "pimgen vCard 2.1": (
                [
                    ("text/x-vcard", data)
                    for data in generated(args.shared, "contacts", args.items, where, "--version", "2.1")
                ],
                "contacts",
            ),
            "pimgen iCalendar 2.0 events": (
                [("text/calendar", data) for data in generated(args.shared, "events", args.items, where)],
                "calendar",
            ),
        }
    cards = recorded(args.shared, _VCARD)
    calendars = recorded(args.shared, _CALENDAR)
    sets["real devices' vCards"] = ([(vcard_type(data), data) for data in cards], "contacts")
    sets["real devices' calendar objects"] = ([(calendar_type(data), data) for data in calendars], "calendar")
    print(f"CPU us an item (least of {args.reps} runs)")
    for label, (items, folder_kind) in sets.items():
        if items:
            figure, stored = per_item(items, folder_kind, args.reps)
            print(f"{label:<32} {len(items):>6} items {figure:>10.1f} us ({stored} stored)")


if __name__ == "__main__":
    main()
