"""A recorded message made to speak to our server: its header's session, message number, target and
credentials set, and its answers to the server it was recorded with (Status, Map) replaced by answers
to ours.

XML is edited in place and stays byte for byte what the device wrote everywhere else (its namespaces,
CDATA, DOCTYPE, white space). WBXML, and the messages the replay writes itself, are edited as message
objects and encoded again.
"""

import re
from dataclasses import dataclass, replace
from itertools import count
from xml.sax.saxutils import escape

from syncmld.protocol.codec import Encoding, encode, encode_xml
from syncmld.protocol.messages import Command, Cred, LocRef, Map, Status, Sync, SyncHdr, SyncML

from .recordings import Recorded

_HEADER = re.compile(rb"(<SyncHdr\b[^>]*>)(.*?)(</SyncHdr>)", re.S)
_BODY = re.compile(rb"(<SyncBody\b[^>]*>)(.*)(</SyncBody>)", re.S)
_ANSWERS = re.compile(rb"<(Status|Map)\b[^>]*>.*?</\1>\s*", re.S)
"""Status and Map, which appear only at the top level of a SyncBody."""
_CRED = re.compile(rb"<Cred\b[^>]*>.*?</Cred>\s*", re.S)
_TARGET_URI = re.compile(rb"(<Target>\s*<LocURI>)[^<]*(</LocURI>)")
_SOURCE = re.compile(rb"(<Source>\s*<LocURI>[^<]*</LocURI>)\s*(?:<LocName>[^<]*</LocName>)?\s*")
_SOURCE_END = re.compile(rb"</Source>")
_ENCODED_CRED = re.compile(rb"<Cred>.*?</Cred>", re.S)
_ENCODED_BODY = re.compile(rb"<SyncBody>(.*?)(?:<Final/>)?</SyncBody>", re.S)


@dataclass(frozen=True)
class Header:
    """What the replay sets in a message's header."""

    session_id: str
    msg_id: str
    target: str
    """The URL the message is posted to (the server's RespURI after the first message)."""
    cred: Cred | None
    """The credentials to send (None: none)."""
    user: str | None
    """The header's Source LocName (the login, which MD5 needs); None keeps what was recorded."""


def top_cmd_id(commands: tuple[Command, ...]) -> int:
    """The highest numeric CmdID among the commands and the commands inside their Syncs."""
    ids = [command.cmd_id for command in commands]
    ids += [sub.cmd_id for command in commands if isinstance(command, Sync) for sub in command.commands]
    return max((int(value) for value in ids if value.isdigit()), default=0)


def numbered(commands: list[Command]) -> tuple[Command, ...]:
    """The commands with CmdIDs 1, 2, ... in message order (a Sync's children included), as the
    encoder numbers commands that have none; the player needs them to match the statuses it gets."""
    ids = (str(n) for n in count(1))
    result: list[Command] = []
    for command in commands:
        if isinstance(command, Sync):
            sync_id = next(ids)
            children = tuple(replace(sub, cmd_id=next(ids)) for sub in command.commands)
            result.append(replace(command, cmd_id=sync_id, commands=children))
        else:
            result.append(replace(command, cmd_id=next(ids)))
    return tuple(result)


def numbered_after(answers: list[Command], start: int) -> tuple[Command, ...]:
    """The answers (never a Sync) with CmdIDs start+1, start+2, ..."""
    return tuple(replace(answer, cmd_id=str(start + number)) for number, answer in enumerate(answers, start=1))


def rewritten(recorded: Recorded, header: Header, answers: list[Command]) -> bytes:
    """The recorded message with ``header`` set and its own answers replaced by ``answers``."""
    message = recorded.message
    numbered = numbered_after(answers, top_cmd_id(message.commands))
    if recorded.encoding is Encoding.XML:
        return _rewritten_xml(recorded.body, message.header, header, numbered)
    return composed(replace(message, commands=(*numbered, *_own_commands(message))), header, recorded.encoding)


def composed(message: SyncML, header: Header, encoding: Encoding) -> bytes:
    """A message object with ``header`` set, encoded."""
    return encode(replace(message, header=_header(message.header, header)), encoding)


def _own_commands(message: SyncML) -> tuple[Command, ...]:
    return tuple(command for command in message.commands if not isinstance(command, Status | Map))


def _header(recorded: SyncHdr, header: Header) -> SyncHdr:
    source = recorded.source if header.user is None else replace(recorded.source, name=header.user)
    return replace(
        recorded,
        session_id=header.session_id,
        msg_id=header.msg_id,
        target=LocRef(header.target),
        source=source,
        cred=header.cred,
    )


def _rewritten_xml(body: bytes, recorded: SyncHdr, header: Header, answers: tuple[Command, ...]) -> bytes:
    """Regular expressions suffice: the elements edited hold no markup of their own, and Status and
    Map never nest."""
    generated = encode_xml(SyncML(_header(recorded, header), answers))

    def edit_header(found: re.Match[bytes]) -> bytes:
        inner = _set_text(found.group(2), b"SessionID", header.session_id)
        inner = _set_text(inner, b"MsgID", header.msg_id)
        inner = _TARGET_URI.sub(lambda part: part.group(1) + _xml(header.target) + part.group(2), inner, count=1)
        inner = _CRED.sub(b"", inner, count=1)
        if header.user is not None:
            inner = _SOURCE.sub(
                lambda part: part.group(1) + b"<LocName>" + _xml(header.user or "") + b"</LocName>", inner, count=1
            )
        if header.cred is not None:
            cred = _ENCODED_CRED.search(generated)
            assert cred is not None, generated
            inner = _SOURCE_END.sub(lambda part: part.group(0) + cred.group(0), inner, count=1)
        return found.group(1) + inner + found.group(3)

    def edit_body(found: re.Match[bytes]) -> bytes:
        ours = _ENCODED_BODY.search(generated)
        return found.group(1) + (ours.group(1) if ours else b"") + _ANSWERS.sub(b"", found.group(2)) + found.group(3)

    edited, headers = _HEADER.subn(edit_header, body, count=1)
    edited, bodies = _BODY.subn(edit_body, edited, count=1)
    assert headers == bodies == 1, f"no SyncHdr or SyncBody in {body[:200]!r}"
    return edited


def _set_text(xml: bytes, tag: bytes, value: str) -> bytes:
    pattern = re.compile(rb"(<" + tag + rb">)[^<]*(</" + tag + rb">)")
    return pattern.sub(lambda found: found.group(1) + _xml(value) + found.group(2), xml, count=1)


def _xml(value: str) -> bytes:
    return escape(value).encode("utf-8")
