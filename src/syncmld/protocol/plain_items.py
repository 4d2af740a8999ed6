"""The Adds and Replaces of one item in their commonest shape, read straight from a plain document's bytes.

A slow sync's message is mostly commands such as
``<Add><CmdID>5</CmdID><Meta><Type xmlns='syncml:metinf'>text/vcard</Type></Meta><Item><Source><LocURI>id</LocURI>
</Source><Data><![CDATA[...]]></Data></Item></Add>`` (without the line break), one after the other: each would be seven
elements of the tree. Such a command is read here by one pattern and taken out of the document, an empty
``PLACED_TAG`` element in its place, so that the tree is built of the rest; the reader puts the commands read here
where those elements stand.

Only what reads exactly as the tree would is taken: the document is UTF-8 holding nothing XML cannot carry, and names
no DOCTYPE; its line ends are made what XML reads them as (CR LF and CR as LF) before anything else. A command is found
by going through the document from its start, past every CDATA section, comment and processing instruction, so that
its ``<`` starts a tag. Its texts have no markup; its data is a CDATA section, or text whose only references are XML's
five entities and ``&#13;`` (as our own encoder writes them), and it is kept as the bytes it is (no text in between).
Whether each of the elements standing for them is where the reader takes them (in a Sync of the message's body) is
checked on the tree: ``placed_in_syncs``.
"""

import re
from typing import NamedTuple

from syncmld.protocol.elements import meta_of_type
from syncmld.protocol.messages import Add, Item, LocRef, Replace
from syncmld.protocol.tree import PLACED_TAG, Readable, child

_PLACED_NAME = PLACED_TAG.encode()
_PLACED = b"<" + _PLACED_NAME + b"/>"

_TEXT = rb"([^<>&]+)"
_COMMAND = re.compile(
    rb"<(Add|Replace)><CmdID>" + _TEXT + rb"</CmdID>"
    rb"<Meta><Type(?: xmlns=(?:\"syncml:metinf\"|'syncml:metinf'))?>" + _TEXT + rb"</Type></Meta>"
    rb"<Item><Source><LocURI>" + _TEXT + rb"</LocURI></Source><Data>(?:(<!\[CDATA\[)|([^<]*)</Data></Item></\1>)"
)
"""A command of the shape read here, up to its data's CDATA section (whose end is looked for, not matched) or to its
end."""
_MARKUP = re.compile(rb"<(?:!\[CDATA\[|!--|\?|Add>|Replace>)")
"""Where a section whose text is no markup, or a command that may be of the shape, starts."""
_SECTION_ENDS = {b"<![CDATA[": b"]]>", b"<!--": b"-->", b"<?": b"?>"}
_CDATA_END = b"]]>"
_ENDS = {b"Add": b"]]></Data></Item></Add>", b"Replace": b"]]></Data></Item></Replace>"}
_KINDS: dict[bytes, type[Add] | type[Replace]] = {b"Add": Add, b"Replace": Replace}
_XML_BYTES = bytes(byte for byte in range(256) if byte >= 0x20 or byte in b"\t\n\r")
"""The bytes other than the control characters XML 1.0 cannot carry."""
_NON_CHARACTERS = ("\ufffe", "\uffff")
"""With the control characters, what XML 1.0 cannot carry (surrogates are no UTF-8 at all)."""
_OTHER_REFERENCE = re.compile(rb"&(?!(?:lt|gt|quot|apos|#13|amp);)")
_REFERENCES = ((b"&lt;", b"<"), (b"&gt;", b">"), (b"&quot;", b'"'), (b"&apos;", b"'"), (b"&amp;", b"&"))
"""What each reference but ``&#13;`` stands for, ``&amp;`` last (so that what it gives is no reference)."""
_AMPERSAND, _CR = b"&\r"
"""Bytes looked for as numbers (a fifth of the time a one-byte string takes)."""


class PlacedCommands(NamedTuple):
    """A document without the commands read from it, and those commands in document order."""

    document: bytes
    commands: tuple[Add | Replace, ...]


def place_item_commands(document: bytes) -> PlacedCommands | None:
    """The commands of the shape read here taken out of a UTF-8 ``document``, or None when there is none."""
    if b"<Add>" not in document and b"<Replace>" not in document:
        return None
    if b"<!DOCTYPE" in document or _PLACED_NAME in document or not _carried(document):
        return None
    if _CR in document:
        document = _line_ends_as_read(document)
    kept: list[bytes] = []
    commands: list[Add | Replace] = []
    done = 0
    found = _MARKUP.search(document)
    while found is not None:
        start = found.start()
        mark = found[0]
        if mark in _SECTION_ENDS:
            end = document.find(_SECTION_ENDS[mark], found.end())
            if end < 0:
                break
            found = _MARKUP.search(document, end)
            continue
        command, end = _command_at(document, start)
        if command is None:
            found = _MARKUP.search(document, start + 1)
            continue
        kept += (document[done:start], _PLACED)
        commands.append(command)
        done = end
        found = _MARKUP.search(document, end)
    if not commands:
        return None
    kept.append(document[done:])
    return PlacedCommands(b"".join(kept), tuple(commands))


def _line_ends_as_read(document: bytes) -> bytes:
    """The document with its line ends as XML reads them (CR LF and CR as LF): without its CRs when each is followed
    by an LF (a CR taken out of bytes costs half of a CR LF replaced)."""
    without_cr = document.translate(None, b"\r")
    if len(document) - len(without_cr) == document.count(b"\r\n"):
        return without_cr
    return document.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _command_at(document: bytes, start: int) -> tuple[Add | Replace | None, int]:
    """The command of the shape read here starting at ``start`` and where it ends; None when there is none."""
    matched = _COMMAND.match(document, start)
    if matched is None:
        return None, start
    name, text = matched[1], matched[6]
    if text is None:  # the data is a CDATA section
        data_start = matched.end()
        data_end = document.find(_CDATA_END, data_start)
        if data_end < 0 or not document.startswith(_ENDS[name], data_end):
            return None, start
        data = document[data_start:data_end]
        end = data_end + len(_ENDS[name])
    else:
        data = text
        if _CDATA_END in data or _OTHER_REFERENCE.search(data):
            return None, start
        end = matched.end()
    if text is not None and _AMPERSAND in data:
        data = _unescaped(data)
    item = Item(None, LocRef(matched[4].decode().strip()), None, None, None, data, False)
    meta = meta_of_type(matched[3].decode())
    return _KINDS[name]((item,), meta, None, False, cmd_id=matched[2].decode().strip()), end


def _unescaped(text: bytes) -> bytes:
    """Character data with its references replaced by what they stand for (``&#13;`` looked for first: our encoder
    writes one a line)."""
    text = text.replace(b"&#13;", b"\r")
    if _AMPERSAND in text:
        for reference, character in _REFERENCES:
            if reference in text:
                text = text.replace(reference, character)
    return text


def _carried(document: bytes) -> bool:
    """Whether ``document`` is UTF-8 that XML 1.0 can carry (one that is not is read whole, and refused)."""
    if document.translate(None, _XML_BYTES):  # what is left is control characters
        return False
    if document.isascii():
        return True
    try:
        text = document.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # a character looked for in text is found at the speed of a byte (three bytes in bytes are not)
    return _NON_CHARACTERS[0] not in text and _NON_CHARACTERS[1] not in text


def placed_in_syncs(root: Readable) -> int:
    """How many placed commands stand where the reader takes them: in a Sync of the message's (first) body."""
    body = child(root, "SyncBody")
    if body is None:
        return 0
    return sum(1 for sync in body if sync.tag == "Sync" for part in sync if part.tag == PLACED_TAG)
