"""Every recorded SyncML XML message from real devices, clients and servers decodes into the model.

The corpus is ``../shared/interop`` (see its READMEs). Each message is checked against an
independent look at its raw XML (session id, version, command names, nested Sync commands, Final,
DevInf device ids) and must survive an encode/decode round trip unchanged.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from syncmld.errors import DecodeError
from syncmld.protocol.codec import Encoding, decode, decode_xml, encode_xml
from syncmld.protocol.devinf import ContentTypeInfo, CTCap, CTProperty, DevInf
from syncmld.protocol.messages import (
    Add,
    Alert,
    Anchor,
    Atomic,
    Command,
    LocRef,
    Mem,
    Meta,
    Sequence,
    Sync,
    SyncML,
    command_name,
)
from tests.replay.recordings import logged_messages, sent_by_client

REPO = Path(__file__).resolve().parents[2]
INTEROP = REPO.parent / "shared" / "interop"
DEVICES = INTEROP / "real-devices"
CAPTURE = INTEROP / "capture"

CLIENT_FILES = [
    "horde-syncml/testcase_*/syncml_client_*.xml",
    "funambol-cpp-client/syncML[1357].xml",
    "funambol-cpp-client/ex2.xml",
    "funambol-jme-sdk/SyncMLParserRT[25].txt",
    "funambol-server/core-framework-test-data/*.xml",
    "funambol-server/wbxml-to-xml-to-wbxml/msg*[0-9].xml",
    "txsyncml/*.xml",
    "buteo-syncml/syncml_*.txt",
]
SERVER_FILES = [
    "horde-syncml/testcase_*/syncml_server_*.xml",
    "funambol-cpp-client/syncML[2468].xml",
    "funambol-cpp-client/ex1.xml",
    "funambol-jme-sdk/SyncMLParserRT[13467].txt",
]
WBXML_RENDERINGS = "**/*.decoded.xml"
"""libwbxml's XML renderings of the recorded WBXML messages: extra corpus in another XML dialect."""

LOG_WITH_MESSAGES = "funambol-server/sendlog/synclog.txt"

UNDECODABLE = {
    "synrc-syncml/putE7.xml": "a transcription whose DevInf is raw WBXML bytes (control characters, invalid "
    "UTF-8) pasted into the XML: not a well-formed document",
}
NOT_MESSAGES = {
    "horde-syncml/testcase_P900_tasksandcalendar/data.txt": "Horde's notes on converted item data",
    "horde-syncml/testcase_P900_tasksandcalendar/devinf.txt": "a PHP dump of the parsed DevInf",
    "horde-syncml/testcase_P900_tasksandcalendar/syncml_log.txt": "Horde's server log",
    "horde-syncml/testcase_funambol_outlook3015_calendar/data.txt": "Horde's notes on converted item data",
    "horde-syncml/testcase_funambol_outlook3015_calendar/syncml_log.txt": "Horde's server log",
    LOG_WITH_MESSAGES: "a client debug log; its messages are extracted and tested one by one",
}


@dataclass(frozen=True)
class Recorded:
    name: str
    body: bytes
    from_client: bool


def _files(root: Path, patterns: list[str], from_client: bool) -> list[Recorded]:
    paths = sorted({path for pattern in patterns for path in root.glob(pattern)})
    return [Recorded(str(path.relative_to(INTEROP)), path.read_bytes(), from_client) for path in paths]


def _logged() -> list[Recorded]:
    log = (DEVICES / LOG_WITH_MESSAGES).read_bytes()
    return [
        Recorded(f"{LOG_WITH_MESSAGES}#{number}", body, from_client=sent_by_client(body))
        for number, body in enumerate(logged_messages(log), start=1)
    ]


def _renderings() -> list[Recorded]:
    return [
        Recorded(
            str(path.relative_to(INTEROP)), path.read_bytes(), from_client="c2s" in path.name or "s2c" not in path.name
        )
        for path in sorted(INTEROP.glob(WBXML_RENDERINGS))
    ]


CORPUS = (
    _files(DEVICES, CLIENT_FILES, from_client=True)
    + _files(CAPTURE, ["*/*-c2s.xml"], from_client=True)
    + _logged()
    + _files(DEVICES, SERVER_FILES, from_client=False)
    + _files(CAPTURE, ["*/*-s2c.xml"], from_client=False)
    + _renderings()
)


def test_the_corpus_is_all_there() -> None:
    client = [recorded for recorded in CORPUS if recorded.from_client]
    assert len(client) >= 150
    assert sum(recorded.name.startswith(LOG_WITH_MESSAGES) for recorded in CORPUS) == 13
    assert len(CORPUS) - len(client) >= 150


def test_every_device_file_is_tested_or_listed_with_a_reason() -> None:
    tested = {recorded.name.split("#")[0] for recorded in CORPUS}
    for path in DEVICES.rglob("*"):
        if path.suffix in {".xml", ".txt"}:
            name = str(path.relative_to(DEVICES))
            assert f"real-devices/{name}" in tested or name in UNDECODABLE or name in NOT_MESSAGES, name


@pytest.mark.parametrize("name", sorted(UNDECODABLE))
def test_undecodable_files_are_refused_cleanly(name: str) -> None:
    with pytest.raises(DecodeError):
        decode((DEVICES / name).read_bytes(), None)


def _raw_tree(body: bytes) -> etree._Element:
    """The document as plain lxml sees it, namespaces dropped: what the decoder must agree with."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(body.lstrip(), parser)
    for element in root.iter(etree.Element):
        element.tag = etree.QName(element).localname
    return root


def _raw_names(container: etree._Element, fields: set[str]) -> list[object]:
    """Command names in a container, with the commands nested in Sync/Atomic/Sequence as sub-lists."""
    names: list[object] = []
    for element in container:
        if element.tag in fields:
            continue
        names.append(element.tag)
        if element.tag in {"Sync", "Atomic", "Sequence"}:
            names.append(
                _raw_names(element, {"CmdID", "NoResp", "Cred", "Target", "Source", "Meta", "NumberOfChanges"})
            )
    return names


def _model_names(commands: tuple[Command, ...]) -> list[object]:
    names: list[object] = []
    for command in commands:
        names.append(command_name(command))
        if isinstance(command, Sync | Atomic | Sequence):
            names.append(_model_names(command.commands))
    return names


def _devinfs(message: SyncML) -> list[DevInf]:
    found = []
    for command in message.commands:
        for item in getattr(command, "items", ()):
            if isinstance(item.data, DevInf):
                found.append(item.data)
    return found


@pytest.mark.parametrize("recorded", CORPUS, ids=[recorded.name for recorded in CORPUS])
def test_recorded_message_decodes(recorded: Recorded) -> None:
    decoded = decode(recorded.body, None)
    assert decoded.encoding is Encoding.XML
    message = decoded.message
    raw = _raw_tree(recorded.body)
    header, body = raw.find("SyncHdr"), raw.find("SyncBody")
    assert header is not None and body is not None

    assert message.header.session_id == (header.findtext("SessionID") or "").strip()
    assert message.header.version.value == (header.findtext("VerDTD") or "").strip()
    assert message.header.source.uri == (header.findtext("Source/LocURI") or "").strip()
    assert message.final == (body.find("Final") is not None)
    assert _model_names(message.commands) == _raw_names(body, {"Final"})
    raw_dev_ids = [(text or "").strip() for text in raw.xpath("//Data/DevInf/DevID/text()")]
    assert [devinf.dev_id for devinf in _devinfs(message)] == raw_dev_ids

    assert decode_xml(encode_xml(message)) == message


def _message(name: str) -> SyncML:
    return decode_xml((DEVICES / name).read_bytes())


def test_sony_ericsson_k800i_devinf_12_with_alert_memory() -> None:
    message = _message("txsyncml/sony-ericsson-k800i-package1.xml")
    (devinf,) = _devinfs(message)
    assert (devinf.man, devinf.mod, devinf.utc, devinf.support_large_objs) == ("SonyEricsson", "K800i", True, True)
    contacts = devinf.datastore("contacts")
    assert contacts is not None and contacts.sync_types == (1, 2, 4, 6, 7)
    assert [cap.ct_type for cap in contacts.ctcaps] == ["text/x-vcard", "text/vcard"]
    alert = message.commands[-1]
    assert isinstance(alert, Alert) and alert.data == 201
    meta = alert.items[0].meta
    assert meta is not None and meta.anchor == Anchor(last="0", next="322")
    assert (meta.max_obj_size, meta.mem) == (65535, Mem(free_mem=48626970, free_id=742))


def test_p900_devinf_10_with_flat_ctcap() -> None:
    (devinf,) = _devinfs(_message("horde-syncml/testcase_P900_tasksandcalendar/syncml_client_10.xml"))
    assert devinf.ver_dtd == "1.0" and devinf.datastores[0].ctcaps == ()
    (vcalendar,) = devinf.ctcaps
    assert vcalendar.ct_type == "text/x-vcalendar"
    assert len(vcalendar.properties) == 23
    assert devinf.all_ctcaps() == (vcalendar,)


def test_nokia_devinf_with_an_unnamed_property() -> None:
    (devinf,) = _devinfs(_message("funambol-server/core-framework-test-data/nokia-wrong-syncml1.2.xml"))
    note = devinf.datastore("/telecom/note.txt")
    assert note is not None and note.rx_pref == ContentTypeInfo("text/plain", "")
    assert note.ctcaps == (
        CTCap(ct_type="text/plain", properties=(CTProperty(name="", data_type="chr", max_size=3000),)),
    )


def test_nokia_large_object_chunk_without_final() -> None:
    message = _message("funambol-server/wbxml-to-xml-to-wbxml/msg9.xml")
    assert not message.final
    sync = message.commands[-1]
    assert isinstance(sync, Sync)
    last = sync.commands[-1]
    assert isinstance(last, Add)
    assert last.meta == Meta(type="text/x-vcard", size=275)
    (chunk,) = last.items
    assert chunk.more_data and chunk.source == LocRef("39")
    assert isinstance(chunk.data, bytes) and chunk.data.startswith(b"BEGIN:VCARD")


SYNCEVOLUTION_REPLIES = [
    recorded for recorded in _files(CAPTURE, ["*/*-s2c.xml"], from_client=False) if b"<DevInf" not in recorded.body
]


@pytest.mark.parametrize("recorded", SYNCEVOLUTION_REPLIES, ids=[recorded.name for recorded in SYNCEVOLUTION_REPLIES])
def test_replies_are_written_as_syncevolution_writes_them(recorded: Recorded) -> None:
    # The same bytes, except that we quote attributes with " and a parser reads CR LF as LF.
    expected = re.sub(rb"xmlns='([^']*)'", rb'xmlns="\1"', recorded.body).replace(b"\r\n", b"\n")
    assert encode_xml(decode_xml(recorded.body)) == expected
