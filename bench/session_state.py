"""Cost of the session state the engine saves after every message and loads with the next one: its JSON
size and the CPU time of one save (``to_bytes``) and one load (``from_bytes``), for a session just logged
in and for one in pkg 4 whose queue holds a full window of changes (``backlog.WINDOW``) with as many in
flight.

    .venv/bin/python bench/session_state.py [--reps 2000]

The states are made from their JSON, so the script measures any version of the engine alike.
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable

from syncmld.engine.backlog import WINDOW
from syncmld.engine.session import SessionState


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    args = parser.parse_args()
    print(f"{'state':>28} {'bytes':>8} {'save (us)':>10} {'load (us)':>10}")
    for label, changes in (("logged in", 0), (f"pkg 4, {WINDOW} + {WINDOW} changes", WINDOW)):
        raw = state_json(changes)
        state = SessionState.from_bytes(raw)
        save = micros(state.to_bytes, args.reps)
        load = micros(lambda raw=raw: SessionState.from_bytes(raw), args.reps)
        print(f"{label:>28} {len(raw):>8} {save:>10.1f} {load:>10.1f}")


if __name__ == "__main__":
    main()
