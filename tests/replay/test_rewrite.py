"""Recorded messages made ours (``rewrite``): the header and the answers change, nothing else."""

import re

from syncmld.protocol.codec import Encoding, decode
from syncmld.protocol.constants import AUTH_MD5, FORMAT_B64
from syncmld.protocol.messages import Cred, Map, Meta, Status, Sync
from syncmld.status import StatusCode

from .recordings import recorded
from .rewrite import Header, rewritten

OUR_CRED = Cred("ZGlnZXN0", Meta(type=AUTH_MD5, format=FORMAT_B64))
OURS = Header("77", "5", "http://127.0.0.1:1/syncml?sid=abc&x=1", OUR_CRED, "me@example.org")
ANSWER = Status(cmd_id="0", msg_ref="1", cmd_ref="0", cmd="SyncHdr", data=StatusCode.OK)
_BETWEEN_HEADER_AND_SYNC = re.compile(rb"<SyncHdr>.*?(?=<Sync>)", re.S)


def test_xml_keeps_the_devices_bytes_outside_the_header_and_its_answers() -> None:
    """The Funambol Pocket PC's statuses and map (no SyncML namespace, MetInf without one) give way to
    ours; its Sync, base64 items and line breaks stay byte for byte."""
    original = recorded("horde-syncml/testcase_sync4j_pocketpc_contacts/syncml_client_21.xml")
    body = rewritten(original, OURS, [ANSWER])

    assert _BETWEEN_HEADER_AND_SYNC.sub(b"", body) == _BETWEEN_HEADER_AND_SYNC.sub(b"", original.body)
    message = decode(body, None).message
    header = message.header
    assert (header.session_id, header.msg_id, header.target.uri) == ("77", "5", OURS.target)
    assert (header.source.uri, header.source.name, header.cred) == ("fwm-0E232B741AFE0", "me@example.org", OURS.cred)
    [status, sync] = message.commands
    assert isinstance(status, Status) and status.cmd == "SyncHdr" and isinstance(sync, Sync)
    assert status.cmd_id not in {sync.cmd_id, *(command.cmd_id for command in sync.commands)}


def test_wbxml_is_edited_as_a_message_and_keeps_its_commands() -> None:
    original = recorded("syncgw/in02.wbxml")
    body = rewritten(original, OURS, [ANSWER])

    decoded = decode(body, None)
    assert decoded.encoding is Encoding.WBXML
    header = decoded.message.header
    assert (header.session_id, header.msg_id, header.cred, header.source.name) == (
        "77",
        "5",
        OURS.cred,
        "me@example.org",
    )
    [sync] = [command for command in decoded.message.commands if isinstance(command, Sync)]
    assert sync == next(command for command in original.message.commands if isinstance(command, Sync))
    assert not any(isinstance(command, Map) for command in decoded.message.commands)
    assert [command.cmd for command in decoded.message.commands if isinstance(command, Status)] == ["SyncHdr"]
