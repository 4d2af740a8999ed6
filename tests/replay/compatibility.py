"""``docs/compatibility.md``: the device compatibility list, one row per recorded device session, as
the replay harness saw syncmld answer it. ``python scripts/compatibility.py`` writes it again."""

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

from tests.conftest import REPO_ROOT

from .cases import CASES, NOT_SESSIONS, Case
from .checks import unfinished
from .harness import CaseRun, SessionRun, folder_name, running_harness
from .player import CHALLENGED, SKIPPED, FolderResult
from .quirks import quirks_of
from .readback import SYNCEVOLUTION_KINDS

DOCUMENT = REPO_ROOT / "docs" / "compatibility.md"
REGENERATE = "python scripts/compatibility.py"

_INTRO = f"""# Device compatibility

Every device session recorded in `../shared/interop/real-devices/` (phones, PDAs and desktop clients
in other projects' test data, see its README), and every session that can be rebuilt around a part
of one, replayed message by message against a real `syncmld serve` over HTTP by
`tests/replay/test_whole_sessions.py`. The harness writes this page (`{REGENERATE}`), and a test
fails when the page no longer says what the harness sees.

How a session is replayed: each device has an account of its own, where another device first put a
contact, an event and a task in the calendar, a task and a note, so every first session also shows
what syncmld sends the device. The recorded messages go out in order with our login in the device's
kind of credentials (basic, or the digest answering our own MD5 challenge; a device that sent none
answers the challenge), our session, message numbers and RespURI, and the device's statuses and maps
answering what syncmld sent (with the LUIDs its recorded maps used first). What the recording lacks
is written in the device's SyncML version and encoding and named in the table: the init package
before a recorded changes package, the Alerts after a DevInf-only message, the rest of an unfinished
large object, an empty changes package, Alert 222 while syncmld's package goes on, the final
statuses and maps. A recorded Alert 222 asking for more after syncmld sent everything is not sent.

After each session the test checks that every command got the status a working server gives, that
syncmld ran the modes listed and sent its items in the types the device takes (each a document of
its type), that the server completed the sync (it stored the device's anchors), that every item the
device holds is stored and says the same (names, phones, dates, summaries), and that nothing was
logged as a warning. After the last session of the devices listed under *SyncEvolution read-back*,
SyncEvolution syncs their folders as a second device and must receive what the device holds.

Columns: *syncmld answered*: the login's header statuses, per data store the status of the device's
Alert, the mode syncmld ran and the items it sent, then the statuses of the device's other commands
(xN: N times); *stored*: the live items of each folder on the server after the session.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def device_name(case: Case) -> str:
    """The device as its DevInf names it (Man and Mod), else as the recordings' index does."""
    for plan in case.sessions:
        for message in plan.messages:
            devinf = message.devinf
            if devinf is not None and devinf.man and devinf.mod:
                model = " ".join(devinf.mod.split())
                maker = devinf.man.split()[0]
                return model if model.lower().startswith(maker.lower()) else f"{devinf.man} {model}"
    return case.device


def _recording(run: SessionRun) -> str:
    names = [message.name for message in run.plan.messages]
    folder = names[0].rsplit("/", 1)[0] if "/" in names[0] else ""
    files = ", ".join(name.rsplit("/", 1)[-1] for name in names)
    return f"`{folder}/` {files}" if folder else files


def _formats(case: Case, run: SessionRun) -> str:
    sent: list[str] = []
    for message in run.plan.messages:
        for command in message.message.commands:
            for sub in getattr(command, "commands", ()):
                for item in getattr(sub, "items", ()):
                    found = (item.meta.type if item.meta and item.meta.type else None) or (
                        sub.meta.type if getattr(sub, "meta", None) and sub.meta.type else None
                    )
                    if found and found not in sent:
                        sent.append(found)
    parts = [f"sends {', '.join(sent)}"] if sent else []
    prefers = []
    devinf = next((message.devinf for plan in case.sessions for message in plan.messages if message.devinf), None)
    if devinf is not None:
        for folder in run.result.folders.values():
            store = devinf.datastore(folder.client_uri)
            if store is not None and store.rx_pref is not None and store.rx_pref.ct_type not in prefers:
                prefers.append(store.rx_pref.ct_type)
    if prefers:
        parts.append(f"DevInf prefers {', '.join(prefers)}")
    elif devinf is None:
        parts.append("no DevInf")
    return "; ".join(parts) or "—"


def _folder(case: Case, folder: FolderResult) -> str:
    text = f"{folder_name(case, folder)}: Alert {folder.asked} → {folder.alert_status}"
    if folder.mode:
        text += f", {folder.mode}"
    received = sum(folder.received.values())
    if received:
        text += f", sent {received} as {', '.join(folder.wire_types)}" if folder.wire_types else f", sent {received}"
    return text


def _answered(case: Case, run: SessionRun) -> str:
    logins = []
    for exchange in run.result.exchanges:
        logins.append(f"HTTP {exchange.http_status}" if exchange.http_status != 200 else str(exchange.header_status))
        if exchange.header_status not in CHALLENGED:
            break
    lines = [f"login {', then '.join(logins)}"]
    lines += [_folder(case, folder) for folder in run.result.folders.values()]
    counted: Counter[tuple[str, int]] = Counter()
    for exchange in run.result.exchanges:
        if exchange.header_status in CHALLENGED:
            continue
        counted.update((cmd, code) for cmd, code in exchange.statuses if cmd not in ("SyncHdr", "Alert"))
    if counted:
        lines.append(
            ", ".join(f"{cmd} {code}" + (f" x{count}" if count > 1 else "") for (cmd, code), count in counted.items())
        )
    if run.plan.finished and unfinished(case, run):
        lines.append("sync not complete on the server")
    return "<br>".join(_cell(line) for line in lines)


def _stored(run: SessionRun) -> str:
    return "<br>".join(f"{name}: {len(snapshot.items)}" for name, snapshot in sorted(run.server.items())) or "—"


def _written(run: SessionRun) -> str:
    written = Counter(what for what in run.result.synthesized if SKIPPED not in what)
    return "; ".join(what + (f" x{count}" if count > 1 else "") for what, count in written.items()) or "—"


def render(runs: list[CaseRun]) -> str:
    """The whole page, from the runs of every case."""
    lines = [
        _INTRO,
        "## Sessions",
        "",
        "| Session | Device | Recording | SyncML | Encoding | Formats | syncmld answered | Stored | "
        "Written by the replay | Quirks | Known defect |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        device = device_name(run.case)
        for index, session in enumerate(run.sessions):
            first = session.plan.messages[0]
            cells = [
                run.case.session_label(index),
                device,
                _recording(session),
                first.message.header.version.value,
                first.encoding.name,
                _formats(run.case, session),
                _answered(run.case, session),
                _stored(session),
                _written(session),
                ", ".join(quirks_of(session)) or "—",
                "; ".join(session.plan.xfail) or "—",
            ]
            lines.append("| " + " | ".join(_cell(cell) if "<br>" not in cell else cell for cell in cells) + " |")
    lines += ["", "## SyncEvolution read-back", "", "| Session | Folders | SyncEvolution type |", "|---|---|---|"]
    for case in CASES:
        if case.readback:
            kinds = ", ".join(SYNCEVOLUTION_KINDS[folder][0] for folder in case.readback)
            lines.append(f"| {case.session_label(len(case.sessions) - 1)} | {', '.join(case.readback)} | {kinds} |")
    lines += ["", "## Recordings that are not a device session", "", "| Files | Why |", "|---|---|"]
    lines += [f"| `{_cell(files)}` | {_cell(why)} |" for files, why in NOT_SESSIONS.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=DOCUMENT, help="where to write the page")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch, running_harness(Path(scratch) / "data", CASES) as harness:
        page = render([harness.run(case) for case in CASES])
    args.output.write_text(page, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
