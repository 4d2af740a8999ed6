"""Cost of a new device receiving a whole contacts folder (refresh from server), per item.

    .venv/bin/python bench/receive.py [--sizes 1000 5000] [--reps 3] [--wbxml] [--vcard 30|21]

The engine runs in process on a SQLite file; our scripted device asks for a refresh from the
server and receives every contact (as vCard 3.0 unless ``--vcard 21``) through the real codec, in
messages of at most 150,000 bytes (SyncEvolution's default). The figure is the CPU seconds of the
server's side only (decoding each request, the engine, encoding each reply: ``time.process_time``
around them), median [min-max] of ``--reps`` fresh devices.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from contacts_store import EMAIL, PASSWORD, URL, contacts_store

from syncmld.client import Device
from syncmld.client.device import Signer, Transport
from syncmld.engine import EngineContext, EngineSettings, Request, handle_message
from syncmld.engine.api import split_session_url
from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.devinf import ContentTypeInfo, DataStore, DevInf
from syncmld.protocol.messages import SyncML
from syncmld.store.base import Store

REFRESH_FROM_SERVER = 205
VCARD_TYPES = {"30": ("text/vcard", "3.0"), "21": ("text/x-vcard", "2.1")}


def vcard(number: int) -> bytes:
    """A contact of the size SyncEvolution's test data has, some of it not ASCII."""
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bench-{number}\r\nN:Person{number};Anna;Maria;Dr.;\r\n"
        f"FN:Dr. Anna Maria Person{number}\r\nORG:Müller & Söhne GmbH;Vertrieb\r\nTITLE:Leiterin\r\n"
        f"TEL;TYPE=CELL:+49 170 {number:07d}\r\nTEL;TYPE=WORK:+49 30 {number:07d}\r\n"
        f"EMAIL;TYPE=INTERNET:anna{number}@example.org\r\n"
        f"ADR;TYPE=WORK:;;Hauptstraße {number % 200};Berlin;;10115;Deutschland\r\n"
        f"NOTE:Met at the fair\\, stand {number}\\; call back <soon>\r\nREV:20261207T010203Z\r\n"
        "END:VCARD\r\n"
    ).encode()


class ServerClock:
    """A transport to the engine that counts the CPU seconds spent on the server's side."""

    def __init__(self, store: Store, ctx: EngineContext, encoding: Encoding) -> None:
        self.store, self.ctx, self.encoding = store, ctx, encoding
        self.seconds = 0.0

    def post(self, message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        base, token = split_session_url(url)
        body = encode(message, self.encoding)
        began = time.process_time()
        request = Request(decode(body, self.encoding).message, self.encoding, base, token)
        reply = handle_message(request, self.store, self.ctx)
        self.seconds += time.process_time() - began
        return decode(reply.body, self.encoding).message


def device_info(device_id: str, vcard_version: str) -> DevInf:
    """A DevInf whose contacts store takes (only) vCard ``vcard_version``."""
    wanted = ContentTypeInfo(*VCARD_TYPES[vcard_version])
    store = DataStore("./contacts", rx_pref=wanted, tx_pref=wanted, sync_types=(1, 2, 3, 4, 5, 6, 7))
    return DevInf(ver_dtd="1.2", dev_id=device_id, dev_typ="phone", man="Bench", mod="Receive", datastores=(store,))


def receive(store: Store, ctx: EngineContext, encoding: Encoding, number: int, size: int, vcard_version: str) -> float:
    """Server CPU seconds of one new device's refresh from the server."""
    clock = ServerClock(store, ctx, encoding)
    transport: Transport = clock.post
    device = Device(
        transport=transport,
        url=URL,
        user=EMAIL,
        password=PASSWORD,
        device_id=f"IMEI:bench-{number}",
        content_type=VCARD_TYPES[vcard_version][0],
        devinf=device_info(f"IMEI:bench-{number}", vcard_version),
        max_msg_size=150_000,
    )
    device.sync(REFRESH_FROM_SERVER)
    if len(device.items) != size:
        raise SystemExit(f"the device received {len(device.items)} of {size} contacts")
    return clock.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--wbxml", action="store_true", help="the device speaks WBXML")
    parser.add_argument("--vcard", choices=sorted(VCARD_TYPES), default="30", help="the vCard version the device takes")
    args = parser.parse_args()
    encoding = Encoding.WBXML if args.wbxml else Encoding.XML
    ctx = EngineContext(settings=EngineSettings())
    print(f"{'items':>8} {'server CPU s':>24} {'ms/item':>8}  ({encoding.name}, vCard {'.'.join(args.vcard)})")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            store = contacts_store(Path(scratch), size, vcard)
            seconds = [receive(store, ctx, encoding, number, size, args.vcard) for number in range(args.reps)]
            store.close()
        median = statistics.median(seconds)
        print(f"{size:>8} {median:>8.3f} [{min(seconds):.3f}-{max(seconds):.3f}] {1000 * median / size:>8.3f}")


if __name__ == "__main__":
    main()
