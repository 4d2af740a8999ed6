"""An emulated device: its own generated items of each kind, synced with the server by ``syncmld.client``."""

import random
import threading
from dataclasses import dataclass, field

from syncmld.client import Device, SyncReport
from syncmld.client.http import HttpTransport
from syncmld.errors import SyncMLError
from syncmld.load.data import ItemKey, Kind, generate, item_key, item_uid
from syncmld.load.kinds import MessageKind, message_kind
from syncmld.protocol.constants import AUTH_MD5
from syncmld.protocol.messages import SyncML

SLOW_SYNC = 201
TWO_WAY = 200
ACCEPTED_HEADER_CODES = (200, 212)
UNAUTHORIZED = 401
ITEM_COMMANDS = ("Add", "Replace", "Delete")
CHANGE_KINDS = ("add", "replace", "delete")


class SyncFailed(SyncMLError):
    """A session did not end as it should: the message names the device, the data and what went wrong."""


@dataclass
class Tally:
    """What every device did so far, shared by the devices' threads."""

    syncs: int = 0
    items: int = 0
    """Items the devices sent plus items they received."""
    latencies: list[float] = field(default_factory=list)
    """Seconds of each HTTP exchange."""
    latencies_by_kind: dict[MessageKind, list[float]] = field(default_factory=dict)
    """The same seconds, by the kind of message sent."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def exchanged(self, message: SyncML, seconds: float) -> None:
        kind = message_kind(message)
        with self._lock:
            self.latencies.append(seconds)
            self.latencies_by_kind.setdefault(kind, []).append(seconds)

    def synced(self, items: int) -> None:
        with self._lock:
            self.syncs += 1
            self.items += items


@dataclass
class Datastore:
    """One kind of data on a device, with the items the device itself created and still holds."""

    kind: Kind
    client: Device
    own: dict[str, ItemKey] = field(default_factory=dict)
    """LUID -> UID and revision of the items this device made."""
    created: int = 0


class EmulatedDevice:
    """Device ``index`` of a load run, syncing ``sizes`` (items per kind) with the account ``email``."""

    def __init__(
        self,
        run: str,
        index: int,
        url: str,
        email: str,
        password: str,
        auth: str,
        sizes: dict[Kind, int],
        transport: HttpTransport,
        tally: Tally,
    ) -> None:
        self.run = run
        self.index = index
        self.email = email
        self.sizes = sizes
        self.tally = tally
        self.transport = transport
        self._random = random.Random(index)
        self.stores = [
            Datastore(
                kind,
                Device(
                    transport=transport,
                    url=url,
                    user=email,
                    password=password,
                    device_id=f"{run}-d{index}-{kind.name.lower()}",
                    server_db=kind.server_db,
                    local_uri=f"./{kind.server_db}",
                    content_type=kind.content_type,
                    auth=auth,
                ),
            )
            for kind in sizes
        ]

    @property
    def name(self) -> str:
        return f"device {self.index} ({self.email})"

    def first_sync(self) -> None:
        """Create the device's items and send them all in a slow sync."""
        for store in self.stores:
            for _ in range(self.sizes[store.kind]):
                self._add(store)
            self.sync(store, SLOW_SYNC)

    def change_and_sync(self, changes: int) -> None:
        """Make ``changes`` local changes (adds, replaces, deletes in turn, over the kinds) and sync every kind."""
        for number in range(changes):
            store = self.stores[number % len(self.stores)]
            change = CHANGE_KINDS[number % len(CHANGE_KINDS)]
            if change == "add" or not store.own:
                self._add(store)
            else:
                luid = self._random.choice(list(store.own))
                if change == "replace":
                    self._replace(store, luid)
                else:
                    del store.own[luid]
                    store.client.delete(luid)
        for store in self.stores:
            self.sync(store, TWO_WAY)

    def sync(self, store: Datastore, mode: int) -> None:
        """One session of ``store``; raises SyncFailed unless the server accepted it and everything in it."""
        what = f"{self.name} {store.kind.server_db}"
        had_nonce = bool(store.client.nonce)
        try:
            report = store.client.sync(mode)
            if report.header_status == UNAUTHORIZED and report.challenge == AUTH_MD5 and not had_nonce:
                report = store.client.sync(mode)  # the first MD5 login only learns its nonce
        except SyncMLError as error:
            raise SyncFailed(f"{what}: {error}") from error
        problems = _refusals(report)
        if report.alerted_mode != mode and report.header_status in ACCEPTED_HEADER_CODES:
            problems.append(f"asked for mode {mode}, server alerted {report.alerted_mode}")
        if problems:
            raise SyncFailed(f"{what}: " + ", ".join(problems))
        sent = sum(1 for status in report.statuses if status.cmd in ITEM_COMMANDS)
        self.tally.synced(sent + sum(report.received.values()))

    def holdings(self, store: Datastore) -> dict[str, int] | None:
        """UID -> revision of every item ``store`` holds; None if some item is not a generated one."""
        keys = [item_key(data) for data in store.client.items.values()]
        if any(key is None for key in keys):
            return None
        return {key.uid: key.revision for key in keys if key is not None}

    def _add(self, store: Datastore) -> None:
        store.created += 1
        key = ItemKey(item_uid(self.run, self.index, store.kind, store.created), 1)
        luid = store.client.add(generate(store.kind, key.uid, key.revision))
        store.own[luid] = key

    def _replace(self, store: Datastore, luid: str) -> None:
        key = store.own[luid]
        changed = ItemKey(key.uid, key.revision + 1)
        store.client.replace(luid, generate(store.kind, changed.uid, changed.revision))
        store.own[luid] = changed


def _refusals(report: SyncReport) -> list[str]:
    problems = []
    if report.header_status not in ACCEPTED_HEADER_CODES:
        problems.append(f"header status {report.header_status}")
    problems += [
        f"{status.cmd} status {int(status.data)}"
        for status in report.statuses
        if status.cmd != "SyncHdr" and not status.data.is_success()
    ]
    return problems
