"""Server CPU of a device's first session, message by message: what a load device's sessions cost besides
their items (bench/README.md, "Load, round 7").

    .venv/bin/python bench/first_session.py [--devices 200] [--items 0] [--rounds 3] [--profile N]

``--devices`` devices, each on an account of its own, log in with MD5 (challenged first: no nonce yet), slow-sync
``--items`` contacts and end, then sync once more (two-way, logging in at once with the nonce they were given),
as ``syncmld load --auth md5 --rounds 0`` does, in process (``syncmld.client`` through the XML codec, the engine
on a SQLite store). Each message's decoding and answer are timed (``time.process_time``), and the figures are
the CPU of each message of the two sessions (median over the devices) and of a whole first session; with
``--rounds`` the run is repeated on a fresh store and each figure is the median of the rounds. ``--profile N``
prints the N functions of the largest cumulative CPU share (cProfile) of the last round.

The first session of the first device is also the first of the process: it is shown beside the median of the
other devices' first sessions (of the first round), the difference being what the process pays once. ``--warm``
warms the process up first, as ``syncmld serve`` does (``syncmld.server.warmup``; absent from older trees).

The devices and store are made the same way for any version of the engine (``PYTHONPATH=OTHER_TREE/src``).
"""

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from syncmld.accounts import hash_password, md5_credential
from syncmld.client import Device
from syncmld.client.device import Signer, Transport
from syncmld.engine import EngineContext, EngineSettings, Request, handle_message
from syncmld.engine.api import split_session_url
from syncmld.protocol.codec import Encoding, decode_xml, encode_xml
from syncmld.protocol.constants import AUTH_MD5
from syncmld.protocol.messages import SyncML
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import Store

URL = "http://bench.example.org/syncml"
PASSWORD = "load-secret"
SLOW, TWO_WAY = 201, 200


def card(device: int, number: int) -> bytes:
    return (
        f"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Device{device};Contact{number}\r\nFN:Contact {number} Device{device}\r\n"
        f"TEL;CELL:+4930{device:04d}{number:05d}\r\nEMAIL:c{number}.d{device}@load.example\r\nEND:VCARD\r\n"
    ).encode()


class Timed:
    """A transport to the engine on ``store`` that notes the server's CPU for each message it posts."""

    def __init__(self, store: Store, ctx: EngineContext) -> None:
        self.store, self.ctx = store, ctx
        self.cpu: list[float] = []
        self.statements: list[list[str]] = []
        self._running: list[str] = []

    def count(self, statement: str) -> None:
        self._running.append(statement)

    def __call__(self, message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        base, token = split_session_url(url)
        body = encode_xml(message)
        started = time.process_time()
        request = Request(decode_xml(body), Encoding.XML, base, token)
        self._running = []
        reply = handle_message(request, self.store, self.ctx).body
        self.cpu.append(time.process_time() - started)
        self.statements.append(self._running)
        return decode_xml(reply)


def one_round(
    devices: int, items: int, profiler: cProfile.Profile | None, show_statements: bool = False
) -> tuple[list[list[float]], list[list[float]]]:
    """The CPU of each message of each device's first and second sessions; with ``show_statements``, the SQL
    statements of each message of the first device's sessions are printed."""
    with tempfile.TemporaryDirectory() as where:
        store = open_store(sqlite_url(Path(where)))
        hashed = hash_password(PASSWORD)
        with store.transaction() as tx:
            for number in range(devices):
                email = f"load{number}@load.example"
                tx.add_account(email, md5_credential(email, PASSWORD), hashed)
        transport = Timed(store, EngineContext(settings=EngineSettings()))
        if show_statements:
            event.listen(store._engine, "before_cursor_execute", lambda *call: transport.count(call[2]))  # type: ignore[attr-defined]
        phones = [phone(transport, number) for number in range(devices)]
        for number, device in enumerate(phones):
            for item in range(items):
                device.add(card(number, item))
        if profiler is not None:
            profiler.enable()
        first = [session(transport, device, SLOW) for device in phones]
        second = [session(transport, device, TWO_WAY) for device in phones]
        if profiler is not None:
            profiler.disable()
        if show_statements:
            second_start = sum(len(cpu) for cpu in first)
            shown = transport.statements[: len(first[0])] + transport.statements[second_start:][: len(second[0])]
            for number, statements in enumerate(shown, 1):
                print(f"message {number}: {len(statements)} statements")
                for statement in statements:
                    print("   ", " ".join(statement.split())[:160])
        store.close()
    return first, second


def phone(transport: Transport, number: int) -> Device:
    email = f"load{number}@load.example"
    return Device(
        transport=transport,
        url=URL,
        user=email,
        password=PASSWORD,
        device_id=f"bench-d{number}-contacts",
        server_db="contacts",
        local_uri="./contacts",
        content_type="text/x-vcard",
        auth=AUTH_MD5,
    )


def session(transport: Timed, device: Device, mode: int) -> list[float]:
    """One session of ``device`` (again after a challenge that only gives it its nonce): each message's CPU."""
    start = len(transport.cpu)
    report = device.sync(mode)
    if report.header_status == 401 and report.challenge == AUTH_MD5:
        report = device.sync(mode)
    if report.header_status not in (200, 212):
        raise SystemExit(f"{device.device_id}: header status {report.header_status}")
    return transport.cpu[start:]


def per_message(sessions: list[list[float]]) -> list[float]:
    """The median CPU of each message position over the devices (ms)."""
    length = min(len(cpu) for cpu in sessions)
    return [statistics.median(cpu[at] for cpu in sessions) * 1000 for at in range(length)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--items", type=int, default=0, help="contacts each device sends in its slow sync")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="print this many functions of cProfile's last round")
    parser.add_argument("--statements", action="store_true", help="print the SQL of the first device's messages")
    parser.add_argument("--warm", action="store_true", help="warm the process up first, as syncmld serve does")
    args = parser.parse_args()
    if args.warm:
        from syncmld.server.warmup import warm_up

        with tempfile.TemporaryDirectory() as where:
            store = open_store(sqlite_url(Path(where)))
            warm_up(store)
            store.close()
    firsts, seconds, totals = [], [], []
    process_first: list[float] = []
    profiler = None
    for number in range(args.rounds):
        profiler = cProfile.Profile() if args.profile and number == args.rounds - 1 else None
        first, second = one_round(args.devices, args.items, profiler, args.statements and number == 0)
        if number == 0:
            process_first = [sum(cpu) * 1000 for cpu in first]
        firsts.append(per_message(first))
        seconds.append(per_message(second))
        totals.append(statistics.median(sum(cpu) for cpu in first) * 1000)

    def shown(rounds: list[list[float]]) -> str:
        return " / ".join(f"{statistics.median(values):.2f}" for values in zip(*rounds, strict=False))

    print(f"{args.devices} devices, {args.items} contacts, median of {args.rounds} rounds (ms of CPU a message):")
    print(f"  first session (challenged login, login, ..., end): {shown(firsts)}")
    print(f"  first session in all: {statistics.median(totals):.2f} ms")
    if len(process_first) > 1:
        others = statistics.median(process_first[1:])
        print(
            f"  the process's first session: {process_first[0]:.2f} ms, the other devices' first: {others:.2f} ms "
            f"(paid once: {process_first[0] - others:.2f} ms)"
        )
    print(f"  second session (login, ..., end): {shown(seconds)}")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
