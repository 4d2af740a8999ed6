"""The wire entry points: choosing the encoding, sizes, binary data."""

from dataclasses import replace

import pytest

from syncmld.errors import DecodeError, LocalError
from syncmld.protocol.codec import Encoding, decode, decode_xml, encode, encode_xml
from syncmld.protocol.encoder import message_encoder
from syncmld.protocol.messages import Cred, Item, LocRef, Put, SyncML, Unsupported

from .samples import document

XML = document("<Final/>")
WBXML = encode(decode_xml(XML), Encoding.WBXML)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/vnd.syncml+xml",
        "application/vnd.syncml+xml; charset=UTF-8",
        "Application/VND.SyncML+XML ;charset=utf-8",
        None,
        "text/plain",
        "",
    ],
)
def test_xml_is_read_by_content_type_or_by_its_first_bytes(content_type: str | None) -> None:
    decoded = decode(XML, content_type)
    assert decoded.encoding is Encoding.XML
    assert decoded.message.header.session_id == "42"
    assert decoded.message.final


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf", b"\r\n "])
def test_sniffing_skips_a_byte_order_mark(prefix: bytes) -> None:
    bare = XML[XML.index(b"<SyncML") :]
    assert decode(prefix + bare, None).encoding is Encoding.XML


@pytest.mark.parametrize("content_type", ["application/vnd.syncml+wbxml", "APPLICATION/VND.SYNCML+WBXML;x=1", None])
def test_wbxml_is_read_by_content_type_or_by_its_first_byte(content_type: str | None) -> None:
    decoded = decode(WBXML, content_type)
    assert decoded.encoding is Encoding.WBXML
    assert decoded.message == decode_xml(XML)


@pytest.mark.parametrize("body", [b"hello", b"\x00\x01", b"", b'{"json": 1}'])
def test_unknown_bodies_without_a_known_content_type(body: bytes) -> None:
    with pytest.raises(DecodeError) as raised:
        decode(body, "application/octet-stream")
    assert raised.value.status == 415


def test_content_type_wins_over_sniffing() -> None:
    with pytest.raises(DecodeError):
        decode(WBXML, "application/vnd.syncml+xml")


@pytest.mark.parametrize("ver_dtd", ["2.0", "1.3", ""])
def test_a_version_we_do_not_speak_is_513(ver_dtd: str) -> None:
    unknown = XML.replace(b"<VerDTD>1.2</VerDTD>", f"<VerDTD>{ver_dtd}</VerDTD>".encode())
    assert unknown != XML
    with pytest.raises(DecodeError, match=f"unsupported VerDTD '{ver_dtd}'") as raised:
        decode(unknown, None)
    assert raised.value.status == 513


def encoded_size(message: SyncML, encoding: Encoding) -> int:
    """The size the incremental encoder announces for the whole message, before finishing it."""
    encoder = message_encoder(message.header, encoding)
    for command in message.commands:
        encoder.add(command)
    return encoder.size(message.final)


def test_encode_and_its_size() -> None:
    message = decode_xml(XML)
    encoded = encode(message, Encoding.XML)
    assert encoded == encode_xml(message)
    assert encoded_size(message, Encoding.XML) == len(encoded)
    assert decode(encoded, Encoding.XML.content_type).message == message
    assert encoded_size(message, Encoding.WBXML) == len(encode(message, Encoding.WBXML)) < len(encoded)


def with_put_data(data: bytes) -> SyncML:
    header = decode_xml(XML).header
    return SyncML(header=header, commands=(Put(cmd_id="1", items=(Item(source=LocRef("x"), data=data),)),))


def test_binary_data_that_is_utf8_is_written_as_text() -> None:
    (put,) = decode_xml(encode_xml(with_put_data("Gr\u00fc\u00dfe".encode()))).commands
    assert isinstance(put, Put)
    assert put.items[0].data == "Gr\u00fc\u00dfe".encode()


@pytest.mark.parametrize("character", ["\x01", "\x0b", "\x1f", "\ufffe", "\uffff"])
def test_item_data_loses_only_what_xml_cannot_carry(character: str) -> None:
    sent = f"BEGIN:VCARD\r\nFN:A{character}B\tC\u00e9\r\nEND:VCARD\r\n".encode()
    (put,) = decode_xml(encode_xml(with_put_data(sent))).commands
    assert isinstance(put, Put)
    assert put.items[0].data == "BEGIN:VCARD\r\nFN:AB\tC\u00e9\r\nEND:VCARD\r\n".encode()


def test_binary_data_that_is_not_utf8_cannot_be_written_as_xml() -> None:
    with pytest.raises(LocalError):
        encode_xml(with_put_data(b"\xff\xfe\x00"))


def test_binary_credentials() -> None:
    header = decode_xml(XML).header
    message = SyncML(header=replace(header, cred=Cred(data=b"YWJj")))
    assert decode_xml(encode_xml(message)).header.cred == Cred(data="YWJj")


def test_an_unsupported_command_with_an_impossible_name_is_our_fault() -> None:
    header = decode_xml(XML).header
    with pytest.raises(LocalError):
        encode_xml(SyncML(header=header, commands=(Unsupported(cmd_id="1", name="not a name"),)))
