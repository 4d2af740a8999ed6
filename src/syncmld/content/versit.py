"""Versit (vCard/vCalendar/vNote) line lexer and serializer.

Our own code rather than vobject: vobject does not parse vCard 2.1 quoted-printable soft line breaks,
loses parameter order and unknown parameters, and we need byte-faithful round trips.

Transfer encodings are decoded here and never reach the caller: quoted-printable values are decoded,
CHARSET is applied (default UTF-8, latin-1 when the bytes are not UTF-8), and both parameters are
dropped from the result; ``serialize`` adds them back where the target version needs them.
Backslash escapes are left in the value: their rules depend on the format and its version.
"""

import binascii
import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map
from syncmld.errors import RemoteError
from syncmld.records import record
from syncmld.status import StatusCode

CRLF = "\r\n"
FOLD_OCTETS = 75
QP_LINE_CHARS = 76

_NAME = re.compile(r"[A-Za-z0-9_/*-]+")
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
BASE64_ENCODINGS = frozenset({"B", "BASE64"})
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_NO_WHITESPACE = str.maketrans("", "", " \t\r\n")
_TRANSFER_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "8BIT", "7BIT"})
_ESCAPES_AND_SEPARATORS = {separator: re.compile(r"\\.|" + separator, re.DOTALL) for separator in ";,"}
"""A backslash with the character it escapes, or a separator (found left to right, so escaped ones are skipped)."""

Params = tuple[tuple[str, str | None], ...]


@record
class Property:
    """One content line: ``[group.]NAME;param=value;BAREPARAM:value``; a bare parameter has value None."""

    group: str | None
    name: str
    params: Params
    value: str

    def param(self, name: str) -> str | None:
        """Value of the first parameter called ``name`` (None if absent or bare)."""
        return _param(self.params, name)

    def has_bare(self, token: str) -> bool:
        """Whether the 2.1-style bare parameter ``token`` is present (case-insensitive)."""
        return _has_bare(self.params, token)

    def is_binary(self) -> bool:
        """Whether the value is base64 text (ENCODING=BASE64 / ENCODING=b or a bare BASE64)."""
        return _is_binary(self.params)


def _param(params: Params, name: str) -> str | None:
    for key, value in params:
        if key == name:
            return value
    return None


def _has_bare(params: Params, token: str) -> bool:
    return any(value is None and key.upper() == token for key, value in params)


def _is_binary(params: Params) -> bool:
    encoding = _param(params, "ENCODING")
    return (encoding is not None and encoding.upper() in BASE64_ENCODINGS) or _has_bare(params, "BASE64")


def bad_request(message: str) -> RemoteError:
    return RemoteError(message, StatusCode.BAD_REQUEST)


# ---------------------------------------------------------------------------------------------- parsing


def parse_lines(text: str) -> list[Property]:
    """Split Versit text into properties (CRLF or LF, folded lines, QP and CHARSET decoded).

    ``text`` may carry undecodable bytes as surrogate escapes (``bytes.decode("utf-8",
    "surrogateescape")``); they are decoded per property with its CHARSET, or latin-1.
    """
    return [Property(header.group, header.name, header.kept, value) for header, value in lex(text)]


def lex(text: str, escaped: bool | None = None) -> list[tuple["Header", str]]:
    """``parse_lines`` without building properties: each content line's header and decoded value.

    One pass over the physical lines. A line continues the one before when it is indented, when that
    one is quoted-printable and ends with a soft line break '=', or, in a 2.1 base64 value, when it
    holds no ':' (base64 text need not be indented); blank lines separate nothing. An indented line of
    blanks alone continues the value only when a line with more than blanks goes on it after it (a long
    run of blanks folded); at a value's end it is one of a device's blank lines, and ignored. A fold may fall inside
    a header too (RFC 2425 allows one anywhere): a line without ':' goes on in the indented lines after it.
    A line is read when the next one starts, so the first broken line is the one reported. Most texts are read a logical
    line at a time (``_lex_simple``), the others one physical line at a time, with the same result.
    ``escaped`` says whether the text holds undecodable bytes, when the caller knows.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if escaped is None:
        escaped = _has_escaped_bytes(text)
    simple = None if escaped else _lex_simple(text)
    return simple if simple is not None else _lex_lines(text, escaped)


def _lex_lines(text: str, escaped: bool) -> list[tuple["Header", str]]:
    """``lex`` of any text (line breaks LF), one physical line at a time."""
    found: list[tuple[Header, str]] = []
    keep_fold_whitespace = False
    header: Header | None = None
    raw = ""
    continuation: list[str] = []
    blank_folds: list[str] = []
    unfinished = ""
    for line in text.split("\n"):
        if unfinished:
            if not (line[:1] in (" ", "\t") and line.strip()):
                raise bad_request(f"content line without ':': {_clean(unfinished)[:60]!r}")
            line, unfinished = unfinished + line[1:], ""
        if header is not None:
            if header.soft_breaks and (continuation[-1] if continuation else raw).endswith("="):
                continuation.append(line)
                continue
            if line and (line[0] in " \t" or (header.unindented and ":" not in line)):
                if not line.strip():
                    blank_folds.append(line)
                    continue
                continuation += blank_folds
                blank_folds.clear()
                continuation.append(line)
                continue
            blank_folds.clear()
            plain = not continuation and not escaped and header.transfer is Transfer.TEXT
            value = raw if plain else _value(header, raw, continuation, keep_fold_whitespace, escaped)
            if header.name == "VERSION":
                keep_fold_whitespace = value.strip() == "2.1"
            found.append((header, value))
            header = None
        if line.strip():
            colon = line.find(":")
            if colon < 0:
                unfinished = line
                continue
            if line.find('"', 0, colon) >= 0:
                colon = len(_header_of(line))
            header, raw, continuation = read_header(line[:colon]), line[colon + 1 :], []
    if unfinished:
        raise bad_request(f"content line without ':': {_clean(unfinished)[:60]!r}")
    if header is not None:
        found.append((header, _value(header, raw, continuation, keep_fold_whitespace, escaped)))
    return found


def _lex_simple(text: str) -> list[tuple["Header", str]] | None:
    """``lex`` of a text without escaped bytes whose lines follow one another in the common way: no
    quoted-printable or 2.1 base64 value, no quoted header, no blank line before an indented one, no fold in
    a 2.1 object; None for any other text, and for one ``lex`` refuses (it says why)."""
    found: list[tuple[Header, str]] = []
    header: Header | None = None
    value = ""
    quoted = '"' in text
    folded = binary = False
    try:
        for line in text.split("\n"):
            if not line:
                if header is not None:
                    found.append((header, value))
                    header = None
            elif line[0] == " " or line[0] == "\t":
                if header is None or not line.strip():
                    return None
                value += line[1:]
                folded = True
            else:
                if header is not None:
                    found.append((header, value))
                colon = line.find(":")
                if colon < 0 or (quoted and line.find('"', 0, colon) >= 0):
                    return None
                header, value = read_header(line[:colon]), line[colon + 1 :]
                if not header.simple:
                    if header.transfer is not Transfer.BASE64 or header.unindented or header.soft_breaks:
                        return None
                    binary = True
    except RemoteError:
        return None
    if header is not None:
        found.append((header, value))
    if folded and any(header.name == "VERSION" and value.strip() == "2.1" for header, value in found):
        return None
    if binary:
        return [(header, value if header.simple else value.translate(_NO_WHITESPACE)) for header, value in found]
    return found


def _header_of(line: str) -> str:
    """Everything before the first ':' that is not inside double quotes (a line that has one)."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:index]
    return line[: line.find(":")]


def _value(header: "Header", raw: str, continuation: list[str], keep_fold_whitespace: bool, escaped: bool) -> str:
    """A content line's value, its transfer encoding and CHARSET undone (``escaped``: the text holds
    undecodable bytes)."""
    if header.transfer is Transfer.TEXT:
        value = raw + _unfolded(continuation, keep_fold_whitespace) if continuation else raw
        return _apply_charset(value, header.charset) if escaped else value
    if header.transfer is Transfer.QUOTED_PRINTABLE:
        return decode_quoted_printable(_join_qp(raw, continuation), header.charset)
    value = "".join([raw, *continuation]).translate(_NO_WHITESPACE)
    return _clean(value) if escaped else value


class Transfer(Enum):
    """How a property's value is encoded on the line."""

    TEXT = "text"
    QUOTED_PRINTABLE = "quoted-printable"
    BASE64 = "base64"


@dataclass(frozen=True, slots=True)
class Header:
    """What a content line's header says: the property's name, the parameters it keeps, its encoding."""

    group: str | None
    name: str
    kept: Params
    """The parameters without the transfer encoding and CHARSET, which are decoded here."""
    transfer: Transfer
    charset: str | None
    soft_breaks: bool
    """The header names QUOTED-PRINTABLE: a line ending in '=' goes on in the next."""
    unindented: bool
    """The header names BASE64: a line without ':' goes on the value (2.1 base64 need not be indented)."""
    written: str
    """``content_line`` of the name and the kept parameters, without the ':' and value."""
    simple: bool
    """A text value whose lines follow one another only by indenting (not quoted-printable, not base64)."""


def read_header(header: str) -> Header:
    """The header's meaning, cached when short (a few header texts make up most lines)."""
    return _FIND_MEANING(header) or _MEANINGS.put(header, _meaning(header), len(header))


def _meaning(header: str) -> Header:
    group, name, params = _parse_header(header)
    if (_param(params, "ENCODING") or "").upper() == "QUOTED-PRINTABLE" or _has_bare(params, "QUOTED-PRINTABLE"):
        transfer = Transfer.QUOTED_PRINTABLE
    elif _is_binary(params):
        transfer = Transfer.BASE64
    else:
        transfer = Transfer.TEXT
    kept = tuple((key, val) for key, val in params if not _is_transfer_param(key, val))
    upper = header.upper()
    written = content_line(group, name, kept, "")[:-1]
    soft_breaks, unindented = "QUOTED-PRINTABLE" in upper, "BASE64" in upper
    simple = transfer is Transfer.TEXT and not soft_breaks and not unindented
    return Header(group, name, kept, transfer, _param(params, "CHARSET"), soft_breaks, unindented, written, simple)


_MEANINGS: BoundedMap[str, Header] = bounded_map("headers", lambda limits: (limits.headers, limits.header_chars))
"""Headers read, when short: the cache's memory stays bounded whatever a client sends."""
_FIND_MEANING = _MEANINGS.peek


def _unfolded(continuation: list[str], keep_fold_whitespace: bool) -> str:
    """Continuation lines joined, each without its folding space (2.1 keeps it: it is part of the value)."""
    return "".join(continuation) if keep_fold_whitespace else "".join(line[1:] for line in continuation)


def _is_transfer_param(key: str, value: str | None) -> bool:
    """CHARSET and 7bit/8bit/quoted-printable ENCODING: decoded here, meaningless afterwards."""
    if value is None:
        return key.upper() in _TRANSFER_ENCODINGS
    return key == "CHARSET" or (key == "ENCODING" and value.upper() in _TRANSFER_ENCODINGS)


def _parse_header(header: str) -> tuple[str | None, str, Params]:
    parts = _split_unquoted(header, ";")
    group, _, name = parts[0].strip().rpartition(".")
    if not _NAME.fullmatch(name) or (group and not _NAME.fullmatch(group)):
        raise bad_request(f"invalid property name {_clean(parts[0])[:60]!r}")
    params: list[tuple[str, str | None]] = []
    for part in parts[1:]:
        key, equals, value = _clean(part).partition("=")
        key = key.strip()
        if not key:
            continue
        params.append((key.upper(), value.strip()) if equals else (key, None))
    return group or None, name.upper(), tuple(params)


def _split_unquoted(text: str, separator: str) -> list[str]:
    if '"' not in text:
        return text.split(separator)
    parts: list[str] = []
    start = 0
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _join_qp(raw: str, continuation: list[str]) -> str:
    """Join soft line breaks ('=' at line end); a continuation without one is an ordinary fold."""
    joined = raw
    for line in continuation:
        joined = joined[:-1] + line if joined.endswith("=") else joined + line.lstrip(" \t")
    return joined


def decode_quoted_printable(encoded: str, charset: str | None) -> str:
    """A quoted-printable value (its soft line breaks joined) decoded by ``charset``, its line breaks LF: each
    ``=XX`` is the octet XX, any other '=' stays as it is (but those that end the value)."""
    data = _to_bytes(encoded.rstrip("="))
    escaped_only = _QP_LITERAL_EQUALS.search(data) is None  # binascii's decoding is then the escapes'
    text = _decode_bytes(binascii.a2b_qp(data) if escaped_only else _QP_ESCAPE.sub(_qp_octet, data), charset)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_QP_LITERAL_EQUALS = re.compile(rb"=(?![0-9A-Fa-f]{2})")
"""An '=' that starts no escape (``binascii.a2b_qp`` reads some as soft line breaks, '==' as one '=')."""


def _qp_octet(escape: re.Match[bytes]) -> bytes:
    return bytes([int(escape.group(1), 16)])


def _apply_charset(value: str, charset: str | None) -> str:
    """Re-decode an 8-bit value that is not valid UTF-8 with its CHARSET (valid UTF-8 wins over the label)."""
    if not _has_escaped_bytes(value):
        return value
    return _decode_bytes(_to_bytes(value), charset)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    if charset and not _is_utf8(charset):
        try:
            return data.decode(charset.strip('"'))
        except (LookupError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset.strip('"')).name == "utf-8"
    except (LookupError, ValueError):
        return False


def _to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _has_escaped_bytes(text: str) -> bool:
    return not text.isascii() and _ESCAPED_BYTE.search(text) is not None


def _clean(text: str) -> str:
    """``text`` with escaped bytes read as latin-1 (for names, parameters and messages)."""
    return _to_bytes(text).decode("latin-1") if _has_escaped_bytes(text) else text


# ------------------------------------------------------------------------------------------ serializing


def escape(text: str, specials: str) -> str:
    """A value with backslashes and each of ``specials`` escaped by a backslash (2.1 and 1.0 values)."""
    escaped = text.replace("\\", "\\\\")
    for char in specials:
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def split_escaped(text: str, separator: str) -> list[str]:
    """Split at ``separator`` (``;`` or ``,``) where it is not backslash-escaped (escapes stay in the parts)."""
    if "\\" not in text:
        return text.split(separator)
    parts: list[str] = []
    start = 0
    for match in _ESCAPES_AND_SEPARATORS[separator].finditer(text):
        if match.group() == separator:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


def serialize(props: Iterable[Property], version: str) -> str:
    """Content lines joined by CRLF (with a final CRLF).

    3.0 lines are folded at 75 octets. 2.1 values that are not ASCII or span lines are written as
    ``ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8``; 2.1 base64 values are folded and end with a blank line.
    """
    if version == "2.1":
        lines = [line for prop in props for line in _lines_21(prop)]
    else:
        lines = [fold(content_line(prop.group, prop.name, prop.params, prop.value)) for prop in props]
    return CRLF.join(lines) + CRLF if lines else ""


def _lines_21(prop: Property) -> list[str]:
    return lines_21(content_line(prop.group, prop.name, prop.params, ""), prop.is_binary(), prop.value)


_QP_PARAMS = ";ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8"


def lines_21(head: str, binary: bool, value: str) -> list[str]:
    """The 2.1 lines of a property whose ``content_line`` without a value is ``head`` (``NAME;PARAMS:``):
    ``value`` as it is, folded if ``binary`` (base64), or quoted-printable when it is not ASCII or spans lines."""
    if binary:
        return [fold(head + value), ""]
    if value.isascii() and "\n" not in value and "\r" not in value:
        return [head + value]
    return [_qp_lines(head[:-1] + _QP_PARAMS + ":", value)]


def content_line(group: str | None, name: str, params: Params, value: str) -> str:
    """``[group.]NAME;param=value;BAREPARAM:value``, unfolded."""
    head = f"{group}.{name}" if group else name
    rendered = "".join(f";{key}" if val is None else f";{key}={val}" for key, val in params) if params else ""
    return f"{head}{rendered}:{value}"


_BLANKS = b" \t"


def fold(line: str) -> str:
    """RFC 2425 folding at 75 octets (CRLF + space), never inside the header nor a UTF-8 sequence.

    A piece ends beside no blank where the line allows, else after a non-blank (readers trim blanks at line
    ends). Only a run of blanks longer than a line gives pieces of blanks alone; the lexer keeps them when
    a line with more than blanks goes on the value after them, so a value reads back whole, but for the
    blanks at its end beyond what the line of its last non-blank holds (read as a device's blank lines).
    """
    if len(line) <= FOLD_OCTETS and line.isascii():
        return line
    data = line.encode("utf-8")
    if len(data) <= FOLD_OCTETS:
        return line
    colon = line.find(":")
    if line.find('"', 0, colon) >= 0:
        colon = len(_header_of(line))
    value_start = len(line[:colon].encode("utf-8")) + 1
    text_end = len(line.rstrip().encode("utf-8")) if line[-1].isspace() else len(data)
    pieces: list[str] = []
    start, limit = 0, FOLD_OCTETS
    while len(data) - start > limit:
        cut = _fold_point(data, start if start > value_start else value_start, start + limit, text_end)
        pieces.append(data[start:cut].decode("utf-8"))
        start, limit = cut, FOLD_OCTETS - 1
    pieces.append(data[start:].decode("utf-8"))
    return (CRLF + " ").join(pieces)


def _fold_point(data: bytes, floor: int, cut: int, text_end: int) -> int:
    """Where to fold at or before ``cut`` and after ``floor`` (where the piece or the value starts), before
    ``text_end`` (where the blanks that end the line start) if it can: not inside a UTF-8 sequence; between two
    non-blanks if the piece has them, else after a non-blank, else at ``cut``."""
    while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its sequence
        cut -= 1
    point = cut if cut < text_end else text_end - 1
    after_text = 0
    while point > floor:
        if data[point - 1] not in _BLANKS and data[point] & 0xC0 != 0x80:
            if data[point] not in _BLANKS:
                return point
            after_text = after_text or point
        point -= 1
    return after_text or cut


def _qp_lines(head: str, value: str) -> str:
    """``head`` + quoted-printable ``value`` with soft line breaks keeping lines within 76 characters
    (an escape is never split; a trailing blank is escaped)."""
    encoded = _QP_SPECIAL.sub(_qp_escape, value.replace("\n", "\r\n").encode("utf-8")).decode("ascii")
    lines: list[str] = []
    first, start, room = head, 0, max(QP_LINE_CHARS - 3 - len(head), 0)
    while len(encoded) - start > room:
        cut = start + room
        if cut > start and encoded[cut - 1] == "=":
            cut -= 1
        elif cut - 2 >= start and encoded[cut - 2] == "=":
            cut -= 2
        lines.append(first + encoded[start:cut] + "=")
        first, start, room = "", cut, QP_LINE_CHARS - 3
    last = first + encoded[start:]
    lines.append(last[:-1] + "=20" if last.endswith(" ") else last)
    return CRLF.join(lines)


_QP_SPECIAL = re.compile(rb"[^\x20-\x3c\x3e-\x7e]")
"""An octet quoted-printable writes as ``=XX``: outside printable ASCII, or '='."""


def _qp_escape(match: re.Match[bytes]) -> bytes:
    return b"=%02X" % match.group()[0]
