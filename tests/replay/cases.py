"""Every device session in ``real-devices``, what syncmld must do with it, and the recordings that are
no session of a device.

Each case is one device of one account: its sessions run in order, so a later session's anchors and
LUIDs meet the state the earlier ones left. Expected modes are listed per session in the order of the
device's sync Alerts (its own, or those the replay writes for it); expected types per folder are the
ones the device must get the server's items in.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from .recordings import REAL_DEVICES, Recorded, horde_sessions, logged_messages, recorded, sent_by_client

SLOW, TWO_WAY, ONE_WAY_FROM_CLIENT = "slow", "two-way", "one-way-from-client"

TASK_LEFT_OUT = "VTODO cannot be sent as text/x-s4j-sife (a SIF event document), and the device takes no other type"
"""A SIF-E-only calendar client does not get the task kept in the account's calendar."""


@dataclass(frozen=True)
class SessionPlan:
    files: tuple[str, ...]
    """The recorded messages of the session, in order (paths under ``real-devices``; ``LOG#N`` is the
    N-th client message of a log)."""
    modes: tuple[str, ...]
    xfail: tuple[str, ...] = ()
    """Known defects this session runs into, in plain words (the test is expected to fail)."""
    expected_warnings: tuple[str, ...] = ()
    """What the server must warn about in this session (each a part of a WARNING line), and may."""
    as_recorded: bool = False
    """The recording holds all the device sent (it ends where the device ended): the replay writes
    nothing after it."""
    finished: bool = True
    """The device took the sync as done: the server must have stored its anchors (False for a session
    the device gave up)."""

    @cached_property
    def messages(self) -> tuple[Recorded, ...]:
        return tuple(_load(name) for name in self.files)


@dataclass(frozen=True)
class Case:
    key: str
    device: str
    """The device as the index names it (a DevInf's Man and Mod take precedence in the table)."""
    sessions: tuple[SessionPlan, ...]
    types: Mapping[str, str]
    """Folder -> the type the device must get that folder's items in."""
    user_folders: tuple[str, ...] = ()
    """Folders of the account's own the device syncs (its remote names are no standard folder)."""
    readback: tuple[str, ...] = ()
    """Folders SyncEvolution reads back as a second device after the last session."""

    def session_label(self, index: int) -> str:
        return f"{self.key}-{index + 1}"


def _load(name: str) -> Recorded:
    path, _, number = name.partition("#")
    if not number:
        return recorded(path)
    client = [body for body in logged_messages((REAL_DEVICES / path).read_bytes()) if sent_by_client(body)]
    return recorded(name, client[int(number) - 1])


def _horde(folder: str, first_warnings: tuple[str, ...] = ()) -> tuple[SessionPlan, ...]:
    """A Horde test case: one data store, a first (slow) sync, then two-way syncs; ``first_warnings``
    are what the first must warn about."""
    sessions = horde_sessions(REAL_DEVICES / "horde-syncml" / folder)
    return tuple(
        SessionPlan(
            tuple(str(path.relative_to(REAL_DEVICES)) for path in session),
            (TWO_WAY,) if index else (SLOW,),
            expected_warnings=() if index else first_warnings,
        )
        for index, session in enumerate(sessions)
    )


def _one(*files: str, modes: tuple[str, ...], xfail: tuple[str, ...] = ()) -> tuple[SessionPlan, ...]:
    return (SessionPlan(files, modes, xfail),)


WBXML = "funambol-server/wbxml-to-xml-to-wbxml"
CORE = "funambol-server/core-framework-test-data"
BLACKBERRY_LOG = "funambol-server/sendlog/synclog.txt"

CASES: tuple[Case, ...] = (
    Case(
        "p900",
        "Sony Ericsson P900",
        _horde("testcase_P900_tasksandcalendar"),
        {"events": "text/x-vcalendar"},
        readback=("events",),
    ),
    Case(
        "outlook-3015",
        "Funambol Outlook plug-in 3.0.15",
        _horde("testcase_funambol_outlook3015_calendar", (TASK_LEFT_OUT,)),
        {"events": "text/x-s4j-sife"},
        readback=("events",),
    ),
    Case(
        "pocketpc-calendar",
        "Sync4j/Funambol Pocket PC client",
        _horde("testcase_sync4j_pocketpc_calendar", (TASK_LEFT_OUT,)),
        {"events": "text/x-s4j-sife"},
        readback=("events",),
    ),
    Case(
        "pocketpc-contacts",
        "Sync4j/Funambol Pocket PC client",
        _horde("testcase_sync4j_pocketpc_contacts"),
        {"contacts": "text/x-s4j-sifc"},
        readback=("contacts",),
    ),
    Case(
        "pocketpc-notes",
        "Sync4j/Funambol Pocket PC client",
        _horde("testcase_sync4j_pocketpc_notes"),
        {"notes": "text/x-s4j-sifn"},
        readback=("notes",),
    ),
    Case(
        "synthesis-palm",
        "Synthesis SySync Client PalmOS 2.5",
        _horde("testcase_synthesis_tasks"),
        {"tasks": "text/x-vcalendar"},
        readback=("tasks",),
    ),
    Case(
        "funambol-wm-contacts",
        "Funambol Windows Mobile client",
        _one(*(f"funambol-cpp-client/syncML{number}.xml" for number in (1, 3, 5, 7)), modes=(SLOW,)),
        {"contacts": "text/x-s4j-sifc"},
        readback=("contacts",),
    ),
    Case(
        "syncevolution-0.8",
        "SyncEvolution 0.8 (Funambol C++ client library)",
        _one(
            "buteo-syncml/syncml_init.txt",
            *(f"buteo-syncml/syncml_resp{suffix}.txt" for suffix in ("", "2", "3", "4", "5")),
            modes=(SLOW, SLOW),
        ),
        {"contacts": "text/x-vcard", "notes": "text/plain"},
    ),
    Case(
        "blackberry-photo",
        "Funambol BlackBerry client 8.7.3 (RIM BlackBerry 9800)",
        (
            SessionPlan((f"{BLACKBERRY_LOG}#1", f"{BLACKBERRY_LOG}#2"), (ONE_WAY_FROM_CLIENT,), as_recorded=True),
            SessionPlan((f"{BLACKBERRY_LOG}#3", f"{BLACKBERRY_LOG}#4"), (ONE_WAY_FROM_CLIENT,), as_recorded=True),
            SessionPlan((f"{BLACKBERRY_LOG}#5",), (ONE_WAY_FROM_CLIENT,), as_recorded=True, finished=False),
            SessionPlan((f"{BLACKBERRY_LOG}#6", f"{BLACKBERRY_LOG}#7"), (ONE_WAY_FROM_CLIENT,), as_recorded=True),
        ),
        {},
        user_folders=("picture",),
    ),
    Case(
        "w910i",
        "Sony Ericsson W910i",
        _one(f"{CORE}/sonyericsson-W910i.xml", modes=(SLOW,)),
        {"contacts": "text/x-vcard"},
    ),
    Case(
        "k800i",
        "Sony Ericsson K800i",
        _one("txsyncml/sony-ericsson-k800i-package1.xml", modes=(SLOW,)),
        {"contacts": "text/x-vcard"},
    ),
    Case(
        "nokia-3220",
        "Nokia 3220",
        _one(f"{CORE}/syncml1.1.xml", modes=(SLOW,)),
        {},
        user_folders=("test",),
    ),
    Case(
        "nokia-5610",
        "Nokia 5610d-1",
        _one(f"{CORE}/nokia-wrong-syncml1.2.xml", modes=(SLOW, SLOW, SLOW)),
        {"contacts": "text/x-vcard", "events": "text/x-vcalendar", "notes": "text/plain"},
    ),
    Case(
        "panasonic-x70",
        "Panasonic x70",
        _one(f"{CORE}/twods.xml", modes=(SLOW, SLOW)),
        {"contacts": "text/x-vcard", "events": "text/x-vcalendar"},
    ),
    Case(
        "nokia-n80",
        "Nokia N80",
        _one(f"{WBXML}/msg1.wbxml", modes=(SLOW, SLOW)),
        {"contacts": "text/x-vcard", "events": "text/x-vcalendar"},
    ),
    Case(
        "funambol-msg5",
        "SyncML 1.2 client (anonymised, Funambol test data msg5)",
        _one(f"{WBXML}/msg5.wbxml", modes=(SLOW,)),
        {"contacts": "text/x-s4j-sifc"},
    ),
    Case(
        "funambol-msg17",
        "SyncML 1.2 client (anonymised, Funambol test data msg17)",
        _one(f"{WBXML}/msg17.wbxml", modes=(SLOW,)),
        {"contacts": "text/x-vcard"},
    ),
    Case(
        "ericsson",
        "Ericsson phone (no model in its DevInf)",
        _one("synrc-syncml/example.wbxml", modes=(SLOW, SLOW)),
        {"contacts": "text/x-vcard", "events": "text/x-vcalendar"},
    ),
    Case(
        "outlook-10",
        "Funambol Windows Sync Client (Outlook) 10.1.6",
        _one("synrc-syncml/sample.wbxml", modes=(SLOW,)),
        {"contacts": "text/x-vcard"},
    ),
    Case("nokia-e51", "Nokia E51", _one("syncgw/in01.wbxml", modes=(SLOW,)), {"notes": "text/plain"}),
    Case(
        "nokia-symbian-msg9",
        "Nokia Symbian phone (anonymised, Funambol test data msg9)",
        _one(f"{WBXML}/msg9.wbxml", modes=(SLOW,)),
        {"contacts": "text/x-vcard"},
        readback=("contacts",),
    ),
    Case(
        "funambol-sif-msg2",
        "Funambol SIF client (anonymised, Funambol test data msg2)",
        _one(f"{WBXML}/msg2.wbxml", modes=(SLOW,)),
        {"contacts": "text/x-s4j-sifc"},
        readback=("contacts",),
    ),
    Case(
        "funambol-sif-msg6",
        "Funambol SIF client (anonymised, Funambol test data msg6)",
        _one(f"{WBXML}/msg6.wbxml", modes=(SLOW,)),
        {"contacts": "text/x-s4j-sifc"},
        readback=("contacts",),
    ),
    Case(
        "funambol-sif-msg10",
        "Funambol SIF client (anonymised, Funambol test data msg10)",
        _one(f"{WBXML}/msg10.wbxml", modes=(SLOW,)),
        {"contacts": "text/x-s4j-sifc"},
        readback=("contacts",),
    ),
    Case(
        "funambol-msg14",
        "SyncML 1.2 phone (anonymised, Funambol test data msg14)",
        _one(f"{WBXML}/msg14.wbxml", modes=(SLOW,)),
        {"contacts": "text/x-vcard"},
        readback=("contacts",),
    ),
    Case(
        "syncgw-in02",
        "SyncML 1.2 client (unidentified, LocName web338p1)",
        _one("syncgw/in02.wbxml", modes=(SLOW,)),
        {"contacts": "text/x-vcard"},
        readback=("contacts",),
    ),
)

NOT_SESSIONS: Mapping[str, str] = {
    "horde-syncml/*/syncml_server_*.xml": "the Horde server's replies, not a device's messages",
    "horde-syncml/*/{data,devinf,syncml_log}.txt": "Horde's notes and logs of the recorded runs",
    "funambol-cpp-client/syncML{2,4,6,8}.xml, ex1.xml": "the Funambol server's replies",
    "funambol-cpp-client/ex2.xml": "the client's fourth message of an e-mail sync without the messages before "
    "it: statuses and a Map answering the Funambol server's own Adds (its IDs I/AAAA…=, ROOT/I, ROOT/O), which "
    "no syncmld session sent; it carries no mail (tests/mail syncs mail against a real Dovecot)",
    "funambol-jme-sdk/SyncMLParserRT{1,3,4,6,7}.txt": "the Funambol server's replies",
    "funambol-jme-sdk/SyncMLParserRT{2,5}.txt": "a status-only message and a Map of a session whose other "
    "messages were not recorded: they answer another server's commands and carry nothing of the device's own",
    f"{WBXML}/msg4.wbxml, msg8.wbxml": "final status messages of sessions whose other messages were not recorded",
    f"{WBXML}/msg*.xml": "Funambol's XML renderings of the WBXML messages replayed above",
    "**/*.decoded.xml": "libwbxml's renderings of the WBXML messages replayed above",
    "synrc-syncml/putE7.xml": "a transcription whose DevInf is raw WBXML pasted into XML: not a well-formed "
    "document (refused with HTTP 400, see tests/protocol)",
    "buteo-syncml/SAN0{1,2}.bin": "server-alerted notifications (server to client), not client messages",
    f"{BLACKBERRY_LOG} (server replies)": "the Funambol server's replies inside the client's log",
}
"""Recordings that are not replayed as a session, and why."""
