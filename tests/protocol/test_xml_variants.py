"""The many ways devices write the same message: namespaces, prologs, CDATA, flags, order, whitespace."""

import pytest

from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode_xml, encode_xml
from syncmld.protocol.constants import AlertCode, SyncMLVersion
from syncmld.protocol.messages import Add, Alert, Anchor, Delete, Item, LocRef, Meta, Status, SyncML

from .samples import document

ALERT = (
    "<Alert><CmdID>1</CmdID><Data>201</Data><Item><Target><LocURI>card</LocURI></Target>"
    "<Source><LocURI>pb</LocURI></Source><Meta>{meta}</Meta></Item></Alert><Final/>"
)
EXPECTED_ALERT = Alert(
    cmd_id="1",
    data=AlertCode.SLOW_SYNC,
    items=(Item(target=LocRef("card"), source=LocRef("pb"), meta=Meta(anchor=Anchor("0", "5"), max_obj_size=900)),),
)


@pytest.mark.parametrize(
    "root",
    [
        "<SyncML xmlns='SYNCML:SYNCML1.1'>",
        "<SyncML xmlns='syncml:SYNCML1.1'>",
        "<SyncML xmlns='syncml:syncml1.1'>",
        "<SyncML>",
    ],
)
@pytest.mark.parametrize(
    "meta",
    [
        "<Anchor xmlns='syncml:metinf'><Last>0</Last><Next>5</Next></Anchor>"
        "<MaxObjSize xmlns='syncml:metinf'>900</MaxObjSize>",
        "<Anchor xmlns='SYNCML:METINF'><Last>0</Last><Next>5</Next></Anchor><MaxObjSize>900</MaxObjSize>",
        "<MetInf xmlns='syncml:metinf'><MaxObjSize>900</MaxObjSize><Anchor><Last>0</Last><Next>5</Next></Anchor>"
        "</MetInf>",
        "<m:Anchor xmlns:m='syncml:metinf'><m:Next>5</m:Next><m:Last>0</m:Last></m:Anchor><MaxObjSize>900</MaxObjSize>",
    ],
)
def test_namespaces_and_their_case_are_ignored(root: str, meta: str) -> None:
    message = decode_xml(document(ALERT.format(meta=meta), version="1.1", root=root))
    assert message.header.version is SyncMLVersion.V1_1
    assert message.commands == (EXPECTED_ALERT,)
    assert message.final


def test_prefixed_elements() -> None:
    raw = (
        "<s:SyncML xmlns:s='SYNCML:SYNCML1.1' xmlns:m='syncml:metinf'><s:SyncHdr><s:VerDTD>1.1</s:VerDTD>"
        "<s:SessionID>7</s:SessionID><s:MsgID>1</s:MsgID><s:Target><s:LocURI>t</s:LocURI></s:Target>"
        "<s:Source><s:LocURI>d</s:LocURI></s:Source><s:Meta><m:MaxMsgSize>99</m:MaxMsgSize></s:Meta></s:SyncHdr>"
        "<s:SyncBody><s:Final/></s:SyncBody></s:SyncML>"
    )
    message = decode_xml(raw.encode())
    assert (message.header.session_id, message.header.meta, message.final) == ("7", Meta(max_msg_size=99), True)


def test_children_in_any_order_and_pretty_printed() -> None:
    raw = b"""<?xml version="1.0" encoding="UTF-8"?>
<SyncML>
  <SyncHdr>
    <Source> <LocName> alice </LocName> <LocURI>
      IMEI:1234
    </LocURI> </Source>
    <MsgID> 1 </MsgID>
    <Target><LocURI>http://server/sync</LocURI></Target>
    <SessionID>42</SessionID>
    <VerProto>SyncML/1.2</VerProto>
    <VerDTD>1.2</VerDTD>
  </SyncHdr>
  <SyncBody>
    <Final/>
    <Alert>
      <Item>
        <Meta><Anchor><Next>5</Next><Last>0</Last></Anchor><MaxObjSize> 900 </MaxObjSize></Meta>
        <Source><LocURI>pb</LocURI></Source>
        <Target><LocURI>card</LocURI></Target>
      </Item>
      <Data> 201 </Data>
      <CmdID>1</CmdID>
    </Alert>
  </SyncBody>
</SyncML>
"""
    message = decode_xml(raw)
    assert message.header.source == LocRef("IMEI:1234", name="alice")
    assert message.header.msg_id == "1"
    assert message.commands == (EXPECTED_ALERT,)
    assert message.final


def add_data(data_xml: str) -> str | object:
    body = f"<Add><CmdID>1</CmdID><Item><Source><LocURI>1</LocURI></Source>{data_xml}</Item></Add>"
    add = decode_xml(document(body)).commands[0]
    assert isinstance(add, Add)
    return add.items[0].data


@pytest.mark.parametrize(
    "data_xml",
    [
        "<Data><![CDATA[BEGIN:VCARD\r\nN:M\u00fcller & <S\u00f6hne>\r\nEND:VCARD\r\n]]></Data>",
        "<Data>BEGIN:VCARD&#13;\nN:M&#252;ller &amp; &lt;S\u00f6hne&gt;&#xD;\nEND:VCARD\r\n</Data>",
        "<Data><![CDATA[BEGIN:VCARD\r\nN:M\u00fcller & ]]>&lt;<![CDATA[S\u00f6hne>\r\nEND:VCARD\r\n]]></Data>",
    ],
)
def test_cdata_and_escaped_data_read_the_same(data_xml: str) -> None:
    # A parser turns a raw CR LF into LF; only an escaped &#13; keeps its CR.
    data = add_data(data_xml)
    assert isinstance(data, bytes)
    assert data.replace(b"\r\n", b"\n") == "BEGIN:VCARD\nN:M\u00fcller & <S\u00f6hne>\nEND:VCARD\n".encode()


def test_item_data_keeps_its_whitespace_and_unescaped_markup() -> None:
    assert add_data("<Data>\n  QkVHSU46\n  VkNBUkQ=\n</Data>") == b"\n  QkVHSU46\n  VkNBUkQ=\n"
    assert add_data("<Data/>") == b""
    assert add_data("") is None
    assert add_data("<Data><contact><FirstName>Ann</FirstName></contact></Data>") == (
        b"<contact><FirstName>Ann</FirstName></contact>"
    )


@pytest.mark.parametrize("final", ["<Final/>", "<Final></Final>", "<Final> </Final>"])
def test_empty_flags_in_both_forms(final: str) -> None:
    body = (
        "<Delete><CmdID>1</CmdID><NoResp></NoResp><Archive/><SftDel></SftDel>"
        "<Item><Target><LocURI>g</LocURI></Target><MoreData></MoreData></Item></Delete>" + final
    )
    message = decode_xml(document(body))
    assert message.final
    (delete,) = message.commands
    assert isinstance(delete, Delete)
    assert delete.no_resp and delete.archive and delete.sft_del
    assert delete.items[0].more_data
    assert not decode_xml(document("")).final


@pytest.mark.parametrize(
    "prolog",
    [
        b"",
        b'<?xml version="1.0"?>',
        b"<?xml version='1.1' encoding='UTF-8'?>",
        b'<?xml version="2.0" encoding="UTF-8"?>',
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>',
        b"\xef\xbb\xbf",
        b'\r\n  <?xml version="1.0"?>\n',
        b'<?xml version="1.0"?><!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.1//EN" '
        b'"http://www.syncml.org/docs/syncml_represent_v11_20020213.dtd">',
        b"<!-- size:3522 -->",
    ],
)
def test_prologs_devices_send(prolog: bytes) -> None:
    whole = document("<Final/>")
    body = whole[whole.index(b"<SyncML") :]
    assert decode_xml(prolog + body).header.session_id == "42"


def test_encoding_declared_in_the_prolog() -> None:
    raw = document(
        "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data>"
        "<Item><Data>Gr\u00fc\u00dfe</Data></Item></Status>"
    ).decode()
    latin1 = raw.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("iso-8859-1")
    (status,) = decode_xml(latin1).commands
    assert isinstance(status, Status)
    assert status.items[0].data == "Gr\u00fc\u00dfe".encode()


def test_encoding_keeps_carriage_returns_and_cdata_terminators() -> None:
    header = decode_xml(document("")).header
    tricky = b"BEGIN:VCARD\r\nNOTE:a ]]> b ]]]]> c & <d>\r\nEND:VCARD\r\n"
    plain = b"NOTE:x ]]> y\n"
    message = SyncML(
        header=header,
        commands=(
            Add(cmd_id="1", items=(Item(source=LocRef("1"), data=tricky), Item(source=LocRef("2"), data=plain))),
        ),
    )
    encoded = encode_xml(message)
    assert b"<![CDATA[NOTE:x ]]]]><![CDATA[> y\n]]>" in encoded
    assert decode_xml(encoded) == message


def test_encoding_strips_characters_xml_cannot_carry() -> None:
    header = decode_xml(document("")).header
    message = SyncML(
        header=header,
        commands=(Add(cmd_id="1\x00", items=(Item(source=LocRef("a\x1b"), data="x\x01y\tz\ufffe".encode()),)),),
    )
    (add,) = decode_xml(encode_xml(message)).commands
    assert add == Add(cmd_id="1", items=(Item(source=LocRef("a"), data=b"xy\tz"),))


@pytest.mark.parametrize(
    "data_xml",
    [
        "<Data><![CDATA[NOTE:<Type xmlns=\"syncml:metinf\"> and xmlns='x' stay]]></Data>",
        "<Data>NOTE:&lt;Type xmlns=\"syncml:metinf\"&gt; and xmlns='x' stay</Data>",
        "<Data><!-- <Type xmlns='x'> --><![CDATA[NOTE:<Type xmlns=\"syncml:metinf\"> and xmlns='x' stay]]></Data>",
    ],
)
def test_namespace_declarations_in_item_data_are_data(data_xml: str) -> None:
    """Default namespaces are taken out of the start tags before parsing, never out of text or CDATA."""
    assert add_data(data_xml) == b"NOTE:<Type xmlns=\"syncml:metinf\"> and xmlns='x' stay"


def test_nested_item_xml_in_a_namespace_loses_it_as_before() -> None:
    data_xml = "<Data><contact xmlns='urn:x' a='1>2'><x:Name xmlns:x='urn:y'>Ann</x:Name></contact></Data>"
    assert add_data(data_xml) == b'<contact a="1&gt;2"><Name>Ann</Name></contact>'


@pytest.mark.parametrize(
    "root",
    ["<SyncML xmlns='SYNCML:SYNCML1.2' xmlns='SYNCML:SYNCML1.1'>", "<SyncML xmlns='&e;'>", "<SyncML xmlns='a'"],
)
def test_a_broken_namespace_declaration_is_still_refused(root: str) -> None:
    with pytest.raises(DecodeError, match="not well-formed XML"):
        decode_xml(document("<Final/>", root=root))
