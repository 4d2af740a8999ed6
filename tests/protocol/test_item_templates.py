"""Adds and Replaces of the usual shape are written from templates: the bytes are those the element
writer writes, in both encodings, whatever the type, IDs and data, wherever the command stands."""

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncmld.errors import LocalError
from syncmld.protocol.codec import Encoding, encode
from syncmld.protocol.codepages import SYNCML_BY_VERSION
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.elements import MessageWriter
from syncmld.protocol.encoder import SyncMLWbxmlSink, message_encoder
from syncmld.protocol.item_templates import PLACEHOLDERS, Slot, usual_shape
from syncmld.protocol.messages import Add, Command, Item, LocRef, Meta, Replace, Sync, SyncHdr, SyncML
from syncmld.protocol.wbxml_writer import StringTable, document_header
from syncmld.protocol.xml_writer import XML_DECLARATION, XmlSink

from .strategies import any_text, headers, simple_commands, values

encodings = st.sampled_from(Encoding)
types = st.sampled_from(["text/vcard", "text/x-vcard", "text/calendar", "application/vnd.syncml-devinf+xml"]) | values
formats = st.none() | st.sampled_from(["b64", "des;b64"]) | values
ids = values | st.sampled_from(["<&>", "a]]>b", "\x01", "", "  "])
data = (
    any_text.map(str.encode)
    | st.binary(max_size=40)
    | st.sampled_from([b"BEGIN:VCARD\r\nN:M\xc3\xbcller\r\nEND:VCARD\r\n", b"x]]>y\r", b"\xef\xbf\xbe", b"\x00"])
)
usual_items = st.builds(
    Item,
    target=st.none() | st.builds(LocRef, uri=ids),
    source=st.none() | st.builds(LocRef, uri=ids),
    target_parent=st.none() | ids,
    source_parent=st.none() | ids,
    data=data,
)
usual_commands = st.one_of(
    *(
        st.builds(kind, meta=st.builds(Meta, type=types, format=formats), items=st.tuples(usual_items))
        for kind in (Add, Replace)
    )
)
sync_commands = st.lists(usual_commands | simple_commands, max_size=6).map(tuple)


def element_by_element(message: SyncML, encoding: Encoding) -> bytes:
    """The message written through the element writer only, command after command."""
    if encoding is Encoding.XML:
        sink: XmlSink | SyncMLWbxmlSink = XmlSink(root_namespace=message.header.version.namespace)
    else:
        table = StringTable(SYNCML_BY_VERSION[message.header.version.value])
        sink = SyncMLWbxmlSink(message.header, table)
    writer = MessageWriter(sink)
    sink.start("SyncML")
    writer.header(message.header)
    sink.start("SyncBody")
    for command in message.commands:
        writer.command(command)
    if message.final:
        sink.text("Final", "")
    sink.end()
    sink.end()
    if isinstance(sink, XmlSink):
        return XML_DECLARATION + sink.take()
    return document_header(sink.vocabulary, table) + sink.out


def written(message: SyncML, encoding: Encoding, write: object) -> bytes | type[LocalError]:
    try:
        return encode(message, encoding) if write is encode else element_by_element(message, encoding)
    except LocalError:
        return LocalError


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=headers,
    before=st.lists(simple_commands, max_size=2).map(tuple),
    inside=sync_commands,
    encoding=encodings,
)
def test_a_sync_of_usual_commands_is_written_as_the_element_writer_writes_it(
    header: SyncHdr, before: tuple[Command, ...], inside: tuple[Command, ...], encoding: Encoding
) -> None:
    sync = Sync(target=LocRef("./contacts"), source=LocRef("contacts"), commands=inside)
    message = SyncML(header=header, commands=(*before, sync, *inside), final=True)
    assert written(message, encoding, encode) == written(message, encoding, element_by_element)


def contact(guid: str, parent: str | None = None) -> Add:
    card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{guid}\r\nEND:VCARD\r\n".encode()
    return Add(meta=Meta(type="text/vcard"), items=(Item(source=LocRef(guid), source_parent=parent, data=card),))


def test_the_usual_shape_is_an_add_or_replace_of_one_item_with_type_and_format_only() -> None:
    assert usual_shape(contact("1")) is not None
    assert usual_shape(contact("1", parent="0")) is not None
    assert usual_shape(replace(contact("1"), cmd_id="7")) is None
    assert usual_shape(replace(contact("1"), meta=Meta(type="text/vcard", size=3))) is None
    assert usual_shape(replace(contact("1"), items=contact("1").items * 2)) is None
    more = replace(contact("1").items[0], more_data=True)
    assert usual_shape(replace(contact("1"), items=(more,))) is None


@given(encoding=encodings, parent=st.sampled_from(["target", "source"]))
def test_an_empty_parent_id_is_written_as_the_element_writer_writes_it(encoding: Encoding, parent: str) -> None:
    header = SyncHdr(SyncMLVersion.V1_2, "1", "2", LocRef("device"), LocRef("http://server/syncml"))
    item = replace(contact("1").items[0], **{f"{parent}_parent": ""})
    message = SyncML(header=header, commands=(contact("0"), replace(contact("1"), items=(item,))), final=True)
    assert encode(message, encoding) == element_by_element(message, encoding)


@given(header=headers, encoding=encodings)
def test_a_type_holding_a_placeholder_is_written_element_by_element(header: SyncHdr, encoding: Encoding) -> None:
    odd = replace(contact("1"), meta=Meta(type=PLACEHOLDERS[Slot.ITEM_ID]))
    message = SyncML(header=header, commands=(odd, contact("2")), final=True)
    assert encode(message, encoding) == element_by_element(message, encoding)


def test_commands_from_templates_are_numbered_in_message_order() -> None:
    header = SyncHdr(SyncMLVersion.V1_2, "1", "2", LocRef("device"), LocRef("http://server/syncml"))
    encoder = message_encoder(header, Encoding.XML)
    encoder.start_sync(Sync(target=LocRef("./contacts")))
    for number in range(3):
        encoder.add(contact(str(number)))
    body = encoder.finish(True)
    assert body.count(b"<CmdID>") == 4
    assert b"<CmdID>2</CmdID>" in body and b"<CmdID>4</CmdID>" in body
