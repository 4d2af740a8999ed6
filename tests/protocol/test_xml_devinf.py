"""DevInf documents in item data: both CTCap styles, odd device DevInfs, and the style we write."""

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings

from syncmld.caches import CacheLimits
from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode, decode_devinf_xml, decode_xml, encode_devinf_xml, encode_xml
from syncmld.protocol.devinf import ContentTypeInfo, CTCap, CTParam, CTProperty, DataStore, DevInf, DSMem, Ext
from syncmld.protocol.encoder import Encoding, encode
from syncmld.protocol.messages import Item, LocRef, Put, SyncML

from .samples import document
from .strategies import any_devinf


def devinf_of(devinf_xml: str, version: str = "1.2") -> DevInf:
    body = (
        f"<Put><CmdID>1</CmdID><Item><Source><LocURI>./devinf{version.replace('.', '')}</LocURI></Source>"
        f"<Data>{devinf_xml}</Data></Item></Put>"
    )
    put = decode_xml(document(body, version=version)).commands[0]
    assert isinstance(put, Put)
    data = put.items[0].data
    assert isinstance(data, DevInf)
    return data


def put_message(devinf: DevInf) -> SyncML:
    header = decode_xml(document("")).header
    put = Put(cmd_id="1", items=(Item(source=LocRef("./devinf12"), data=devinf),))
    return SyncML(header=header, commands=(put,), final=True)


FLAT_11 = """<DevInf xmlns='syncml:devinf'><VerDTD>1.1</VerDTD><Man>Sony Ericsson</Man><Mod>P900</Mod>
<FwV>R5B02</FwV><SwV>1.0</SwV><HwV>R1A</HwV><DevID>351965-00-340413-3</DevID><DevTyp>phone</DevTyp>
<SupportLargeObjs></SupportLargeObjs>
<DataStore><SourceRef>./contacts</SourceRef><DisplayName>Contacts</DisplayName><MaxGUIDSize>32</MaxGUIDSize>
<Rx-Pref><CTType>text/x-vcard</CTType><VerCT>2.1</VerCT></Rx-Pref>
<Tx-Pref><CTType>text/x-vcard</CTType><VerCT>2.1</VerCT></Tx-Pref>
<DSMem><SharedMem/><MaxMem>100000</MaxMem><MaxID>500</MaxID></DSMem>
<SyncCap><SyncType>1</SyncType><SyncType>2</SyncType><SyncType>390001</SyncType><SyncType>x-nokia</SyncType>
</SyncCap></DataStore>
<CTCap><CTType>text/x-vcard</CTType>
<PropName>BEGIN</PropName><ValEnum>VCARD</ValEnum>
<PropName>TEL</PropName><DataType>chr</DataType><Size>40</Size><DisplayName>Phone</DisplayName>
<ParamName>TYPE</ParamName><ValEnum>HOME</ValEnum><ValEnum>WORK</ValEnum>
<ParamName>PREF</ParamName>
<PropName>N</PropName>
<CTType>text/x-vcalendar</CTType><PropName>DTSTART</PropName>
</CTCap>
<Ext><XNam>X-funambol-smartslow</XNam></Ext><Ext><XNam>X-limits</XNam><XVal>1</XVal><XVal>2</XVal></Ext>
</DevInf>"""


def test_flat_ctcaps_of_syncml_11() -> None:
    devinf = devinf_of(FLAT_11, version="1.1")
    assert devinf == DevInf(
        ver_dtd="1.1",
        dev_id="351965-00-340413-3",
        dev_typ="phone",
        man="Sony Ericsson",
        mod="P900",
        fw_v="R5B02",
        sw_v="1.0",
        hw_v="R1A",
        support_large_objs=True,
        datastores=(
            DataStore(
                source_ref="./contacts",
                display_name="Contacts",
                max_guid_size=32,
                rx_pref=ContentTypeInfo("text/x-vcard", "2.1"),
                tx_pref=ContentTypeInfo("text/x-vcard", "2.1"),
                dsmem=DSMem(shared_mem=True, max_mem=100000, max_id=500),
                sync_types=(1, 2, 390001),
            ),
        ),
        ctcaps=(
            CTCap(
                ct_type="text/x-vcard",
                properties=(
                    CTProperty(name="BEGIN", val_enums=("VCARD",)),
                    CTProperty(
                        name="TEL",
                        data_type="chr",
                        max_size=40,
                        display_name="Phone",
                        params=(CTParam(name="TYPE", val_enums=("HOME", "WORK")), CTParam(name="PREF")),
                    ),
                    CTProperty(name="N"),
                ),
            ),
            CTCap(ct_type="text/x-vcalendar", properties=(CTProperty(name="DTSTART"),)),
        ),
        exts=(Ext("X-funambol-smartslow"), Ext("X-limits", ("1", "2"))),
    )


NESTED_12 = """<DevInf xmlns="syncml:devinf"><VerDTD>1.2</VerDTD><Man>Patrick Ohly</Man><Mod>SyncEvolution</Mod>
<DevID>sc-pim-1</DevID><DevTyp>workstation</DevTyp><UTC/><SupportNumberOfChanges/><SupportLargeObjs/>
<DataStore><SourceRef>./addressbook</SourceRef><MaxGUIDSize>64</MaxGUIDSize>
<Rx-Pref><CTType>text/vcard</CTType><VerCT>3.0</VerCT></Rx-Pref><Rx><CTType>text/x-vcard</CTType><VerCT>2.1</VerCT></Rx>
<Tx-Pref><CTType>text/vcard</CTType><VerCT>3.0</VerCT></Tx-Pref><Tx><CTType>text/x-vcard</CTType><VerCT>2.1</VerCT></Tx>
<CTCap><CTType>text/vcard</CTType><VerCT>3.0</VerCT><FieldLevel/>
<Property><PropName>VERSION</PropName><ValEnum>3.0</ValEnum><MaxOccur>1</MaxOccur></Property>
<Property><MaxSize>50</MaxSize><PropName>TEL</PropName><NoTruncate/><DisplayName>Phone</DisplayName>
<PropParam><ParamName>TYPE</ParamName><ValEnum>HOME</ValEnum><DataType>chr</DataType></PropParam></Property>
</CTCap><SupportHierarchicalSync/><SyncCap><SyncType>1</SyncType><SyncType>7</SyncType></SyncCap></DataStore>
</DevInf>"""


def test_nested_ctcaps_of_syncml_12() -> None:
    devinf = devinf_of(NESTED_12)
    assert devinf.utc and devinf.support_number_of_changes and devinf.support_large_objs
    assert devinf.ctcaps == ()
    (store,) = devinf.datastores
    assert store.rx == (ContentTypeInfo("text/x-vcard", "2.1"),)
    assert store.tx == (ContentTypeInfo("text/x-vcard", "2.1"),)
    assert store.support_hierarchical_sync and store.sync_types == (1, 7)
    assert store.ctcaps == (
        CTCap(
            ct_type="text/vcard",
            ver_ct="3.0",
            field_level=True,
            properties=(
                CTProperty(name="VERSION", val_enums=("3.0",), max_occur=1),
                CTProperty(
                    name="TEL",
                    max_size=50,
                    no_truncate=True,
                    display_name="Phone",
                    params=(CTParam(name="TYPE", data_type="chr", val_enums=("HOME",)),),
                ),
            ),
        ),
    )


def test_odd_devinfs_are_read_leniently() -> None:
    odd = """<DevInf><VerDTD>1.2</VerDTD><DevID>nokia</DevID>
    <DataStore><SourceRef>/telecom/note.txt</SourceRef><MaxGUIDSize>many</MaxGUIDSize>
    <Rx-Pref><CTType>text/plain</CTType><VerCT></VerCT></Rx-Pref>
    <CTCap><CTType>text/plain</CTType><VerCT>1.0</VerCT><DataType>chr</DataType><MaxSize>3000</MaxSize></CTCap>
    <CTCap><CTType>text/x-vcard</CTType><VerCT>2.1</VerCT>
    <Property><PropName>N</PropName><DataType></DataType><MaxSize>lots</MaxSize></Property></CTCap>
    <DSMem><MaxMem>-1</MaxMem></DSMem><SyncCap><SyncType>two-way</SyncType><SyncType>2</SyncType></SyncCap>
    </DataStore></DevInf>"""
    devinf = devinf_of(odd)
    assert devinf.dev_typ == ""
    (store,) = devinf.datastores
    assert store.max_guid_size is None
    assert store.rx_pref == ContentTypeInfo("text/plain", "")
    assert store.ctcaps == (
        CTCap(ct_type="text/plain", ver_ct="1.0"),
        CTCap(ct_type="text/x-vcard", ver_ct="2.1", properties=(CTProperty(name="N", data_type=""),)),
    )
    assert store.dsmem == DSMem()
    assert store.sync_types == (2,)


def test_devinf_12_is_written_with_ctcaps_inside_its_datastores() -> None:
    devinf = devinf_of(NESTED_12)
    xml = encode_xml(put_message(devinf)).decode()
    assert '<Data><DevInf xmlns="syncml:devinf"><VerDTD>1.2</VerDTD>' in xml
    assert re.search(r"<DataStore>.*<CTCap><CTType>text/vcard</CTType><VerCT>3.0</VerCT><FieldLevel/><Property>", xml)
    assert "<PropParam><ParamName>TYPE</ParamName><DataType>chr</DataType><ValEnum>HOME</ValEnum>" in xml
    assert decode_xml(encode_xml(put_message(devinf))).commands[0] == put_message(devinf).commands[0]


def test_devinf_11_is_written_flat_even_when_its_datastores_hold_ctcaps() -> None:
    vcard = CTCap(
        ct_type="text/x-vcard",
        ver_ct="2.1",
        properties=(
            CTProperty(name="TEL", data_type="chr", max_size=40, params=(CTParam(name="TYPE", val_enums=("HOME",)),)),
        ),
    )
    note = CTCap(ct_type="text/plain", properties=(CTProperty(name="BODY"),))
    devinf = DevInf(
        ver_dtd="1.1",
        dev_id="syncmld",
        dev_typ="server",
        datastores=(DataStore(source_ref="contacts", ctcaps=(vcard,)), DataStore(source_ref="notes")),
        ctcaps=(note,),
    )
    xml = encode_xml(put_message(devinf)).decode()
    assert xml.count("<CTCap>") == 1
    assert (
        "</DataStore><CTCap><CTType>text/plain</CTType><PropName>BODY</PropName>"
        "<CTType>text/x-vcard</CTType><PropName>TEL</PropName><DataType>chr</DataType><Size>40</Size>"
        "<ParamName>TYPE</ParamName><ValEnum>HOME</ValEnum></CTCap></DevInf>" in xml
    )
    read_back = decode_xml(encode_xml(put_message(devinf))).commands[0]
    assert isinstance(read_back, Put)
    assert read_back.items[0].data == DevInf(
        ver_dtd="1.1",
        dev_id="syncmld",
        dev_typ="server",
        datastores=(DataStore(source_ref="contacts"), DataStore(source_ref="notes")),
        ctcaps=(note, CTCap(ct_type="text/x-vcard", properties=vcard.properties)),
    )


@settings(max_examples=100, deadline=None)
@given(any_devinf)
def test_stand_alone_devinf_documents_round_trip(devinf: DevInf) -> None:
    document_bytes = encode_devinf_xml(devinf)
    assert document_bytes.startswith(b'<?xml version="1.0" encoding="UTF-8"?><DevInf xmlns="syncml:devinf">')
    assert decode_devinf_xml(document_bytes) == devinf


def test_stand_alone_devinf_as_a_device_sends_it() -> None:
    assert decode_devinf_xml(FLAT_11.encode()) == devinf_of(FLAT_11, version="1.1")


@pytest.mark.parametrize("body", [document(""), b"<DevInf><VerDTD>1.2", b"\x00"])
def test_stand_alone_devinf_refuses_anything_else(body: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_devinf_xml(body)


@settings(max_examples=60, deadline=None)
@given(any_devinf, any_devinf)
def test_a_devinf_written_again_is_written_the_same(devinf: DevInf, other: DevInf) -> None:
    """The DevInf of a message is written once and then reused: each message still carries its own."""
    for encoding in Encoding:
        first, between, again = (encode(put_message(info), encoding) for info in (devinf, other, devinf))
        assert first == again
        for body, info in ((first, devinf), (between, other)):
            put = decode(body, None).message.commands[0]
            assert isinstance(put, Put)
            assert put.items[0].data == info


def devinf_sent(devinf: DevInf) -> DevInf:
    """The DevInf of a Put as the server reads it from XML."""
    put = decode_xml(encode_xml(put_message(devinf))).commands[0]
    assert isinstance(put, Put)
    data = put.items[0].data
    assert isinstance(data, DevInf)
    return data


def test_a_devinf_sent_again_is_read_once_and_remembered_within_bounds() -> None:
    """A device sends the same DevInf in each session: the second time it is not read again (the very
    object comes back), an edited one is read anew, and only the latest few (``CacheLimits.devinfs``) are kept."""
    phone = DevInf(ver_dtd="1.2", dev_id="IMEI:remembered", dev_typ="phone", datastores=(DataStore("contacts"),))
    first = devinf_sent(phone)
    assert first == phone
    assert devinf_sent(phone) is first
    edited = replace(phone, man="Nokia")
    assert devinf_sent(edited) == edited
    for number in range(CacheLimits().devinfs):
        devinf_sent(replace(phone, dev_id=f"IMEI:other-{number}"))
    again = devinf_sent(phone)
    assert again == phone
    assert again is not first
