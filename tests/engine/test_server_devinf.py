"""The server's DevInf names each type with the version of the items it sends in that type: every type of
every store, fetched with a Get, against an item of that store's kind converted to it (its VERSION line,
its SIFVersion), in SyncML 1.1 and 1.2."""

import re
from collections.abc import Callable

import pytest
from lxml import etree

from syncmld import content
from syncmld.client import Device
from syncmld.content.email import EMAIL_TYPE, RFC822_TYPE
from syncmld.content.files import FILE_TYPE, FOLDER_TYPE
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.messages import Results
from tests.engine.conftest import vcard
from tests.engine.data_types import SAFE_XML, Recorder
from tests.engine.folder_trees import file_xml, folder_xml

EVENT = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nBEGIN:VEVENT\r\nUID:ev-1\r\n"
    b"DTSTAMP:20250101T000000Z\r\nDTSTART:20250301T090000Z\r\nDTEND:20250301T100000Z\r\n"
    b"SUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
TASK = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nBEGIN:VTODO\r\nUID:td-1\r\n"
    b"DTSTAMP:20250101T000000Z\r\nDUE:20250301T090000Z\r\nSUMMARY:Reifen wechseln\r\nEND:VTODO\r\n"
    b"END:VCALENDAR\r\n"
)
JOURNAL = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nBEGIN:VJOURNAL\r\nUID:jo-1\r\n"
    b"DTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250301\r\nSUMMARY:Urlaub\r\n"
    b"DESCRIPTION:Am Meer\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n"
)
SAMPLES: dict[str, list[tuple[str, bytes]]] = {
    "contacts": [("text/x-vcard", vcard(1))],
    "events": [("text/calendar", EVENT)],
    "tasks": [("text/calendar", TASK)],
    "notes": [("text/plain", "Einkaufsliste\r\nMilch, Käse".encode())],
    "journal": [("text/calendar", JOURNAL)],
    "files": [(FILE_TYPE, file_xml("a.txt", b"hello")), (FOLDER_TYPE, folder_xml("Urlaub"))],
    "mail": [
        (EMAIL_TYPE, b"<Email><read>true</read><emailitem><![CDATA[Subject: Hallo\r\n\r\nText]]></emailitem></Email>")
    ],
}
"""Items a device may send to each standard store, in a type it sends them in."""

WITHOUT_MARKER = {"text/plain": "1.0", FILE_TYPE: "1.2", FOLDER_TYPE: "1.2", EMAIL_TYPE: "1.2", RFC822_TYPE: "1.0"}
"""Types whose items carry no version: the version they are known by."""
VERSION_LINE = re.compile(rb"^VERSION:(.*?)\r?$", re.MULTILINE)


def version_in(content_type: str, data: bytes) -> str:
    """The version an item says it is in: its first VERSION line, or its SIFVersion."""
    if content.is_sif_type(content_type):
        return str(etree.fromstring(data, SAFE_XML).findtext("SIFVersion"))
    if content_type in WITHOUT_MARKER:
        return WITHOUT_MARKER[content_type]
    found = VERSION_LINE.search(data)
    assert found is not None, data
    return found.group(1).decode()


def fetched_devinf(new_device: Callable[..., Device], version: SyncMLVersion) -> DevInf:
    """The server's DevInf as a device gets it: Results to its Get."""
    device = new_device(f"IMEI:get-{version.value}", version=version, devinf_alone=True)
    device.transport = recorder = Recorder(device.transport)
    device.sync()
    (devinf,) = [
        item.data
        for command in recorder.replies[0].commands
        if isinstance(command, Results)
        for item in command.items
        if isinstance(item.data, DevInf)
    ]
    return devinf


@pytest.mark.parametrize("version", [SyncMLVersion.V1_1, SyncMLVersion.V1_2], ids=["1.1", "1.2"])
def test_every_type_in_our_devinf_has_the_version_of_the_items_we_send_in_it(
    new_device: Callable[..., Device], version: SyncMLVersion
) -> None:
    devinf = fetched_devinf(new_device, version)
    assert sorted(store.source_ref for store in devinf.datastores) == sorted(SAMPLES)
    checked = set()
    for store in devinf.datastores:
        infos = [info for info in (store.rx_pref, *store.rx, store.tx_pref, *store.tx) if info is not None]
        caps = [
            cap
            for cap in (*store.ctcaps, *devinf.ctcaps)  # a SyncML 1.1 CTCap has no version
            if cap.ver_ct and cap.ct_type in {info.ct_type for info in infos}
        ]
        stored = [
            content.to_stored(sent_type, data, None, None, store.source_ref)
            for sent_type, data in SAMPLES[store.source_ref]
        ]
        for ct_type, ver_ct in [
            *((info.ct_type, info.ver_ct) for info in infos),
            *((cap.ct_type, cap.ver_ct) for cap in caps),
        ]:
            sendable = [
                (stored_type, data) for stored_type, data in stored if content.is_convertible(stored_type, ct_type)
            ]
            assert sendable, f"{store.source_ref}: no item of ours goes as {ct_type}"
            for stored_type, data in sendable:
                sent_type, sent = content.for_device(content.read(stored_type, data), ct_type)
                assert sent_type == ct_type
                assert (ct_type, version_in(sent_type, sent)) == (ct_type, ver_ct)
            checked.add(ct_type)
    assert {
        "text/x-s4j-sifc",
        "text/x-s4j-sife",
        "text/x-s4j-sift",
        "text/x-s4j-sifn",
        "text/x-vnote",
        "text/vcard",
        "text/x-vcard",
        "text/calendar",
        "text/x-vcalendar",
    } <= checked
