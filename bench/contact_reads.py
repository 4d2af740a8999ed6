"""CPU per contact of what a slow sync asks of the content layer: a device's vCard to the stored form, and the stored
contact's UID (read by the store for each item written), identity (duplicate matching), card (a Replace's merge)
and normal form (echo checks).

    .venv/bin/python bench/contact_reads.py [--items 1000] [--reps 3] [--shared ../shared]

The contacts are the interop generator's (``shared/interop/pimgen.py``, seed 1), in two forms: as SyncEvolution
sends them (recorded in ``shared/interop/capture/xml-slow-contacts-5``: LF line breaks, as the XML parser hands
them over, no fold, no UID) and as the generator writes them (CRLF, folded, with a UID: what ``bench/slow_sync.py``'s
client sends). Each figure is this process's CPU microseconds a contact, the least of ``--reps`` runs.
"""

import argparse
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from syncmld import content
from syncmld.content.contacts import Contact

REPO = Path(__file__).resolve().parents[1]
_FOLD = re.compile(rb"\r?\n[ \t]")


def as_syncevolution_sends(card: bytes) -> bytes:
    """The card unfolded, with LF line breaks and without its UID line."""
    lines = _FOLD.sub(b"", card).replace(b"\r\n", b"\n").split(b"\n")
    return b"".join(line + b"\n" for line in lines if line and not line.startswith(b"UID:"))


def per_item(work: Callable[[bytes], object], items: list[bytes], reps: int) -> float:
    """The least CPU microseconds a call of ``work`` took per item, in ``reps`` runs over ``items``."""
    best = float("inf")
    for _ in range(reps):
        began = time.process_time()
        for item in items:
            work(item)
        best = min(best, time.process_time() - began)
    return 1e6 * best / len(items)


def stored(data: bytes) -> bytes:
    return content.from_device("text/vcard", data, None, None, "contacts").data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "contacts"
        script = args.shared / "interop" / "pimgen.py"
        subprocess.run(
            [str(script), "contacts", str(args.items), str(folder), "--seed", "1"], check=True, capture_output=True
        )
        generated = [path.read_bytes() for path in sorted(folder.iterdir())]
    forms = {"SyncEvolution's": [*map(as_syncevolution_sends, generated)], "pimgen's": generated}
    reads: dict[str, Callable[[bytes], object]] = {
        "uid": lambda data: content.read("text/vcard", data).uid,
        "identity": lambda data: content.read("text/vcard", data).identity,
        "card": lambda data: Contact("text/vcard", data).card,
        "normal form": lambda data: content.read("text/vcard", data).normal_form,
    }
    print(f"{len(generated)} contacts; CPU us a contact (least of {args.reps} runs)")
    print(f"{'form':<16} {'to stored':>10}" + "".join(f" {name:>12}" for name in reads))
    for name, cards in forms.items():
        kept = [*map(stored, cards)]
        figures = [per_item(stored, cards, args.reps), *(per_item(read, kept, args.reps) for read in reads.values())]
        print(
            f"{name:<16}" + "".join(f" {figure:>{10 if index == 0 else 12}.2f}" for index, figure in enumerate(figures))
        )


if __name__ == "__main__":
    main()
