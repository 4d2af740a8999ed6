"""Each SyncML command read from XML into the message model, and written back in DTD order."""

import re

import pytest

from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode_xml, encode_xml
from syncmld.protocol.constants import AlertCode, SyncMLVersion
from syncmld.protocol.messages import (
    Add,
    Alert,
    Anchor,
    Atomic,
    Chal,
    Copy,
    Cred,
    Delete,
    Get,
    Item,
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
from syncmld.status import StatusCode

from .samples import document

METINF = "xmlns='syncml:metinf'"


def only_command(body: str) -> object:
    message = decode_xml(document(body))
    assert len(message.commands) == 1
    return message.commands[0]


def test_header_fields() -> None:
    header_extra = (
        "<RespURI>http://server/sync?s=1</RespURI><NoResp/>"
        f"<Cred><Meta><Type {METINF}>syncml:auth-basic</Type><Format {METINF}>b64</Format></Meta>"
        "<Data>YWxpY2U6c2VjcmV0</Data></Cred>"
        f"<Meta><MaxMsgSize {METINF}>10000</MaxMsgSize><MaxObjSize {METINF}>64000</MaxObjSize></Meta>"
    )
    message = decode_xml(document("<Final/>", version="1.1", header_extra=header_extra))
    assert message.header == SyncHdr(
        version=SyncMLVersion.V1_1,
        session_id="42",
        msg_id="1",
        target=LocRef("http://server/sync"),
        source=LocRef("IMEI:1234", name="alice"),
        resp_uri="http://server/sync?s=1",
        no_resp=True,
        cred=Cred(data="YWxpY2U6c2VjcmV0", meta=Meta(type="syncml:auth-basic", format="b64")),
        meta=Meta(max_msg_size=10000, max_obj_size=64000),
    )
    assert message.final is True
    assert message.commands == ()


def test_alert_with_anchor_and_max_obj_size() -> None:
    alert = only_command(
        "<Alert><CmdID>3</CmdID><Data>200</Data><Item><Target><LocURI>contacts</LocURI></Target>"
        "<Source><LocURI>./addressbook</LocURI></Source><Meta>"
        f"<Anchor {METINF}><Last>20240101T000000Z</Last><Next>20240102T000000Z</Next></Anchor>"
        f"<MaxObjSize {METINF}>4000000</MaxObjSize></Meta></Item></Alert>"
    )
    assert alert == Alert(
        cmd_id="3",
        data=AlertCode.TWO_WAY,
        items=(
            Item(
                target=LocRef("contacts"),
                source=LocRef("./addressbook"),
                meta=Meta(anchor=Anchor(last="20240101T000000Z", next="20240102T000000Z"), max_obj_size=4000000),
            ),
        ),
    )
    assert isinstance(alert, Alert) and alert.data == 200


def test_status_with_challenge_refs_and_anchor_item() -> None:
    status = only_command(
        "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>"
        "<TargetRef>http://server/sync</TargetRef><SourceRef>IMEI:1234</SourceRef>"
        f"<Chal><Meta><Format {METINF}>b64</Format><Type {METINF}>syncml:auth-md5</Type>"
        f"<NextNonce {METINF}>PDNXQSYiISE=</NextNonce></Meta></Chal><Data>401</Data>"
        f"<Item><Data><Anchor {METINF}><Next>7</Next></Anchor></Data></Item></Status>"
    )
    assert status == Status(
        cmd_id="1",
        msg_ref="1",
        cmd_ref="0",
        cmd="SyncHdr",
        data=StatusCode.INVALID_CREDENTIALS,
        target_refs=("http://server/sync",),
        source_refs=("IMEI:1234",),
        chal=Chal(meta=Meta(type="syncml:auth-md5", format="b64", next_nonce="PDNXQSYiISE=")),
        items=(Item(data=Anchor(next="7")),),
    )
    assert isinstance(status, Status) and status.data == 401


def test_sync_with_changes() -> None:
    sync = only_command(
        "<Sync><CmdID>4</CmdID><Target><LocURI>contacts</LocURI></Target>"
        "<Source><LocURI>./addressbook</LocURI></Source><NumberOfChanges>3</NumberOfChanges>"
        f"<Add><CmdID>5</CmdID><Meta><Type {METINF}>text/vcard</Type></Meta>"
        "<Item><Source><LocURI>1</LocURI></Source><Data><![CDATA[BEGIN:VCARD\nEND:VCARD\n]]></Data></Item></Add>"
        "<Replace><CmdID>6</CmdID><Item><Target><LocURI>g7</LocURI></Target><Data>x</Data></Item></Replace>"
        "<Delete><CmdID>7</CmdID><Archive/><SftDel/><Item><Target><LocURI>g8</LocURI></Target></Item></Delete>"
        "<Exec><CmdID>8</CmdID></Exec><Get><CmdID>9</CmdID></Get></Sync>"
    )
    assert sync == Sync(
        cmd_id="4",
        target=LocRef("contacts"),
        source=LocRef("./addressbook"),
        number_of_changes=3,
        commands=(
            Add(
                cmd_id="5",
                meta=Meta(type="text/vcard"),
                items=(Item(source=LocRef("1"), data=b"BEGIN:VCARD\nEND:VCARD\n"),),
            ),
            Replace(cmd_id="6", items=(Item(target=LocRef("g7"), data=b"x"),)),
            Delete(cmd_id="7", archive=True, sft_del=True, items=(Item(target=LocRef("g8")),)),
            Unsupported(cmd_id="8", name="Exec"),
            Unsupported(cmd_id="9", name="Get"),
        ),
    )


def test_large_object_chunk() -> None:
    add = only_command(
        f"<Add><CmdID>2</CmdID><NoResp/><Item><Source><LocURI>big</LocURI></Source><Meta><Size {METINF}>20218</Size>"
        "</Meta><Data>first part</Data><MoreData/></Item></Add>"
    )
    assert add == Add(
        cmd_id="2",
        no_resp=True,
        items=(Item(source=LocRef("big"), meta=Meta(size=20218), data=b"first part", more_data=True),),
    )


def test_copy_and_move_with_parents() -> None:
    body = (
        "<Copy><CmdID>1</CmdID><Item><Source><LocURI>a</LocURI></Source>"
        "<TargetParent><LocURI>folder1</LocURI></TargetParent></Item></Copy>"
        "<Move><CmdID>2</CmdID><Item><Target><LocURI>b</LocURI></Target>"
        "<SourceParent><LocURI>folder2</LocURI></SourceParent></Item></Move>"
    )
    assert decode_xml(document(body)).commands == (
        Copy(cmd_id="1", items=(Item(source=LocRef("a"), target_parent="folder1"),)),
        Move(cmd_id="2", items=(Item(target=LocRef("b"), source_parent="folder2"),)),
    )


def test_get_put_results_and_map() -> None:
    body = (
        f"<Get><CmdID>1</CmdID><Lang>en</Lang><Meta><Type {METINF}>application/vnd.syncml-devinf+xml</Type></Meta>"
        "<Item><Target><LocURI>./devinf12</LocURI></Target></Item></Get>"
        "<Put><CmdID>2</CmdID><Item><Source><LocURI>./devinf12</LocURI></Source><Data>text</Data></Item></Put>"
        "<Results><CmdID>3</CmdID><MsgRef>1</MsgRef><CmdRef>5</CmdRef><TargetRef>t</TargetRef>"
        "<SourceRef>./devinf12</SourceRef><Item><Data>r</Data></Item></Results>"
        "<Map><CmdID>4</CmdID><Target><LocURI>contacts</LocURI></Target><Source><LocURI>./addressbook</LocURI>"
        "</Source><MapItem><Target><LocURI>g1</LocURI></Target><Source><LocURI>l1</LocURI></Source></MapItem>"
        "<MapItem><Target><LocURI>g2</LocURI></Target><Source><LocURI>l2</LocURI></Source></MapItem></Map>"
    )
    assert decode_xml(document(body)).commands == (
        Get(
            cmd_id="1",
            lang="en",
            meta=Meta(type="application/vnd.syncml-devinf+xml"),
            items=(Item(target=LocRef("./devinf12")),),
        ),
        Put(cmd_id="2", items=(Item(source=LocRef("./devinf12"), data=b"text"),)),
        Results(
            cmd_id="3",
            msg_ref="1",
            cmd_ref="5",
            target_ref="t",
            source_ref="./devinf12",
            items=(Item(data=b"r"),),
        ),
        Map(
            cmd_id="4",
            target=LocRef("contacts"),
            source=LocRef("./addressbook"),
            map_items=(
                MapItem(target=LocRef("g1"), source=LocRef("l1")),
                MapItem(target=LocRef("g2"), source=LocRef("l2")),
            ),
        ),
    )


def test_atomic_sequence_and_unknown_commands() -> None:
    body = (
        "<Atomic><CmdID>1</CmdID><NoResp/><Add><CmdID>2</CmdID></Add>"
        "<Sequence><CmdID>3</CmdID><Delete><CmdID>4</CmdID></Delete></Sequence></Atomic>"
        "<Search><CmdID>5</CmdID></Search><Frobnicate><CmdID>6</CmdID></Frobnicate>"
    )
    assert decode_xml(document(body)).commands == (
        Atomic(
            cmd_id="1",
            no_resp=True,
            commands=(Add(cmd_id="2"), Sequence(cmd_id="3", commands=(Delete(cmd_id="4"),))),
        ),
        Unsupported(cmd_id="5", name="Search"),
        Unsupported(cmd_id="6", name="Frobnicate"),
    )


def test_meta_memory_emi_and_version() -> None:
    add = only_command(
        f"<Add><CmdID>1</CmdID><Meta><Mark {METINF}>read</Mark><Version {METINF}>3</Version>"
        f"<EMI {METINF}>one</EMI><EMI {METINF}>two</EMI><FieldLevel {METINF}/>"
        f"<Mem {METINF}><SharedMem/><FreeMem>8192</FreeMem><FreeID>100</FreeID></Mem></Meta></Add>"
    )
    assert add == Add(
        cmd_id="1",
        meta=Meta(
            mark="read",
            version="3",
            emi=("one", "two"),
            field_level=True,
            mem=Mem(shared_mem=True, free_mem=8192, free_id=100),
        ),
    )


def test_target_filter_is_kept_as_xml_text() -> None:
    sync = only_command(
        "<Sync><CmdID>1</CmdID><Target><LocURI>contacts</LocURI><Filter><Meta><Type>text/vcard</Type></Meta>"
        "<FilterType>INCLUSIVE</FilterType></Filter></Target></Sync>"
    )
    assert isinstance(sync, Sync) and sync.target is not None
    assert sync.target.filter == "<Meta><Type>text/vcard</Type></Meta><FilterType>INCLUSIVE</FilterType>"
    assert decode_xml(encode_xml(SyncML(header=decode_xml(document("")).header, commands=(sync,)))).commands == (sync,)


def test_writing_follows_dtd_order_and_metinf_namespaces() -> None:
    header = SyncHdr(
        version=SyncMLVersion.V1_2,
        session_id="5",
        msg_id="2",
        target=LocRef("IMEI:1234", name="alice"),
        source=LocRef("http://server/sync"),
        resp_uri="http://server/sync?s=9",
        meta=Meta(max_msg_size=150000, max_obj_size=4000000),
    )
    delete = Delete(
        cmd_id="3",
        items=(Item(target=LocRef("g1")),),
        meta=Meta(type="text/vcard"),
        cred=Cred(data="c2VjcmV0"),
        no_resp=True,
        archive=True,
    )
    status = Status(cmd_id="1", msg_ref="1", cmd_ref="0", cmd="SyncHdr", data=StatusCode.OK, target_refs=("a",))
    xml = encode_xml(SyncML(header=header, commands=(status, delete), final=True)).decode()
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr>')
    tags = re.findall(r"<([A-Za-z]+)", xml)
    assert tags[:14] == [
        "SyncML", "SyncHdr", "VerDTD", "VerProto", "SessionID", "MsgID", "Target", "LocURI", "LocName",
        "Source", "LocURI", "RespURI", "Meta", "MaxMsgSize",
    ]  # fmt: skip
    assert '<MaxMsgSize xmlns="syncml:metinf">150000</MaxMsgSize>' in xml
    assert "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>" in xml
    assert (
        "<Delete><CmdID>3</CmdID><NoResp/><Archive/><Cred><Data>c2VjcmV0</Data></Cred>"
        '<Meta><Type xmlns="syncml:metinf">text/vcard</Type></Meta><Item>' in xml
    )
    assert xml.endswith("<Final/></SyncBody></SyncML>")


def test_status_anchor_item_is_written_in_metinf() -> None:
    status = Status(
        cmd_id="5", msg_ref="1", cmd_ref="3", cmd="Alert", data=StatusCode.OK, items=(Item(data=Anchor(next="9")),)
    )
    xml = encode_xml(SyncML(header=decode_xml(document("")).header, commands=(status,))).decode()
    assert '<Item><Data><Anchor xmlns="syncml:metinf"><Next>9</Next></Anchor></Data></Item>' in xml


def test_status_and_alert_codes_are_read_as_their_enums() -> None:
    status = only_command(
        "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>2</CmdRef><Cmd>Add</Cmd><Data>418</Data></Status>"
    )
    alert = only_command("<Alert><CmdID>2</CmdID><Data>225</Data></Alert>")
    assert isinstance(status, Status) and status.data is StatusCode.ALREADY_EXISTS
    assert isinstance(alert, Alert) and alert.data is AlertCode.RESUME


def test_codes_the_protocol_does_not_name_are_kept_as_numbers() -> None:
    status = only_command(
        "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>2</CmdRef><Cmd>Add</Cmd><Data>299</Data></Status>"
    )
    alert = only_command("<Alert><CmdID>2</CmdID><Data>1234</Data></Alert>")
    assert isinstance(status, Status) and status.data == 299 and status.data.is_success()
    assert isinstance(alert, Alert) and alert.data == 1234
    written = encode_xml(SyncML(header=decode_xml(document("")).header, commands=(status, alert))).decode()
    assert "<Data>299</Data>" in written and "<Data>1234</Data>" in written


def test_an_alert_without_a_number_has_no_code_and_a_status_without_one_is_refused() -> None:
    alert = only_command("<Alert><CmdID>2</CmdID><Data>two-way</Data></Alert>")
    assert isinstance(alert, Alert) and alert.data is None
    with pytest.raises(DecodeError, match="Status Data is not a number"):
        decode_xml(
            document(
                "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>2</CmdRef><Cmd>Add</Cmd><Data>OK</Data></Status>"
            )
        )
