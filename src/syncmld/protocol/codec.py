"""Entry points of the wire layer: bytes <-> SyncML messages in the client's encoding."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from lxml import etree

from syncmld.errors import DecodeError
from syncmld.protocol.constants import NS_DEVINF
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.devinf_elements import read_devinf, write_devinf
from syncmld.protocol.elements import read_message
from syncmld.protocol.encoder import Encoding as Encoding
from syncmld.protocol.encoder import encode as encode
from syncmld.protocol.messages import SyncML
from syncmld.protocol.plain_xml import MessageTree, message_tree
from syncmld.protocol.tree import Readable
from syncmld.protocol.wbxml_syncml import decode_wbxml
from syncmld.protocol.xml import looks_like_xml, parse_tree
from syncmld.protocol.xml_writer import XML_DECLARATION, XmlSink
from syncmld.status import StatusCode

_Read = TypeVar("_Read")
_Tree = TypeVar("_Tree")

_WBXML_VERSIONS = (b"\x01", b"\x02", b"\x03")


@dataclass(frozen=True)
class Decoded:
    message: SyncML
    encoding: Encoding


def decode(body: bytes, content_type: str | None, max_decoded: int | None = None) -> Decoded:
    """Read a message in the encoding its content type names, or that its first bytes show.

    ``max_decoded`` bounds what a WBXML message may decode to (DecodeError 413 beyond it); an XML
    message holds no more than its own bytes (entities are refused).
    """
    encoding = _encoding_of(content_type) or _sniff(body)
    if encoding is Encoding.WBXML:
        return Decoded(message=decode_wbxml(body, max_decoded), encoding=encoding)
    return Decoded(message=decode_xml(body), encoding=encoding)


def decode_xml(body: bytes) -> SyncML:
    """Read a SyncML 1.0/1.1/1.2 XML message; anything unreadable raises DecodeError."""
    return _read_xml(body, message_tree, _read_message_tree)


def encode_xml(message: SyncML) -> bytes:
    """The message as SyncML XML in its own version, always well-formed UTF-8."""
    return encode(message, Encoding.XML)


def decode_devinf_xml(body: bytes) -> DevInf:
    """Read a stand-alone DevInf XML document (as ``encode_devinf_xml`` writes it)."""
    return _read_xml(body, parse_tree, _read_devinf_document)


def encode_devinf_xml(devinf: DevInf) -> bytes:
    """A stand-alone DevInf XML document, in the CTCap style of the DevInf's version."""
    sink = XmlSink(root_namespace=NS_DEVINF)
    write_devinf(sink, devinf)
    return XML_DECLARATION + sink.take()


def _read_xml(body: bytes, parse: Callable[[bytes], _Tree], read: Callable[[_Tree], _Read]) -> _Read:
    try:
        return read(parse(body))
    except (ValueError, etree.LxmlError) as error:
        raise DecodeError(f"unreadable XML document: {error}") from error


def _read_message_tree(tree: MessageTree) -> SyncML:
    return read_message(tree.root, tree.placed)


def _read_devinf_document(root: Readable) -> DevInf:
    if root.tag != "DevInf":
        raise DecodeError(f"root element is {root.tag}, not DevInf")
    return read_devinf(root)


_BY_CONTENT_TYPE = {encoding.content_type: encoding for encoding in Encoding}
"""Each encoding by its media type (a lookup: going through an enum's members costs about 10 us)."""


def _encoding_of(content_type: str | None) -> Encoding | None:
    """The encoding a Content-Type names (parameters and case ignored), if it names one."""
    if content_type is None:
        return None
    return _BY_CONTENT_TYPE.get(content_type.split(";", 1)[0].strip().lower())


def _sniff(body: bytes) -> Encoding:
    """The encoding recognised from the first bytes (spec §6): a WBXML version byte, or markup.

    Any markup counts as XML, not only ``<?xml`` and ``<SyncML``: devices and test tools put
    comments, DOCTYPEs and namespace prefixes first.
    """
    if body[:1] in _WBXML_VERSIONS:
        return Encoding.WBXML
    if looks_like_xml(body):
        return Encoding.XML
    raise DecodeError("the body is neither SyncML XML nor WBXML", StatusCode.UNSUPPORTED_MEDIA_TYPE)
