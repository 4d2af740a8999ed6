"""SyncML messages and DevInf documents in WBXML: which code pages, what OPAQUE data means.

On the wire (spec §7.7) item data travels as OPAQUE, and a DevInf inside an item as an OPAQUE
nested WBXML DevInf document whose Meta Type says ``application/vnd.syncml-devinf+wbxml``. The
message model names that type in its XML form, as the XML codec and libwbxml's ``wbxml2xml`` do:
encoding switches it to ``+wbxml`` and decoding switches it back.

Reading OPAQUE data: item data is a nested DevInf when the type or the nested header says so, else
kept as its bytes (in UTF-8 when the document's charset is Latin-1). Credentials are kept as bytes
when they are binary or a raw MD5 digest (the engine base64-encodes them to compare, as libsynthesis
does), a binary NextNonce becomes base64 text, and anything else is read as text.
"""

import base64
from collections.abc import Callable, Iterator
from typing import TypeVar

from lxml import etree

from syncmld.errors import DecodeError
from syncmld.protocol.codepages import (
    BY_FPI,
    BY_PUBLIC_ID,
    DEVINF_1_2,
    DEVINF_BY_VERSION,
    SYNCML_1_2,
    Pages,
    Vocabulary,
)
from syncmld.protocol.constants import AUTH_MD5, FORMAT_BIN, FORMAT_CHR, MIME_DEVINF_WBXML, MIME_DEVINF_XML
from syncmld.protocol.elements import read_message
from syncmld.protocol.messages import SyncML
from syncmld.protocol.tree import Node, child, child_text, set_text
from syncmld.protocol.wbxml import VERSIONS, DecodedSize, Document, Header, Opaque, opaque_text, parse, read_header

_Read = TypeVar("_Read")

_RAW_FORMATS = frozenset({FORMAT_BIN, FORMAT_CHR})
_MD5_DIGEST_SIZE = 16
_MEANING_FROM_META = frozenset({"Data", "NextNonce"})
_UTF8_COMPATIBLE = frozenset({"utf-8", "ascii"})


def decode_wbxml(body: bytes, max_decoded: int | None = None) -> SyncML:
    """Read a SyncML 1.0/1.1/1.2 WBXML message; anything unreadable raises DecodeError, and so (413) does a
    message that decodes to more than ``max_decoded`` bytes (see ``wbxml.DecodedSize``)."""
    return _guarded(lambda: _read_message(body, DecodedSize(max_decoded)))


def _guarded(read: Callable[[], _Read]) -> _Read:
    try:
        return read()
    except (ValueError, etree.LxmlError) as error:
        raise DecodeError(f"unreadable WBXML document: {error}") from error


# Decoding


def _read_message(body: bytes, size: DecodedSize) -> SyncML:
    document = parse(body, _syncml_pages, size, collect="Type")
    for opaque in sorted(document.opaque, key=lambda opaque: opaque.element.tag in _MEANING_FROM_META):
        _place_opaque(opaque, document.header.charset, size)
    _rename_types(document, MIME_DEVINF_WBXML, MIME_DEVINF_XML)
    return read_message(document.root)


def _known(public_id: int | str | None) -> Vocabulary | None:
    if isinstance(public_id, str):
        return BY_FPI.get(" ".join(public_id.upper().split()))
    return None if public_id is None else BY_PUBLIC_ID.get(public_id)


def _syncml_pages(header: Header) -> Pages:
    vocabulary = _known(header.public_id)
    if vocabulary is not None and vocabulary.is_devinf:
        raise DecodeError("a WBXML DevInf document where a SyncML message was expected")
    return (vocabulary or SYNCML_1_2).accepted


def _place_opaque(opaque: Opaque, charset: str, size: DecodedSize) -> None:
    """Turn the OPAQUE content of a leaf element into what the element means.

    What ``Data`` and ``NextNonce`` mean depends on Meta values, which are placed before them.
    """
    element, ancestors, data = opaque.element, opaque.ancestors, opaque.data
    parent = ancestors[-1] if ancestors else None
    place = "" if parent is None else f"{parent.tag}/{element.tag}"
    if place == "Item/Data" and not any(ancestor.tag == "Filter" for ancestor in ancestors):
        if _holds_devinf(ancestors, data):
            element.append(_devinf_tree(data, _message_devinf_vocabulary(ancestors[0]), size))
        else:
            element.binary = data if charset in _UTF8_COMPATIBLE else data.decode(charset).encode("utf-8")
        return
    text = opaque_text(data, charset)
    if place == "Cred/Data" and (text is None or _is_raw_credential(parent, data)):
        element.binary = data
    elif element.tag == "NextNonce" and (text is None or _meta_value(parent, "Format") in _RAW_FORMATS):
        element.text = base64.b64encode(data).decode("ascii") or None
    else:
        set_text(element, data.decode(charset, errors="replace") if text is None else text)


def _holds_devinf(ancestors: tuple[Node, ...], data: bytes) -> bool:
    """Whether item data (``ancestors``: the item's, down to the item) is a nested WBXML DevInf document: a
    WBXML header, and a DevInf Meta Type or public id."""
    if not data or data[0] not in VERSIONS:
        return False
    try:
        vocabulary = _known(read_header(data).public_id)
    except DecodeError:
        return False
    if vocabulary is not None and vocabulary.is_devinf:
        return True
    return any(value.lower() == MIME_DEVINF_WBXML for value in _declared_types(ancestors[-2:]))


def _message_devinf_vocabulary(root: Node) -> Vocabulary:
    """The DevInf vocabulary of the message's SyncML version, for nested documents that do not say."""
    header = child(root, "SyncHdr")
    version = None if header is None else child_text(header, "VerDTD")
    return DEVINF_BY_VERSION.get(version or "", DEVINF_1_2)


def _devinf_tree(body: bytes, fallback: Vocabulary, size: DecodedSize) -> Node:
    def pages(header: Header) -> Pages:
        vocabulary = _known(header.public_id) or fallback
        if not vocabulary.is_devinf:
            raise DecodeError("nested WBXML document is not DevInf")
        return vocabulary.accepted

    document: Document = parse(body, pages, size)
    if document.root.tag != "DevInf":
        raise DecodeError(f"nested WBXML document has root {document.root.tag}, not DevInf")
    for opaque in document.opaque:
        set_text(opaque.element, opaque.data.decode(document.header.charset, errors="replace"))
    return document.root


def _is_raw_credential(cred: Node | None, data: bytes) -> bool:
    """Whether credentials sent as text-like OPAQUE data are still raw bytes (spec §5.2)."""
    if cred is None:
        return False
    if _meta_value(cred, "Format") in _RAW_FORMATS:
        return True
    return _meta_value(cred, "Type") == AUTH_MD5 and len(data) == _MD5_DIGEST_SIZE


def _meta_value(parent: Node | None, tag: str) -> str | None:
    """A MetInf value of ``parent``'s Meta (or of ``parent`` itself when it is the Meta), lower case."""
    if parent is None:
        return None
    meta = parent if parent.tag == "Meta" else child(parent, "Meta")
    if meta is None:
        return None
    for element in meta.iter(tag):
        return (element.text or "").strip().lower()
    return None


# Meta Type of DevInf


def _rename_types(document: Document, old: str, new: str) -> None:
    """Rename every MetInf ``Type`` ``old`` (in any case) to ``new``, as libwbxml does (nested DevInf
    documents hold no MetInf)."""
    for element in document.collected:
        if (element.text or "").strip().lower() == old:
            element.text = new


def _declared_types(owners: tuple[Node, ...]) -> Iterator[str]:
    """The Meta Types of an item's command and of the item (``owners``)."""
    for owner in owners:
        meta = child(owner, "Meta")
        if meta is not None:
            yield from ((element.text or "").strip() for element in meta.iter("Type"))
