"""Decode and encode throughput of the XML and WBXML codecs on the same realistic messages.

    .venv/bin/python bench/codec_throughput.py [--seconds 0.5]
    .venv/bin/python bench/codec_throughput.py --compare /tmp/base/src src [--rounds 3]

Messages: a Sync carrying 100 vCard contacts (as our encoder writes it, and as SyncEvolution does: each
vCard in a CDATA section, each Type declaring its namespace), a DevInf Put (a phone's DevInf with vCard
CTCaps), and a reply of 101 Statuses; a message decodes from the XML it was written in. Each operation
runs for about ``--seconds`` of this process's CPU time; the table shows MB/s (of that encoding's bytes)
and messages per second, XML and WBXML side by side.

``--compare`` times the codecs of several source trees (each a ``src`` directory, such as a worktree
of an earlier commit) on the same messages: they are written as XML here, and each tree, in a process
of its own, decodes them with its decoder and encodes them again in both encodings with its encoder.
The trees take turns for ``--rounds`` rounds; the table shows the median CPU ms per message.
"""

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.constants import MIME_DEVINF_XML, SyncMLVersion
from syncmld.protocol.devinf import ContentTypeInfo, CTCap, CTParam, CTProperty, DataStore, DevInf, DSMem
from syncmld.protocol.messages import Add, Command, Item, LocRef, Meta, Put, Status, Sync, SyncHdr, SyncML
from syncmld.status import StatusCode

FIRST_NAMES = ("Anna", "J\u00fcrgen", "\u00c7a\u011fla", "Mar\u00eda", "Wei", "Olu", "Fran\u00e7ois", "Zo\u00eb")
LAST_NAMES = ("M\u00fcller", "Kuznetsova", "de la Cruz", "Nakamura", "O'Brien", "Sm\u00e9tana", "Okafor")
VCARD_PROPERTIES = ("N", "FN", "TEL", "EMAIL", "ADR", "ORG", "TITLE", "NOTE", "BDAY", "URL", "PHOTO", "CATEGORIES")


def vcard(number: int) -> str:
    first, last = FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[number % len(LAST_NAMES)]
    lines = (
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"UID:contact-{number:05d}",
        f"N:{last};{first};;;",
        f"FN:{first} {last}",
        f"ORG:ACME GmbH;Team {number % 7}",
        "TITLE:Directeur G\u00e9n\u00e9ral",
        f"TEL;TYPE=CELL:+49 170 {number:07d}",
        f"TEL;TYPE=WORK,VOICE:+1 833 488-{number % 10000:04d}",
        f"EMAIL;TYPE=INTERNET:{first.lower()}.{number}@example.com",
        f"ADR;TYPE=HOME:;;Hauptstra\u00dfe {number};Berlin;;10115;Germany",
        "NOTE:Met at the conference\\, talked about sync\\; call back.",
        f"REV:20240115T12{number % 60:02d}00Z",
        "END:VCARD",
    )
    return "\r\n".join(lines) + "\r\n"


def header(msg_id: str) -> SyncHdr:
    return SyncHdr(
        version=SyncMLVersion.V1_2,
        session_id="1701",
        msg_id=msg_id,
        target=LocRef("http://127.0.0.1:8080/syncml?s=4f2a9c"),
        source=LocRef("IMEI:351234567890123", name="alice@example.com"),
        meta=Meta(max_msg_size=150000, max_obj_size=4000000),
    )


def contacts_sync() -> SyncML:
    adds = tuple(
        Add(
            cmd_id=str(number + 3),
            meta=Meta(type="text/vcard"),
            items=(Item(source=LocRef(f"pas-id-{number:08X}"), data=vcard(number).encode()),),
        )
        for number in range(100)
    )
    sync = Sync(
        cmd_id="2", target=LocRef("contacts"), source=LocRef("./addressbook"), number_of_changes=100, commands=adds
    )
    return SyncML(header=header("2"), commands=(sync,), final=True)


def syncevolution_sync() -> bytes:
    """The 100 contacts of ``contacts_sync`` in the XML SyncEvolution writes: each vCard in a CDATA section (its
    line breaks CRLF, which the parser reads as LF), each Type declaring its namespace."""
    adds = "".join(
        f"<Add><CmdID>{number + 3}</CmdID><Meta><Type xmlns='syncml:metinf'>text/vcard</Type></Meta><Item>"
        f"<Source><LocURI>pas-id-{number:08X}</LocURI></Source><Data><![CDATA[{vcard(number)}]]></Data></Item></Add>"
        for number in range(100)
    )
    empty = encode(dataclasses.replace(contacts_sync(), commands=(Sync(cmd_id="2", target=LocRef("contacts"),
        source=LocRef("./addressbook"), number_of_changes=100),)), Encoding.XML)  # fmt: skip
    at = empty.index(b"</Sync>")
    return empty[:at] + adds.encode() + empty[at:]


def as_sent(built: SyncML | bytes) -> tuple[SyncML, bytes]:
    """A message and the XML it is sent in (our encoder's for one built as a model)."""
    if isinstance(built, bytes):
        return decode(built, Encoding.XML.content_type).message, built
    return built, encode(built, Encoding.XML)


def devinf_put() -> SyncML:
    params = (CTParam("TYPE", val_enums=("HOME", "WORK", "CELL", "VOICE", "FAX", "PREF")),)
    cap = CTCap(
        "text/vcard",
        "3.0",
        properties=tuple(CTProperty(name, max_size=256, params=params) for name in VCARD_PROPERTIES),
    )
    store = DataStore(
        source_ref="./addressbook",
        display_name="Contacts",
        max_guid_size=64,
        rx_pref=ContentTypeInfo("text/vcard", "3.0"),
        rx=(ContentTypeInfo("text/x-vcard", "2.1"),),
        tx_pref=ContentTypeInfo("text/vcard", "3.0"),
        tx=(ContentTypeInfo("text/x-vcard", "2.1"),),
        ctcaps=(cap, CTCap("text/x-vcard", "2.1", properties=cap.properties)),
        dsmem=DSMem(max_id=5000),
        sync_types=(1, 2, 3, 4, 5, 6, 7),
    )
    devinf = DevInf(
        ver_dtd="1.2",
        dev_id="IMEI:351234567890123",
        dev_typ="phone",
        man="Nokia",
        mod="E51",
        fw_v="100.34.20",
        sw_v="V 04.20",
        hw_v="RM-244",
        utc=True,
        support_large_objs=True,
        support_number_of_changes=True,
        datastores=(store, dataclasses.replace(store, source_ref="./calendar", display_name="Calendar")),
    )
    put = Put(cmd_id="1", meta=Meta(type=MIME_DEVINF_XML), items=(Item(source=LocRef("./devinf12"), data=devinf),))
    return SyncML(header=header("1"), commands=(put,), final=True)


def status_reply() -> SyncML:
    statuses: list[Command] = [
        Status(cmd_id="1", msg_ref="2", cmd_ref="0", cmd="SyncHdr", data=StatusCode.OK, target_refs=("IMEI:1",))
    ]
    statuses += [
        Status(
            cmd_id=str(number + 2),
            msg_ref="2",
            cmd_ref=str(number + 3),
            cmd="Add",
            data=StatusCode.ITEM_ADDED,
            source_refs=(f"pas-id-{number:08X}",),
        )
        for number in range(100)
    ]
    return SyncML(header=header("3"), commands=tuple(statuses), final=True)


def rate(operation: Callable[[], object], seconds: float) -> float:
    """Operations per CPU second, run for about ``seconds`` of CPU time."""
    count, started = 0, time.process_time()
    while (elapsed := time.process_time() - started) < seconds:
        operation()
        count += 1
    return count / elapsed


MESSAGES: dict[str, Callable[[], SyncML | bytes]] = {
    "100-contact Sync": contacts_sync,
    "SyncEvolution Sync": syncevolution_sync,
    "DevInf Put": devinf_put,
    "101-Status reply": status_reply,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=0.5, help="CPU time per measurement")
    parser.add_argument("--compare", nargs="+", metavar="SRC", help="source trees to time side by side")
    parser.add_argument("--rounds", type=int, default=3, help="turns each tree takes with --compare")
    parser.add_argument("--from-xml", metavar="DIR", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.from_xml:
        timed_from_xml(Path(arguments.from_xml), arguments.seconds)
    elif arguments.compare:
        compare(arguments.compare, arguments.seconds, arguments.rounds)
    else:
        table(arguments.seconds)


def table(seconds: float) -> None:
    messages = {name: as_sent(build()) for name, build in MESSAGES.items()}
    print(
        f"{'message':<18} {'operation':<9} {'XML bytes':>10} {'MB/s':>7} {'msg/s':>8}   "
        f"{'WBXML bytes':>11} {'MB/s':>7} {'msg/s':>8}   {'WBXML/XML':>9}"
    )
    for name, (message, xml) in messages.items():
        for operation in ("decode", "encode"):
            cells = []
            rates = []
            for encoding in Encoding:
                body = xml if encoding is Encoding.XML else encode(message, encoding)
                if operation == "decode":
                    per_second = rate(partial(decode, body, encoding.content_type), seconds)
                else:
                    per_second = rate(partial(encode, message, encoding), seconds)
                rates.append(per_second)
                cells.append(f"{len(body):>10} {per_second * len(body) / 1e6:>7.2f} {per_second:>8.0f}")
            print(f"{name:<18} {operation:<9} {cells[0]}   {cells[1]:>28}   {rates[1] / rates[0]:>8.2f}x")


def timed_from_xml(folder: Path, seconds: float) -> None:
    """Print, as JSON, the CPU ms per decode and encode of each message written in ``folder``."""
    times = {}
    for number, name in enumerate(MESSAGES):
        xml = (folder / f"{number}.xml").read_bytes()
        message = decode(xml, Encoding.XML.content_type).message
        for encoding in Encoding:
            body = xml if encoding is Encoding.XML else encode(message, encoding)
            decoding = rate(partial(decode, body, encoding.content_type), seconds)
            encoding_rate = rate(partial(encode, message, encoding), seconds)
            times[f"{name}|decode|{encoding.name}"] = 1000 / decoding
            times[f"{name}|encode|{encoding.name}"] = 1000 / encoding_rate
    print(json.dumps(times))


def compare(trees: list[str], seconds: float, rounds: int) -> None:
    runs: dict[str, list[dict[str, float]]] = {tree: [] for tree in trees}
    with tempfile.TemporaryDirectory() as folder:
        for number, build in enumerate(MESSAGES.values()):
            (Path(folder) / f"{number}.xml").write_bytes(as_sent(build())[1])
        for _ in range(rounds):
            for tree in trees:
                environment = {**os.environ, "PYTHONPATH": str(Path(tree).resolve())}
                command = [sys.executable, __file__, "--from-xml", folder, "--seconds", str(seconds)]
                done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
                runs[tree].append(json.loads(done.stdout))
    print(f"CPU ms per message, median of {rounds} rounds; the last column compares the last tree with the first")
    print(
        f"{'message':<18} {'operation':<9} {'encoding':<8} "
        + " ".join(f"{tree[-24:]:>24}" for tree in trees)
        + "   ratio"
    )
    for key in runs[trees[0]][0]:
        medians = [statistics.median(run[key] for run in runs[tree]) for tree in trees]
        name, operation, encoding = key.split("|")
        cells = " ".join(f"{median:>24.3f}" for median in medians)
        print(f"{name:<18} {operation:<9} {encoding:<8} {cells}   {medians[0] / medians[-1]:>5.2f}x")


if __name__ == "__main__":
    main()
