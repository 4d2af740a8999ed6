"""syncmld dedupe on a large address book: N contacts of which a share are second copies (another phone
format, a middle name, one more e-mail), in a SQLite store. Prints the time to find the groups and to merge
them (wall clock, and the process's CPU time, which other load on a shared machine moves less), and the
peak RSS of the process; with --sizes, the same for several sizes (to see it grow linearly).

    .venv/bin/python bench/dedupe.py                         # 20,000 contacts, 10 % duplicates
    .venv/bin/python bench/dedupe.py --sizes 5000,10000,20000
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

from syncmld.content import to_stored
from syncmld.history.dedupe import find_duplicates, merge_duplicates
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import NewItem


def card(n: int, copy: bool) -> bytes:
    middle, phone = ("Paul", f"+49170{n:07d}") if copy else ("", f"+49 170 {n:07d}")
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:Person{n};Anna;{middle};;",
        f"FN:Anna Person{n}",
        f"TEL;TYPE=CELL:{phone}",
    ]
    lines.append(f"EMAIL:anna{n}@example.org")
    if copy:
        lines.append(f"EMAIL:anna{n}@work.example")
    lines.append(f"ORG:Company {n % 97}")
    return ("\r\n".join([*lines, "END:VCARD"]) + "\r\n").encode()


def run(size: int, share: float, directory: Path) -> None:
    copies = int(size * share)
    store = open_store(sqlite_url(directory))
    with store.transaction() as tx:
        account = tx.add_account("bench@example.org", "", "x")
        folder = tx.ensure_folder(account.id, "contacts")
        items = [NewItem(None, *to_stored("text/vcard", card(n, False), None, None)) for n in range(size - copies)]
        items += [NewItem(None, *to_stored("text/vcard", card(n, True), None, None)) for n in range(copies)]
        tx.put_items(folder.id, items, None)
    started, cpu_started = time.perf_counter(), time.process_time()
    with store.transaction() as tx:
        groups = find_duplicates(tx, folder.id)
    found, cpu_found = time.perf_counter(), time.process_time()
    with store.transaction() as tx:
        merge_duplicates(tx, account.id, folder, groups, time.time())
    merged, cpu_merged = time.perf_counter(), time.process_time()
    with store.transaction() as tx:
        left = tx.count_items(folder.id)
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{size} contacts, {copies} second copies: {len(groups)} groups found in {found - started:.2f} s, "
        f"merged in {merged - found:.2f} s (total {merged - started:.2f} s; CPU {cpu_found - cpu_started:.2f} + "
        f"{cpu_merged - cpu_found:.2f} s), {left} left; peak RSS {peak:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000", help="Contact counts, comma-separated.")
    parser.add_argument("--share", type=float, default=0.1, help="Share of second copies.")
    args = parser.parse_args()
    for size in (int(text) for text in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as directory:
            run(size, args.share, Path(directory))


if __name__ == "__main__":
    main()
