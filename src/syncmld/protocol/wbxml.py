"""WBXML 1.1-1.3 bytes -> namespace-free trees of ``tree.Node``, over the tag tables of ``codepages`` (writing
is ``wbxml_writer``'s job).

Sans-IO and generic: it knows the WBXML layout (header, mb_u_int32, string table, global tokens,
tag bits), not SyncML. Decoding walks the bytes once with an index, builds a tree read like the XML
codec's (``tree.Readable``) and leaves the meaning of OPAQUE data to the caller: every element whose
whole content is OPAQUE is reported with its bytes and no text. Every malformed input raises
``DecodeError``; lengths are checked against the bytes actually there before anything is allocated,
and nesting is bounded. So is what a document
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
from syncmld.protocol.tree import Node, xml_safe
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

VERSIONS = frozenset({0x01, 0x02, 0x03})
"""The version bytes of WBXML 1.1, 1.2 and 1.3."""
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
class Opaque:
    """A leaf element whose content came as OPAQUE data (its text is unset)."""

    element: Node
    ancestors: tuple[Node, ...]
    """From the root down to the element's parent."""
    data: bytes


@dataclass(frozen=True)
class Document:
    header: Header
    root: Node
    opaque: tuple[Opaque, ...]
    collected: tuple[Node, ...] = ()
    """The elements ``parse`` was asked to collect, in document order."""


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
    """A document's header, read front to back; reading past the end is a decode error."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise DecodeError("WBXML document ends early")
        self.pos += 1
        return self.data[self.pos - 1]

    def number(self) -> int:
        value, self.pos = read_number(self.data, self.pos)
        return value

    def take(self, length: int) -> bytes:
        end = self.pos + length
        if end > len(self.data):
            raise DecodeError(f"length {length} runs past the end of the WBXML document")
        value = self.data[self.pos : end]
        self.pos = end
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
    if version not in VERSIONS:
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


def parse(
    body: bytes, pages_for: Callable[[Header], Pages], size: DecodedSize | None = None, collect: str = ""
) -> Document:
    """A WBXML document as a tree, read with the code pages ``pages_for`` picks from its header; what it
    decodes to is added to ``size`` (the documents nested in one message share one). The elements called
    ``collect`` that have content are listed in the document too."""
    size = size or DecodedSize()
    reader = _Reader(body)
    header, table = _read_header(reader, size)
    parser = _Parser(body, reader.pos, table, pages_for(header), header.charset, size, collect)
    root = parser.body()
    return Document(header=header, root=root, opaque=tuple(parser.opaque), collected=tuple(parser.collected))


class _Parser:
    """One document's body, walked with an index over its bytes: the tree is built as the tokens come."""

    def __init__(
        self, data: bytes, start: int, table: bytes, pages: Pages, charset: str, size: DecodedSize, collect: str
    ) -> None:
        self._data = data
        self._pos = start
        self._table = table
        self._size = size
        self._pages = pages
        self._charset = charset
        self._page = 0
        self._tags = pages.get(0, {})
        self.opaque: list[Opaque] = []
        self._collect = collect
        self.collected: list[Node] = []
        self._empties: dict[str, Node] = {}

    def _empty(self, name: str) -> Node:
        """The node of every element called ``name`` that has no content (``<Final/>``, ``<NoResp/>``):
        a document of many empty elements then costs a list entry each, not a node. A node taken from
        here is replaced by a node of its own before anything is written on it (a tail)."""
        node = self._empties.get(name)
        if node is None:
            node = self._empties[name] = Node(name)
        return node

    def body(self) -> Node:
        """``*pi element *pi``: the root element and its content (then only PIs or padding).

        Only the innermost open element can have content pending (``segment``, read since its last
        child, ``last_child``): a child's start puts it in place first."""
        data = self._data
        end = len(data)
        charset = self._charset
        size = self._size
        tags = self._tags
        collect = self._collect
        root: Node | None = None
        stack: list[Node] = []
        segment: list[str | bytes] = []
        last_child: Node | None = None
        pos = self._pos
        while True:
            if not stack and root is not None and not data[pos:].strip(_PADDING):
                self._pos = pos
                return root
            if pos >= end:
                raise DecodeError("WBXML document ends early")
            token = data[pos]
            pos += 1
            identity = token & TAG_IDENTITY
            if identity >= LITERAL:
                if root is not None and not stack:
                    raise DecodeError(f"token {token:#04x} after the root element")
                if identity == LITERAL:
                    self._pos = pos
                    name = self._literal_tag()
                    pos = self._pos
                else:
                    found = tags.get(identity)
                    if found is None:
                        raise DecodeError(f"unknown tag token {identity:#04x} on code page {self._page}")
                    name = found
                size.add(ELEMENT_SIZE)
                if token & HAS_CONTENT or not stack:
                    element = Node(name)
                    if name == collect:
                        self.collected.append(element)
                else:
                    element = self._empty(name)
                if stack:
                    if segment:
                        self._flush(stack[-1], last_child, segment, None)
                        segment = []
                    stack[-1].append(element)
                else:
                    root = element
                last_child = element
                if token & HAS_ATTRIBUTES:
                    self._pos = pos
                    self._skip_attributes()
                    pos = self._pos
                if token & HAS_CONTENT:
                    if len(stack) >= MAX_DEPTH:
                        raise DecodeError(f"elements nested deeper than {MAX_DEPTH} levels")
                    stack.append(element)
                    last_child = None
            elif token == END and stack:
                current = stack.pop()
                if segment:
                    if len(segment) == 1 and last_child is None:
                        piece = segment[0]
                        if isinstance(piece, str):
                            current.text = xml_safe(piece) or None
                        else:
                            self.opaque.append(Opaque(current, tuple(stack), piece))
                    else:
                        self._flush(current, last_child, segment, stack)
                    segment = []
                elif stack and not current and current.text is None:
                    current = stack[-1][-1] = self._empty(current.tag)
                last_child = current
            elif token == STR_I and stack:
                nul = data.find(0, pos)
                if nul < 0:
                    raise DecodeError("inline string without its terminating NUL")
                size.add(nul - pos)
                segment.append(data[pos:nul].decode(charset, errors="replace"))
                pos = nul + 1
            elif token == SWITCH_PAGE:
                self._pos = pos
                self._page = self._byte()
                tags = self._tags = self._pages.get(self._page, {})
                pos = self._pos
            elif token == PI:
                self._pos = pos
                self._skip_attributes()
                pos = self._pos
            elif not stack:
                if root is None:
                    raise DecodeError(f"token {token:#04x} where an element should start")
                raise DecodeError(f"token {token:#04x} after the root element")
            else:
                self._pos = pos
                content = self._content(token)
                if content is not None:
                    segment.append(content)
                pos = self._pos

    def _content(self, token: int) -> str | bytes | None:
        """What a content token other than a tag, END or STR_I adds to the open element's content."""
        if token == OPAQUE:
            length = self._number()
            pos = self._pos
            if pos + length > len(self._data):
                raise DecodeError(f"length {length} runs past the end of the WBXML document")
            self._pos = pos + length
            self._size.add(length)
            return self._data[pos : pos + length]
        if token == STR_T:
            return self._table_string().decode(self._charset, errors="replace")
        if token == ENTITY:
            character = _entity(self._number())
            self._size.add(1)
            return character
        if token in EXT_I:
            self._inline_string()
        elif token in EXT_T:
            self._table_string()
        return None

    def _literal_tag(self) -> str:
        """A tag name from the string table, which must be an XML name."""
        try:
            name = self._table_string().decode(self._charset)
        except UnicodeDecodeError as error:
            raise DecodeError("literal tag name that is not text") from error
        try:
            etree.Element(name)
        except ValueError as error:
            raise DecodeError(f"{name[:40]!r} is not an element name") from error
        return name

    def _byte(self) -> int:
        pos = self._pos
        if pos >= len(self._data):
            raise DecodeError("WBXML document ends early")
        self._pos = pos + 1
        return self._data[pos]

    def _number(self) -> int:
        """An mb_u_int32 (``read_number``)."""
        value, self._pos = read_number(self._data, self._pos)
        return value

    def _flush(
        self, current: Node, last_child: Node | None, segment: list[str | bytes], ancestors: list[Node] | None
    ) -> None:
        """Put the (non-empty) content read since the last child where it belongs: text, a tail, or
        OPAQUE data (``ancestors`` are given when ``current`` closes)."""
        if len(segment) == 1 and isinstance(segment[0], str):
            text: str | None = xml_safe(segment[0])
        elif all(isinstance(piece, str) for piece in segment):
            text = xml_safe("".join(str(piece) for piece in segment))
        else:
            data = b"".join(self._as_bytes(piece) for piece in segment)
            if ancestors is not None and last_child is None:
                self.opaque.append(Opaque(current, tuple(ancestors), data))
                return
            text = opaque_text(data, self._charset)
            if text is None:
                raise DecodeError(f"binary data between the elements of <{current.tag}>")
        if last_child is None:
            current.text = text or None
        else:
            if last_child is self._empties.get(last_child.tag):
                last_child = current[-1] = Node(last_child.tag)
            last_child.tail = text or None

    def _as_bytes(self, piece: str | bytes) -> bytes:
        return piece if isinstance(piece, bytes) else piece.encode(self._charset, errors="replace")

    def _inline_string(self) -> None:
        """Read past an inline string."""
        nul = self._data.find(0, self._pos)
        if nul < 0:
            raise DecodeError("inline string without its terminating NUL")
        self._pos = nul + 1

    def _table_string(self) -> bytes:
        """The string-table entry the next mb_u_int32 refers to, counted in the decoded size."""
        return _table_string(self._table, self._number(), self._size)

    def _skip_attributes(self) -> None:
        """Read past an attribute list or a processing instruction, up to its END."""
        while True:
            token = self._byte()
            if token == END:
                return
            if token == SWITCH_PAGE:
                self._byte()
            elif token == LITERAL:
                self._literal_attribute(self._number())
            elif token in _INLINE_STRINGS:
                self._inline_string()
            elif token in _TABLE_STRINGS:
                self._table_string()
            elif token == ENTITY:
                _entity(self._number())
            elif token == OPAQUE:
                length = self._number()
                if self._pos + length > len(self._data):
                    raise DecodeError(f"length {length} runs past the end of the WBXML document")
                self._pos += length

    def _literal_attribute(self, index: int) -> None:
        """A literal attribute name; index 0 without a string table is Nokia's ``xmlns``."""
        if index or self._table:
            _table_string(self._table, index, self._size)


def read_number(data: bytes, pos: int) -> tuple[int, int]:
    """The mb_u_int32 at ``pos`` (big-endian base 128, bit 7 set on every byte but the last) and where
    it ends."""
    value = 0
    for at in range(pos, pos + _MAX_MB_BYTES):
        if at >= len(data):
            raise DecodeError("WBXML document ends early")
        byte = data[at]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            if value > _MAX_UINT32:
                raise DecodeError("mb_u_int32 larger than 32 bits")
            return value, at + 1
    raise DecodeError(f"mb_u_int32 longer than {_MAX_MB_BYTES} bytes")


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
