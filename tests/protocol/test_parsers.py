"""Each thread reads XML with a parser of its own, made once: documents read one after another or in several
threads at once come out as they were sent, and a malformed one leaves nothing behind for the next."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode_xml
from syncmld.protocol.messages import Alert
from syncmld.protocol.tree import safe_parser


def alert(number: int) -> bytes:
    return (
        "<SyncML><SyncHdr><VerDTD>1.2</VerDTD><VerProto>SyncML/1.2</VerProto><SessionID>1</SessionID>"
        f"<MsgID>{number}</MsgID><Target><LocURI>http://server/syncml</LocURI></Target>"
        f"<Source><LocURI>IMEI:{number}</LocURI></Source></SyncHdr>"
        f"<SyncBody><Alert><CmdID>1</CmdID><Data>200</Data><Item><Target><LocURI>db{number}</LocURI></Target>"
        "</Item></Alert><Final/></SyncBody></SyncML>"
    ).encode()


def read_back(number: int) -> tuple[str, str]:
    message = decode_xml(alert(number))
    command = message.commands[0]
    assert isinstance(command, Alert) and command.items[0].target is not None
    return message.header.source.uri, command.items[0].target.uri


def test_a_thread_makes_its_parser_once_and_threads_do_not_share_one() -> None:
    assert safe_parser() is safe_parser()
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(safe_parser).result() is not safe_parser()


def test_messages_read_in_several_threads_at_once_come_out_as_sent() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        read = list(pool.map(read_back, range(400)))
    assert read == [(f"IMEI:{number}", f"db{number}") for number in range(400)]


def test_a_malformed_document_leaves_nothing_for_the_next() -> None:
    with pytest.raises(DecodeError, match="not well-formed") as first:
        decode_xml(alert(1)[:-20])
    assert read_back(2) == ("IMEI:2", "db2")
    with pytest.raises(DecodeError, match="not well-formed") as second:
        decode_xml(alert(3)[:-20])
    assert str(second.value) == str(first.value)
