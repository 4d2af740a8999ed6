"""Writing WBXML 1.2 (UTF-8) one element at a time (a ``sink.Sink``) over a vocabulary's code pages.

Elements the vocabulary has no token for are written as LITERAL tags from the string table, which
is otherwise empty (or holds the formal public id of a vocabulary without a registered number). The
sink keeps its code page from one element to the next, so a document may be written in pieces, each
piece continuing from where the one before it left the code page.
"""

from collections.abc import Callable, Mapping
from functools import cache

from syncmld.protocol.codepages import Vocabulary
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.tree import xml_safe
from syncmld.protocol.wbxml import (
    END,
    HAS_CONTENT,
    LITERAL,
    OPAQUE,
    STR_I,
    SWITCH_PAGE,
    UTF_8,
    WRITTEN_VERSION,
    mb_u_int32,
)

_PUBLIC_ID_IN_TABLE = 0


class StringTable:
    """The string table of a document being written; what was added after a ``mark()`` can be dropped."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.data = bytearray()
        self._offsets: dict[str, int] = {}
        if vocabulary.public_id is None:
            self.index(vocabulary.fpi)

    def index(self, value: str) -> int:
        """The offset of ``value`` (NUL-terminated), added on first use."""
        offset = self._offsets.get(value)
        if offset is None:
            offset = self._offsets[value] = len(self.data)
            self.data += value.encode("utf-8") + b"\x00"
        return offset

    def mark(self) -> int:
        return len(self.data)

    def rollback(self, mark: int) -> None:
        """Forget the strings added since ``mark``."""
        if mark == len(self.data):
            return
        del self.data[mark:]
        self._offsets = {value: offset for value, offset in self._offsets.items() if offset < mark}


def document_header(vocabulary: Vocabulary, table: StringTable) -> bytes:
    """The bytes before a document's root element: version, public id, charset and string table."""
    if vocabulary.public_id is None:
        public_id = bytes((_PUBLIC_ID_IN_TABLE,)) + mb_u_int32(table.index(vocabulary.fpi))
    else:
        public_id = mb_u_int32(vocabulary.public_id)
    return bytes((WRITTEN_VERSION,)) + public_id + mb_u_int32(UTF_8) + mb_u_int32(len(table.data)) + table.data


@cache
def _tokens(vocabulary: Vocabulary) -> Mapping[str, tuple[int, int]]:
    """Tag name -> (code page, token) of a vocabulary whose names are unique across its pages."""
    return {name: (page, token) for page, tags in vocabulary.pages.items() for token, name in tags.items()}


def opaque(value: bytes) -> bytes:
    """``value`` as OPAQUE data."""
    return bytes((OPAQUE,)) + mb_u_int32(len(value)) + value


class WbxmlSink:
    """Appends the tokens of elements to ``out``; ``page`` is the code page the decoder is on."""

    def __init__(self, vocabulary: Vocabulary, table: StringTable, page: int = 0) -> None:
        self.vocabulary = vocabulary
        self._tokens = _tokens(vocabulary)
        self._table = table
        self.page = page
        self.out = bytearray()
        self.pending: str | None = None
        """An element opened with nothing in it yet: its tag is written when content comes or it ends."""
        self.open: list[str] = []
        """The elements opened and not yet closed, outermost first."""
        self.literals = 0
        """LITERAL tags written (names without a token, by their index in this document's string table)."""

    def start(self, tag: str) -> None:
        self._flush()
        self.pending = tag
        self.open.append(tag)

    def end(self) -> None:
        self.open.pop()
        if self.pending is not None:
            self._tag(self.pending, False)
            self.pending = None
        else:
            self.out.append(END)

    def text(self, tag: str, value: str) -> None:
        self._flush()
        value = xml_safe(value) if value else ""
        self._tag(tag, bool(value))
        if value:
            self._string(value)
            self.out.append(END)

    def chars(self, value: str) -> None:
        self._flush()
        self._string(xml_safe(value))

    def data(self, tag: str, value: bytes) -> None:
        self._flush()
        self._tag(tag, bool(value))
        if value:
            self._opaque(value)
            self.out.append(END)

    def opaque(self, value: bytes) -> None:
        """OPAQUE data as the content of the open element."""
        self._flush()
        self._opaque(value)

    def _opaque(self, value: bytes) -> None:
        self.out += opaque(value)

    def raw(self, written: bytes, page: int | None = None) -> None:
        """Tokens written elsewhere for what comes next in the open element (a whole element), which
        leave the decoder on code ``page`` (None: on the page they start on)."""
        self._flush()
        self.out += written
        if page is not None:
            self.page = page

    def secret(self, tag: str, value: str | bytes) -> None:
        if isinstance(value, str):
            self.text(tag, value)
        else:
            self.data(tag, value)

    def devinf(self, devinf: DevInf) -> None:
        raise NotImplementedError("a DevInf inside item data is written by the SyncML sink")

    def _flush(self) -> None:
        if self.pending is not None:
            self._tag(self.pending, True)
            self.pending = None

    def _tag(self, name: str, has_content: bool) -> None:
        content_bit = HAS_CONTENT if has_content else 0
        found = self._tokens.get(name)
        if found is None:
            self.literals += 1
            self.out.append(LITERAL | content_bit)
            self.out += mb_u_int32(self._table.index(name))
            return
        page, token = found
        if page != self.page:
            self.out += bytes((SWITCH_PAGE, page))
            self.page = page
        self.out.append(token | content_bit)

    def _string(self, text: str) -> None:
        if text:
            self.out.append(STR_I)
            self.out += text.encode("utf-8")
            self.out.append(0)


def document(vocabulary: Vocabulary, write: Callable[[WbxmlSink], None]) -> bytes:
    """A whole WBXML document whose elements ``write`` writes to a sink."""
    table = StringTable(vocabulary)
    sink = WbxmlSink(vocabulary, table)
    write(sink)
    return document_header(vocabulary, table) + sink.out
