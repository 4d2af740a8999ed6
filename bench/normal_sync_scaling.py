"""Cost of a normal (two-way) sync as the folder grows: no change, and ten changes, at 1,000 and
100,000 items (target 2 of the scale issue: the same cost, a ratio of at most 1.3).

    .venv/bin/python bench/normal_sync_scaling.py [--sizes 1000 100000] [--reps 5] [--devinf]

The engine runs in process on a SQLite file, with our scripted device speaking XML through the real
codec (as over HTTP, without the HTTP server). The folder is filled through the store, then the device
is brought up to date with one two-way sync; the figures are the process CPU seconds of each further
sync, median [min-max] of ``--reps``, so they are the server's work plus the scripted device's (small
and the same at every size). With ``--devinf`` the device opens each session as SyncEvolution does, with
its DevInf (16 kB, the size of SyncEvolution's) and a Get of the server's, and the figures are the server's
CPU alone: decoding each message, the engine, encoding the reply.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from contacts_store import EMAIL, PASSWORD, URL, contacts_store

from syncmld.client import Device
from syncmld.client.device import Signer, Transport
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext, EngineSettings, Request, handle_message
from syncmld.engine.api import split_session_url
from syncmld.engine.server_devinf import server_devinf
from syncmld.protocol.codec import Encoding, decode_xml, encode_xml
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.messages import SyncML
from syncmld.store.base import Store

SERVER_CPU = [0.0]
"""Process CPU seconds spent on the server's side of the in-process transport (with ``--devinf``)."""


def vcard(number: int, note: str = "") -> bytes:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Person{number};Anna;;;\r\nFN:Anna Person{number}\r\n"
        f"TEL;TYPE=CELL:+49 170 {number:07d}\r\nEMAIL:anna{number}@example.org\r\nNOTE:{note}\r\n"
        "END:VCARD\r\n"
    ).encode()


def timed_server(store: Store, ctx: EngineContext) -> Transport:
    """The in-process transport, adding the CPU of the server's side (no signing) to ``SERVER_CPU``."""

    def post(message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        base, token = split_session_url(url)
        body = encode_xml(message)
        began = time.process_time()
        reply = handle_message(Request(decode_xml(body), Encoding.XML, base, token), store, ctx).body
        SERVER_CPU[0] += time.process_time() - began
        return decode_xml(reply)

    return post


def prepared(size: int, where: Path, with_devinf: bool = False) -> tuple[Store, Device]:
    """A store whose contacts folder holds ``size`` items, and a device that is up to date with it
    and holds ten of them (the ones its changes will touch)."""
    store = contacts_store(where, size, vcard)
    ctx = EngineContext(settings=EngineSettings())
    device = Device(
        transport=(timed_server if with_devinf else in_process_transport)(store, ctx),
        url=URL,
        user=EMAIL,
        password=PASSWORD,
        device_id="IMEI:bench",
        content_type="text/vcard",
        devinf=replace(server_devinf(SyncMLVersion.V1_2, "bench"), dev_id="IMEI:bench", dev_typ="phone")
        if with_devinf
        else None,
        devinf_alone=with_devinf,
    )
    for n in range(10):
        device.add(vcard(size + n))
    device.sync(200)  # first sync: slow, the device receives everything
    device.items = dict(list(device.items.items())[:10])
    device.parents = {luid: device.parents.get(luid) for luid in device.items}
    device.types = {luid: kind for luid, kind in device.types.items() if luid in device.items}
    device.changes.clear()
    return store, device


def cpu(work: Callable[[], object], server_only: bool = False) -> float:
    began, server_began = time.process_time(), SERVER_CPU[0]
    work()
    return SERVER_CPU[0] - server_began if server_only else time.process_time() - began


def ten_changes(device: Device, round_number: int) -> None:
    luids = list(device.items)
    for luid in luids[:6]:
        device.replace(luid, vcard(round_number, note=f"edit {round_number}"))
    for luid in luids[6:8]:
        device.delete(luid)
    for n in range(2):
        device.add(vcard(1_000_000 + round_number * 10 + n))
    device.sync(200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--devinf", action="store_true", help="DevInf Put and Get each session; server CPU only")
    args = parser.parse_args()
    figures: dict[int, dict[str, float]] = {}
    print(f"{'items':>8} {'no change (s)':>22} {'ten changes (s)':>22}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            store, device = prepared(size, Path(scratch), args.devinf)
            noop = [cpu(partial(device.sync, 200), args.devinf) for _ in range(args.reps)]
            ten = [cpu(partial(ten_changes, device, number), args.devinf) for number in range(args.reps)]
            store.close()
        figures[size] = {"noop": statistics.median(noop), "ten": statistics.median(ten)}
        print(
            f"{size:>8} {statistics.median(noop):>8.4f} [{min(noop):.4f}-{max(noop):.4f}]"
            f" {statistics.median(ten):>8.4f} [{min(ten):.4f}-{max(ten):.4f}]"
        )
    smallest, largest = min(figures), max(figures)
    for phase in ("noop", "ten"):
        print(
            f"{phase}: {largest} items cost {figures[largest][phase] / figures[smallest][phase]:.2f}x "
            f"what {smallest} cost"
        )


if __name__ == "__main__":
    main()
