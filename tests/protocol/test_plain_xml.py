"""The expat reader of plain messages: it reads what lxml reads, and refuses (to lxml's way, which rejects or reads as
before) everything else, above all whatever could expand, load or nest without bound."""

import socket
import tracemalloc
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from lxml import etree

from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode_xml, encode_xml
from syncmld.protocol.elements import read_message
from syncmld.protocol.messages import Put, SyncML
from syncmld.protocol.plain_xml import message_tree, plain_tree
from syncmld.protocol.xml import looks_like_xml, parse_tree

from .samples import decoded, document
from .strategies import messages
from .test_real_devices import CORPUS, Recorded
from .test_xml_hostile import BILLION_LAUGHS, with_doctype

SYNCEVOLUTION_ADD = (
    "<Add><CmdID>3</CmdID><Meta><Type xmlns='syncml:metinf'>text/vcard</Type></Meta><Item>"
    "<Source><LocURI>pas-id-1</LocURI></Source><Data><![CDATA[BEGIN:VCARD\r\nN:M\u00fcller;Anna\r\nEND:VCARD\r\n]]>"
    "</Data></Item></Add>"
)


def decoded_by_lxml(body: bytes) -> SyncML | str:
    """What lxml's way makes of a message: the message, or its DecodeError's text."""
    try:
        return read_message(parse_tree(body))
    except DecodeError as error:
        return str(error)


def test_syncevolutions_messages_are_read_by_expat_as_lxml_reads_them() -> None:
    body = document(SYNCEVOLUTION_ADD * 3 + "<Final/>")
    root = plain_tree(body)
    assert root is not None
    assert read_message(root) == decoded_by_lxml(body) == decode_xml(body)


@settings(max_examples=150, deadline=None)
@given(messages)
def test_every_message_our_encoder_writes_reads_the_same_both_ways(message: SyncML) -> None:
    body = encode_xml(message)
    assert decode_xml(body) == decoded_by_lxml(body)


REFUSED = {
    "billion laughs": with_doctype(BILLION_LAUGHS, "&lol9;"),
    "an internal entity": with_doctype(b'<!DOCTYPE SyncML [<!ENTITY e "expanded">]>', "&e;"),
    "an external entity": with_doctype(b'<!DOCTYPE SyncML [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;"),
    "a parameter entity": with_doctype(b'<!DOCTYPE SyncML [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', "1"),
    "an undeclared entity": with_doctype(b"", "&e;"),
    "an external DTD": with_doctype(b'<!DOCTYPE SyncML SYSTEM "file:///etc/passwd">', "&e;"),
    "an entity in an attribute, with an external DTD": with_doctype(
        b'<!DOCTYPE SyncML SYSTEM "file:///etc/passwd">', "1"
    ).replace(b"<Final/>", b"<Final a='&e;'/>"),
    "a prefix named as the external DTD": with_doctype(b'<!DOCTYPE SyncML SYSTEM "p:Alert">', "1").replace(
        b"<Final/>", b"<p:Alert><CmdID>1</CmdID></p:Alert><Final/>"
    ),
    "an entity in CDATA, with an external DTD": with_doctype(b'<!DOCTYPE SyncML SYSTEM "x.dtd">', "<![CDATA[&e;]]>"),
    "an element prefix": document("<p:Alert xmlns:p='SYNCML:SYNCML1.2'><p:CmdID>1</p:CmdID></p:Alert>"),
    "an undeclared prefix": document("<p:Alert><CmdID>1</CmdID></p:Alert>"),
    "an attribute prefix": document("<Alert xml:lang='en'><CmdID>1</CmdID><Data>201</Data></Alert>"),
    "another encoding": document("").replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
    "UTF-8 declared as ASCII": document("<Alert><CmdID>1</CmdID><Data>\u00e9</Data></Alert>").replace(
        b'encoding="UTF-8"', b'encoding="US-ASCII"'
    ),
    "UTF-16": document("").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
    "UTF-16 without a byte order mark": document("").decode().replace(' encoding="UTF-8"', "").encode("utf-16-le"),
    "33 levels": document("<Sequence><CmdID>1</CmdID>" * 30 + "</Sequence>" * 30),
    "100,000 levels": document("<Sequence>" * 100_000 + "</Sequence>" * 100_000),
    "a truncated document": document("<Final/>")[:-3],
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_anything_but_a_plain_document_is_left_to_lxml_which_decides_as_before(name: str) -> None:
    body = REFUSED[name]
    assert plain_tree(body) is None
    assert decoded(body) == decoded_by_lxml(body)


PHONES_DOCTYPE = b'<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.1//EN" "http://www.syncml.org/docs/syncml_represent_v11_20020213.dtd">'


@pytest.mark.parametrize("session_id", ["1", "a&amp;b&#38;c&lt;"])
def test_a_doctype_naming_an_external_dtd_is_read_past_by_expat_as_lxml_reads_it(session_id: str) -> None:
    body = with_doctype(PHONES_DOCTYPE, session_id)
    root = plain_tree(body)
    assert root is not None
    assert read_message(root) == decoded_by_lxml(body) == decode_xml(body)


def test_32_levels_are_plain() -> None:
    body = document("<Sequence><CmdID>1</CmdID>" * 29 + "</Sequence>" * 29)
    root = plain_tree(body)
    assert root is not None and decode_xml(body) == read_message(root)


DEVINF_PUT = (
    "<Put><CmdID>1</CmdID><Item><Data><DevInf xmlns='syncml:devinf'><VerDTD>1.2</VerDTD><DevID>IMEI:7</DevID><UTC/>"
    "</DevInf></Data></Item></Put>"
)


def test_a_devinf_before_the_sync_is_read_by_expat_and_remembered() -> None:
    body = document(DEVINF_PUT + "<Sync><CmdID>2</CmdID></Sync><Final/>")
    assert isinstance(message_tree(body).root, ElementTree.Element)
    first, second = decode_xml(body).commands[0], decode_xml(body).commands[0]
    assert isinstance(first, Put) and isinstance(second, Put)
    assert first.items[0].data is second.items[0].data  # read once
    assert decode_xml(body) == decoded_by_lxml(body)


def test_a_devinf_without_a_sync_is_read_by_lxml_and_remembered() -> None:
    body = document(DEVINF_PUT + "<Final/>")
    assert isinstance(message_tree(body).root, etree._Element)
    first, second = decode_xml(body).commands[0], decode_xml(body).commands[0]
    assert isinstance(first, Put) and isinstance(second, Put)
    assert first.items[0].data is second.items[0].data


@pytest.mark.parametrize("sync", ["", "<Sync><CmdID>9</CmdID></Sync>"], ids=["lxml", "expat"])
@pytest.mark.parametrize(
    "other",
    [
        DEVINF_PUT.replace("IMEI:7", "IMEI:8"),
        DEVINF_PUT.replace("<UTC/>", ""),
        DEVINF_PUT.replace("<UTC/>", "<UTC>1</UTC>"),
        DEVINF_PUT.replace("<UTC/></DevInf>", "</DevInf><UTC/>"),
        DEVINF_PUT.replace("<DevID>IMEI:7</DevID><UTC/>", "<DevID>IMEI:7<UTC/></DevID>"),
    ],
)
def test_a_devinf_is_remembered_by_all_it_holds(other: str, sync: str) -> None:
    first = decode_xml(document(DEVINF_PUT + sync + "<Final/>")).commands[0]
    second = decode_xml(document(other + sync + "<Final/>")).commands[0]
    assert isinstance(first, Put) and isinstance(second, Put)
    assert second.items[0].data == decoded_by_lxml_put_data(other)
    assert first.items[0].data is not second.items[0].data


def decoded_by_lxml_put_data(put: str) -> object:
    message = decoded_by_lxml(document(put + "<Final/>"))
    assert isinstance(message, SyncML) and isinstance(message.commands[0], Put)
    return message.commands[0].items[0].data


def test_a_devinf_after_the_sync_is_read_from_expat_s_tree_as_lxml_reads_it() -> None:
    body = document("<Sync><CmdID>2</CmdID></Sync>" + DEVINF_PUT + "<Final/>")
    assert isinstance(message_tree(body).root, ElementTree.Element)
    assert decode_xml(body) == decoded_by_lxml(body)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        server.setblocking(False)
        yield server


def test_nothing_named_by_a_document_is_fetched(listener: socket.socket) -> None:
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/x"
    for doctype in (
        f'<!DOCTYPE SyncML SYSTEM "{url}">',
        f'<!DOCTYPE SyncML [<!ENTITY e SYSTEM "{url}">]>',
        f'<!DOCTYPE SyncML [<!ENTITY % p SYSTEM "{url}"> %p;]>',
    ):
        body = with_doctype(doctype.encode(), "&e;")
        assert plain_tree(body) is None
        with pytest.raises(DecodeError):
            decode_xml(body)
    read_past = with_doctype(f'<!DOCTYPE SyncML SYSTEM "{url}">'.encode(), "1")
    assert plain_tree(read_past) is not None
    assert decode_xml(read_past).header.session_id == "1"
    with pytest.raises(BlockingIOError):
        listener.accept()  # no connection was ever made


def peak_memory(body: bytes) -> int:
    """The most Python memory (expat's included) decoding ``body`` took at once."""
    tracemalloc.start()
    try:
        decode_xml(body)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


MESSAGE_SIZE = 1_100_000
"""The largest body a session reads by default (MaxMsgSize and its allowance)."""


@pytest.mark.parametrize(("element", "bound"), [("<a/>", 32), ("<a b='' c='' d='' e=''/>", 24)])
def test_a_message_of_nothing_but_elements_costs_a_small_multiple_of_its_size(element: str, bound: int) -> None:
    padding = element * (MESSAGE_SIZE // len(element))
    body = document("<Final/>", header_extra=f"<Padding>{padding}</Padding>")
    assert plain_tree(body) is not None
    assert peak_memory(body) < bound * len(body)


def test_a_huge_attribute_costs_a_small_multiple_of_its_size() -> None:
    body = document("<Final/>", header_extra="<Padding a='%s'/>" % ("x" * MESSAGE_SIZE))
    assert plain_tree(body) is not None
    assert peak_memory(body) < 8 * len(body)


@pytest.mark.parametrize(
    "prolog", ['<?xml version="1.1"?>', "\ufeff\n <?xml version='1.0' encoding='utf-8'?>", "<?xml version=''?>", ""]
)
def test_what_devices_put_before_the_root_is_read_past(prolog: str) -> None:
    plain = document("<Final/>")
    body = prolog.encode() + plain[plain.index(b"<SyncML") :]
    assert plain_tree(body) is not None
    assert decode_xml(body) == decode_xml(plain) == decoded_by_lxml(body)


XML_CORPUS = [recorded for recorded in CORPUS if looks_like_xml(recorded.body)]


@pytest.mark.parametrize("recorded", XML_CORPUS, ids=[recorded.name for recorded in XML_CORPUS])
def test_every_recorded_message_reads_the_same_both_ways(recorded: Recorded) -> None:
    assert decoded(recorded.body) == decoded_by_lxml(recorded.body)


def test_every_recorded_message_is_plain_but_those_naming_a_dtd_with_text_like_an_entity_reference() -> None:
    not_plain = {recorded.name for recorded in XML_CORPUS if plain_tree(recorded.body) is None}
    assert not_plain == {  # libwbxml's renderings: a DOCTYPE, and a vCard's "ORG:...;R&D;;" in a CDATA section
        "capture/wbxml-large-object-receive/002-s2c.decoded.xml",
        "capture/wbxml-slow-contacts-5/002-c2s.decoded.xml",
        "capture/wbxml-twoway-receive-changes/002-s2c.decoded.xml",
    }
