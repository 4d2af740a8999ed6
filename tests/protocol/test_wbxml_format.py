"""WBXML byte by byte: the layout we write, the header and token variants devices send, OPAQUE data."""

import base64
import hashlib

import pytest

from syncmld.errors import DecodeError
from syncmld.protocol.codec import Encoding, decode, decode_xml, encode
from syncmld.protocol.constants import (
    AUTH_BASIC,
    AUTH_MD5,
    MIME_DEVINF_WBXML,
    MIME_DEVINF_XML,
    AlertCode,
    SyncMLVersion,
)
from syncmld.protocol.devinf import CTCap, CTProperty, DataStore, DevInf
from syncmld.protocol.messages import (
    Alert,
    Command,
    Get,
    Item,
    LocRef,
    Meta,
    Move,
    Put,
    Replace,
    Results,
    Status,
    SyncHdr,
    SyncML,
)
from syncmld.protocol.wbxml import mb_u_int32

from .wbxml_bytes import HEADER_1_2, devinf_document, dx, message, meta, mx, opaque, s, sx

SPEC_EXAMPLE = (
    bytes.fromhex("02a4016a006d6c7103") + b"1.2\x00\x01"
    b"\x72\x03SyncML/1.2\x00\x01"
    b"\x65\x031\x00\x01"
    b"\x5b\x031\x00\x01"
    b"\x6e\x57\x03http://s/\x00\x01\x01"
    b"\x67\x57\x03IMEI:1\x00\x01\x01"
    b"\x5a\x00\x01\x4c\x0310000\x00\x01\x01"
    b"\x01"
    b"\x00\x00\x6b\x12\x01"
    b"\x01"
)
"""Spec §7.8: a SyncML 1.2 header-only message as libwbxml writes it."""

SPEC_MESSAGE = SyncML(
    header=SyncHdr(
        version=SyncMLVersion.V1_2,
        session_id="1",
        msg_id="1",
        target=LocRef("http://s/"),
        source=LocRef("IMEI:1"),
        meta=Meta(max_msg_size=10000),
    ),
    final=True,
)
BODY = SPEC_EXAMPLE[5:]
FPI_1_2 = b"-//SYNCML//DTD SyncML 1.2//EN"


def wbxml(body: bytes) -> SyncML:
    return decode(body, Encoding.WBXML.content_type).message


def with_version(version: SyncMLVersion, *commands: Command) -> SyncML:
    header = SyncHdr(version=version, session_id="1", msg_id="1", target=LocRef("http://s/"), source=LocRef("IMEI:1"))
    return SyncML(header=header, commands=commands)


def with_table(table: bytes) -> bytes:
    """A SyncML 1.2 header with a string table."""
    return bytes.fromhex("02a4016a") + mb_u_int32(len(table)) + table


def with_fpi(fpi: bytes, table_end: bytes = b"") -> bytes:
    """A header naming its public id by the FPI at the start of the string table."""
    return bytes.fromhex("0200006a") + mb_u_int32(len(fpi + table_end)) + fpi + table_end


def put_item(data: bytes) -> object:
    (command,) = wbxml(message(sx("Put", sx("CmdID", s("1")), sx("Item", sx("Data", data))))).commands
    assert isinstance(command, Put)
    return command.items[0].data


# What we write


def test_the_spec_example_byte_for_byte() -> None:
    assert encode(SPEC_MESSAGE, Encoding.WBXML) == SPEC_EXAMPLE
    assert wbxml(SPEC_EXAMPLE) == SPEC_MESSAGE


@pytest.mark.parametrize(
    ("version", "start"),
    [
        (SyncMLVersion.V1_2, bytes.fromhex("02a4016a00")),
        (SyncMLVersion.V1_1, bytes.fromhex("029f536a00")),
        (SyncMLVersion.V1_0, bytes.fromhex("0200006a1e") + b"-//SYNCML//DTD SyncML 1.0//EN\x00"),
    ],
)
def test_public_id_per_version(version: SyncMLVersion, start: bytes) -> None:
    encoded = encode(with_version(version), Encoding.WBXML)
    assert encoded.startswith(start + b"\x6d\x6c")
    assert wbxml(encoded) == with_version(version)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "00"), (0x7F, "7f"), (300, "822c"), (0x0FD3, "9f53"), (0x1201, "a401"), (0xFFFFFFFF, "8fffffff7f")],
)
def test_mb_u_int32(value: int, expected: str) -> None:
    assert mb_u_int32(value).hex() == expected


def test_elements_older_versions_have_no_token_for_are_literal() -> None:
    move = Move(cmd_id="1", items=(Item(target_parent="p"),))
    old = encode(with_version(SyncMLVersion.V1_0, move), Encoding.WBXML)
    assert b"Move\x00" in old and b"TargetParent\x00" in old
    assert wbxml(old) == with_version(SyncMLVersion.V1_0, move)
    new = encode(with_version(SyncMLVersion.V1_2, move), Encoding.WBXML)
    assert (
        b"Move" not in new
        and sx("Move", sx("CmdID", s("1")), sx("Item", sx("TargetParent", sx("LocURI", s("p"))))) in new
    )
    assert wbxml(new) == with_version(SyncMLVersion.V1_2, move)


def test_item_data_is_opaque_and_other_text_inline() -> None:
    vcard = "BEGIN:VCARD\r\nN:M\u00fcller\r\nEND:VCARD\r\n"
    replace = Replace(cmd_id="7", items=(Item(source=LocRef("1"), data=vcard.encode()),))
    encoded = encode(with_version(SyncMLVersion.V1_2, replace), Encoding.WBXML)
    assert b"\x4f" + opaque(vcard.encode()) + b"\x01" in encoded
    assert sx("CmdID", s("7")) in encoded


def test_devinf_travels_as_a_nested_document_with_the_wbxml_type() -> None:
    devinf = DevInf(ver_dtd="1.1", dev_id="IMEI:1", dev_typ="phone", utc=True)
    put = Put(cmd_id="1", meta=Meta(type=MIME_DEVINF_XML), items=(Item(source=LocRef("./devinf11"), data=devinf),))
    original = with_version(SyncMLVersion.V1_1, put)
    encoded = encode(original, Encoding.WBXML)
    assert mx("Type", s(MIME_DEVINF_WBXML)) in encoded
    nested = encoded[encoded.index(b"\x4f\xc3") + 3 :]
    assert nested.startswith(bytes.fromhex("029f546a004a6503") + b"1.1\x00\x01")
    assert b"\x28\x01" in nested
    assert wbxml(encoded) == original


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_devinf_token_0x1c_is_size_then_maxsize(version: str) -> None:
    cap = CTCap("text/x-vcard", ver_ct="2.1" if version == "1.2" else "", properties=(CTProperty("N", max_size=64),))
    store = DataStore(source_ref="./c", ctcaps=(cap,) if version == "1.2" else ())
    flat = () if version == "1.2" else (cap,)
    devinf = DevInf(ver_dtd=version, dev_id="d", dev_typ="phone", datastores=(store,), ctcaps=flat)
    put = Put(cmd_id="1", items=(Item(data=devinf),))
    encoded = encode(with_version(SyncMLVersion.V1_2, put), Encoding.WBXML)
    assert b"\x5c" + s("64") in encoded
    assert wbxml(encoded) == with_version(SyncMLVersion.V1_2, put)


# Headers devices send


@pytest.mark.parametrize(
    "start",
    [
        bytes.fromhex("01a4016a00"),
        bytes.fromhex("03a4016a00"),
        bytes.fromhex("029f536a00"),
        bytes.fromhex("029f516a00"),
        bytes.fromhex("02016a00"),
        bytes.fromhex("02a4010300"),
        bytes.fromhex("02a4010400"),
        bytes.fromhex("02a4010000"),
        with_fpi(FPI_1_2, b"\x00"),
        with_fpi(FPI_1_2),
        with_fpi(FPI_1_2.lower()),
        with_fpi(b"-//SYNCML//DTD SYNCML 1.2//EN"),
        with_fpi(b"-//SyncML//DTD SyncML 1.0//EN"),
        bytes.fromhex("0200056a22") + b"junk\x00" + FPI_1_2,
        with_fpi(b"-//SYNCML//DTD SyncML 9.9//EN\x00"),
    ],
    ids=lambda start: start[:12].hex(),
)
def test_header_variants_are_read(start: bytes) -> None:
    assert wbxml(start + BODY) == SPEC_MESSAGE


@pytest.mark.parametrize(
    "start",
    [
        bytes.fromhex("00a4016a00"),
        bytes.fromhex("04a4016a00"),
        bytes.fromhex("02a401877700"),
        bytes.fromhex("02a4011100"),
        bytes.fromhex("02a4036a00"),
        with_fpi(b"-//SYNCML//DTD DevInf 1.2//EN"),
        bytes.fromhex("0200206a1d") + FPI_1_2,
        bytes.fromhex("02a4016a20") + b"short",
    ],
    ids=lambda start: start[:8].hex(),
)
def test_unreadable_headers(start: bytes) -> None:
    with pytest.raises(DecodeError):
        wbxml(start + BODY)


def test_latin1_documents() -> None:
    body = message()[5:].replace(b"IMEI:1", b"M\xfcller")
    assert wbxml(bytes.fromhex("02a4010400") + body).header.source.uri == "M\u00fcller"


# Tokens devices send


def test_string_table_references_entities_and_mixed_strings() -> None:
    body = message()[5:].replace(s("http://s/"), b"\x83\x03" + s("?a=") + b"\x02\x81\x7f")
    decoded = wbxml(with_table(b"xx\x00http://s/\x00") + body)
    assert decoded.header.target.uri == "http://s/?a=\u00ff"


def test_processing_instructions_extensions_and_padding_are_skipped() -> None:
    pi = b"\x43\x05\x03x\x00\x01"
    body = message(sx("Final"))[5:].replace(s("IMEI:1"), b"\x40x\x00" + s("IMEI:1") + b"\xc0\x80\x00")
    document = with_table(b"t\x00") + pi + body.replace(sx("Final"), pi + sx("Final")) + pi + b"\n\x00"
    assert wbxml(document) == wbxml(message(sx("Final")))


def test_nokia_namespace_attribute_without_string_table() -> None:
    body = message(sx("Final"))
    assert body[5] == 0x6D
    nokia = HEADER_1_2 + b"\xed\x04\x00\x03SYNCML:SYNCML1.2\x00\x01" + body[6:]
    assert wbxml(nokia) == wbxml(body)


def test_literal_tags_are_read_by_name() -> None:
    body = message(b"\x44\x00" + sx("CmdID", s("9")) + b"\x01")
    (move,) = wbxml(with_table(b"Move\x00") + body[5:]).commands
    assert move == Move(cmd_id="9")


def test_every_string_as_opaque() -> None:
    """Ericsson phones send each text as OPAQUE."""
    body = message(sx("Alert", sx("CmdID", opaque(b"1")), sx("Data", opaque(b"201"))))
    body = body.replace(s("IMEI:1"), opaque(b"IMEI:1"))
    decoded = wbxml(body)
    assert decoded.header.source.uri == "IMEI:1"
    assert decoded.commands == (Alert(cmd_id="1", data=AlertCode.SLOW_SYNC),)


# Item data and nested DevInf


def test_item_data_forms() -> None:
    assert put_item(s("plain")) == b"plain"
    assert put_item(opaque("Gr\u00fc\u00dfe\r\n".encode())) == "Gr\u00fc\u00dfe\r\n".encode()
    assert put_item(opaque(b"\xff\xd8\xff\xe0")) == b"\xff\xd8\xff\xe0"
    assert put_item(opaque(b"a\x00b")) == b"a\x00b"
    assert put_item(opaque(b"")) == b""


NESTED = devinf_document(dx("VerDTD", s("1.2")), dx("DevID", s("IMEI:1")), dx("DevTyp", s("phone")))


@pytest.mark.parametrize(
    "nested",
    [
        NESTED,
        bytes.fromhex("0201") + NESTED[3:],
        with_fpi(b"-//SYNCML//DTD DevInf 1.2//EN\x00") + NESTED[5:],
        with_fpi(b"-//OMA//DTD SYNCML-DEVINF 1.2//EN") + NESTED[5:],
    ],
    ids=["numeric", "unknown", "fpi", "oma-fpi"],
)
def test_nested_devinf_by_type_or_public_id(nested: bytes) -> None:
    typed = sx(
        "Results",
        sx("CmdID", s("2")),
        sx("CmdRef", s("1")),
        meta(mx("Type", s(MIME_DEVINF_WBXML))),
        sx("Item", sx("Data", opaque(nested))),
    )
    (results,) = wbxml(message(typed)).commands
    assert isinstance(results, Results)
    assert results.meta == Meta(type=MIME_DEVINF_XML)
    assert results.items[0].data == DevInf(ver_dtd="1.2", dev_id="IMEI:1", dev_typ="phone")


def test_nested_devinf_without_meta_type_by_its_public_id() -> None:
    assert put_item(opaque(NESTED)) == DevInf(ver_dtd="1.2", dev_id="IMEI:1", dev_typ="phone")


def test_a_get_for_wbxml_devinf_is_named_in_xml_form() -> None:
    get = sx(
        "Get",
        sx("CmdID", s("2")),
        meta(mx("Type", s(MIME_DEVINF_WBXML))),
        sx("Item", sx("Target", sx("LocURI", s("./devinf12")))),
    )
    (command,) = wbxml(message(get)).commands
    assert command == Get(cmd_id="2", meta=Meta(type=MIME_DEVINF_XML), items=(Item(target=LocRef("./devinf12")),))


def test_text_under_a_devinf_type_stays_text() -> None:
    put = Put(cmd_id="1", meta=Meta(type=MIME_DEVINF_XML), items=(Item(data=b"<DevInf/>"),))
    original = with_version(SyncMLVersion.V1_2, put)
    assert wbxml(encode(original, Encoding.WBXML)) == original


def test_a_nested_document_that_is_not_devinf_is_refused() -> None:
    not_devinf = bytes.fromhex("02a4016a00") + sx("SyncML")
    typed = sx(
        "Put", sx("CmdID", s("1")), meta(mx("Type", s(MIME_DEVINF_WBXML))), sx("Item", sx("Data", opaque(not_devinf)))
    )
    with pytest.raises(DecodeError):
        wbxml(message(typed))


# Credentials and nonces


def cred_data(data: bytes, *metinf: bytes) -> str | bytes:
    cred = sx("Cred", meta(*metinf), sx("Data", opaque(data)))
    decoded = wbxml(message(header_extra=(cred,)))
    assert decoded.header.cred is not None
    return decoded.header.cred.data


def test_a_raw_md5_digest_is_kept_as_bytes_the_engine_base64_encodes() -> None:
    for raw in (hashlib.md5(b"anything").digest(), b"0123456789abcdef"):
        assert cred_data(raw, mx("Type", s(AUTH_MD5))) == raw


def test_text_credentials_in_opaque_are_text() -> None:
    assert cred_data(b"ZDpk", mx("Type", s(AUTH_BASIC)), mx("Format", s("b64"))) == "ZDpk"
    assert cred_data(b"Zz6EivR3yeaaENcRN6lpAQ==", mx("Type", s(AUTH_MD5))) == "Zz6EivR3yeaaENcRN6lpAQ=="
    assert cred_data(b"user:pw", mx("Format", s("bin"))) == b"user:pw"


def test_a_binary_next_nonce_becomes_base64() -> None:
    nonce = b"\x00\x01\xfe\xff"
    chal = sx("Chal", meta(mx("Format", s("bin")), mx("NextNonce", opaque(nonce))))
    status = sx(
        "Status",
        sx("CmdID", s("1")),
        sx("MsgRef", s("1")),
        sx("CmdRef", s("0")),
        sx("Cmd", s("SyncHdr")),
        chal,
        sx("Data", s("401")),
    )
    (command,) = wbxml(message(status)).commands
    assert isinstance(command, Status) and command.chal is not None
    assert command.chal.meta.next_nonce == base64.b64encode(nonce).decode()


def test_text_that_is_not_utf8_is_read_with_replacement_characters() -> None:
    decoded = wbxml(message().replace(s("IMEI:1"), opaque(b"IMEI:\xff")))
    assert decoded.header.source.uri == "IMEI:\ufffd"
    assert wbxml(message().replace(s("IMEI:1"), b"\x03IMEI:\xff\x00")).header.source.uri == "IMEI:\ufffd"


def test_the_wbxml_and_xml_readings_of_one_message_agree() -> None:
    xml = encode(SPEC_MESSAGE, Encoding.XML)
    assert decode_xml(xml) == wbxml(SPEC_EXAMPLE)


def test_empty_elements_between_texts_keep_each_their_own_text_after_them() -> None:
    """Item data holding markup: every empty element (with and without the content flag) keeps the
    text that follows it, and the other elements of that name stay empty."""
    empty_with_content_flag = bytes((sx("NoResp")[0] | 0x40, 0x01))
    data = sx("Data", s("x"), sx("Final"), s("y"), sx("Final"), empty_with_content_flag, s("z"), sx("Final"))
    body = message(sx("Add", sx("CmdID", s("3")), sx("Item", data)), sx("Final"))
    decoded = wbxml(body)
    (add,) = decoded.commands
    assert add.items[0].data == b"x<Final/>y<Final/><NoResp/>z<Final/>"
    assert decoded.final
