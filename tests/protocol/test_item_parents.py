"""Item parents (SyncML 1.2 ``SourceParent`` / ``TargetParent``) on Add and Replace inside a Sync, in
XML and WBXML, read in any order and written where the encoders of real clients put them."""

import shutil
from pathlib import Path

import pytest

from syncmld.protocol.codec import Encoding, decode_xml, encode, encode_xml
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.messages import Add, Item, LocRef, Meta, Replace, Sync, SyncHdr, SyncML
from syncmld.protocol.tree import Element
from syncmld.protocol.wbxml_syncml import decode_wbxml
from syncmld.protocol.xml import parse_tree

from .test_wbxml_libwbxml import assert_libwbxml_agrees

FOLDER = "application/vnd.omads-folder+xml"
HEADER = SyncHdr(
    version=SyncMLVersion.V1_2, session_id="4", msg_id="2", target=LocRef("http://s/syncml"), source=LocRef("IMEI:1")
)
TREE_SYNC = SyncML(
    HEADER,
    (
        Sync(
            cmd_id="1",
            target=LocRef("Files"),
            source=LocRef("./files"),
            commands=(
                Add(
                    cmd_id="2",
                    meta=Meta(type=FOLDER),
                    items=(
                        Item(source=LocRef("12"), source_parent="11", data=b"<Folder><name>Reports</name></Folder>"),
                        Item(
                            source=LocRef("13"),
                            target_parent="a7Bq",
                            meta=Meta(size=38),
                            data=b"<Folder><name>2026</name></Folder>",
                            more_data=True,
                        ),
                    ),
                ),
                Replace(
                    cmd_id="3",
                    items=(
                        Item(
                            target=LocRef("b9"),
                            source=LocRef("14"),
                            target_parent="a7Bq",
                            source_parent="11",
                            data=b"<File><name>q1.bin</name></File>",
                        ),
                    ),
                ),
            ),
        ),
    ),
    final=True,
)


def item_elements(xml: bytes) -> list[Element]:
    return [element for element in parse_tree(xml).iter() if element.tag.endswith("Item")]


def test_parents_round_trip_in_xml_and_wbxml() -> None:
    assert decode_xml(encode_xml(TREE_SYNC)) == TREE_SYNC
    assert decode_wbxml(encode(TREE_SYNC, Encoding.WBXML)) == TREE_SYNC


def test_parents_are_written_after_source_and_before_meta_and_data() -> None:
    orders = [[child.tag.split("}")[-1] for child in item] for item in item_elements(encode_xml(TREE_SYNC))]
    assert orders == [
        ["Source", "SourceParent", "Data"],
        ["Source", "TargetParent", "Meta", "Data", "MoreData"],
        ["Target", "Source", "TargetParent", "SourceParent", "Data"],
    ]


def test_parents_are_read_wherever_the_item_puts_them() -> None:
    xml = (
        b'<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>SyncML/1.2</VerProto>'
        b"<SessionID>4</SessionID><MsgID>2</MsgID><Target><LocURI>http://s/syncml</LocURI></Target><Source>"
        b"<LocURI>IMEI:1</LocURI></Source></SyncHdr><SyncBody><Sync><CmdID>1</CmdID><Add><CmdID>2</CmdID>"
        b"<Item><SourceParent><LocURI>11</LocURI></SourceParent><Data>x</Data><Source><LocURI>12</LocURI>"
        b"</Source><TargetParent><LocURI> a7Bq </LocURI></TargetParent></Item></Add></Sync><Final/></SyncBody>"
        b"</SyncML>"
    )
    (sync,) = decode_xml(xml).commands
    assert isinstance(sync, Sync) and isinstance(sync.commands[0], Add)
    assert sync.commands[0].items == (Item(source=LocRef("12"), target_parent="a7Bq", source_parent="11", data=b"x"),)


@pytest.mark.skipif(shutil.which("xml2wbxml") is None, reason="libwbxml2-utils is not installed")
def test_libwbxml_reads_and_writes_parents_as_we_do(tmp_path: Path) -> None:
    assert_libwbxml_agrees(TREE_SYNC, tmp_path)
