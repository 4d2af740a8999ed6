"""What the message and DevInf writers write to: one element at a time, in document order.

Both wire encodings implement it (``xml_writer.XmlSink``, ``wbxml_writer.WbxmlSink``), so a message is
written straight into its encoding, one command after another, with no element tree in between.
"""

from collections.abc import Iterable
from typing import Protocol

from syncmld.protocol.devinf import DevInf
from syncmld.protocol.tree import Element


class Sink(Protocol):
    def start(self, tag: str) -> None:
        """Open an element; one closed with nothing in it is written empty (``<Tag/>``)."""
        ...

    def end(self) -> None:
        """Close the element opened last."""
        ...

    def text(self, tag: str, value: str) -> None:
        """An element holding ``value`` (without what XML cannot carry); empty when nothing is left."""
        ...

    def chars(self, value: str) -> None:
        """Character data between the elements of the open element (mixed content)."""
        ...

    def data(self, tag: str, value: bytes) -> None:
        """Item data: CDATA in XML (it must be UTF-8 there), OPAQUE bytes in WBXML."""
        ...

    def secret(self, tag: str, value: str | bytes) -> None:
        """Credentials: text, or bytes (OPAQUE in WBXML, UTF-8 text in XML)."""
        ...

    def devinf(self, devinf: DevInf) -> None:
        """A DevInf document as the content of the open item ``Data``."""
        ...


def write_tree(sink: Sink, element: Element) -> None:
    """An element tree (a Filter as read) written as it is, mixed content included."""
    tag = str(element.tag)
    if len(element) == 0:
        sink.text(tag, element.text or "")
        return
    sink.start(tag)
    if element.text:
        sink.chars(element.text)
    for sub in element:
        write_tree(sink, sub)
        if sub.tail:
            sink.chars(sub.tail)
    sink.end()


def optional_text(sink: Sink, tag: str, value: str | None) -> None:
    """An element holding ``value``, unless it is None."""
    if value is not None:
        sink.text(tag, value)


def optional_int(sink: Sink, tag: str, value: int | None) -> None:
    if value is not None:
        sink.text(tag, str(value))


def flag(sink: Sink, tag: str, present: bool) -> None:
    """An empty element such as ``<Final/>``, when ``present``."""
    if present:
        sink.text(tag, "")


def texts(sink: Sink, tag: str, values: Iterable[str]) -> None:
    for value in values:
        sink.text(tag, value)
