"""DevInf documents <-> namespace-free element trees, in both CTCap styles.

SyncML 1.0/1.1 put one flat ``CTCap`` at DevInf level: ``CTType`` starts a content type,
``PropName`` a property, ``ParamName`` a parameter of the preceding property, and the values that
follow belong to the latest of them. SyncML 1.2 nests ``Property``/``PropParam`` in one ``CTCap``
per type inside each ``DataStore``. Reading accepts either style anywhere and is lenient with the
odd DevInfs devices send (bad numbers and unknown SyncTypes are skipped, missing texts are empty).
"""

import operator
from collections.abc import Sequence
from xml.etree.ElementTree import Element as PlainElement

from lxml import etree

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map
from syncmld.protocol.devinf import (
    ContentTypeInfo,
    CTCap,
    CTParam,
    CTProperty,
    DataStore,
    DevInf,
    DSMem,
    Ext,
)
from syncmld.protocol.sink import Sink, flag, optional_int, optional_text, texts
from syncmld.protocol.tree import (
    Element,
    Readable,
    all_texts,
    as_count,
    child,
    child_text,
    has_flag,
    lenient_int,
    text,
)

FLAT_CTCAP_VERSIONS = frozenset({"1.0", "1.1"})
"""DevInf versions whose CTCaps are written flat at DevInf level."""


# Reading

Shape = tuple[tuple[str, ...], tuple[str | None, ...], tuple[int, ...]]
"""An ``xml.etree`` tree as ``read_devinf_once`` tells it: the name, the text and the number of children of each
element, in document order; all that ``read_devinf`` reads, and enough to tell any two trees apart."""

_REMEMBERED: BoundedMap[bytes | Shape, DevInf] = bounded_map(
    "devinfs", lambda limits: (limits.devinfs, limits.devinf_bytes)
)
"""DevInfs sent in XML, by the XML lxml writes of them or their ``Shape``, as read (``CacheLimits.devinfs``): 1 MB of
XML and what it reads as."""

_NAME = operator.attrgetter("tag")
_TEXT = operator.attrgetter("text")


def read_devinf_once(element: Readable) -> DevInf:
    """``read_devinf``, remembered by the element's XML (lxml's) or ``Shape`` (an ``xml.etree`` element's): a device
    sends the same DevInf in each session, and comparing them costs a fraction of reading it. (A WBXML DevInf is read
    each time: its content may be binary.)"""
    if isinstance(element, Element):
        written = etree.tostring(element, with_tail=False)
        return _remembered(element, written, len(written))
    if isinstance(element, PlainElement):
        parts: list[PlainElement] = [*element.iter()]  # the element and those inside it, in document order
        names: tuple[str, ...] = tuple(map(_NAME, parts))
        texts: tuple[str | None, ...] = tuple(map(_TEXT, parts))
        xml_size = 2 * sum(map(len, names)) + 5 * len(parts) + sum(map(len, filter(None, texts)))  # about, as sent
        return _remembered(element, (names, texts, tuple(map(len, parts))), xml_size)
    return read_devinf(element)


def _remembered(element: Readable, key: bytes | Shape, xml_size: int) -> DevInf:
    if not _REMEMBERED.keeps(xml_size):
        return read_devinf(element)
    return _REMEMBERED.get(key) or _REMEMBERED.put(key, read_devinf(element))


def read_devinf(element: Readable) -> DevInf:
    parts = _grouped(element)
    return DevInf(
        ver_dtd=_text(parts, "VerDTD") or "",
        dev_id=_text(parts, "DevID") or "",
        dev_typ=_text(parts, "DevTyp") or "",
        man=_text(parts, "Man"),
        mod=_text(parts, "Mod"),
        oem=_text(parts, "OEM"),
        fw_v=_text(parts, "FwV"),
        sw_v=_text(parts, "SwV"),
        hw_v=_text(parts, "HwV"),
        utc="UTC" in parts,
        support_large_objs="SupportLargeObjs" in parts,
        support_number_of_changes="SupportNumberOfChanges" in parts,
        datastores=tuple(_read_datastore(store) for store in parts.get("DataStore", ())),
        ctcaps=_read_ctcaps(parts),
        exts=tuple(
            Ext(xnam=child_text(ext, "XNam") or "", xvals=all_texts(ext, "XVal")) for ext in parts.get("Ext", ())
        ),
    )


def _grouped(element: Readable) -> dict[str, list[Readable]]:
    """The children of each name, in order, found in one pass."""
    groups: dict[str, list[Readable]] = {}
    for part in element:
        group = groups.get(part.tag)
        if group is None:
            groups[part.tag] = [part]
        else:
            group.append(part)
    return groups


def _text(parts: dict[str, list[Readable]], tag: str) -> str | None:
    """The text of the first child called ``tag`` (``parts``: ``_grouped``)."""
    group = parts.get(tag)
    return None if group is None else text(group[0])


def _read_datastore(element: Readable) -> DataStore:
    parts = _grouped(element)
    dsmem = parts.get("DSMem")
    sync_cap = parts.get("SyncCap")
    sync_types = () if sync_cap is None else all_texts(sync_cap[0], "SyncType")
    max_guid_size = _text(parts, "MaxGUIDSize")
    return DataStore(
        source_ref=_text(parts, "SourceRef") or "",
        display_name=_text(parts, "DisplayName"),
        max_guid_size=None if max_guid_size is None else as_count(max_guid_size),
        rx_pref=_read_preferred(parts, "Rx-Pref"),
        rx=tuple(_read_content_type(rx) for rx in parts.get("Rx", ())),
        tx_pref=_read_preferred(parts, "Tx-Pref"),
        tx=tuple(_read_content_type(tx) for tx in parts.get("Tx", ())),
        ctcaps=_read_ctcaps(parts),
        dsmem=None if dsmem is None else _read_dsmem(dsmem[0]),
        support_hierarchical_sync="SupportHierarchicalSync" in parts,
        sync_types=tuple(count for count in map(as_count, sync_types) if count is not None),
    )


def _read_content_type(element: Readable) -> ContentTypeInfo:
    return ContentTypeInfo(ct_type=child_text(element, "CTType") or "", ver_ct=child_text(element, "VerCT") or "")


def _read_preferred(parts: dict[str, list[Readable]], tag: str) -> ContentTypeInfo | None:
    group = parts.get(tag)
    return None if group is None else _read_content_type(group[0])


def _read_dsmem(element: Readable) -> DSMem:
    return DSMem(
        shared_mem=has_flag(element, "SharedMem"),
        max_mem=lenient_int(element, "MaxMem"),
        max_id=lenient_int(element, "MaxID"),
    )


def _read_ctcaps(parts: dict[str, list[Readable]]) -> tuple[CTCap, ...]:
    caps: list[CTCap] = []
    for element in parts.get("CTCap", ()):
        if child(element, "Property") is not None:
            caps.append(_read_nested_ctcap(element))
        else:
            caps.extend(_read_flat_ctcaps(element))
    return tuple(caps)


def _read_nested_ctcap(element: Readable) -> CTCap:
    parts = list(element)
    return _ctcap(parts, tuple(_read_property(prop) for prop in parts if prop.tag == "Property"))


def _read_property(element: Readable) -> CTProperty:
    parts = list(element)
    return _property(parts, tuple(_param(list(param)) for param in parts if param.tag == "PropParam"))


def _read_flat_ctcaps(element: Readable) -> list[CTCap]:
    caps = []
    for cap_group in _split(list(element), "CTType")[1]:
        cap_head, property_groups = _split(cap_group, "PropName")
        properties = []
        for property_group in property_groups:
            property_head, param_groups = _split(property_group, "ParamName")
            properties.append(_property(property_head, tuple(_param(group) for group in param_groups)))
        caps.append(_ctcap(cap_head, tuple(properties)))
    return caps


def _split(elements: list[Readable], starter: str) -> tuple[list[Readable], list[list[Readable]]]:
    """The elements before the first ``starter``, and the groups that each ``starter`` begins."""
    groups: list[list[Readable]] = []
    head: list[Readable] = []
    for element in elements:
        if element.tag == starter:
            groups.append([element])
        elif groups:
            groups[-1].append(element)
        else:
            head.append(element)
    return head, groups


def _gathered(elements: Sequence[Readable]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The text of the first element of each name, and the texts of every ``ValEnum``, in one pass."""
    first: dict[str, str] = {}
    enums: list[str] = []
    for element in elements:
        tag = element.tag
        if tag == "ValEnum":
            enums.append(text(element))
        if tag not in first:
            first[tag] = text(element)
    return first, tuple(enums)


def _number(first: dict[str, str], tag: str) -> int | None:
    value = first.get(tag)
    return None if value is None else as_count(value)


def _ctcap(elements: Sequence[Readable], properties: tuple[CTProperty, ...]) -> CTCap:
    first, _ = _gathered(elements)
    return CTCap(
        ct_type=first.get("CTType") or "",
        ver_ct=first.get("VerCT") or "",
        field_level="FieldLevel" in first,
        properties=properties,
    )


def _property(elements: Sequence[Readable], params: tuple[CTParam, ...]) -> CTProperty:
    first, enums = _gathered(elements)
    max_size = _number(first, "MaxSize")
    return CTProperty(
        name=first.get("PropName") or "",
        data_type=first.get("DataType"),
        max_occur=_number(first, "MaxOccur"),
        max_size=_number(first, "Size") if max_size is None else max_size,
        no_truncate="NoTruncate" in first,
        val_enums=enums,
        display_name=first.get("DisplayName"),
        params=params,
    )


def _param(elements: Sequence[Readable]) -> CTParam:
    first, enums = _gathered(elements)
    return CTParam(
        name=first.get("ParamName") or "",
        data_type=first.get("DataType"),
        val_enums=enums,
        display_name=first.get("DisplayName"),
    )


# Writing


def write_devinf(sink: Sink, devinf: DevInf) -> None:
    """The ``DevInf`` element of a document, in the CTCap style of its own ``VerDTD``."""
    flat = devinf.ver_dtd.strip() in FLAT_CTCAP_VERSIONS
    sink.start("DevInf")
    sink.text("VerDTD", devinf.ver_dtd)
    optional_text(sink, "Man", devinf.man)
    optional_text(sink, "Mod", devinf.mod)
    optional_text(sink, "OEM", devinf.oem)
    optional_text(sink, "FwV", devinf.fw_v)
    optional_text(sink, "SwV", devinf.sw_v)
    optional_text(sink, "HwV", devinf.hw_v)
    sink.text("DevID", devinf.dev_id)
    sink.text("DevTyp", devinf.dev_typ)
    flag(sink, "UTC", devinf.utc)
    flag(sink, "SupportLargeObjs", devinf.support_large_objs)
    flag(sink, "SupportNumberOfChanges", devinf.support_number_of_changes)
    for store in devinf.datastores:
        _datastore(sink, store, nested_ctcaps=not flat)
    if flat:
        _flat_ctcaps(sink, devinf.all_ctcaps())
    else:
        for cap in devinf.ctcaps:
            _nested_ctcap(sink, cap)
    for ext in devinf.exts:
        sink.start("Ext")
        sink.text("XNam", ext.xnam)
        texts(sink, "XVal", ext.xvals)
        sink.end()
    sink.end()


def _datastore(sink: Sink, store: DataStore, nested_ctcaps: bool) -> None:
    sink.start("DataStore")
    sink.text("SourceRef", store.source_ref)
    optional_text(sink, "DisplayName", store.display_name)
    optional_int(sink, "MaxGUIDSize", store.max_guid_size)
    _content_type(sink, "Rx-Pref", store.rx_pref)
    for info in store.rx:
        _content_type(sink, "Rx", info)
    _content_type(sink, "Tx-Pref", store.tx_pref)
    for info in store.tx:
        _content_type(sink, "Tx", info)
    if nested_ctcaps:
        for cap in store.ctcaps:
            _nested_ctcap(sink, cap)
    if store.dsmem is not None:
        sink.start("DSMem")
        flag(sink, "SharedMem", store.dsmem.shared_mem)
        optional_int(sink, "MaxMem", store.dsmem.max_mem)
        optional_int(sink, "MaxID", store.dsmem.max_id)
        sink.end()
    flag(sink, "SupportHierarchicalSync", store.support_hierarchical_sync)
    if store.sync_types:
        sink.start("SyncCap")
        texts(sink, "SyncType", (str(sync_type) for sync_type in store.sync_types))
        sink.end()
    sink.end()


def _content_type(sink: Sink, tag: str, info: ContentTypeInfo | None) -> None:
    if info is not None:
        sink.start(tag)
        sink.text("CTType", info.ct_type)
        sink.text("VerCT", info.ver_ct)
        sink.end()


def _nested_ctcap(sink: Sink, cap: CTCap) -> None:
    sink.start("CTCap")
    sink.text("CTType", cap.ct_type)
    sink.text("VerCT", cap.ver_ct)
    flag(sink, "FieldLevel", cap.field_level)
    for prop in cap.properties:
        sink.start("Property")
        sink.text("PropName", prop.name)
        optional_text(sink, "DataType", prop.data_type)
        optional_int(sink, "MaxOccur", prop.max_occur)
        optional_int(sink, "MaxSize", prop.max_size)
        flag(sink, "NoTruncate", prop.no_truncate)
        texts(sink, "ValEnum", prop.val_enums)
        optional_text(sink, "DisplayName", prop.display_name)
        for param in prop.params:
            sink.start("PropParam")
            _write_param(sink, param)
            sink.end()
        sink.end()
    sink.end()


def _flat_ctcaps(sink: Sink, caps: tuple[CTCap, ...]) -> None:
    """One 1.0/1.1 ``CTCap`` for all types (it has no VerCT, MaxOccur, NoTruncate or FieldLevel)."""
    if not caps:
        return
    sink.start("CTCap")
    for cap in caps:
        sink.text("CTType", cap.ct_type)
        for prop in cap.properties:
            sink.text("PropName", prop.name)
            texts(sink, "ValEnum", prop.val_enums)
            optional_text(sink, "DataType", prop.data_type)
            optional_int(sink, "Size", prop.max_size)
            optional_text(sink, "DisplayName", prop.display_name)
            for param in prop.params:
                _write_param(sink, param)
    sink.end()


def _write_param(sink: Sink, param: CTParam) -> None:
    """A parameter's elements, in a ``PropParam`` (1.2) or in the flat ``CTCap`` (1.0/1.1)."""
    sink.text("ParamName", param.name)
    optional_text(sink, "DataType", param.data_type)
    texts(sink, "ValEnum", param.val_enums)
    optional_text(sink, "DisplayName", param.display_name)
