"""Cost of the session state the engine saves after every message and loads with the next one: its JSON
size and the CPU time of one save (``to_bytes``) and one load (``from_bytes``), for a session just logged
in and for one in pkg 4 whose queue holds a full window of changes (``backlog.WINDOW``) with as many in
flight; then, per message, in a slow sync of ``--items`` contacts into an empty store (50 a message) and in
a new device's receiving them (messages of 20,000 bytes, about 50 contacts): the bytes of the state saved
and the CPU microseconds of loading and saving it (with the lists it appends to the store, where the engine
keeps them there), at messages 2-11, 50-59 and the last (median of each span).

    .venv/bin/python bench/session_state.py [--reps 2000] [--items 5000]

The states are made from their JSON and the syncs timed around the engine's own calls, so the script
measures any version of the engine alike (``PYTHONPATH=OTHER_TREE/src``).
"""

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from contacts_store import EMAIL, PASSWORD, URL, contacts_store
from receive import device_info, vcard

import syncmld.engine.dispatch
from syncmld.client import Device
from syncmld.client.device import Signer
from syncmld.engine import EngineContext, EngineSettings, Request, handle_message
from syncmld.engine.api import split_session_url
from syncmld.engine.backlog import WINDOW
from syncmld.engine.session import SessionState
from syncmld.protocol.codec import Encoding, decode_xml, encode_xml
from syncmld.protocol.messages import SyncML
from syncmld.store.base import Store

SHOWN = (2, 50)
"""The first messages of the spans shown, beside the last message."""
SPAN = 9
"""Messages after the first of a span."""


def state_json(changes: int) -> bytes:
    """A SyncML 1.2 session syncing contacts in a slow sync, ``changes`` queued and as many in flight."""
    store = {
        "client_uri": "./contacts",
        "server_uri": "card",
        "folder_id": 3,
        "folder_name": "contacts",
        "mode": 2,
        "reason": "client asked slow: slow (anchors not checked)",
        "client_next": "A2",
        "server_next": "20250101T000000Z",
        "server_last": None,
        "since_seq": 0,
        "wire_type": "text/x-vcard",
        "device_properties": ["ADR", "EMAIL", "FN", "N", "NOTE", "TEL"],
        "folder_kind": "contacts",
        "start_seq": 7,
        "encryption": None,
        "matched": [f"guid-{n:06d}" for n in range(changes // 4)],
        "queue": [{"kind": "add", "guid": f"guid-{n:06d}", "luid": None} for n in range(changes)],
        "in_flight": [{"kind": "replace", "guid": f"guid-{n:06d}", "luid": str(n)} for n in range(changes)],
        "incoming": None,
        "outgoing": None,
        "received": {"added": 0, "replaced": 0, "deleted": 0, "failed": 0},
        "sent": {"added": changes, "replaced": 0, "deleted": 0, "failed": 0},
    }
    session = {
        "version": "1.2",
        "device_ref": "IMEI:356938035643809",
        "session_id": "17",
        "token": "tHk1k0CSnZ9v8C7pA3PUdUWL",
        "account_id": 1,
        "account_email": "anna@example.org",
        "device_id": 2,
        "phase": "sending" if changes else "init",
        "auth_type": "syncml:auth-md5",
        "url_mode": None,
        "format_preference": None,
        "datastores": [store] if changes else [],
    }
    return SessionState.from_bytes(json.dumps(session).encode()).to_bytes()


def micros(work: Callable[[], object], reps: int) -> float:
    """Median CPU microseconds of ``work`` over ``reps`` runs."""
    times = []
    for _ in range(reps):
        began = time.process_time_ns()
        work()
        times.append(time.process_time_ns() - began)
    return statistics.median(times) / 1000


class PerMessage:
    """The engine's state calls timed message by message: CPU nanoseconds of loads and saves, bytes saved."""

    def __init__(self) -> None:
        self.load: list[int] = []
        self.save: list[int] = []
        self.size: list[int] = []

    def next_message(self) -> None:
        self.load.append(0)
        self.save.append(0)
        self.size.append(0)

    def timed(self, work: Callable[..., Any], into: list[int]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            began = time.process_time_ns()
            result = work(*args)
            into[-1] += time.process_time_ns() - began
            if isinstance(result, bytes) and into is self.save:
                self.size[-1] = len(result)
            return result

        return run


@contextmanager
def timing(counts: PerMessage) -> Iterator[None]:
    """Time the state's loads and saves, and the lists a session keeps in the store where there are any."""
    lists: ModuleType | None = getattr(syncmld.engine.dispatch, "session_lists", None)
    patched: list[tuple[Any, str, Any]] = [
        (SessionState, "from_bytes", classmethod(counts.timed(SessionState.from_bytes.__func__, counts.load))),
        (SessionState, "to_bytes", counts.timed(SessionState.to_bytes, counts.save)),
    ]
    if lists is not None:
        patched += [
            (lists, "keep", counts.timed(lists.keep, counts.save)),
            (lists, "matched", counts.timed(lists.matched, counts.load)),
            (lists, "client_luids", counts.timed(lists.client_luids, counts.load)),
        ]
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patched]
    for owner, name, new in patched:
        setattr(owner, name, new)
    try:
        yield
    finally:
        for owner, name, old in saved:
            setattr(owner, name, old)


def run_sync(store: Store, device: Device, mode: int) -> PerMessage:
    counts = PerMessage()
    ctx = EngineContext(settings=EngineSettings())

    def post(message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        base, token = split_session_url(url)
        counts.next_message()
        reply = handle_message(Request(decode_xml(encode_xml(message)), Encoding.XML, base, token), store, ctx)
        return decode_xml(reply.body)

    device.transport = post
    with timing(counts):
        device.sync(mode)
    return counts


def slow_sync(items: int, where: Path) -> PerMessage:
    store = contacts_store(where, 0, vcard)
    device = Device(transport=None, url=URL, user=EMAIL, password=PASSWORD, device_id="IMEI:slow", items_per_message=50)  # type: ignore[arg-type]
    for n in range(items):
        device.add(vcard(n))
    counts = run_sync(store, device, 201)
    store.close()
    return counts


def receive(items: int, where: Path) -> PerMessage:
    store = contacts_store(where, items, vcard)
    device = Device(
        transport=None,  # type: ignore[arg-type]
        url=URL,
        user=EMAIL,
        password=PASSWORD,
        device_id="IMEI:receive",
        content_type="text/vcard",
        devinf=device_info("IMEI:receive", "30"),
        max_msg_size=20_000,
    )
    counts = run_sync(store, device, 205)
    if len(device.items) != items:
        raise SystemExit(f"the device received {len(device.items)} of {items} contacts")
    store.close()
    return counts


def show_syncs(items: int) -> None:
    print(
        f"\n{items} contacts {'messages':>8} {'bytes':>8} {'load (us)':>10} {'save (us)':>10}  (median of the messages)"
    )
    with tempfile.TemporaryDirectory() as scratch:
        for label, sync in (("slow sync", slow_sync), ("receive", receive)):
            where = Path(scratch) / label.replace(" ", "-")
            where.mkdir()
            counts = sync(items, where)
            last = len(counts.size)
            spans = [(first, min(first + SPAN, last - 1)) for first in SHOWN if first < last - 1]
            for first, end in [*spans, (last, last)]:
                at = slice(first - 1, end)
                load, save = statistics.median(counts.load[at]) / 1000, statistics.median(counts.save[at]) / 1000
                shown = f"{first}-{end}" if end > first else str(first)
                print(f"{label:>14} {shown:>8} {statistics.median(counts.size[at]):>8.0f} {load:>10.1f} {save:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--items", type=int, default=5000)
    args = parser.parse_args()
    print(f"{'state':>28} {'bytes':>8} {'save (us)':>10} {'load (us)':>10}")
    for label, changes in (("logged in", 0), (f"pkg 4, {WINDOW} + {WINDOW} changes", WINDOW)):
        raw = state_json(changes)
        state = SessionState.from_bytes(raw)
        save = micros(state.to_bytes, args.reps)
        load = micros(lambda raw=raw: SessionState.from_bytes(raw), args.reps)
        print(f"{label:>28} {len(raw):>8} {save:>10.1f} {load:>10.1f}")
    show_syncs(args.items)


if __name__ == "__main__":
    main()
