"""WBXML 1.1-1.3 bytes -> namespace-free element trees, over the tag tables of ``codepages`` (writing
is ``wbxml_writer``'s job).

Sans-IO and generic: it knows the WBXML layout (header, mb_u_int32, string table, global tokens,
tag bits), not SyncML. Decoding builds the same kind of tree the XML codec builds and leaves the
meaning of OPAQUE data to the caller: every element whose whole content is OPAQUE is reported with
its bytes and no text. Every malformed input raises ``DecodeError``; lengths are checked against
the bytes actually there before anything is allocated, and nesting is bounded. So is what a document
decodes to (``DecodedSize``): a string-table entry referred to many times is counted every time, so a
small document cannot decode to a large tree.

Tolerated and ignored: processing instructions, EXT_* tokens, attributes (SyncML defines none; some
Nokia software sends ``xmlns`` as a LITERAL attribute without a string table).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lxml import etree

from syncmld.errors import DecodeError, LocalError
from syncmld.protocol.codepages import Pages
from syncmld.protocol.tree import Element, xml_safe
from syncmld.protocol.xml import MAX_DEPTH
from syncmld.status import StatusCode

SWITCH_PAGE = 0x00
END = 0x01
ENTITY = 0x02
STR_I = 0x03
LITERAL = 0x04
EXT_I = frozenset({0x40, 0x41, 0x42})
PI = 0x43
EXT_T = frozenset({0x80, 0x81, 0x82})
STR_T = 0x83
EXT = frozenset({0xC0, 0xC1, 0xC2})
OPAQUE = 0xC3
_INLINE_STRINGS = frozenset({STR_I, *EXT_I})
_TABLE_STRINGS = frozenset({STR_T, *EXT_T})

HAS_CONTENT = 0x40
HAS_ATTRIBUTES = 0x80
TAG_IDENTITY = 0x3F

WRITTEN_VERSION = 0x02
"""WBXML 1.2, as libsynthesis and Funambol write."""
UTF_8 = 106

_VERSIONS = frozenset({0x01, 0x02, 0x03})
_CHARSETS: Mapping[int, str] = {0: "utf-8", 3: "ascii", 4: "latin-1", UTF_8: "utf-8"}
"""IANA MIBenum -> Python codec: UTF-8 (0 = not said) and the charsets that are subsets of it or
read byte for byte."""
_UNKNOWN_PUBLIC_ID = 1
_PUBLIC_ID_IN_TABLE = 0
_MAX_MB_BYTES = 5
_MAX_UINT32 = 0xFFFFFFFF
_MAX_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)
_PADDING = b"\x00\t\n\r "
ELEMENT_SIZE = 8
"""What an element counts for in a document's decoded size: about the markup of a short XML element."""


@dataclass(frozen=True)
class Header:
    version: int
    public_id: int | str | None
    """A registered number, the FPI text from the string table, or None when unknown."""
    charset: str


@dataclass(frozen=True)
class Document:
    header: Header
    root: Element
    opaque: tuple[tuple[Element, bytes], ...]
    """Leaf elements whose content came as OPAQUE data, with that data (their text is unset)."""


class DecodedSize:
    """What the documents of one message decode to so far: text and data bytes (each reference to a
    string-table entry counted again) plus ``ELEMENT_SIZE`` an element; DecodeError 413 past ``limit``."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.used = 0

    def add(self, size: int) -> None:
        self.used += size
        if self.limit is not None and self.used > self.limit:
            raise DecodeError(f"WBXML document decodes to more than {self.limit} bytes", StatusCode.ENTITY_TOO_LARGE)


def opaque_text(data: bytes, charset: str) -> str | None:
    """OPAQUE data as text, when it is text in the document's charset that XML can carry."""
    try:
        text = data.decode(charset)
    except UnicodeDecodeError:
        return None
    return text if xml_safe(text) == text else None


# Decoding


class _Reader:
    """Bytes consumed front to back; reading past the end is a decode error."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def only_padding_left(self) -> bool:
        """Whether nothing but whitespace or NULs (which files and some devices add) is left."""
        return not self._data[self._pos :].strip(_PADDING)

    def byte(self) -> int:
        if self._pos >= len(self._data):
            raise DecodeError("WBXML document ends early")
        value = self._data[self._pos]
        self._pos += 1
        return value

    def number(self) -> int:
        """An mb_u_int32: big-endian base 128, bit 7 set on every byte but the last."""
        value = 0
        for _ in range(_MAX_MB_BYTES):
            byte = self.byte()
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                if value > _MAX_UINT32:
                    raise DecodeError("mb_u_int32 larger than 32 bits")
                return value
        raise DecodeError(f"mb_u_int32 longer than {_MAX_MB_BYTES} bytes")

    def take(self, length: int) -> bytes:
        end = self._pos + length
        if end > len(self._data):
            raise DecodeError(f"length {length} runs past the end of the WBXML document")
        value = self._data[self._pos : end]
        self._pos = end
        return value

    def inline_string(self) -> bytes:
        end = self._data.find(0, self._pos)
        if end < 0:
            raise DecodeError("inline string without its terminating NUL")
        value = self._data[self._pos : end]
        self._pos = end + 1
        return value


def _table_string(table: bytes, index: int, size: DecodedSize) -> bytes:
    """The string at ``index`` of the string table, up to a NUL or the end of the table, counted in ``size``
    before it is copied."""
    if index >= len(table):
        raise DecodeError(f"string table reference {index} past its end ({len(table)} bytes)")
    end = table.find(0, index)
    size.add((len(table) if end < 0 else end) - index)
    return table[index:] if end < 0 else table[index:end]


def _read_header(reader: _Reader, size: DecodedSize) -> tuple[Header, bytes]:
    version = reader.byte()
    if version not in _VERSIONS:
        raise DecodeError(f"WBXML version byte {version:#04x} is not 1.1, 1.2 or 1.3")
    public_id = reader.number()
    fpi_index = reader.number() if public_id == _PUBLIC_ID_IN_TABLE else None
    mib = reader.number()
    charset = _CHARSETS.get(mib)
    if charset is None:
        raise DecodeError(f"WBXML charset MIBenum {mib} is not UTF-8 or a subset of it")
    table = reader.take(reader.number())
    known: int | str | None = None if public_id == _UNKNOWN_PUBLIC_ID else public_id
    if fpi_index is not None:
        known = _table_string(table, fpi_index, size).decode("latin-1").strip()
    return Header(version=version, public_id=known, charset=charset), table


def read_header(body: bytes) -> Header:
    """The header of a WBXML document, without its body."""
    return _read_header(_Reader(body), DecodedSize())[0]


def parse(body: bytes, pages_for: Callable[[Header], Pages], size: DecodedSize | None = None) -> Document:
    """A WBXML document as a tree, read with the code pages ``pages_for`` picks from its header; what it
    decodes to is added to ``size`` (the documents nested in one message share one)."""
    size = size or DecodedSize()
    reader = _Reader(body)
    header, table = _read_header(reader, size)
    parser = _Parser(reader, table, pages_for(header), header.charset, size)
    root = parser.body()
    return Document(header=header, root=root, opaque=tuple(parser.opaque))


class _Open:
    """An element whose END has not come yet, and the content read since its last child."""

    __slots__ = ("element", "last_child", "segment")

    def __init__(self, element: Element) -> None:
        self.element = element
        self.segment: list[str | bytes] = []
        self.last_child: Element | None = None


class _Parser:
    def __init__(self, reader: _Reader, table: bytes, pages: Pages, charset: str, size: DecodedSize) -> None:
        self._reader = reader
        self._table = table
        self._size = size
        self._pages = pages
        self._charset = charset
        self._page = 0
        self._tags = pages.get(0, {})
        self.opaque: list[tuple[Element, bytes]] = []

    def body(self) -> Element:
        """``*pi element *pi``: the root element and its content (then only PIs or padding)."""
        root: Element | None = None
        stack: list[_Open] = []
        while not (root is not None and not stack and self._reader.only_padding_left()):
            token = self._reader.byte()
            if token == SWITCH_PAGE:
                self._page = self._reader.byte()
                self._tags = self._pages.get(self._page, {})
            elif token == PI:
                self._skip_attributes()
            elif stack:
                self._content(token, stack)
            elif root is None:
                root = self._start(token, None, stack)
            else:
                raise DecodeError(f"token {token:#04x} after the root element")
        return root

    def _content(self, token: int, stack: list[_Open]) -> None:
        current = stack[-1]
        if token & TAG_IDENTITY >= LITERAL:
            self._start(token, current, stack)
        elif token == END:
            if current.segment:
                self._flush(current, closing=True)
            stack.pop()
        elif token == STR_I:
            current.segment.append(self._text(self._counted(self._reader.inline_string())))
        elif token == STR_T:
            current.segment.append(self._text(self._table_string()))
        elif token == ENTITY:
            current.segment.append(_entity(self._reader.number()))
            self._size.add(1)
        elif token == OPAQUE:
            current.segment.append(self._counted(self._reader.take(self._reader.number())))
        elif token in EXT_I:
            self._reader.inline_string()
        elif token in EXT_T:
            self._table_string()

    def _start(self, token: int, parent: _Open | None, stack: list[_Open]) -> Element:
        element = self._new_element(self._tag_name(token), parent)
        if token & HAS_ATTRIBUTES:
            self._skip_attributes()
        if token & HAS_CONTENT:
            if len(stack) >= MAX_DEPTH:
                raise DecodeError(f"elements nested deeper than {MAX_DEPTH} levels")
            stack.append(_Open(element))
        return element

    def _tag_name(self, token: int) -> str:
        identity = token & TAG_IDENTITY
        if identity == LITERAL:
            raw = self._table_string()
            try:
                return raw.decode(self._charset)
            except UnicodeDecodeError as error:
                raise DecodeError("literal tag name that is not text") from error
        if identity < LITERAL:
            raise DecodeError(f"token {token:#04x} where an element should start")
        name = self._tags.get(identity)
        if name is None:
            raise DecodeError(f"unknown tag token {identity:#04x} on code page {self._page}")
        return name

    def _new_element(self, name: str, parent: _Open | None) -> Element:
        self._size.add(ELEMENT_SIZE)
        try:
            if parent is None:
                return etree.Element(name)
            if parent.segment:
                self._flush(parent, closing=False)
            element = etree.SubElement(parent.element, name)
        except ValueError as error:
            raise DecodeError(f"{name[:40]!r} is not an element name") from error
        parent.last_child = element
        return element

    def _flush(self, current: _Open, closing: bool) -> None:
        """Put the (non-empty) content read since the last child where it belongs: text, a tail, or
        OPAQUE data."""
        segment = current.segment
        current.segment = []
        if len(segment) == 1 and isinstance(segment[0], str):
            text: str | None = xml_safe(segment[0])
        elif all(isinstance(piece, str) for piece in segment):
            text = xml_safe("".join(str(piece) for piece in segment))
        else:
            data = b"".join(self._as_bytes(piece) for piece in segment)
            if closing and current.last_child is None:
                self.opaque.append((current.element, data))
                return
            text = opaque_text(data, self._charset)
            if text is None:
                raise DecodeError(f"binary data between the elements of <{current.element.tag}>")
        if current.last_child is None:
            current.element.text = text or None
        else:
            current.last_child.tail = text or None

    def _as_bytes(self, piece: str | bytes) -> bytes:
        return piece if isinstance(piece, bytes) else piece.encode(self._charset, errors="replace")

    def _text(self, raw: bytes) -> str:
        return raw.decode(self._charset, errors="replace")

    def _counted(self, data: bytes) -> bytes:
        self._size.add(len(data))
        return data

    def _table_string(self) -> bytes:
        """The string-table entry the next mb_u_int32 refers to, counted in the decoded size."""
        return _table_string(self._table, self._reader.number(), self._size)

    def _skip_attributes(self) -> None:
        """Read past an attribute list or a processing instruction, up to its END."""
        while True:
            token = self._reader.byte()
            if token == END:
                return
            if token == SWITCH_PAGE:
                self._reader.byte()
            elif token == LITERAL:
                self._literal_attribute(self._reader.number())
            elif token in _INLINE_STRINGS:
                self._reader.inline_string()
            elif token in _TABLE_STRINGS:
                self._table_string()
            elif token == ENTITY:
                _entity(self._reader.number())
            elif token == OPAQUE:
                self._reader.take(self._reader.number())

    def _literal_attribute(self, index: int) -> None:
        """A literal attribute name; index 0 without a string table is Nokia's ``xmlns``."""
        if index or self._table:
            _table_string(self._table, index, self._size)


def _entity(code: int) -> str:
    if code > _MAX_CODE_POINT or code in _SURROGATES:
        raise DecodeError(f"ENTITY {code:#x} is not a character")
    return chr(code)


# Encoding


def mb_u_int32(value: int) -> bytes:
    if not 0 <= value <= _MAX_UINT32:
        raise LocalError(f"{value} does not fit in an mb_u_int32")
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(groups))
