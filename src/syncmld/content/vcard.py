"""vCard 2.1 / 3.0 / 4.0: parse into a version-independent model, write any version, merge on Replace.

The model is vCard 3.0's (its parameters, escaping and property names); 2.1 and 4.0 are read into it and
written from it, so that a card read in one version and written in another means the same.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from itertools import repeat
from operator import itemgetter
from typing import Literal, cast

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map
from syncmld.content.common import property_coverage
from syncmld.content.versit import (
    BASE64_ENCODINGS,
    CRLF,
    FOLD_OCTETS,
    Header,
    Property,
    Transfer,
    bad_request,
    content_line,
    decode_quoted_printable,
    escape,
    fold,
    lex,
    lines_21,
    read_header,
    serialize,
    split_escaped,
)
from syncmld.errors import RemoteError
from syncmld.records import record
from syncmld.status import StatusCode

VCardVersion = Literal["2.1", "3.0", "4.0"]
Params = tuple[tuple[str, str | None], ...]
Value = tuple[tuple[str, ...], ...]


class ValueKind(Enum):
    """How a property's value is structured, which decides its escaping in each version."""

    RAW = "raw"  # never escaped: phone numbers, addresses, dates, URIs, base64
    TEXT = "text"  # one text
    STRUCTURED = "structured"  # ';'-separated components
    LIST = "list"  # ','-separated values


_KINDS = {
    **dict.fromkeys(
        [
            "TEL",
            "EMAIL",
            "URL",
            "BDAY",
            "REV",
            "UID",
            "TZ",
            "CALURI",
            "FBURL",
            "CAPURI",
            "IMPP",
            "SOURCE",
            "KEY",
            "PHOTO",
            "LOGO",
            "SOUND",
            "MEMBER",
            "X-ADDRESSBOOKSERVER-MEMBER",
        ],
        ValueKind.RAW,
    ),
    **dict.fromkeys(
        [
            "FN",
            "NOTE",
            "TITLE",
            "ROLE",
            "LABEL",
            "MAILER",
            "PRODID",
            "SORT-STRING",
            "CLASS",
            "NAME",
            "NICKNAME",
            "AGENT",
            "X-EVOLUTION-FILE-AS",
        ],
        ValueKind.TEXT,
    ),
    **dict.fromkeys(["N", "ADR", "ORG", "GEO"], ValueKind.STRUCTURED),
    "CATEGORIES": ValueKind.LIST,
}
# vCard 2.1 (the spec) writes GEO as "lat,lon"; 3.0 and the devices that speak 2.1 (Synthesis,
# hence SyncEvolution) as "lat;lon": read both, write ";"
_GEO_COMMA_21 = "GEO"
# properties that describe this revision of the whole object rather than a field
_REVISION_PROPERTIES = frozenset({"PRODID", "REV"})
# identity of the contact: kept when a device leaves it out, whatever its CTCap says
_ALWAYS_KEPT = frozenset({"UID"})
# 2.1 VALUE parameters (bare or not) -> their 3.0 names ("" for the default, dropped)
_VALUES_21 = {"INLINE": "", "URL": "uri", "URI": "uri", "CONTENT-ID": "content-id", "CID": "content-id"}
_MEDIA = {"PHOTO": "image", "LOGO": "image", "SOUND": "audio", "KEY": "application"}
"""The media properties, with the media type family of their 3.0 TYPE (``PHOTO;TYPE=JPEG`` is image/jpeg)."""
_ESCAPE_30 = re.compile(r"\\(.)|\\$", re.DOTALL)
_BEGIN_VCARD = re.compile(r"\ufeff?\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE | re.MULTILINE)
_ESCAPE_21 = re.compile(r"\\([\\;,])")
_NO_BLANKS = str.maketrans("", "", " \t\r\n")


@record
class ContactProperty:
    """One property in version-independent form: 3.0-style parameters, unescaped value components."""

    group: str | None
    name: str
    params: Params
    value: Value

    @property
    def kind(self) -> ValueKind:
        return _kind(self.name, self.params)

    def is_binary(self) -> bool:
        return _is_binary(self.params)

    @property
    def text(self) -> str:
        """The value as one text (components joined by ';', list items by ',')."""
        return ";".join([",".join(items) for items in self.value])

    def is_empty(self) -> bool:
        return not any(item for items in self.value for item in items)


def _kind(name: str, params: Params) -> ValueKind:
    return ValueKind.RAW if params and _is_binary(params) else _KINDS.get(name, ValueKind.STRUCTURED)


def _is_binary(params: Params) -> bool:
    """ENCODING=b (either case) among the parameters."""
    return ("ENCODING", "b") in params or ("ENCODING", "B") in params


@record
class VCard:
    """A contact: the version it was read in and its properties in order (without BEGIN/END/VERSION)."""

    version: str
    properties: tuple[ContactProperty, ...]


def parse_vcard(data: bytes) -> VCard:
    """Read one vCard (2.1, 3.0 or 4.0); RemoteError 415 if it is not a vCard, 400 if it is broken. A vCard 3.0
    whose lines are read as they stand (``_kept_card``: a stored contact most often) is read without the lexer, and
    so is a vCard 2.1 as phones write it (``_scanned_21``)."""
    kept = _kept_card(data)
    if kept is None:
        scanned = _scanned_21(data)
        if scanned is not None:
            return VCard("2.1", tuple([_property_21(head, value) for head, value in scanned]))
        return _card(*_read_lines(data))
    lines = zip(kept.meanings, kept.parts, strict=True)
    return VCard("3.0", tuple([_read_line_30(m.group, m.name, m.kept, part[2].decode("utf-8")) for m, part in lines]))


def _read_lines(data: bytes) -> tuple[str, list[Property]]:
    """The version of one vCard and its content lines (VERSION among them); RemoteError as ``parse_vcard``."""
    version, body = _lexed(data)
    return version, [Property(header.group, header.name, header.kept, value) for header, value in body]


def _lexed(data: bytes) -> tuple[str, list[tuple[Header, str]]]:
    """``_read_lines`` with each line as its header and value."""
    try:
        text, escaped = data.decode("utf-8"), False
    except UnicodeDecodeError:
        text, escaped = data.decode("utf-8", "surrogateescape"), True
    if not _BEGIN_VCARD.match(text):
        raise RemoteError("data is not a vCard (no BEGIN:VCARD)", StatusCode.UNSUPPORTED_MEDIA_TYPE)
    body = _body(lex(text, escaped))
    if body and body[0][0].name == "VERSION":
        return body[0][1].strip(), body
    return next((value.strip() for header, value in body if header.name == "VERSION"), "2.1"), body


def _card(version: str, body: list[Property]) -> VCard:
    read = _read_21 if version == "2.1" else _read_40 if version == "4.0" else _read_30
    return VCard(version, tuple([read(prop) for prop in body if prop.name != "VERSION"]))


def written_as_30(data: bytes, unseen: frozenset[str]) -> tuple[bytes, bool]:
    """``to_vcard(parse_vcard(data), "3.0")``, and whether a property not named in ``unseen`` holds text.

    A vCard 3.0 is not built into a card: each line is written from its header as read and its value,
    rewritten only when it holds a backslash or a line break (reading and writing it again gives the
    same value otherwise); one whose every line is already as this writes it is kept as it came
    (``_as_written_30``). A vCard 2.1 is written a line at a time from its headers' 3.0 forms, most read in one
    scan of its lines (``_scanned_21``)."""
    kept = _as_written_30(data, unseen)
    if kept is not None:
        return kept
    scanned = _scanned_21(data)
    if scanned is not None:
        return _written_21_as_30(scanned, unseen)
    version, body = _lexed(data)
    if version == "2.1":
        heads = [(_head_from_21(header.group, header.name, header.kept), value) for header, value in body]
        return _written_21_as_30([(head, value) for head, value in heads if head.name != "VERSION"], unseen)
    if version != "3.0":
        card = _card(version, [Property(header.group, header.name, header.kept, value) for header, value in body])
        return to_vcard(card, "3.0"), any(prop.name not in unseen and has_text(prop.value) for prop in card.properties)
    lines = [_BEGIN_30]
    visible = False
    for header, value in body:
        name = header.name
        if name == "VERSION":
            continue
        if not visible and name not in unseen:
            visible = _shows_text(header, value)
        if "\\" in value or "\n" in value:
            value = _rewritten_30(value, _kind(name, header.kept) is ValueKind.RAW)
        lines.append(fold(f"{header.written}:{value}"))
    lines.append(_END)
    return CRLF.join(lines).encode("utf-8"), visible


def _shows_text(header: Header, value: str) -> bool:
    """Whether a 3.0 line's value as read holds more than blanks (``has_text``)."""
    if "\\" in value or "\n" in value:
        return has_text(_read_line_30(header.group, header.name, header.kept, value).value)
    if _kind(header.name, header.kept) is ValueKind.RAW:
        return bool(value.strip())
    return bool(value.replace(";", "").replace(",", "").strip())  # not str.translate: a character at a time


_CHANGED_ESCAPE = re.compile(rb"[^\\]*+(?:\\[\\n;,][^\\]*+)*+\\")
"""From a backslash on, a backslash that reading and writing a 3.0 value would change: one that does not escape
a backslash, ``n``, ``;`` or ``,`` (read from the left, as a reader pairs them)."""
_CARD_LINES = frozenset({"BEGIN", "END", "VERSION"})


def _as_written_30(data: bytes, unseen: frozenset[str]) -> tuple[bytes, bool] | None:
    """``written_as_30(data, unseen)`` of a vCard 3.0 whose lines are each already as this module writes
    them, found without reading or writing any (``_kept_card``): its lines are kept, folded where they are too
    long; None for any other card."""
    card = _kept_card(data)
    if card is None:
        return None
    lines = card.lines
    visible = False
    for meaning, part in zip(card.meanings, card.parts, strict=True):
        if meaning.name not in unseen and _shows_text(meaning, part[2].decode("utf-8")):
            visible = True
            break
    if max(map(len, lines)) > FOLD_OCTETS:
        lines = [line if len(line) <= FOLD_OCTETS else fold(line.decode("utf-8")).encode("utf-8") for line in lines]
    return b"\r\n".join(lines) + b"\r\n", visible


@dataclass(slots=True)
class _KeptCard:
    """A vCard 3.0 whose lines the lexer reads as they stand (``_kept_card``)."""

    lines: list[bytes]
    """Its lines, unfolded, without their line breaks."""
    parts: list[tuple[bytes, bytes, bytes]]
    """The lines between VERSION and END, each as its header, ':' and value."""
    meanings: list[Header]
    """What the header of each of those lines says."""


def _kept_card(data: bytes) -> _KeptCard | None:
    """``data`` as a vCard 3.0 whose every line is already as this module writes it, found in one scan of its
    lines: UTF-8, line breaks LF or CRLF, folds only where the lexer takes them out (``_unfolded``), no blank
    line, each header as ``Header.written`` gives it (no transfer encoding, no quote), no nested card, no
    backslash that reading and writing would change. The lexer reads each line's value as it stands; None for
    any other card."""
    if data[12:23] != _VERSION_30 and data[13:24] != _VERSION_30:
        return None  # another version (or a card whose VERSION line is folded: the lexer reads it the same)
    lines = data.splitlines()
    if _CR in data and data.count(_LF) != len(lines) - (data[-1] not in _LINE_BREAKS):
        return None  # a CR that ends a line by itself (each line break but the last is LF or CRLF otherwise)
    if _FOLD.search(data) is None:
        return _kept_lines(data, lines)
    unfolded = _unfolded(lines)
    return _kept_lines(b"\n".join(unfolded), unfolded) if unfolded is not None else None


_FOLD = re.compile(rb"\n[ \t]")
_VERSION_30 = b"VERSION:3.0"
_CR, _LF = ord("\r"), ord("\n")
_LINE_BREAKS = (_CR, _LF)


def _kept_lines(text: bytes, lines: list[bytes]) -> _KeptCard | None:
    """``_kept_card`` of a card whose lines, unfolded, are ``lines``, and ``text`` those lines with line breaks
    between them."""
    if len(lines) < 4 or lines[0] != b"BEGIN:VCARD" or lines[1] != b"VERSION:3.0" or lines[-1] != b"END:VCARD":
        return None
    parts = [*map(bytes.partition, lines[2:-1], repeat(b":"))]
    meanings = [*map(_FIND_KEPT_TEXT_HEAD, map(_HEAD, parts))]
    if not all(meanings):
        meanings = [meaning or _kept_head(part[0]) for meaning, part in zip(meanings, parts, strict=True)]
        if not all(map(_kept_as_read, meanings, map(_VALUE, parts))):
            return None
    if not all(map(_COLON, parts)):
        return None
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return None
    escape = text.find(_BACKSLASH)
    if escape >= 0 and _CHANGED_ESCAPE.match(text, escape) is not None:
        return None
    return _KeptCard(lines, parts, cast("list[Header]", meanings))


_BACKSLASH = ord("\\")
_HEAD, _COLON, _VALUE = itemgetter(0), itemgetter(1), itemgetter(2)


def properties_named(data: bytes, names: frozenset[str]) -> list[ContactProperty] | None:
    """The properties of a vCard whose name is in ``names``, in order, as ``parse_vcard`` reads them, when the
    card is one whose lines are read as they stand (``_kept_card``, a stored contact most often): no other line
    is read. None for any other card."""
    card = _kept_card(data)
    if card is None:
        return None
    return [
        _read_line_30(meaning.group, meaning.name, meaning.kept, part[2].decode("utf-8"))
        for meaning, part in zip(card.meanings, card.parts, strict=True)
        if meaning.name in names
    ]


def _kept_head(head: bytes) -> Header | None:
    """What a vCard 3.0 line's header says, when it is one ``_as_written_30`` keeps: UTF-8, no quote, as
    ``Header.written`` gives it, not BEGIN, END or VERSION (remembered when short and of a text value); None for
    any other."""
    found = _FIND_KEPT_TEXT_HEAD(head)
    if found is not None:
        return found
    try:
        text = head.decode("utf-8")
        meaning = read_header(text) if '"' not in text else None
    except (UnicodeDecodeError, RemoteError):
        return None
    if meaning is None or meaning.written != text or meaning.name in _CARD_LINES:
        return None
    return _KEPT_TEXT_HEADS.put(head, meaning, len(head)) if meaning.simple else meaning


_KEPT_TEXT_HEADS: BoundedMap[bytes, Header] = bounded_map(
    "headers", lambda limits: (limits.headers, limits.header_chars)
)
"""Headers of vCard 3.0 lines of a text value kept as they came, by their bytes (each line is looked up once)."""
_FIND_KEPT_TEXT_HEAD = _KEPT_TEXT_HEADS.peek


def _unfolded(lines: list[bytes]) -> list[bytes] | None:
    """A vCard 3.0's lines with each folded one joined (a line that starts with a blank goes on the one before,
    without that blank), as the lexer reads them; None for a fold it reads otherwise: in a header (before the
    first ':'), after a blank line, a line holding only blanks, or one not in UTF-8 by itself."""
    joined: list[bytes] = []
    for line in lines:
        if line[:1] != b" " and line[:1] != b"\t":
            joined.append(line)
            continue
        try:
            if not joined or b":" not in joined[-1] or not line.decode("utf-8").strip():
                return None
        except UnicodeDecodeError:
            return None
        joined[-1] += line[1:]
    return joined


def _kept_as_read(meaning: Header | None, value: bytes) -> bool:
    """Whether a line is kept as it came, its header's meaning being ``meaning`` (None: a header not kept) and the
    lexer reading its value as it stands: a text value, or base64 without blanks that does not go on in unindented
    lines."""
    if meaning is None:
        return False
    if meaning.simple:
        return True
    binary = meaning.transfer is Transfer.BASE64 and not meaning.unindented and not meaning.soft_breaks
    return binary and b" " not in value and b"\t" not in value


def _rewritten_30(value: str, raw: bool) -> str:
    """A 3.0 value as ``_write_30(_read_30(...))`` writes it: a raw one with its line breaks escaped, another
    with its escapes in the form this writer gives them (``\\N`` as ``\\n``, ``\\:`` as ``:``, a backslash
    that escapes nothing doubled)."""
    if raw:
        return value.replace("\n", "\\n")
    return _ESCAPE_OR_BREAK_30.sub(_rewritten_escape, value)


_ESCAPE_OR_BREAK_30 = re.compile(r"\\(.)|\\$|\n", re.DOTALL)


def _rewritten_escape(match: re.Match[str]) -> str:
    char = match.group(1)
    if char is None:
        return "\\n" if match.group() == "\n" else "\\\\"
    if char in "nN":
        return "\\n"
    if char in "\\;,":
        return match.group()
    if char == ":":
        return ":"
    return "\\\\\\n" if char == "\n" else "\\\\" + char


_BEGIN_30 = "BEGIN:VCARD\r\nVERSION:3.0"
_END = "END:VCARD\r\n"


def has_text(value: Value) -> bool:
    """Whether a component of ``value`` holds more than blanks."""
    return any(item.strip() for items in value for item in items)


def _body(lines: list[tuple[Header, str]]) -> list[tuple[Header, str]]:
    """The lines between BEGIN:VCARD and its END (nested vCards, as in 2.1 AGENT, stay inside)."""
    depth = 0
    for index, (header, _) in enumerate(lines):
        if header.name == "BEGIN":
            depth += 1
        elif header.name == "END":
            depth -= 1
            if depth == 0:
                if index != len(lines) - 1:
                    raise bad_request("data after END:VCARD")
                return lines[1:index]
    raise bad_request("vCard without END:VCARD")


def to_vcard(card: VCard, version: VCardVersion) -> bytes:
    """Write ``card`` as a vCard of ``version`` (UTF-8, CRLF)."""
    if version == "3.0":
        return CRLF.join([_BEGIN_30, *map(_line_30, card.properties), _END]).encode("utf-8")
    write = _write_21 if version == "2.1" else _write_40
    written = [*map(write, card.properties)]
    if version == "4.0":
        written = _with_formatted_name(card, written)
    props = [
        Property(None, "BEGIN", (), "VCARD"),
        Property(None, "VERSION", (), version),
        *written,
        Property(None, "END", (), "VCARD"),
    ]
    return serialize(props, version).encode("utf-8")


# ------------------------------------------------------------------------------------------- vCard 3.0


def _read_30(prop: Property) -> ContactProperty:
    return _read_line_30(prop.group, prop.name, prop.params, prop.value)


def _read_line_30(group: str | None, name: str, params: Params, value: str) -> ContactProperty:
    """A 3.0 content line's property, its value as the lexer gives it."""
    if _kind(name, params) is ValueKind.RAW:
        return ContactProperty(group, name, params, ((value,),))
    if "\\" not in value:
        components = tuple([tuple(component.split(",")) for component in value.split(";")])
    else:
        components = tuple(
            [
                tuple([_unescape_30(item) for item in split_escaped(component, ",")])
                for component in split_escaped(value, ";")
            ]
        )
    return ContactProperty(group, name, params, components)


def _write_30(prop: ContactProperty) -> Property:
    return Property(prop.group, prop.name, prop.params, _value_30(prop))


def _line_30(prop: ContactProperty) -> str:
    """The 3.0 content line of ``prop``, folded (``serialize`` of ``_write_30(prop)``)."""
    return fold(content_line(prop.group, prop.name, prop.params, _value_30(prop)))


def _value_30(prop: ContactProperty) -> str:
    return _text_30(_kind(prop.name, prop.params), prop.value)


def _text_30(kind: ValueKind, value: Value) -> str:
    """A value of ``kind`` as 3.0 writes it."""
    if kind is ValueKind.RAW:
        return ";".join([",".join(items) for items in value]).replace("\n", "\\n")
    return ";".join([",".join(map(_escape_30, items)) for items in value])


def _unescape_30(text: str) -> str:
    if "\\" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        char = match.group(1)
        if char is None:
            return "\\"
        return "\n" if char in "nN" else char if char in "\\;,:" else match.group(0)

    return _ESCAPE_30.sub(one, text)


def _escape_30(text: str) -> str:
    if "\\" not in text and ";" not in text and "," not in text and "\n" not in text:
        return text
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


# ------------------------------------------------------------------------------------------- vCard 2.1


def _read_21(prop: Property) -> ContactProperty:
    return _property_21(_head_from_21(prop.group, prop.name, prop.params), prop.value)


def _property_21(head: "_Head30", value: str) -> ContactProperty:
    """A 2.1 line's property, its header's model being ``head`` and its value as the lexer reads it."""
    return ContactProperty(head.group, head.name, head.params, _value_from_21(head.kind, head.name, value))


def _value_from_21(kind: ValueKind, name: str, value: str) -> Value:
    """A 2.1 value of ``kind`` in the model (its components unescaped)."""
    if kind is ValueKind.TEXT:
        return ((_unescape_21(value),),)
    if kind is ValueKind.LIST:
        items = [item for part in split_escaped(value, ";") for item in split_escaped(part, ",")]
        return (tuple([_unescape_21(item) for item in items]),)
    if kind is ValueKind.STRUCTURED:
        separator = "," if name == _GEO_COMMA_21 and ";" not in value else ";"
        return tuple([(_unescape_21(part),) for part in split_escaped(value, separator)])
    return ((value,),)


@dataclass(frozen=True, slots=True)
class _Head30:
    """What the properties of one 2.1 header are in the model, and their 3.0 content line without its value."""

    group: str | None
    name: str
    params: Params
    kind: ValueKind
    text: str
    """``NAME;PARAMS:`` as 3.0 writes it."""


def _head_from_21(group: str | None, name: str, params: Params) -> _Head30:
    """A 2.1 header in the model, remembered for short headers (a few make up most lines)."""
    key = (group, name, params)
    found = _FIND_HEAD_30(key)
    if found is not None:
        return found
    converted = _params_from_21(params)
    head = _Head30(group, name, converted, _kind(name, converted), content_line(group, name, converted, ""))
    return _HEADS_30.put(key, head, len(head.text) + len(content_line(group, name, params, "")))


_HEADS_30: BoundedMap[tuple[str | None, str, Params], _Head30] = bounded_map(
    "vcard_headers", lambda limits: (limits.vcard_headers, limits.header_chars)
)
_FIND_HEAD_30 = _HEADS_30.peek


def _written_21_as_30(body: list[tuple[_Head30, str]], unseen: frozenset[str]) -> tuple[bytes, bool]:
    """``written_as_30`` of a vCard 2.1's lines between VERSION and END, each as its header's model
    (``_head_from_21``) and its value as the lexer reads it: each line written as 3.0 without a property object
    (nor components, for a value without a backslash: ``_plain_21_as_30``)."""
    lines = [_BEGIN_30]
    visible = False
    for head, raw in body:
        name = head.name
        if "\\" in raw:
            read = _value_from_21(head.kind, name, raw)
            visible = visible or (name not in unseen and has_text(read))
            value = _text_30(head.kind, read)
        else:
            visible = visible or (name not in unseen and _shows_plain_21(head.kind, name, raw))
            value = _plain_21_as_30(head.kind, name, raw)
        line = head.text + value
        lines.append(line if len(line) <= FOLD_OCTETS and line.isascii() else fold(line))
    lines.append(_END)
    return CRLF.join(lines).encode("utf-8"), visible


@dataclass(frozen=True, slots=True)
class _Line21:
    """How ``_scanned_21`` reads the lines of one 2.1 header: their model, and their value's transfer encoding."""

    head: _Head30
    quoted_printable: bool
    charset: str | None
    """The CHARSET a quoted-printable value is decoded by."""


def _scanned_21(data: bytes) -> list[tuple[_Head30, str]] | None:
    """The lines of a vCard 2.1 between VERSION and END as ``_lexed`` reads them, each with its header's model,
    read in one scan of its lines: UTF-8, ``BEGIN:VCARD`` (ended by CRLF or LF) and ``VERSION:2.1`` first,
    ``END:VCARD`` last, line breaks CRLF, LF or CR, no fold but a quoted-printable value's soft line breaks,
    each header a text or quoted-printable one without a quote (``_line_21``), no nested card. None for any
    other card (the lexer reads it, and tells what is wrong with it)."""
    if data[11:24] != _BEGIN_21_CRLF and data[11:23] != _BEGIN_21_LF:
        return None  # another version, or BEGIN:VCARD ended by a CR alone (the lexer finds no BEGIN:VCARD then)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[0] != "BEGIN:VCARD" or lines[1] != "VERSION:2.1":
        return None
    body: list[tuple[_Head30, str]] = []
    count, index = len(lines), 2
    while index < count:
        line = lines[index]
        index += 1
        if not line:
            continue  # a blank line separates nothing
        if line == "END:VCARD":
            return body if not any(lines[index:]) else None
        colon = line.find(":")
        if colon <= 0 or line[0] == " " or line[0] == "\t":
            return None
        head = line[:colon]
        read = _FIND_LINE_21(head) or _line_21(head)
        if read is None:
            return None
        value = line[colon + 1 :]
        if read.quoted_printable:
            if value[-1:] == "=":
                joined = [value[:-1]]
                while True:  # a line ending in '=' goes on in the next, whatever it holds
                    if index == count:
                        return None
                    value = lines[index]
                    index += 1
                    if value[-1:] != "=":
                        break
                    joined.append(value[:-1])
                value = "".join(joined) + value
            value = decode_quoted_printable(value, read.charset)
        body.append((read.head, value))
    return None


_BEGIN_21_CRLF, _BEGIN_21_LF = b"\r\nVERSION:2.1", b"\nVERSION:2.1"


def _line_21(head: str) -> _Line21 | None:
    """How ``_scanned_21`` reads the lines of a 2.1 header, remembered when short; None for one it leaves to the
    lexer: BEGIN, END, VERSION, a quote, base64, a value that goes on in unindented lines, a broken header."""
    if '"' in head:
        return None
    try:
        meaning = read_header(head)
    except RemoteError:
        return None
    quoted_printable = meaning.transfer is Transfer.QUOTED_PRINTABLE and not meaning.unindented
    if meaning.name in _CARD_LINES or not (meaning.simple or quoted_printable):
        return None
    line = _Line21(_head_from_21(meaning.group, meaning.name, meaning.kept), quoted_printable, meaning.charset)
    return _LINES_21.put(head, line, len(head) + len(line.head.text))


_LINES_21: BoundedMap[str, _Line21] = bounded_map(
    "vcard_headers", lambda limits: (limits.vcard_headers, limits.header_chars)
)
"""vCard 2.1 headers as ``_scanned_21`` reads them, by their text."""
_FIND_LINE_21 = _LINES_21.peek


def _shows_plain_21(kind: ValueKind, name: str, value: str) -> bool:
    """``has_text(_value_from_21(kind, name, value))`` of a 2.1 value without a backslash: whether it holds more than
    blanks and the separators between its components (a structured value's commas are text, but GEO's)."""
    if kind is ValueKind.RAW or kind is ValueKind.TEXT:
        return bool(value.strip())
    if kind is ValueKind.LIST:
        return bool(value.replace(";", "").replace(",", "").strip())
    separator = "," if name == _GEO_COMMA_21 and ";" not in value else ";"
    return bool(value.replace(separator, "").strip())


def _plain_21_as_30(kind: ValueKind, name: str, value: str) -> str:
    """``_text_30(kind, _value_from_21(kind, name, value))`` of a 2.1 value without a backslash: its components are
    the pieces between its separators, which hold no separator of their own, so only the commas within a
    component and the line breaks are escaped (a list's items are joined by commas)."""
    if kind is ValueKind.RAW:
        return value.replace("\n", "\\n")
    if kind is ValueKind.TEXT:
        return _escape_30(value)
    if kind is ValueKind.LIST:
        return value.replace(";", ",").replace("\n", "\\n")
    if name == _GEO_COMMA_21 and ";" not in value:
        value = value.replace(",", ";")
    return value.replace(",", "\\,").replace("\n", "\\n")


def _write_21(prop: ContactProperty) -> Property:
    return Property(prop.group, prop.name, tuple(_params_to_21(prop)), _value_21(prop))


def _value_21(prop: ContactProperty) -> str:
    kind = prop.kind
    if kind is ValueKind.RAW:
        return prop.text
    if kind is ValueKind.TEXT:
        return prop.text.replace("\\", "\\\\")
    if kind is ValueKind.LIST:
        return ",".join(escape(item, ",;") for items in prop.value for item in items)
    return ";".join(escape(",".join(items), ";") for items in prop.value)


def written_as_21(data: bytes) -> bytes:
    """``to_vcard(parse_vcard(data), "2.1")`` without building the card when ``data`` is a vCard 3.0 (a stored
    contact): one pass over its lines, each header converted once per distinct header (``_head_21``), a value
    rewritten only when it holds a backslash or is a list (any other 3.0 value is written in 2.1 as it is)."""
    body = _as_stored_30(data)
    if body is None:
        version, body = _lexed(data)
        if version != "3.0":
            read = [Property(header.group, header.name, header.kept, value) for header, value in body]
            return to_vcard(_card(version, read), "2.1")
    lines = ["BEGIN:VCARD", "VERSION:2.1"]
    for header, value in body:
        if header.name == "VERSION":
            continue
        head = _head_21(header)
        if head.kind is ValueKind.LIST or "\\" in value:
            value = _value_21(_read_30(Property(header.group, header.name, header.kept, value)))
        lines += lines_21(head.text, head.binary, value)
    lines.append("END:VCARD")
    return (CRLF.join(lines) + CRLF).encode("utf-8")


_STORED_START = "BEGIN:VCARD\r\nVERSION:3.0\r\n"
_STORED_END = "\r\nEND:VCARD\r\n"
_BLANK_LINE = re.compile(r"\r\n[ \t]*\r\n")


def _as_stored_30(data: bytes) -> list[tuple[Header, str]] | None:
    """``_lexed(data)``'s lines after VERSION of a vCard 3.0 written as this module writes one (UTF-8, CRLF,
    folded with a blank after CRLF, no blank line, no header naming a transfer encoding (even as another
    parameter's value, which the lexer reads as one for soft line breaks), no quoted parameter, no nested card),
    read without the lexer; None when ``data`` is not such a card."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    breaks = text.count("\r\n")
    if not text.startswith(_STORED_START) or not text.endswith(_STORED_END) or text.count("\n") != breaks:
        return None
    if text.count("\r") != breaks or _BLANK_LINE.search(text) is not None:
        return None
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")
    if unfolded[1] != "VERSION:3.0":
        return None
    body: list[tuple[Header, str]] = []
    for line in unfolded[2:-2]:
        colon = line.find(":")
        if colon < 0 or '"' in line[:colon]:
            return None
        header = read_header(line[:colon])
        if not header.simple or header.name in _CARD_LINES:
            return None
        body.append((header, line[colon + 1 :]))
    return body


@dataclass(frozen=True, slots=True)
class _Head21:
    """How the properties of one 3.0 header are written in 2.1."""

    text: str
    """The 2.1 content line without its value (``NAME;PARAMS:``)."""
    binary: bool
    kind: ValueKind


def _head_21(header: Header) -> _Head21:
    """``header``'s 2.1 form, remembered for short headers (a few make up most lines)."""
    key = (header.group, header.name, header.kept)
    return _FIND_HEAD_21(key) or _HEADS_21.put(key, _head_21_of(*key), len(header.written))


def _head_21_of(group: str | None, name: str, params: Params) -> _Head21:
    written = Property(group, name, tuple(_params_to_21(ContactProperty(group, name, params, ()))), "")
    return _Head21(content_line(group, name, written.params, ""), written.is_binary(), _kind(name, params))


_HEADS_21: BoundedMap[tuple[str | None, str, Params], _Head21] = bounded_map(
    "vcard_headers", lambda limits: (limits.vcard_headers, limits.header_chars)
)
_FIND_HEAD_21 = _HEADS_21.peek


def _unescape_21(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE_21.sub(r"\1", text)


def _params_from_21(params: Params) -> Params:
    """2.1 parameters in 3.0 form; a run of bare types (``HOME;VOICE``) becomes one ``TYPE=HOME,VOICE``."""
    result: list[tuple[str, str | None]] = []
    previous_was_bare_type = False
    for key, value in params:
        converted = _param_from_21(key, value)
        if converted is None:
            continue
        bare_type = value is None and converted[0] == "TYPE"
        if bare_type and previous_was_bare_type:
            result[-1] = ("TYPE", f"{result[-1][1]},{key}")
        else:
            result.append(converted)
        previous_was_bare_type = bare_type
    return tuple(result)


def _param_from_21(key: str, value: str | None) -> tuple[str, str] | None:
    """One 2.1 parameter in 3.0 form (a bare one gets its name); None for the 2.1 default VALUE=INLINE."""
    if value is None:
        upper = key.upper()
        key, value = ("ENCODING" if upper == "BASE64" else "VALUE" if upper in _VALUES_21 else "TYPE"), key
    upper = value.upper()
    if key == "ENCODING" and upper in BASE64_ENCODINGS:
        return key, "b"
    if key == "VALUE" and upper in _VALUES_21:
        return None if upper == "INLINE" else (key, _VALUES_21[upper])
    return key, value


def _params_to_21(prop: ContactProperty) -> Iterator[tuple[str, str | None]]:
    """3.0 parameters in 2.1 form: TYPE values as bare parameters (kept as TYPE= for media), BASE64, URL."""
    for key, value in prop.params:
        if key == "TYPE" and value is not None and prop.name not in _MEDIA:
            yield from ((item, None) for item in type_values(value))
        elif key == "ENCODING" and (value or "").lower() == "b":
            yield key, "BASE64"
        elif key == "VALUE" and (value or "").lower() == "uri":
            yield key, "URL"
        else:
            yield key, value


def type_values(value: str) -> list[str]:
    """The items of a TYPE parameter value (``"a,b"``, quoted or not)."""
    return [item.strip().strip('"') for item in value.split(",") if item.strip().strip('"')]


# ------------------------------------------------------------------------------------------- vCard 4.0

_NAMES_40 = {
    "ANNIVERSARY": "X-ANNIVERSARY",
    "GENDER": "X-GENDER",
    "KIND": "X-ADDRESSBOOKSERVER-KIND",
    "MEMBER": "X-ADDRESSBOOKSERVER-MEMBER",
}
"""Properties new in 4.0 -> the names 3.0 clients give them (Evolution, KAddressBook, Apple)."""
_NAMES_FROM_30 = {name_30: name_40 for name_40, name_30 in _NAMES_40.items()}
_KEY_FORMATS = {"PGP": "pgp-keys", "X509": "pkix-cert"}
_UNKNOWN_MEDIA = "application/octet-stream"
_DATA_URI = re.compile(r"data:([^;,]*)(?:;[^;,]*)*;base64,(.*)", re.IGNORECASE | re.DOTALL)
_TEL_URI = re.compile(r"\+[0-9][0-9().-]*(;ext=[0-9().-]+)?")
"""A global number that is a tel: URI's as it is (RFC 3966), with an extension or none."""


def _read_40(prop: Property) -> ContactProperty:
    """A 4.0 property in the 3.0 model: a data: URI as a base64 value, another media URI as VALUE=uri (3.0's
    default is binary), tel: and geo: URIs as their text, PREF=1 as TYPE=pref, 4.0's own properties under
    their 3.0 names."""
    name, params, value = _NAMES_40.get(prop.name, prop.name), list(_pref_as_type(prop.params)), prop.value
    value_type = (_parameter(params, "VALUE") or "").lower()
    if name in _MEDIA and not _is_binary(tuple(params)):
        data = _DATA_URI.fullmatch(value)
        if data is not None:
            params = [param for param in params if param[0] not in ("VALUE", "MEDIATYPE")]
            params += [("ENCODING", "b"), *_media_type_param(name, data.group(1))]
            value = data.group(2).translate(_NO_BLANKS)
        elif not value_type:
            params.append(("VALUE", "uri"))
    elif name == "TEL" and value_type in ("", "uri") and value[:4].lower() == "tel:":
        params, value = _without(params, "VALUE"), value[4:]
    elif name == "GEO" and value[:4].lower() == "geo:":
        coordinates = value[4:].split(";")[0].split(",")
        params, value = _without(params, "VALUE"), ";".join(coordinates[:2])
    return _read_30(Property(prop.group, name, tuple(params), value))


def _write_40(prop: ContactProperty) -> Property:
    name = _NAMES_FROM_30.get(prop.name, prop.name)
    params = list(_pref_as_parameter(prop.params))
    if prop.name in _MEDIA and prop.is_binary():
        media = _media_type(prop.name, _parameter(params, "TYPE"))
        kept = tuple(param for param in params if param[0] not in ("ENCODING", "TYPE"))
        return Property(prop.group, name, kept, f"data:{media};base64,{prop.text}")
    if prop.name in _MEDIA and (_parameter(params, "VALUE") or "").lower() == "uri":
        return Property(prop.group, name, tuple(_without(params, "VALUE")), prop.text)
    if prop.name == "TEL" and _parameter(params, "VALUE") is None and _TEL_URI.fullmatch(prop.text):
        return Property(prop.group, name, (*params, ("VALUE", "uri")), "tel:" + prop.text)
    if prop.name == "GEO" and len(prop.value) == 2 and all(len(items) == 1 and items[0] for items in prop.value):
        return Property(prop.group, name, tuple(params), f"geo:{prop.value[0][0]},{prop.value[1][0]}")
    return _write_30(ContactProperty(prop.group, name, tuple(params), prop.value))


def _with_formatted_name(card: VCard, written: list[Property]) -> list[Property]:
    """4.0 requires FN: one made from N (else ORG, else EMAIL) when the card has none."""
    if any(prop.name == "FN" for prop in written):
        return written
    by_name = {prop.name: prop for prop in reversed(card.properties) if not prop.is_empty()}
    formatted = ""
    if "N" in by_name:
        family, given, additional, prefix, suffix = (*by_name["N"].value, (), (), (), (), ())[:5]
        formatted = " ".join(item for part in (prefix, given, additional, family, suffix) for item in part if item)
    for fallback in ("ORG", "EMAIL"):
        if not formatted and fallback in by_name:
            formatted = next(item for items in by_name[fallback].value for item in items if item)
    if not formatted:
        return written
    return [_write_30(ContactProperty(None, "FN", (), ((formatted,),))), *written]


def _pref_as_type(params: Params) -> Iterator[tuple[str, str | None]]:
    for key, value in params:
        yield ("TYPE", "pref") if key == "PREF" and value == "1" else (key, value)


def _pref_as_parameter(params: Params) -> Iterator[tuple[str, str | None]]:
    """3.0's TYPE=pref as 4.0's PREF=1 (a TYPE left without values is dropped)."""
    preferred = False
    for key, value in params:
        if key == "TYPE" and value is not None:
            types = type_values(value)
            kept = [item for item in types if item.lower() != "pref"]
            preferred = preferred or len(kept) < len(types)
            if kept:
                yield key, ",".join(kept) if len(kept) < len(types) else value
        else:
            yield key, value
    if preferred:
        yield "PREF", "1"


def _media_type(name: str, format_type: str | None) -> str:
    """The media type of a 3.0 binary value of ``name`` with TYPE ``format_type`` (JPEG, PGP, image/png)."""
    if not format_type:
        return _UNKNOWN_MEDIA
    if "/" in format_type:
        return format_type.lower()
    subtype = _KEY_FORMATS.get(format_type.upper()) if name == "KEY" else None
    return f"{_MEDIA[name]}/{subtype or format_type.lower()}"


def _media_type_param(name: str, media: str) -> list[tuple[str, str | None]]:
    """The 3.0 TYPE of a binary value of ``name`` in media type ``media`` (none for an unknown one)."""
    media = media.strip().lower()
    if not media or media == _UNKNOWN_MEDIA:
        return []
    family, _, subtype = media.partition("/")
    formats = {value: key for key, value in _KEY_FORMATS.items()} if name == "KEY" else {}
    if family != _MEDIA[name] or not subtype:
        return [("TYPE", media)]
    return [("TYPE", formats.get(subtype, subtype.upper()))]


def _parameter(params: list[tuple[str, str | None]] | Params, name: str) -> str | None:
    return next((value for key, value in params if key == name), None)


def _without(params: list[tuple[str, str | None]], name: str) -> list[tuple[str, str | None]]:
    return [param for param in params if param[0] != name]


# ------------------------------------------------------------------------------------------------ merge


def merge(stored: VCard, incoming: VCard, device_properties: frozenset[str] | None) -> VCard:
    """``incoming`` replaced ``stored``: fields the device supports come from ``incoming``, the rest stay.

    ``device_properties`` are property names from the device's CTCap (None: it supports everything);
    a name ending in ``*`` (``X-*``) covers every name with that prefix. PRODID and REV always come
    from ``incoming``, and so does any property the stored card lacks; a stored UID stays unless the
    device sent one. The result is ``incoming``'s properties in its order, then the stored ones kept.
    """
    supported = property_coverage(device_properties)
    incoming_names = {prop.name for prop in incoming.properties}
    stored_names = {prop.name for prop in stored.properties}

    def kept_from_stored(name: str) -> bool:
        return name not in _REVISION_PROPERTIES and not supported(name)

    taken = tuple(
        prop for prop in incoming.properties if not kept_from_stored(prop.name) or prop.name not in stored_names
    )
    kept = tuple(
        prop
        for prop in stored.properties
        if kept_from_stored(prop.name) or (prop.name not in incoming_names and prop.name in _ALWAYS_KEPT)
    )
    return VCard(incoming.version, taken + kept)


def merge_changes(
    server: VCard, client: VCard, prefer_client: bool, base: VCard | None = None, keep_all: bool = False
) -> VCard:
    """Both sides changed one contact: a field-level merge.

    A field is a property name with its group. With ``base`` (the version both sides started from),
    a field only one side changed takes that side's values, and a field both changed the preferred
    side's. Without it, a field only one side has is kept and where both have it and it differs the
    preferred side wins. The client's fields come first, in its order, then the server's others.
    ``keep_all`` (two copies of one contact, no side preferred) loses nothing instead: a field that may
    repeat keeps the values of both (a phone number once, however it is written), one that may not
    keeps the client's value with its empty components filled from the server's (a middle name).
    """
    server_fields, client_fields = _fields(server), _fields(client)
    base_fields = _fields(base) if base is not None else None

    def winner(key: tuple[str | None, str]) -> list[ContactProperty]:
        ours, theirs = client_fields.get(key, []), server_fields.get(key, [])
        if keep_all:
            return _all_values(key[1], ours, theirs)
        if base_fields is None:
            return ours if ours and (prefer_client or not theirs) else theirs
        original = _normal_lines(base_fields.get(key, []))
        if _normal_lines(ours) == original:
            return theirs
        if _normal_lines(theirs) == original:
            return ours
        return ours if prefer_client else theirs

    keys = [*client_fields, *(key for key in server_fields if key not in client_fields)]
    return VCard(client.version, tuple(prop for key in keys for prop in winner(key)))


_SINGLE_VALUED = frozenset({"N", "FN", "BDAY", "UID", "REV", "PRODID", "CLASS", "GEO", "TZ", "SORT-STRING"})
"""Properties a vCard 3.0 holds once."""


def _all_values(name: str, ours: list[ContactProperty], theirs: list[ContactProperty]) -> list[ContactProperty]:
    """The values of a field two copies of a contact have, nothing lost (see ``merge_changes``)."""
    if not ours or not theirs:
        return ours or theirs
    if name in _SINGLE_VALUED:
        first, other = ours[0], theirs[0]
        filled = tuple(mine if any(mine) else yours for mine, yours in _padded(first.value, other.value))
        return [ContactProperty(first.group, first.name, first.params, filled)]
    kept, seen = list(ours), {_value_key(prop) for prop in ours}
    for prop in theirs:
        if _value_key(prop) not in seen:
            kept.append(prop)
            seen.add(_value_key(prop))
    return kept


def _padded(mine: Value, yours: Value) -> Iterator[tuple[tuple[str, ...], tuple[str, ...]]]:
    for index in range(max(len(mine), len(yours))):
        yield (mine[index] if index < len(mine) else ()), (yours[index] if index < len(yours) else ())


def _value_key(prop: ContactProperty) -> str | None:
    """What makes two values of a repeating field the same: a phone's last nine digits, an address's
    case-folded text, else the normal form."""
    if prop.name == "TEL":
        digits = re.sub(r"\D", "", prop.text)
        if digits:
            return "TEL:" + digits[-9:]
    if prop.name == "EMAIL":
        return "EMAIL:" + prop.text.strip().casefold()
    return _normal_line(prop)


def _fields(card: VCard) -> dict[tuple[str | None, str], list[ContactProperty]]:
    grouped: dict[tuple[str | None, str], list[ContactProperty]] = {}
    for prop in card.properties:
        grouped.setdefault((prop.group, prop.name), []).append(prop)
    return grouped


def _normal_lines(props: list[ContactProperty]) -> list[str]:
    return sorted(line for line in map(_normal_line, props) if line is not None)


def revision(card: VCard) -> str | None:
    """The card's REV as comparable digits (``2024-01-02T03:04:05Z`` -> ``20240102030405``)."""
    rev = next((prop.text for prop in card.properties if prop.name == "REV"), None)
    digits = re.sub(r"\D", "", rev or "")
    return digits or None


# ------------------------------------------------------------------------------------------ normal form

# dropped from the normal form: they change on every write or are not sent by every client
_NOT_COMPARED = frozenset({"PRODID", "REV", "UID"})
_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(.*)", re.DOTALL)


def normal_form(card: VCard) -> str:
    """Canonical text for comparing contacts, blind to how a client re-encodes the same data.

    Lines are unfolded and sorted; PRODID/REV/UID and empty properties are dropped; parameter names and
    TYPE values are upper-cased and sorted; BDAY is YYYYMMDD; trailing empty components are cut;
    CATEGORIES values are sorted; text is written with 3.0 escaping.
    """
    lines = (_normal_line(prop) for prop in card.properties if prop.name not in _NOT_COMPARED)
    return "\n".join(sorted(line for line in lines if line is not None))


def _normal_line(prop: ContactProperty) -> str | None:
    if not any(map(any, prop.value)):
        return None
    kind = _kind(prop.name, prop.params)
    if prop.name == "BDAY":
        value = _DATE.sub(r"\1\2\3\4", prop.text)
    elif kind is ValueKind.RAW:
        value = prop.text
    elif kind is ValueKind.TEXT:
        value = _escape_30(prop.text)
    elif kind is ValueKind.LIST:
        value = ",".join(sorted(_escape_30(item) for items in prop.value for item in items))
    else:
        components = [",".join(map(_escape_30, items)) for items in prop.value]
        while components and not components[-1]:
            components.pop()
        value = ";".join(components)
    head = f"{prop.group.upper()}.{prop.name}" if prop.group else prop.name
    return f"{head}{_normal_params(prop.params) if prop.params else ''}:{value}"


def _normal_params(params: Params) -> str:
    """The parameters of a normal form's line, remembered for the parameters of short headers (a few make up most
    lines)."""
    found = _FIND_NORMAL_PARAMS(params)
    if found is not None:
        return found
    types = sorted({item.upper() for key, value in params if key == "TYPE" and value for item in type_values(value)})
    others = sorted(
        f";{key.upper()}" if value is None else f";{key.upper()}={value.upper()}"
        for key, value in params
        if key != "TYPE"
    )
    text = "".join(([f";TYPE={','.join(types)}"] if types else []) + others)
    return _NORMAL_PARAMS.put(params, text, len(text) + sum(len(key) + len(value or "") for key, value in params))


_NORMAL_PARAMS: BoundedMap[Params, str] = bounded_map(
    "vcard_headers", lambda limits: (limits.vcard_headers, limits.header_chars)
)
_FIND_NORMAL_PARAMS = _NORMAL_PARAMS.peek
