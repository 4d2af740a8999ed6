"""Our WBXML against libwbxml's ``wbxml2xml`` and ``xml2wbxml`` (Debian libwbxml2-utils), both ways.

The corpus: every WBXML file recorded in ``../shared/interop`` (SyncEvolution, Ericsson, Nokia,
Funambol), messages built here that cover every command, MetInf element and DevInf element of
SyncML 1.0, 1.1 and 1.2, and messages drawn from the Hypothesis strategies.

Two habits of libwbxml shape the comparison. It writes item data into CDATA with raw carriage
returns, which every XML parser reads as line feeds (XML 1.0 §2.11), and ``xml2wbxml`` turns bare
line feeds in Add/Replace data into CR LF: line ends are compared normalised. It cannot write
``]]>`` into CDATA, drops surrounding whitespace, and does not expand a nested DevInf that uses
literal tags, so the drawn messages are first brought within what it can express.
"""

import dataclasses
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from syncmld.protocol.codec import Encoding, decode_xml, encode, encode_xml
from syncmld.protocol.codepages import DEVINF_BY_VERSION, SYNCML_BY_VERSION
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5, FORMAT_B64, MIME_DEVINF_XML, AlertCode, SyncMLVersion
from syncmld.protocol.devinf import ContentTypeInfo, CTCap, CTParam, CTProperty, DataStore, DevInf, DSMem, Ext
from syncmld.protocol.messages import (
    Add,
    Alert,
    Anchor,
    Atomic,
    Chal,
    Command,
    Copy,
    Cred,
    Delete,
    Get,
    Item,
    ItemCommand,
    LocRef,
    Map,
    MapItem,
    Mem,
    Meta,
    Move,
    Put,
    Replace,
    Results,
    Sequence,
    Status,
    Sync,
    SyncHdr,
    SyncML,
    Unsupported,
)
from syncmld.protocol.wbxml_syncml import decode_wbxml
from syncmld.protocol.xml import parse_tree
from syncmld.status import StatusCode

from .strategies import messages

REPO = Path(__file__).resolve().parents[2]
INTEROP = REPO.parent / "shared" / "interop"
RECORDED = sorted([*INTEROP.glob("capture/*/*.wbxml"), *INTEROP.glob("real-devices/**/*.wbxml")])

NOT_IN_THE_MODEL = {"NoResults", "MetInf", "Filter-Rx", "FilterCap", "FilterKeyword"}
"""Tags of the code pages that the message model never writes: they are read (and ignored) from
``READ_ONLY_ELEMENTS``."""

READ_ONLY_ELEMENTS = (
    b'<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>'
    b"<VerProto>SyncML/1.2</VerProto><SessionID>7</SessionID><MsgID>1</MsgID><Target><LocURI>http://s/</LocURI>"
    b"</Target><Source><LocURI>IMEI:1</LocURI></Source><Meta><MetInf xmlns='syncml:metinf'><MaxMsgSize>9000"
    b"</MaxMsgSize></MetInf></Meta></SyncHdr><SyncBody><Get><CmdID>1</CmdID><NoResults/><Item><Target><LocURI>"
    b"./devinf12</LocURI></Target></Item></Get><Put><CmdID>2</CmdID><Meta><Type xmlns='syncml:metinf'>"
    b"application/vnd.syncml-devinf+xml</Type></Meta><Item><Source><LocURI>./devinf12</LocURI></Source><Data>"
    b"<DevInf xmlns='syncml:devinf'><VerDTD>1.2</VerDTD><DevID>IMEI:1</DevID><DevTyp>phone</DevTyp><DataStore>"
    b"<SourceRef>./cal</SourceRef><Rx-Pref><CTType>text/calendar</CTType><VerCT>2.0</VerCT></Rx-Pref><Tx-Pref>"
    b"<CTType>text/calendar</CTType><VerCT>2.0</VerCT></Tx-Pref><SyncCap><SyncType>1</SyncType></SyncCap>"
    b"<Filter-Rx><CTType>syncml:filtertype-cgi</CTType><VerCT>1.0</VerCT></Filter-Rx><FilterCap><CTType>"
    b"text/calendar</CTType><VerCT>2.0</VerCT><FilterKeyword>DTSTART</FilterKeyword></FilterCap></DataStore>"
    b"</DevInf></Data></Item></Put><Final/></SyncBody></SyncML>"
)
"""A message with the elements that ``NOT_IN_THE_MODEL`` lists."""

VCARD = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:M\xc3\xbcller;J\xc3\xbcrgen\r\nTEL;CELL:+49 170 1234567\r\nEND:VCARD\r\n"


def transform(value: Any, change: Callable[[Any], Any]) -> Any:
    """``value`` rebuilt bottom-up with ``change`` applied to every part (dataclasses, tuples, strings)."""
    if isinstance(value, tuple):
        value = tuple(transform(part, change) for part in value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = {field.name: transform(getattr(value, field.name), change) for field in dataclasses.fields(value)}
        value = dataclasses.replace(value, **parts)
    return change(value)


def xml_line_ends(message: SyncML) -> SyncML:
    """The message as an XML parser reads raw line ends: CR LF and CR become LF."""

    def change(part: Any) -> Any:
        if isinstance(part, str):
            return part.replace("\r\n", "\n").replace("\r", "\n")
        if isinstance(part, bytes):
            return part.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return part

    result: SyncML = transform(message, change)
    return result


def within_libwbxml(message: SyncML) -> SyncML:
    """A drawn message without what libwbxml cannot carry through XML (see the module docstring)."""

    def change(part: Any) -> Any:
        if isinstance(part, str):
            return part.replace("]", "").replace("\r", "").strip()
        if isinstance(part, bytes):
            return part.replace(b"]", b"").replace(b"\r", b"").strip()
        if isinstance(part, DataStore):
            return dataclasses.replace(part, support_hierarchical_sync=False)
        if any(isinstance(item.data, DevInf) for item in getattr(part, "items", ())):
            return _devinf_typed(part)
        return part

    result: SyncML = transform(message, change)
    return result


def _devinf_typed(command: Any) -> Any:
    """libwbxml expands a nested DevInf only where the Meta Type (of the item, else of the command)
    says DevInf."""
    if not hasattr(command, "meta"):
        return dataclasses.replace(command, items=tuple(_without_devinf(item) for item in command.items))
    items = tuple(
        dataclasses.replace(item, meta=dataclasses.replace(item.meta, type=MIME_DEVINF_XML))
        if item.meta is not None and isinstance(item.data, DevInf)
        else item
        for item in command.items
    )
    meta = dataclasses.replace(command.meta or Meta(), type=MIME_DEVINF_XML)
    return dataclasses.replace(command, meta=meta, items=items)


def _without_devinf(item: Item) -> Item:
    return dataclasses.replace(item, data=None) if isinstance(item.data, DevInf) else item


def wbxml2xml(body: bytes, tmp_path: Path) -> bytes:
    source, target = tmp_path / "in.wbxml", tmp_path / "out.xml"
    source.write_bytes(body)
    subprocess.run(["wbxml2xml", "-m", "0", "-o", str(target), str(source)], check=True, capture_output=True)
    return target.read_bytes()


def xml2wbxml(body: bytes, tmp_path: Path) -> bytes:
    source, target = tmp_path / "in.xml", tmp_path / "out.wbxml"
    source.write_bytes(body)
    subprocess.run(["xml2wbxml", "-o", str(target), str(source)], check=True, capture_output=True)
    return target.read_bytes()


def assert_libwbxml_agrees(message: SyncML, tmp_path: Path) -> None:
    """libwbxml reads our WBXML as the message, and we read its WBXML of our XML as the message.

    ``xml2wbxml`` gets line feeds only: it turns each one in Add/Replace data into CR LF, even
    after a CR.
    """
    expected = xml_line_ends(message)
    assert xml_line_ends(decode_xml(wbxml2xml(encode(message, Encoding.WBXML), tmp_path))) == expected
    xml = encode_xml(expected)
    assert decode_xml(xml) == expected
    assert xml_line_ends(decode_wbxml(xml2wbxml(xml, tmp_path))) == expected


# The built corpus


def devinf(version: str) -> DevInf:
    """A DevInf with every element its version has, in that version's CTCap style."""
    nested = version == "1.2"
    params = (CTParam("TYPE", data_type="chr", val_enums=("HOME", "WORK"), display_name="Kind"),)
    properties = (
        CTProperty("N", data_type="chr", max_size=64, display_name="Name", params=params),
        CTProperty(
            "TEL",
            max_occur=3 if nested else None,
            no_truncate=nested,
            val_enums=("CELL", "VOICE"),
            params=params,
        ),
    )
    cap = CTCap("text/x-vcard", ver_ct="2.1" if nested else "", field_level=nested, properties=properties)
    store = DataStore(
        source_ref="./contacts",
        display_name="Contacts",
        max_guid_size=32,
        rx_pref=ContentTypeInfo("text/x-vcard", "2.1"),
        rx=(ContentTypeInfo("text/vcard", "3.0"),),
        tx_pref=ContentTypeInfo("text/x-vcard", "2.1"),
        tx=(ContentTypeInfo("text/vcard", "3.0"),),
        ctcaps=(cap,) if nested else (),
        dsmem=DSMem(shared_mem=True, max_mem=65536, max_id=500),
        support_hierarchical_sync=nested,
        sync_types=(1, 2, 3, 4, 5, 6, 7),
    )
    return DevInf(
        ver_dtd=version,
        dev_id="IMEI:351234567890123",
        dev_typ="phone",
        man="Nokia",
        mod="E51",
        oem="Nokia Oyj",
        fw_v="100.34.20",
        sw_v="V 04.20",
        hw_v="RM-244",
        utc=True,
        support_large_objs=True,
        support_number_of_changes=True,
        datastores=(store, dataclasses.replace(store, source_ref="./notes", display_name=None, dsmem=None)),
        ctcaps=() if nested else (cap,),
        exts=(Ext("X-funambol-smartslow"), Ext("X-Syncml-Test", ("a", "b"))),
    )


FULL_META = Meta(
    type="text/x-vcard",
    format="chr",
    mark="urgent",
    size=1234,
    anchor=Anchor(last="20240101T000000Z", next="20240102T000000Z"),
    version="2.1",
    next_nonce="Tm9uY2U=",
    max_msg_size=10240,
    max_obj_size=4000000,
    emi=("x-first", "x-second"),
    mem=Mem(shared_mem=True, free_mem=8192, free_id=17),
    field_level=True,
)


def header(version: SyncMLVersion, **changes: Any) -> SyncHdr:
    base = SyncHdr(
        version=version,
        session_id="1701",
        msg_id="3",
        target=LocRef("http://127.0.0.1/syncml?sessionid=ab12", name="server"),
        source=LocRef("IMEI:351234567890123", name="alice@example.com"),
    )
    return dataclasses.replace(base, **changes)


def built_corpus(version: SyncMLVersion) -> list[tuple[str, SyncML]]:
    """Messages of one SyncML version that together use every element of its code pages."""
    v = version.value
    devinf_uri = version.devinf_uri
    basic = Cred(data="YWxpY2U6c2VjcmV0", meta=Meta(type=AUTH_BASIC, format=FORMAT_B64))
    md5 = Cred(data="Zz6EivR3yeaaENcRN6lpAQ==", meta=Meta(type=AUTH_MD5, format=FORMAT_B64))
    card = Item(source=LocRef("1", name="luid-1"), meta=Meta(type="text/x-vcard", size=len(VCARD)), data=VCARD)
    changes: tuple[ItemCommand, ...] = (
        Add(cmd_id="3", items=(card,), meta=Meta(type="text/x-vcard", format="chr")),
        Replace(cmd_id="4", items=(dataclasses.replace(card, data=VCARD[:20], more_data=True),), no_resp=True),
        Delete(cmd_id="5", items=(Item(target=LocRef("1001")),), archive=True, sft_del=True),
        Copy(cmd_id="6", items=(Item(source=LocRef("2"), target=LocRef("1002")),)),
        Move(cmd_id="7", items=(Item(source=LocRef("3"), target_parent="1003", source_parent="1004"),)),
    )

    def message(*commands: Command, final: bool = True, **header_changes: Any) -> SyncML:
        return SyncML(header=header(version, **header_changes), commands=commands, final=final)

    devinf_item = Item(source=LocRef(devinf_uri), data=devinf(v))
    status_items = tuple(
        Status(
            cmd_id=str(number),
            msg_ref="2",
            cmd_ref=str(number),
            cmd="Add",
            data=StatusCode.ITEM_ADDED,
            source_refs=(str(number),),
        )
        for number in range(2, 12)
    )
    return [
        ("header with every MetInf element", message(meta=FULL_META, resp_uri="http://127.0.0.1/x", no_resp=True)),
        ("basic credentials", message(cred=basic, meta=Meta(max_msg_size=150000, max_obj_size=4000000))),
        ("md5 credentials", message(cred=md5)),
        (
            "alert with anchors",
            message(
                Alert(
                    cmd_id="1",
                    data=AlertCode.SLOW_SYNC,
                    items=(
                        Item(
                            target=LocRef("./contacts"),
                            source=LocRef("./addressbook"),
                            meta=Meta(anchor=Anchor(last="0", next="76"), max_obj_size=4000000),
                        ),
                    ),
                    no_resp=True,
                    correlator="corr-1",
                ),
                final=False,
            ),
        ),
        (
            "status with challenge and anchor",
            message(
                Status(
                    cmd_id="1",
                    msg_ref="1",
                    cmd_ref="0",
                    cmd="SyncHdr",
                    data=StatusCode.INVALID_CREDENTIALS,
                    target_refs=("http://127.0.0.1/syncml",),
                    source_refs=("IMEI:351234567890123",),
                    chal=Chal(Meta(type=AUTH_MD5, format=FORMAT_B64, next_nonce="Tm9uY2U=")),
                ),
                Status(
                    cmd_id="2",
                    msg_ref="1",
                    cmd_ref="1",
                    cmd="Alert",
                    data=StatusCode.OK,
                    items=(Item(data=Anchor(next="76")),),
                    cred=basic,
                ),
            ),
        ),
        (
            "devinf put and get",
            message(
                Put(cmd_id="1", meta=Meta(type=MIME_DEVINF_XML), items=(devinf_item,), lang="en"),
                Get(cmd_id="2", meta=Meta(type=MIME_DEVINF_XML), items=(Item(target=LocRef(devinf_uri)),), lang="de"),
            ),
        ),
        (
            "devinf results",
            message(
                Results(
                    cmd_id="2",
                    cmd_ref="2",
                    msg_ref="1",
                    meta=Meta(type=MIME_DEVINF_XML),
                    target_ref=devinf_uri,
                    source_ref=devinf_uri,
                    items=(devinf_item,),
                )
            ),
        ),
        (
            "sync with every change",
            message(
                Sync(
                    cmd_id="2",
                    target=LocRef("./contacts"),
                    source=LocRef("./addressbook"),
                    meta=Meta(max_obj_size=4000000),
                    number_of_changes=5,
                    commands=(*changes, Atomic(cmd_id="8", commands=changes[:1]), Sequence(cmd_id="9")),
                    cred=basic,
                    no_resp=True,
                )
            ),
        ),
        (
            "map",
            message(
                Map(
                    cmd_id="1",
                    target=LocRef("./addressbook"),
                    source=LocRef("./contacts"),
                    map_items=tuple(MapItem(LocRef(f"{n}"), LocRef(f"luid-{n}")) for n in range(3)),
                    meta=Meta(type="text/x-vcard"),
                    cred=md5,
                )
            ),
        ),
        (
            "atomic and sequence",
            message(
                Atomic(cmd_id="1", commands=changes[:2], meta=Meta(type="text/x-vcard"), no_resp=True),
                Sequence(cmd_id="5", commands=changes[2:], meta=Meta(type="text/x-vcard")),
            ),
        ),
        (
            "unsupported commands",
            message(Unsupported(cmd_id="1", name="Exec"), Unsupported(cmd_id="2", name="Search")),
        ),
        (
            "filtered sync",
            message(
                Alert(
                    cmd_id="1",
                    data=AlertCode.TWO_WAY,
                    items=tuple(
                        Item(target=LocRef("./calendar", filter=text), source=LocRef("./cal")) for text in FILTERS
                    ),
                )
            ),
        ),
        ("status-heavy reply", message(*status_items)),
        ("header only", message(final=False)),
    ]


FILTERS = (
    "<Meta><Type>text/vcard</Type></Meta>",
    "<Meta><Type>text/x-vcalendar</Type></Meta><Record><Item><Meta><Type>syncml:filtertype-cgi</Type>"
    "</Meta><Data>&amp;LAST_MODIFIED&amp;GE;20240101T000000Z</Data></Item></Record>",
    "<Meta><Type>text/vcard</Type></Meta><Field><Item><Data>BEGIN:VCARD\nEND:VCARD</Data></Item></Field>"
    "<FilterType>INCLUSIVE</FilterType>",
)

BUILT = [
    pytest.param(message, id=f"{version.value}-{name}")
    for version in SyncMLVersion
    for name, message in built_corpus(version)
]


def test_the_corpus_is_big_enough() -> None:
    assert len(BUILT) + len(RECORDED) >= 40
    assert len(RECORDED) >= 35


@pytest.mark.parametrize("version", list(SyncMLVersion), ids=lambda version: version.value)
def test_the_built_corpus_uses_every_element(version: SyncMLVersion) -> None:
    used = {
        str(element.tag) for _, message in built_corpus(version) for element in parse_tree(encode_xml(message)).iter()
    }
    syncml = {tag for page in SYNCML_BY_VERSION[version.value].pages.values() for tag in page.values()}
    devinf_tags = set(DEVINF_BY_VERSION[version.value].pages[0].values())
    assert (syncml | devinf_tags) - NOT_IN_THE_MODEL - used == set()


def test_we_read_what_libwbxml_writes_of_elements_the_model_ignores(tmp_path: Path) -> None:
    wbxml = xml2wbxml(READ_ONLY_ELEMENTS, tmp_path)
    for tag in NOT_IN_THE_MODEL:
        assert f"<{tag}".encode() in READ_ONLY_ELEMENTS, tag
    assert decode_wbxml(wbxml) == decode_xml(READ_ONLY_ELEMENTS)


@pytest.mark.parametrize("message", BUILT)
def test_libwbxml_agrees_on_the_built_corpus(message: SyncML, tmp_path: Path) -> None:
    assert_libwbxml_agrees(message, tmp_path)


@pytest.mark.parametrize("path", RECORDED, ids=lambda path: str(path.relative_to(INTEROP)))
def test_we_read_recorded_wbxml_as_libwbxml_does(path: Path, tmp_path: Path) -> None:
    body = path.read_bytes()
    ours = decode_wbxml(body)
    assert xml_line_ends(ours) == xml_line_ends(decode_xml(wbxml2xml(body, tmp_path)))
    assert xml_line_ends(decode_xml(wbxml2xml(encode(ours, Encoding.WBXML), tmp_path))) == xml_line_ends(ours)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(messages)
def test_libwbxml_agrees_on_drawn_messages(tmp_path_factory: pytest.TempPathFactory, message: SyncML) -> None:
    assert_libwbxml_agrees(within_libwbxml(message), tmp_path_factory.mktemp("drawn"))
