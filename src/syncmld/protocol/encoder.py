"""A message written command by command into its encoding, its size known after every command.

The header is written first, then each command as it is added (a Sync may be opened, filled and
closed), and the message ends with ``finish``: nothing is encoded twice, and a command that makes
the message too large can be taken back (``mark``/``undo``). Commands without a CmdID are numbered
here, in message order.
"""

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable
from enum import StrEnum
from functools import lru_cache
from typing import ClassVar

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map, by_names
from syncmld.protocol.codepages import DEVINF_1_2, DEVINF_BY_VERSION, SYNCML_BY_VERSION, Vocabulary
from syncmld.protocol.constants import MIME_DEVINF_WBXML, MIME_DEVINF_XML, MIME_SYNCML_WBXML, MIME_SYNCML_XML
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.devinf_elements import write_devinf
from syncmld.protocol.elements import MessageWriter
from syncmld.protocol.item_templates import Shape, Slot, Template, usual_shape
from syncmld.protocol.messages import Command, Status, Sync, SyncHdr, SyncML
from syncmld.protocol.status_templates import StatusShape, StatusTemplate, usual_status
from syncmld.protocol.tree import xml_safe
from syncmld.protocol.wbxml_writer import StringTable, WbxmlSink, document, document_header, opaque
from syncmld.protocol.xml_writer import XML_DECLARATION, XmlSink, escaped_text
from syncmld.records import record
from syncmld.status import StatusCode

_TEMPLATES = by_names(lambda limits: limits.item_templates)
"""Templates kept per encoding (one per command shape: the types and formats a server sends in, when not too
long)."""


_StatusKey = tuple[str, str, StatusCode, int, int]
"""A Status's shape as ``usual_status`` gives it."""


class Encoding(StrEnum):
    XML = MIME_SYNCML_XML
    WBXML = MIME_SYNCML_WBXML

    @property
    def content_type(self) -> str:
        return self.value


@record
class Mark:
    """Where a message stood before a command was added."""

    size: int
    next_id: int
    depth: int
    sink: tuple[int, str | None, int]


class SyncMLWbxmlSink(WbxmlSink):
    """A SyncML message's sink: a DevInf in item data is a nested WBXML document, and a Meta Type
    naming the DevInf XML type names the WBXML one (as libwbxml writes it)."""

    def __init__(self, header: SyncHdr, table: StringTable) -> None:
        super().__init__(SYNCML_BY_VERSION[header.version.value], table)
        self._devinf_fallback = DEVINF_BY_VERSION.get(header.version.value, DEVINF_1_2)

    def text(self, tag: str, value: str) -> None:
        if tag == "Type" and value.strip().lower() == MIME_DEVINF_XML:
            value = MIME_DEVINF_WBXML
        if tag == "Data" and self.open and self.open[-1] == "Item":
            self.data(tag, xml_safe(value).encode("utf-8"))
        else:
            super().text(tag, value)

    def devinf(self, devinf: DevInf) -> None:
        self.opaque(_devinf_document(devinf, DEVINF_BY_VERSION.get(devinf.ver_dtd.strip(), self._devinf_fallback)))


@lru_cache(maxsize=8)  # the server's own DevInfs only: a client cannot add to them
def _devinf_document(devinf: DevInf, vocabulary: Vocabulary) -> bytes:
    """A DevInf as a nested WBXML document: the server's own goes out in every session's reply, written once."""
    return document(vocabulary, lambda sink: write_devinf(sink, devinf))


class MessageEncoder(ABC):
    """One message being written: header at once, then command by command (``message_encoder`` makes
    one for an encoding)."""

    encoding: Encoding
    _templates: ClassVar[BoundedMap[tuple[Shape, Hashable], Template]]
    """The encoding's templates by shape and the writer's state before the command."""

    def __init__(self, writer: MessageWriter) -> None:
        self._writer = writer
        self._depth = 0
        """Syncs opened and not yet closed."""
        self._last_template: tuple[Shape | None, Hashable, Template | None] = (None, None, None)
        """The shape, context and template of the last command written from one (most follow one another)."""
        self._status_templates: dict[tuple[_StatusKey, Hashable], StatusTemplate | None] = {}
        """This message's Status templates by shape and context: None for a shape written once so far, or
        whose template cannot be made."""
        self._last_status: tuple[_StatusKey | None, StatusTemplate | None] = (None, None)
        """The shape and template of the command just added, if it was a Status written from a template that
        the next Status of its shape may be written from too (it left the writer in the context it found)."""

    def add(self, command: Command) -> None:
        self._last_status = (None, None)
        if type(command) is Status:
            if self._add_status(command):
                return
        else:
            usual = usual_shape(command)
            if usual is not None and self.add_in_shape(*usual):
                return
        self._writer.command(command)
        self._collect()

    def _add_status(self, status: Status) -> bool:
        """Write a Status of the usual shape from this message's template, made when a second Status of its
        shape comes (see ``protocol.status_templates``); False, with nothing written, when it is not."""
        shape = usual_status(status)
        if shape is None:
            return False
        self._settle()
        key = (shape, self._context())
        templates = self._status_templates
        template = templates.get(key)
        if template is None:
            if key in templates:
                template = self._make_status_template(StatusShape._make(shape))
            templates[key] = template
            if template is None:
                return False
        filled = template.filled(self._status_values(status), self._text)
        if filled is None:
            return False
        self._write(filled, template.end_state)
        self._writer.next_id += 1
        if self._context() == key[1]:
            self._last_status = (shape, template)
        return True

    def add_all(self, commands: Iterable[Command]) -> None:
        """``add`` each command in turn; the Statuses of one shape that follow one another are filled into the
        template of the first and written together."""
        run: list[bytes] = []
        shape: _StatusKey | None = None
        template: StatusTemplate | None = None
        for command in commands:
            if template is not None and type(command) is Status and usual_status(command) == shape:
                filled = template.filled(self._status_values(command), self._text)
                if filled is not None:
                    run.append(filled)
                    self._writer.next_id += 1
                    continue
            if template is not None and run:
                self._write(b"".join(run), template.end_state)
                run = []
            self.add(command)
            shape, template = self._last_status
        if template is not None and run:
            self._write(b"".join(run), template.end_state)

    def _status_values(self, status: Status) -> tuple[str, ...]:
        """What a Status template's slots take: the CmdID (this message's next, if the Status has none), CmdRef and
        references."""
        cmd_id = str(self._writer.next_id) if status.cmd_id is None else status.cmd_id
        return (cmd_id, status.cmd_ref, *status.target_refs, *status.source_refs)

    def _make_status_template(self, shape: StatusShape) -> StatusTemplate | None:
        written = self._written_sample(shape.sample())
        return None if written is None else StatusTemplate.cut(written[0], shape, self._text, written[1])

    def add_in_shape(self, shape: Shape, values: tuple[str | bytes, ...]) -> bool:
        """Write a command of the usual shape, given the values of its slots after the CmdID, from its template,
        made on first use (see ``protocol.item_templates``); False, with nothing written, when it cannot be."""
        self._settle()
        context = self._context()
        last_shape, last_context, template = self._last_template
        if shape is not last_shape or context != last_context or template is None:
            template = self._templates.get((shape, context)) or self._make_template(shape)
            if template is None:
                return False
            self._templates.put((shape, context), template, len(shape.type) + len(shape.format or ""))
            self._last_template = (shape, context, template)
        written = template.filled((str(self._writer.next_id), *values), self._fill)
        if written is None:
            return False
        self._write(written, template.end_state)
        self._writer.next_id += 1
        return True

    def _make_template(self, shape: Shape) -> Template | None:
        """The template of ``shape``: its sample written element by element, then taken back."""
        written = self._written_sample(shape.sample())
        return None if written is None else Template.cut(written[0], shape, self._fill, written[1])

    def _written_sample(self, sample: Command) -> tuple[bytes, object] | None:
        """The bytes of ``sample`` written element by element, and the state the writer ends in, both taken back;
        None when it wrote a name by its index in this message's string table (a template serves other messages)."""
        mark, literals = self.mark(), self._literal_names()
        self._writer.command(sample)
        self._collect()
        written, end_state = self._written_since(mark.size), self._end_state()
        literal_names = self._literal_names() != literals
        self.undo(mark)
        return None if literal_names else (written, end_state)

    def start_sync(self, sync: Sync) -> None:
        """Open a Sync (its own commands are ignored): the commands added next go inside it."""
        self._writer.sync_start(sync)
        self._depth += 1
        self._collect()

    def end_sync(self) -> None:
        self._writer.sink.end()
        self._depth -= 1
        self._collect()

    def mark(self) -> Mark:
        return Mark(self._written(), self._writer.next_id, self._depth, self._sink_state())

    def undo(self, mark: Mark) -> None:
        """Take back everything added since ``mark`` was taken."""
        self._writer.next_id = mark.next_id
        self._depth = mark.depth
        self._restore(mark)

    def finish(self, final: bool) -> bytes:
        """The whole message; the encoder is done with."""
        while self._depth:
            self.end_sync()
        return self._finished(final)

    @abstractmethod
    def size(self, final: bool = True) -> int:
        """The size of the message if it ended now (with Syncs still open closed)."""

    @abstractmethod
    def _collect(self) -> None:
        """Take in what the sink wrote."""

    @abstractmethod
    def _written(self) -> int:
        """Bytes of the body written so far."""

    @abstractmethod
    def _sink_state(self) -> tuple[int, str | None, int]: ...

    @abstractmethod
    def _literal_names(self) -> int:
        """Element names written so far by their index in the message's string table."""

    @abstractmethod
    def _settle(self) -> None:
        """Finish what the sink holds back (an open start tag), so that the next command starts clean."""

    @abstractmethod
    def _context(self) -> Hashable:
        """What the bytes of the next command depend on besides the command."""

    def _fill(self, slot: Slot, value: str | bytes) -> bytes | None:
        """A slot's value as this encoding writes it; None when that would change the command's shape."""
        return self._data(value) if isinstance(value, bytes) else self._text(value)

    @abstractmethod
    def _text(self, value: str) -> bytes | None:
        """Text as this encoding writes it inside an element; None when the element would be written empty."""

    @abstractmethod
    def _data(self, value: bytes) -> bytes | None:
        """Item data as this encoding writes it inside ``Data``; None when ``Data`` would be written empty."""

    @abstractmethod
    def _written_since(self, size: int) -> bytes: ...

    @abstractmethod
    def _end_state(self) -> object:
        """The sink's state after a command, which a template sets again."""

    @abstractmethod
    def _write(self, written: bytes, end_state: object) -> None:
        """Append a filled template (after ``_settle``: nothing is left in the sink)."""

    @abstractmethod
    def _restore(self, mark: Mark) -> None: ...

    @abstractmethod
    def _finished(self, final: bool) -> bytes: ...


class XmlMessageEncoder(MessageEncoder):
    encoding = Encoding.XML
    _templates: ClassVar[BoundedMap[tuple[Shape, Hashable], Template]] = bounded_map("item_templates", _TEMPLATES)

    def __init__(self, header: SyncHdr) -> None:
        self._xml = XmlSink(context=("SyncML", "SyncBody"))
        super().__init__(MessageWriter(self._xml))
        head = XmlSink(root_namespace=header.version.namespace)
        head.start("SyncML")
        MessageWriter(head).header(header)
        self._prefix = XML_DECLARATION + head.take()
        self._body = bytearray()

    def size(self, final: bool = True) -> int:
        if not self._body and not final:
            return len(self._prefix) + len(b"<SyncBody/></SyncML>")
        closing = self._depth * len(b"</Sync>") + (len(b"<Final/>") if final else 0)
        return len(self._prefix) + len(self._body) + len(b"<SyncBody></SyncBody></SyncML>") + closing

    def _collect(self) -> None:
        self._body += self._xml.take()

    def _written(self) -> int:
        return len(self._body)

    def _sink_state(self) -> tuple[int, str | None, int]:
        return (0, None, 0)

    def _literal_names(self) -> int:
        return 0

    def _restore(self, mark: Mark) -> None:
        del self._body[mark.size :]
        self._xml.forget_open(2 + mark.depth)

    def _settle(self) -> None:
        if self._xml.holding_start:
            self._xml.raw(b"")
            self._collect()

    def _context(self) -> Hashable:
        return self._xml.parent

    def _text(self, value: str) -> bytes | None:
        return escaped_text(value) or None

    def _data(self, value: bytes) -> bytes | None:
        return self._xml.data_content(value) or None

    def _written_since(self, size: int) -> bytes:
        return bytes(self._body[size:])

    def _end_state(self) -> object:
        return None

    def _write(self, written: bytes, end_state: object) -> None:
        self._body += written

    def _finished(self, final: bool) -> bytes:
        if not self._body and not final:
            return self._prefix + b"<SyncBody/></SyncML>"
        final_tag = b"<Final/>" if final else b""
        # Joined at once: a reply of changes is MaxMsgSize bytes, copied once rather than once per part.
        return b"".join((self._prefix, b"<SyncBody>", self._body, final_tag, b"</SyncBody></SyncML>"))


class WbxmlMessageEncoder(MessageEncoder):
    """WBXML, written in place: the sink's code page carries from one command to the next, and the
    string table (for names without a token) goes in front when the message is finished."""

    encoding = Encoding.WBXML
    _templates: ClassVar[BoundedMap[tuple[Shape, Hashable], Template]] = bounded_map("item_templates", _TEMPLATES)

    def __init__(self, header: SyncHdr) -> None:
        self._table = StringTable(SYNCML_BY_VERSION[header.version.value])
        self._wbxml = SyncMLWbxmlSink(header, self._table)
        super().__init__(MessageWriter(self._wbxml))
        self._wbxml.start("SyncML")
        self._writer.header(header)
        self._wbxml.start("SyncBody")

    def size(self, final: bool = True) -> int:
        sink = self._wbxml
        header = len(document_header(sink.vocabulary, self._table))
        return header + len(sink.out) + self._tail(final)

    def _tail(self, final: bool) -> int:
        """Tokens still to come: ENDs, Final, and the switch back to page 0 that Final or the SyncBody
        tag (when the body is empty) needs."""
        sink = self._wbxml
        switch = 0 if sink.page == 0 else 2
        if sink.pending is not None:  # SyncBody, with nothing in it yet
            return switch + (4 if final else 2)
        return self._depth + (switch + 1 if final else 0) + 2

    def _collect(self) -> None:
        """Nothing to take in: the sink writes in place."""

    def _written(self) -> int:
        return len(self._wbxml.out)

    def _sink_state(self) -> tuple[int, str | None, int]:
        return (self._wbxml.page, self._wbxml.pending, self._table.mark())

    def _literal_names(self) -> int:
        return self._wbxml.literals

    def _restore(self, mark: Mark) -> None:
        sink = self._wbxml
        del sink.out[mark.size :]
        sink.page, sink.pending, table = mark.sink
        del sink.open[2 + mark.depth :]
        self._table.rollback(table)

    def _settle(self) -> None:
        self._wbxml.raw(b"")

    def _context(self) -> Hashable:
        return (self._wbxml.vocabulary.fpi, self._wbxml.page, self._wbxml.open[-1])

    def _text(self, value: str) -> bytes | None:
        text = xml_safe(value)
        return text.encode("utf-8") if text else None

    def _data(self, value: bytes) -> bytes | None:
        return opaque(value) if value else None

    def _written_since(self, size: int) -> bytes:
        return bytes(self._wbxml.out[size:])

    def _end_state(self) -> object:
        return self._wbxml.page

    def _write(self, written: bytes, end_state: object) -> None:
        if not isinstance(end_state, int):
            raise TypeError("a WBXML template ends on a code page")
        self._wbxml.raw(written, end_state)

    def _finished(self, final: bool) -> bytes:
        sink = self._wbxml
        if final:
            sink.text("Final", "")
        sink.end()
        sink.end()
        return document_header(sink.vocabulary, self._table) + sink.out


def message_encoder(header: SyncHdr, encoding: Encoding) -> MessageEncoder:
    """A message to be written in ``encoding``, its header written already."""
    if encoding is Encoding.WBXML:
        return WbxmlMessageEncoder(header)
    return XmlMessageEncoder(header)


def encode(message: SyncML, encoding: Encoding) -> bytes:
    encoder = message_encoder(message.header, encoding)
    encoder.add_all(message.commands)
    return encoder.finish(message.final)
