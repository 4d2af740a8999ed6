"""Every recorded device session through one ``syncmld serve`` process: one account per device, the
account's folders seeded by another device first (so each session also shows what syncmld sends),
then the device's sessions in order, with what the server stored and logged after each of them."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from syncmld.accounts import hash_password, md5_credential
from syncmld.client import Device
from syncmld.client.http import HttpTransport
from syncmld.engine.folders import folder_for_uri
from syncmld.protocol.constants import SyncMLVersion
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import Store
from tests.interop.admin import log_mark, log_since
from tests.interop.server import Login, SyncmldServer

from .cases import Case, SessionPlan
from .items import type_problem
from .player import DeviceItem, FolderResult, Player, SessionResult

PASSWORD = "replay-secret"
SEED_DEVICE = "replay-seeder"

SEEDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "contacts": ("text/vcard", (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Seeded;Sam;;;\r\nFN:Sam Seeded\r\nTEL;TYPE=CELL:+49 170 1234567\r\n"
        b"END:VCARD\r\n",)),
    "events": ("text/calendar", (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//syncmld replay//EN\r\nBEGIN:VEVENT\r\nUID:seed-event\r\n"
        b"DTSTAMP:20240301T080000Z\r\nDTSTART:20240305T090000Z\r\nDTEND:20240305T100000Z\r\n"
        b"SUMMARY:Seeded meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//syncmld replay//EN\r\nBEGIN:VTODO\r\nUID:seed-calendar-task\r\n"
        b"DTSTAMP:20240301T080000Z\r\nDUE;VALUE=DATE:20240308\r\nSUMMARY:Seeded task kept in the calendar\r\n"
        b"END:VTODO\r\nEND:VCALENDAR\r\n")),
    "tasks": ("text/calendar", (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//syncmld replay//EN\r\nBEGIN:VTODO\r\nUID:seed-task\r\n"
        b"DTSTAMP:20240301T080000Z\r\nDUE;VALUE=DATE:20240312\r\nSUMMARY:Seeded task\r\nEND:VTODO\r\n"
        b"END:VCALENDAR\r\n",)),
    "notes": ("text/plain", (b"Seeded note\r\nBought milk.\r\n",)),
}  # fmt: skip
"""What another device of each account put on the server before the recorded device's first session:
one item per standard folder, and a task in the calendar (as a P900 keeps its tasks)."""


@dataclass(frozen=True)
class FolderSnapshot:
    """A folder on the server after a session: its live items and the device's maps into it."""

    items: dict[str, DeviceItem]
    """By server ID."""
    maps: dict[str, str]
    """The device's LUID -> server ID."""
    anchor: str | None
    """The device's anchor stored with the last sync the server completed (None: none)."""


@dataclass
class SessionRun:
    plan: SessionPlan
    result: SessionResult
    server: dict[str, FolderSnapshot] = field(default_factory=dict)
    """By folder name, for the folders the session synced."""
    log: str = ""
    """What the server logged during the session."""


@dataclass
class CaseRun:
    case: Case
    login: Login
    sessions: list[SessionRun] = field(default_factory=list)


def folder_name(case: Case, folder: FolderResult) -> str:
    """The server folder a synced data store names (its remote name when it names none)."""
    return folder_for_uri(folder.server_uri, frozenset(case.user_folders)) or folder.server_uri


def account_of(case: Case) -> Login:
    return Login(f"{case.key}@replay.example", PASSWORD)


def prepare_accounts(data_dir: Path, cases: tuple[Case, ...]) -> None:
    """Every case's account and user folders, written to the store before the server starts."""
    store = open_store(sqlite_url(data_dir))
    try:
        with store.transaction() as tx:
            for case in cases:
                login = account_of(case)
                account = tx.add_account(
                    login.email, md5_credential(login.email, login.password), hash_password(login.password)
                )
                for folder in case.user_folders:
                    tx.ensure_folder(account.id, folder)
    finally:
        store.close()


class Harness:
    """Runs cases against a running server; reads its store (SQLite in its data directory) between sessions."""

    def __init__(self, server: SyncmldServer) -> None:
        self.server = server
        self.store: Store = open_store(sqlite_url(server.data_dir))
        self.http = httpx.Client(timeout=60)

    def close(self) -> None:
        self.http.close()
        self.store.close()

    def run(self, case: Case) -> CaseRun:
        login = account_of(case)
        run = CaseRun(case, login)
        self._seed(login)
        first = case.sessions[0].messages[0].message
        player = Player(self.http, self.server.url, login, type_problem)
        for index, plan in enumerate(case.sessions):
            mark = log_mark(self.server)
            result = player.play(case.session_label(index), plan.messages, plan.as_recorded)
            session = SessionRun(plan, result, log=log_since(self.server, mark))
            session.server = self._snapshot(case, login, first.header.source.uri, result)
            run.sessions.append(session)
        return run

    def _seed(self, login: Login) -> None:
        with HttpTransport() as transport:
            for folder, (content_type, items) in SEEDS.items():
                seeder = Device(
                    transport,
                    self.server.url,
                    login.email,
                    login.password,
                    SEED_DEVICE,
                    server_db=folder,
                    local_uri=f"./{folder}",
                    content_type=content_type,
                    version=SyncMLVersion.V1_2,
                )
                for data in items:
                    seeder.add(data)
                report = seeder.sync()
                assert report.header_status in (200, 212), f"seeding {folder} of {login.email}: {report}"

    def _snapshot(self, case: Case, login: Login, device_ref: str, result: SessionResult) -> dict[str, FolderSnapshot]:
        names = {folder_name(case, folder) for folder in result.folders.values()}
        snapshot = {}
        with self.store.transaction() as tx:
            account = tx.get_account(login.email)
            assert account is not None
            device = next((found for found in tx.list_devices(account.id) if found.device_ref == device_ref), None)
            for name in sorted(names):
                folder = tx.get_folder(account.id, name)
                if folder is None:
                    continue
                items = {item.guid: DeviceItem(item.content_type, item.data) for item in tx.iter_items(folder.id)}
                maps = tx.all_maps(device.id, folder.id) if device is not None else {}
                state = tx.get_sync_state(device.id, folder.id) if device is not None else None
                snapshot[name] = FolderSnapshot(
                    items,
                    {luid: guid for guid, luid in maps.items()},
                    state.client_anchor if state is not None else None,
                )
        return snapshot


@contextmanager
def running_harness(data_dir: Path, cases: tuple[Case, ...]) -> Iterator[Harness]:
    """A ``syncmld serve`` process on a new data directory with every case's account, and a harness on it."""
    data_dir.mkdir(parents=True)
    prepare_accounts(data_dir, cases)
    server = SyncmldServer(data_dir)
    server.start()
    harness = Harness(server)
    try:
        yield harness
    finally:
        harness.close()
        server.stop()
