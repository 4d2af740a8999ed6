"""The Adds and Replaces read straight from a message's bytes: each message reads as the tree reads it whole, and a
command is read so only where nothing could make it read otherwise."""

import pytest

from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode_xml, encode_xml
from syncmld.protocol.elements import read_message
from syncmld.protocol.messages import Add, Item, LocRef, Meta, Replace, Sync, SyncML
from syncmld.protocol.plain_xml import message_tree, plain_tree
from syncmld.protocol.xml import parse_tree

from .samples import decoded, document


def command(data: str, *, name: str = "Add", cmd_id: str = "3", uri: str = "pas-id-1") -> str:
    return (
        f"<{name}><CmdID>{cmd_id}</CmdID><Meta><Type xmlns='syncml:metinf'>text/vcard</Type></Meta><Item>"
        f"<Source><LocURI>{uri}</LocURI></Source><Data>{data}</Data></Item></{name}>"
    )


def in_sync(*commands: str) -> bytes:
    return document("<Sync><CmdID>2</CmdID><Target><LocURI>contacts</LocURI></Target>" + "".join(commands) + "</Sync>")


def read_whole(body: bytes) -> SyncML | str:
    """What the tree makes of a message read whole (expat's, or lxml's for what expat leaves): the message, or its
    DecodeError's text."""
    try:
        root = plain_tree(body)
        return read_message(parse_tree(body) if root is None else root)
    except DecodeError as error:
        return str(error)


def placed(body: bytes) -> int:
    return len(message_tree(body).placed)


VCARD = "BEGIN:VCARD\r\nN:M\u00fcller;Anna\r\nTEL:+49 170 1\r\nEND:VCARD\r\n"

READ_FROM_THE_BYTES = {
    "CDATA, CR LF line ends": command(f"<![CDATA[{VCARD}]]>"),
    "CDATA, lone CRs": command("<![CDATA[a\rb\r\rc\r\n]]>"),
    "CDATA, empty": command("<![CDATA[]]>"),
    "CDATA holding references and markup": command("<![CDATA[&amp; &#13; <b>x</b> ]]]>"),
    "escaped, as our encoder writes": command("BEGIN:VCARD&#13;\nN:a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&#13;\n"),
    "references in references": command("&amp;lt; &amp;#13; &amp;amp; &amp;"),
    "text with CRs": command("a\r\nb\rc"),
    "empty text": command(""),
    "a Replace": command("<![CDATA[x]]>", name="Replace"),
    "texts around their values": command("x", cmd_id=" 7\r\n", uri="\r\n id \t"),
    "a name and identifier in other scripts": command("y", uri="\u6771\u4eac-\u00e9"),
}


@pytest.mark.parametrize("name", sorted(READ_FROM_THE_BYTES))
def test_a_command_of_the_common_shape_is_read_from_the_bytes_as_the_tree_reads_it(name: str) -> None:
    delete = "<Delete><CmdID>9</CmdID><Item><Source><LocURI>gone</LocURI></Source></Item></Delete>"
    body = in_sync(command("<![CDATA[first]]>", cmd_id="1"), READ_FROM_THE_BYTES[name], delete)
    assert placed(body) == 2
    assert decode_xml(body) == read_whole(body)


def test_the_data_is_the_bytes_of_the_text_xml_reads() -> None:
    body = in_sync(command(f"<![CDATA[{VCARD}]]>"), command("a&#13;\r\nb &amp;#13; &lt;", name="Replace"))
    sync = decode_xml(body).commands[0]
    assert isinstance(sync, Sync)
    add, replace = sync.commands
    assert add == Add(
        (Item(source=LocRef("pas-id-1"), data=VCARD.replace("\r\n", "\n").encode()),),
        Meta(type="text/vcard"),
        cmd_id="3",
    )
    assert isinstance(replace, Replace) and replace.items[0].data == b"a\r\nb &#13; <"


def test_a_message_our_encoder_writes_has_its_items_read_from_the_bytes() -> None:
    adds = tuple(
        Add(
            (Item(source=LocRef(str(number)), data=f"N:{number}\r\nNOTE:<&>\"'\r\n".encode()),),
            Meta(type="text/x-vcard"),
            cmd_id=str(number + 3),
        )
        for number in range(5)
    )
    message = decode_xml(in_sync())
    message = SyncML(header=message.header, commands=(Sync(cmd_id="2", commands=adds),), final=True)
    body = encode_xml(message)
    assert placed(body) == 5
    assert decode_xml(body) == message == read_whole(body)


READ_WHOLE = {
    "an Add in an Atomic": in_sync("<Atomic><CmdID>4</CmdID>" + command("x") + "</Atomic>"),
    "an Add outside a Sync": document(command("x")),
    "an Add in a second body": document("<Sync><CmdID>2</CmdID></Sync>").replace(
        b"</SyncML>", b"<SyncBody><Sync><CmdID>5</CmdID>" + command("x").encode() + b"</Sync></SyncBody></SyncML>"
    ),
    "an Add in a Sync inside an Atomic": document(
        "<Atomic><CmdID>4</CmdID>"
        + in_sync(command("x")).decode().split("<SyncBody>")[1].split("</SyncBody>")[0]
        + "</Atomic>"
    ),
    "an Add in another item's CDATA": in_sync(command("<![CDATA[" + command("inner") + "]]>")),
    "an Add's shape in another item's CDATA, its own CDATA ending the outer one": in_sync(
        command("<![CDATA[" + command("<![CDATA[inner]]>").replace("</Data></Item></Add>", "") + "</Data></Item></Add>")
    ),
    "an Add in a comment": in_sync("<!--" + command("x") + "-->", command("y")),
    "an Add in a processing instruction": in_sync("<?pi " + command("x") + "?>"),
    "the placed element's name in the document": in_sync(command("x"), "<syncmld.placed/>"),
    "the placed element's name in data": in_sync(command("syncmld.placed")),
    "another character reference": in_sync(command("a&#10;b&#x41;")),
    "an undeclared entity": in_sync(command("a&e;b")),
    "a bare ampersand": in_sync(command("a & b")),
    "']]>' in text": in_sync(command("a]]>b")),
    "a CDATA section split in two": in_sync(command("<![CDATA[a]]]]><![CDATA[>b]]>")),
    "text and CDATA": in_sync(command("a<![CDATA[b]]>")),
    "a control character": in_sync(command("<![CDATA[a\x01b]]>")),
    "U+FFFE": in_sync(command("<![CDATA[a\ufffeb]]>")),
    "a surrogate": in_sync(command("x")).replace(b"<Data>x", b"<Data>\xed\xa0\x80"),
    "bytes that are no UTF-8": in_sync(command("x")).replace(b"<Data>x", b"<Data>\xff"),
    "a truncated CDATA section": in_sync(command("<![CDATA[x")),
    "a truncated document": in_sync(command("<![CDATA[x]]>"))[:-20],
    "an unclosed Sync": in_sync(command("x")).replace(b"</Sync>", b""),
    "a DOCTYPE": in_sync(command("x")).replace(b"<SyncML", b'<!DOCTYPE SyncML SYSTEM "x.dtd"><SyncML', 1),
    "another encoding": in_sync(command("\u00e9")).replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
}


@pytest.mark.parametrize("name", sorted(READ_WHOLE))
def test_a_message_in_which_a_command_could_read_otherwise_is_read_whole(name: str) -> None:
    body = READ_WHOLE[name]
    assert decoded(body) == read_whole(body)


def test_commands_of_other_shapes_are_read_whole_beside_those_read_from_the_bytes() -> None:
    other = command("x").replace("<Source>", "<Target><LocURI>t</LocURI></Target><Source>")
    spaced = command("x").replace("<Item>", "<Item>\n ")
    body = in_sync(command("a"), other, spaced, command("b"))
    assert placed(body) == 2
    assert decode_xml(body) == read_whole(body)


def test_commands_nested_too_deep_are_still_refused() -> None:
    deep = "<Sequence><CmdID>1</CmdID>" * 28
    body = in_sync(deep + command("x") + "</Sequence>" * 28)
    assert decoded(body) == read_whole(body) == "elements nested deeper than 32 levels"
