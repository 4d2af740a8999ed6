"""What a rejected request without a session costs the server: CPU ms and peak memory, this tree beside a
baseline commit, in one run.

    .venv/bin/python bench/rejected_requests.py [--baseline 0d82c6f] [--repeat 3] [--skip-baseline-bomb] [--only TEXT]

Each request is a login with a wrong password carrying a Sync of contacts (1 MB and 10,000,000 bytes,
XML and WBXML), a 1 MB WBXML body whose VerDTD refers 500 times to a 1 MB string-table entry, or a
message of 128 kB (the login limit) made of empty elements, the costliest content per byte, or of
thousands of namespace declarations in one tag, or of CDATA sections before a declaration. For
each (tree, request) a fresh ``syncmld serve`` (SQLite, no account) is started; the request is posted
``--repeat`` times: the median of the server's CPU time for a request (/proc, 10 ms resolution: 0 is
under 10 ms), the highest of its peak resident memory while answering (VmHWM, reset before each
request) and the most that peak was above what it had before the request. The baseline runs from a
``git worktree`` of ``--baseline`` (made in a temporary directory unless ``--baseline-src`` names its
``src``) on the same interpreter.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from syncmld.protocol.constants import AlertCode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from syncmld.load.procstats import peak_rss_bytes, reset_peak_rss, usage  # noqa: E402
from syncmld.protocol.codec import Encoding, encode  # noqa: E402
from syncmld.protocol.constants import AUTH_BASIC, SyncMLVersion  # noqa: E402
from syncmld.protocol.messages import Add, Alert, Anchor, Cred, Item, LocRef, Meta, Sync, SyncHdr, SyncML  # noqa: E402
from tests.hostile.wire import string_table_bomb  # noqa: E402

SERVING = re.compile(r"serving SyncML at (http://127\.0\.0\.1:\d+/syncml)")
MB = 1024 * 1024
WRONG_LOGIN = "YWxpY2VAZXhhbXBsZS5vcmc6d3Jvbmc="
"""base64 of alice@example.org:wrong"""


def vcard(number: int) -> str:
    return (
        f"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Contact{number};Test;;;\r\nFN:Test Contact{number}\r\n"
        f"TEL;CELL:+49 170 {number:07d}\r\nNOTE:{'n' * 400}\r\nEND:VCARD\r\n"
    )


def login_with_contacts(size: int, encoding: Encoding) -> bytes:
    """A login with a wrong password, an Alert and a Sync of as many contacts as make about ``size`` bytes."""

    def build(count: int) -> bytes:
        header = SyncHdr(
            version=SyncMLVersion.V1_2,
            session_id="1",
            msg_id="1",
            target=LocRef("http://server/"),
            source=LocRef("IMEI:bench"),
            cred=Cred(data=WRONG_LOGIN, meta=Meta(type=AUTH_BASIC)),
        )
        alert = Alert(
            cmd_id="1",
            data=AlertCode.SLOW_SYNC,
            items=(Item(target=LocRef("contacts"), source=LocRef("./contacts"), meta=Meta(anchor=Anchor(next="1"))),),
        )
        adds = tuple(
            Add(
                cmd_id=str(number + 3),
                meta=Meta(type="text/x-vcard"),
                items=(Item(source=LocRef(str(number)), data=vcard(number).encode()),),
            )
            for number in range(count)
        )
        sync = Sync(cmd_id="2", target=LocRef("contacts"), source=LocRef("./contacts"), commands=adds)
        return encode(SyncML(header, (alert, sync), True), encoding)

    base, sample = len(build(0)), 1000
    per_contact = (len(build(sample)) - base) / sample
    count = int((size - base) / per_contact)
    while len(body := build(count)) > size:
        count -= 1 + int((len(body) - size) / per_contact)
    return body


def empty_elements(size: int, encoding: Encoding) -> bytes:
    """A message without credentials of about ``size`` bytes: an Alert of empty Items, the costliest
    content to decode per byte."""

    def build(count: int) -> bytes:
        header = SyncHdr(
            version=SyncMLVersion.V1_2,
            session_id="1",
            msg_id="1",
            target=LocRef("http://server/"),
            source=LocRef("IMEI:bench"),
        )
        return encode(
            SyncML(header, (Alert(cmd_id="1", data=AlertCode.TWO_WAY, items=(Item(),) * count),), True), encoding
        )

    per_item = len(build(1001)) - len(build(1000))
    return build((size - len(build(0))) // per_item)


def namespace_declarations(size: int) -> bytes:
    """A message without credentials of about ``size`` bytes whose one Alert tag declares thousands of
    namespace prefixes (each declaration once had the tag matched again from its start)."""
    declarations = b"".join(b" xmlns:p%d='urn:p%d'" % (number, number) for number in range(size // 24))
    return _around_alert(b"<Alert" + declarations + b"><CmdID>1</CmdID><Data>200</Data></Alert>")


def sections_before_a_declaration(size: int) -> bytes:
    """A message without credentials of about ``size`` bytes: an Alert whose item data is empty CDATA
    sections, then a default namespace declaration (each section once had the search for it go through the
    rest of the message)."""
    sections = b"<![CDATA[]]>" * (size // 12)
    return _around_alert(
        b"<Alert><CmdID>1</CmdID><Data>200</Data><Item><Data>" + sections + b"</Data>"
        b"<Meta><Type xmlns='syncml:metinf'>text/x-vcard</Type></Meta></Item></Alert>"
    )


def _around_alert(alert: bytes) -> bytes:
    empty = empty_elements(0, Encoding.XML)
    at = empty.index(b"<Alert>")
    return empty[:at] + alert + empty[empty.index(b"</Alert>", at) + len(b"</Alert>") :]


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    content_type: str


def cases() -> list[Case]:
    xml, wbxml = Encoding.XML.content_type, Encoding.WBXML.content_type
    return [
        Case("XML 1 MB", login_with_contacts(1_000_000, Encoding.XML), xml),
        Case("XML 10 MB", login_with_contacts(10_000_000, Encoding.XML), xml),
        Case("WBXML 1 MB", login_with_contacts(1_000_000, Encoding.WBXML), wbxml),
        Case("WBXML 10 MB", login_with_contacts(10_000_000, Encoding.WBXML), wbxml),
        Case("WBXML 1 MB, 500 x 1 MB string", string_table_bomb(1_000_000, 500), wbxml),
        Case("XML 128 kB, empty elements", empty_elements(131_000, Encoding.XML), xml),
        Case("WBXML 128 kB, empty elements", empty_elements(131_000, Encoding.WBXML), wbxml),
        Case("XML 128 kB, 5,400 xmlns in a tag", namespace_declarations(131_000), xml),
        Case("XML 128 kB, CDATA then xmlns", sections_before_a_declaration(130_000), xml),
    ]


@dataclass(frozen=True)
class Figures:
    status: int
    cpu_ms: float
    peak_mb: float
    growth_mb: float


@contextmanager
def served(src: Path, work: Path) -> Iterator[tuple[str, int]]:
    """``syncmld serve`` of the tree whose ``src`` is given, on a free port: its URL and pid."""
    log_path = work / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(src)}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "syncmld", "serve", "--port", "0", "--data-dir", str(work / "data")],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while not (found := SERVING.search(log_path.read_text(errors="replace"))):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"syncmld serve did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.05)
        yield found.group(1), process.pid
    finally:
        process.terminate()
        process.wait(60)


def measure(url: str, pid: int, case: Case) -> Figures:
    before = usage(pid)
    reset_peak_rss(pid)
    answered = httpx.post(url, content=case.body, headers={"Content-Type": case.content_type}, timeout=600)
    after = usage(pid)
    peak = peak_rss_bytes(pid)
    return Figures(
        answered.status_code, (after.cpu_seconds - before.cpu_seconds) * 1000, peak / MB, (peak - before.rss_bytes) / MB
    )


def run(src: Path, case: Case, repeat: int) -> Figures:
    with tempfile.TemporaryDirectory() as work, served(src, Path(work)) as (url, pid):
        httpx.get(url, timeout=60)  # warm up the app before measuring
        runs = [measure(url, pid, case) for _ in range(repeat)]
    return Figures(
        runs[-1].status,
        statistics.median(r.cpu_ms for r in runs),
        max(r.peak_mb for r in runs),
        max(r.growth_mb for r in runs),
    )


@contextmanager
def baseline_tree(commit: str, given: Path | None) -> Iterator[Path]:
    """The ``src`` directory of ``commit``: ``given``, or a temporary worktree removed afterwards."""
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory() as parent:
        tree = Path(parent) / "baseline"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), commit], check=True, capture_output=True
        )
        try:
            yield tree / "src"
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=True, capture_output=True
            )


COLUMNS = "HTTP   CPU ms  peak MB  +peak MB"


def shown(figures: Figures | None) -> str:
    if figures is None:
        return f"{'not run':<34}"
    return f"{figures.status:>4} {figures.cpu_ms:>8.0f} {figures.peak_mb:>8.0f} {figures.growth_mb:>9.0f}     "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="0d82c6f", help="commit to compare with")
    parser.add_argument("--baseline-src", type=Path, help="the src directory of a checkout of --baseline")
    parser.add_argument("--repeat", type=int, default=3, help="requests per case")
    parser.add_argument(
        "--skip-baseline-bomb",
        action="store_true",
        help="do not post the string-table bomb to the baseline (it takes it to ~3.7 GB)",
    )
    parser.add_argument("--only", default="", help="only the requests whose name holds this text")
    options = parser.parse_args()
    print(f"{'request (body bytes)':<40} {'baseline ' + options.baseline:<34}this tree")
    print(f"{'':<40} {COLUMNS:<34}{COLUMNS}")
    with baseline_tree(options.baseline, options.baseline_src) as baseline_src:
        for case in (case for case in cases() if options.only in case.name):
            skip = options.skip_baseline_bomb and "string" in case.name
            before = None if skip else run(baseline_src, case, options.repeat)
            now = run(REPO / "src", case, options.repeat)
            print(f"{f'{case.name} ({len(case.body):,})':<40} {shown(before)}{shown(now)}", flush=True)


if __name__ == "__main__":
    main()
