"""Writing SyncML XML one element at a time (a ``sink.Sink``), in the shape SyncEvolution's own server
writes: the SyncML namespace on the root, ``syncml:metinf`` on every MetInf element and
``syncml:devinf`` on DevInf, item data in CDATA."""

from collections.abc import Callable

from syncmld.errors import LocalError
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.devinf_elements import write_devinf
from syncmld.protocol.tree import opened_namespace, xml_safe

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_INDENT = "  "

BytesAsText = Callable[[bytes], str]
"""How bytes are written where XML can only hold text."""


def utf8_or_fail(data: bytes) -> str:
    """Bytes as text when they are UTF-8; anything else cannot travel as XML text."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LocalError("binary data that is not UTF-8 cannot be written as XML text") from error


class XmlSink:
    """Collects the XML text of elements; ``take()`` hands over what was written since the last call.

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
        self._stack = list(context)
        self._pretty = pretty
        self._bytes_as_text = bytes_as_text
        self._hide_secrets = hide_secrets
        self._parts: list[str] = []
        self._open = False
        """The start tag of the innermost element still lacks its ``>``: nothing is in it yet."""
        self._level = len(context)

    def take(self) -> str:
        """What was written since the last call."""
        text = "".join(self._parts)
        self._parts = []
        return text

    def forget_open(self, depth: int) -> None:
        """Forget the elements opened beyond ``depth`` (what was written of them is taken back)."""
        del self._stack[depth:]

    def start(self, tag: str) -> None:
        self._begin(tag)
        self._open = True
        self._stack.append(tag)

    def end(self) -> None:
        tag = self._stack.pop()
        if self._open:
            self._parts.append("/>")
            self._open = False
            return
        if self._pretty:
            self._parts.append("\n" + _INDENT * (len(self._stack) - self._level))
        self._parts.append(f"</{tag}>")

    def text(self, tag: str, value: str) -> None:
        if tag == "Data" and self._stack and self._stack[-1] == "Item":
            self._item_data(xml_safe(value) if value else "")
        else:
            self._leaf(tag, _escape(xml_safe(value)) if value else "")

    def chars(self, value: str) -> None:
        self._close_start()
        self._parts.append(_escape(xml_safe(value)))

    def data(self, tag: str, value: bytes) -> None:
        self._item_data(xml_safe(self._bytes_as_text(value)) if value else "")

    def _item_data(self, text: str) -> None:
        """Item ``Data`` in CDATA, unless it holds carriage returns (which CDATA cannot keep)."""
        self._leaf("Data", _escape(text) if "\r" in text else _cdata(text) if text else "")

    def secret(self, tag: str, value: str | bytes) -> None:
        if self._hide_secrets:
            value = "***"
        self.text(tag, value if isinstance(value, str) else self._bytes_as_text(value))

    def devinf(self, devinf: DevInf) -> None:
        write_devinf(self, devinf)

    def _leaf(self, tag: str, content: str) -> None:
        self._begin(tag)
        start = self._parts.pop()
        self._parts.append(f"{start}>{content}</{tag}>" if content else start + "/>")

    def _begin(self, tag: str) -> None:
        """Write the start of ``tag``'s start tag (its namespace if it opens one), closing the parent's."""
        self._close_start()
        namespace = opened_namespace(self._stack[-1], tag) if self._stack else self._root_namespace or None
        if self._pretty and self._stack:
            self._parts.append("\n" + _INDENT * (len(self._stack) - self._level))
        self._parts.append(f'<{tag} xmlns="{namespace}"' if namespace else f"<{tag}")

    def _close_start(self) -> None:
        if self._open:
            self._parts.append(">")
            self._open = False


def _escape(value: str) -> str:
    """Character data that reads back exactly, carriage returns included."""
    if "&" not in value and "<" not in value and ">" not in value and "\r" not in value:
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _cdata(value: str) -> str:
    """A CDATA section, split where the value itself contains ``]]>``."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
