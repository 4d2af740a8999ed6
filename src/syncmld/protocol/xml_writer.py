"""Writing SyncML XML one element at a time (a ``sink.Sink``), in the shape SyncEvolution's own server
writes: the SyncML namespace on the root, ``syncml:metinf`` on every MetInf element and
``syncml:devinf`` on DevInf, item data in CDATA. What it writes is UTF-8 bytes: item data that is
UTF-8 and XML can carry goes out as it came, without being decoded."""

from collections.abc import Callable
from functools import lru_cache

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map, by_names
from syncmld.errors import LocalError
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.devinf_elements import write_devinf
from syncmld.protocol.tree import opened_namespace, xml_safe

HIDDEN = "***"
"""What a hidden secret (credentials in a log view, a session token in a URL) is shown as."""

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
_INDENT = b"  "
_XML_BYTES = bytes(byte for byte in range(256) if byte >= 0x20 or byte in b"\t\n\r")
"""The bytes other than the control characters XML 1.0 cannot carry."""
_NON_CHARACTERS = ("\ufffe", "\uffff")
"""With the control characters, what XML 1.0 cannot carry (surrogates are no UTF-8 at all)."""

BytesAsText = Callable[[bytes], str]
"""How bytes are written where XML can only hold text."""


def utf8_or_fail(data: bytes) -> str:
    """Bytes as text when they are UTF-8; anything else cannot travel as XML text."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LocalError("binary data that is not UTF-8 cannot be written as XML text") from error


class XmlSink:
    """Collects the XML of elements as UTF-8; ``take()`` hands over what was written since the last call.

    ``context`` names the elements already open around what is written (namespaces depend on the
    parent); an element written with no context is the document's root and gets ``root_namespace``.
    ``pretty`` indents (for logs), ``hide_secrets`` writes ``***`` for credentials.
    """

    def __init__(
        self,
        root_namespace: str = "",
        context: tuple[str, ...] = (),
        pretty: bool = False,
        bytes_as_text: BytesAsText = utf8_or_fail,
        hide_secrets: bool = False,
    ) -> None:
        self._root_namespace = root_namespace
        self._stack = [_FIND_ELEMENT(("", tag)) or _element("", tag) for tag in context]
        self._pretty = pretty
        self._bytes_as_text = bytes_as_text
        self._hide_secrets = hide_secrets
        self._parts: list[bytes] = []
        self._open = False
        """The start tag of the innermost element still lacks its ``>``: nothing is in it yet."""
        self._level = len(context)

    def take(self) -> bytes:
        """What was written since the last call."""
        written = b"".join(self._parts)
        self._parts = []
        return written

    @property
    def parent(self) -> str | None:
        """The innermost element still open."""
        return self._stack[-1].name if self._stack else None

    @property
    def holding_start(self) -> bool:
        """Whether the start tag of the innermost element still lacks its ``>`` (nothing is in it yet)."""
        return self._open

    def forget_open(self, depth: int) -> None:
        """Forget the elements opened beyond ``depth`` (what was written of them is taken back)."""
        del self._stack[depth:]

    def start(self, tag: str) -> None:
        stack = self._stack
        parts = self._parts
        element = self._element(tag)
        if self._open:
            parts.append(b">")
        if self._pretty and stack:
            parts.append(b"\n" + _INDENT * (len(stack) - self._level))
        parts.append(element.start)
        self._open = True
        stack.append(element)

    def end(self) -> None:
        element = self._stack.pop()
        if self._open:
            self._parts.append(b"/>")
            self._open = False
            return
        if self._pretty:
            self._parts.append(b"\n" + _INDENT * (len(self._stack) - self._level))
        self._parts.append(element.end)

    def text(self, tag: str, value: str) -> None:
        element = self._element(tag)
        if element.item_data:
            self._leaf(element, item_data(xml_safe(value).encode("utf-8") if value else b""))
        else:
            self._leaf(element, escaped_text(value))

    def chars(self, value: str) -> None:
        self._close_start()
        self._parts.append(_escape(xml_safe(value).encode("utf-8")))

    def data(self, tag: str, value: bytes) -> None:
        self._leaf(self._element("Data"), self.data_content(value))

    def data_content(self, value: bytes) -> bytes:
        """What item data is written as inside its ``Data`` element."""
        if not _xml_safe_utf8(value):
            value = xml_safe(self._bytes_as_text(value)).encode("utf-8")
        return item_data(value)

    def raw(self, written: bytes) -> None:
        """Bytes written elsewhere for what comes next in the open element (a whole element)."""
        self._close_start()
        self._parts.append(written)

    def secret(self, tag: str, value: str | bytes) -> None:
        if self._hide_secrets:
            value = HIDDEN
        self.text(tag, value if isinstance(value, str) else self._bytes_as_text(value))

    def devinf(self, devinf: DevInf) -> None:
        if self._pretty or not self._stack:
            write_devinf(self, devinf)
        else:
            self.raw(_written_devinf(devinf, self._stack[-1].name))

    def _element(self, tag: str) -> "_Element":
        """How ``tag`` is written inside the open element (as the root when none is open)."""
        stack = self._stack
        if stack:
            parent = stack[-1].name
            return _FIND_ELEMENT((parent, tag)) or _element(parent, tag)
        return _ROOT_ELEMENTS.peek((tag, self._root_namespace)) or _root_element(tag, self._root_namespace)

    def _leaf(self, element: "_Element", content: bytes) -> None:
        """An element holding ``content`` (written already), inside the open element."""
        parts = self._parts
        if self._open:
            parts.append(b">")
            self._open = False
        if self._pretty and self._stack:
            parts.append(b"\n" + _INDENT * (len(self._stack) - self._level))
        if content:
            parts += (element.open, content, element.end)
        else:
            parts.append(element.empty)

    def _close_start(self) -> None:
        if self._open:
            self._parts.append(b">")
            self._open = False


class _Element:
    """How an element is written where it stands: its start tag without and with ``>`` (with the
    namespace it opens, if it opens one), empty, and its end tag."""

    __slots__ = ("empty", "end", "item_data", "name", "open", "start")

    def __init__(self, name: str, namespace: str | None, item_data: bool) -> None:
        start = (f'<{name} xmlns="{namespace}"' if namespace else f"<{name}").encode()
        self.name = name
        self.start = start
        self.open = start + b">"
        self.empty = start + b"/>"
        self.end = f"</{name}>".encode()
        self.item_data = item_data
        """Whether its text is item data (``Data`` in ``Item``): in CDATA when it can be."""


_XML_ELEMENTS = by_names(lambda limits: limits.xml_elements)
_ELEMENTS: BoundedMap[tuple[str, str], _Element] = bounded_map("xml_elements", _XML_ELEMENTS)
"""Elements by parent and name, made once (the names of a vocabulary, and the short ones of Filters clients send)."""
_FIND_ELEMENT = _ELEMENTS.peek
_ROOT_ELEMENTS: BoundedMap[tuple[str, str], _Element] = bounded_map("xml_elements", _XML_ELEMENTS)
"""Root elements by name and namespace."""


def _element(parent: str, tag: str) -> _Element:
    """``tag`` written inside ``parent``, kept for the next time."""
    element = _Element(tag, opened_namespace(parent, tag), parent == "Item" and tag == "Data")
    return _ELEMENTS.put((parent, tag), element, len(tag))


def _root_element(tag: str, namespace: str) -> _Element:
    """``tag`` written as a document's root, in ``namespace``, kept for the next time."""
    return _ROOT_ELEMENTS.put((tag, namespace), _Element(tag, namespace or None, False), len(tag))


def escaped_text(value: str) -> bytes:
    """Text as an element's character data."""
    if value.isascii() and value.isprintable():  # nothing to leave out, no carriage return
        if "&" in value or "<" in value or ">" in value:
            return _escape(value.encode("ascii"))
        return value.encode("ascii")
    return _escape(xml_safe(value).encode("utf-8"))


@lru_cache(maxsize=8)  # the server's own DevInfs only: a client cannot add to them
def _written_devinf(devinf: DevInf, parent: str) -> bytes:
    """A DevInf's XML inside ``parent``: the server's own goes out in every session's reply, written once."""
    sink = XmlSink(context=(parent,))
    write_devinf(sink, devinf)
    return sink.take()


def item_data(content: bytes) -> bytes:
    """Item data (UTF-8 that XML can carry) as written inside ``Data``: in CDATA, unless it holds carriage
    returns (which CDATA cannot keep)."""
    return _escape(content) if _CR in content else _cdata(content) if content else b""


def _xml_safe_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 text that XML can carry as it is."""
    if data.translate(None, _XML_BYTES):  # what is left is control characters
        return False
    if data.isascii():
        return True
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # a character looked for in text is found at the speed of a byte (three bytes in bytes are not)
    return _NON_CHARACTERS[0] not in text and _NON_CHARACTERS[1] not in text


_AMP, _LT, _GT, _CR = b"&<>\r"
"""The bytes ``_escape`` replaces, as numbers: looking for a number in bytes costs a fifth of looking for a
one-byte string (an item's data is looked through once for each)."""


def _escape(value: bytes) -> bytes:
    """Character data that reads back exactly, carriage returns included."""
    if _AMP in value:
        value = value.replace(b"&", b"&amp;")
    if _LT in value:
        value = value.replace(b"<", b"&lt;")
    if _GT in value:
        value = value.replace(b">", b"&gt;")
    if _CR in value:
        value = value.replace(b"\r", b"&#13;")
    return value


def _cdata(value: bytes) -> bytes:
    """A CDATA section, split where the value itself contains ``]]>``."""
    return b"<![CDATA[" + value.replace(b"]]>", b"]]]]><![CDATA[>") + b"]]>"
