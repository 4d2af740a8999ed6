"""DevInf documents <-> namespace-free element trees, in both CTCap styles.

SyncML 1.0/1.1 put one flat ``CTCap`` at DevInf level: ``CTType`` starts a content type,
``PropName`` a property, ``ParamName`` a parameter of the preceding property, and the values that
follow belong to the latest of them. SyncML 1.2 nests ``Property``/``PropParam`` in one ``CTCap``
per type inside each ``DataStore``. Reading accepts either style anywhere and is lenient with the
odd DevInfs devices send (bad numbers and unknown SyncTypes are skipped, missing texts are empty).
"""

from collections.abc import Sequence

from lxml import etree

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
from syncmld.protocol.tree import (
    Element,
    add,
    add_flag,
    add_int,
    add_text,
    add_texts,
    all_texts,
    as_count,
    child,
    child_text,
    children,
    has_flag,
    lenient_int,
    text,
)

FLAT_CTCAP_VERSIONS = frozenset({"1.0", "1.1"})
"""DevInf versions whose CTCaps are written flat at DevInf level."""


# Reading


def read_devinf(element: Element) -> DevInf:
    return DevInf(
        ver_dtd=child_text(element, "VerDTD") or "",
        dev_id=child_text(element, "DevID") or "",
        dev_typ=child_text(element, "DevTyp") or "",
        man=child_text(element, "Man"),
        mod=child_text(element, "Mod"),
        oem=child_text(element, "OEM"),
        fw_v=child_text(element, "FwV"),
        sw_v=child_text(element, "SwV"),
        hw_v=child_text(element, "HwV"),
        utc=has_flag(element, "UTC"),
        support_large_objs=has_flag(element, "SupportLargeObjs"),
        support_number_of_changes=has_flag(element, "SupportNumberOfChanges"),
        datastores=tuple(_read_datastore(store) for store in children(element, "DataStore")),
        ctcaps=_read_ctcaps(element),
        exts=tuple(
            Ext(xnam=child_text(ext, "XNam") or "", xvals=all_texts(ext, "XVal")) for ext in children(element, "Ext")
        ),
    )


def _read_datastore(element: Element) -> DataStore:
    dsmem = child(element, "DSMem")
    sync_cap = child(element, "SyncCap")
    sync_types = () if sync_cap is None else all_texts(sync_cap, "SyncType")
    return DataStore(
        source_ref=child_text(element, "SourceRef") or "",
        display_name=child_text(element, "DisplayName"),
        max_guid_size=lenient_int(element, "MaxGUIDSize"),
        rx_pref=_read_preferred(element, "Rx-Pref"),
        rx=tuple(_read_content_type(rx) for rx in children(element, "Rx")),
        tx_pref=_read_preferred(element, "Tx-Pref"),
        tx=tuple(_read_content_type(tx) for tx in children(element, "Tx")),
        ctcaps=_read_ctcaps(element),
        dsmem=None if dsmem is None else _read_dsmem(dsmem),
        support_hierarchical_sync=has_flag(element, "SupportHierarchicalSync"),
        sync_types=tuple(count for count in map(as_count, sync_types) if count is not None),
    )


def _read_content_type(element: Element) -> ContentTypeInfo:
    return ContentTypeInfo(ct_type=child_text(element, "CTType") or "", ver_ct=child_text(element, "VerCT") or "")


def _read_preferred(parent: Element, tag: str) -> ContentTypeInfo | None:
    element = child(parent, tag)
    return None if element is None else _read_content_type(element)


def _read_dsmem(element: Element) -> DSMem:
    return DSMem(
        shared_mem=has_flag(element, "SharedMem"),
        max_mem=lenient_int(element, "MaxMem"),
        max_id=lenient_int(element, "MaxID"),
    )


def _read_ctcaps(parent: Element) -> tuple[CTCap, ...]:
    caps: list[CTCap] = []
    for element in children(parent, "CTCap"):
        if child(element, "Property") is not None:
            caps.append(_read_nested_ctcap(element))
        else:
            caps.extend(_read_flat_ctcaps(element))
    return tuple(caps)


def _read_nested_ctcap(element: Element) -> CTCap:
    properties = tuple(
        _property(list(prop), tuple(_param(list(param)) for param in children(prop, "PropParam")))
        for prop in children(element, "Property")
    )
    return _ctcap(list(element), properties)


def _read_flat_ctcaps(element: Element) -> list[CTCap]:
    caps = []
    for cap_group in _split(list(element), "CTType")[1]:
        cap_head, property_groups = _split(cap_group, "PropName")
        properties = []
        for property_group in property_groups:
            property_head, param_groups = _split(property_group, "ParamName")
            properties.append(_property(property_head, tuple(_param(group) for group in param_groups)))
        caps.append(_ctcap(cap_head, tuple(properties)))
    return caps


def _split(elements: list[Element], starter: str) -> tuple[list[Element], list[list[Element]]]:
    """The elements before the first ``starter``, and the groups that each ``starter`` begins."""
    groups: list[list[Element]] = []
    head: list[Element] = []
    for element in elements:
        if element.tag == starter:
            groups.append([element])
        elif groups:
            groups[-1].append(element)
        else:
            head.append(element)
    return head, groups


def _first(elements: Sequence[Element], tag: str) -> str | None:
    for element in elements:
        if element.tag == tag:
            return text(element)
    return None


def _all(elements: Sequence[Element], tag: str) -> tuple[str, ...]:
    return tuple(text(element) for element in elements if element.tag == tag)


def _number(elements: Sequence[Element], tag: str) -> int | None:
    value = _first(elements, tag)
    return None if value is None else as_count(value)


def _ctcap(elements: Sequence[Element], properties: tuple[CTProperty, ...]) -> CTCap:
    return CTCap(
        ct_type=_first(elements, "CTType") or "",
        ver_ct=_first(elements, "VerCT") or "",
        field_level=_first(elements, "FieldLevel") is not None,
        properties=properties,
    )


def _property(elements: Sequence[Element], params: tuple[CTParam, ...]) -> CTProperty:
    max_size = _number(elements, "MaxSize")
    return CTProperty(
        name=_first(elements, "PropName") or "",
        data_type=_first(elements, "DataType"),
        max_occur=_number(elements, "MaxOccur"),
        max_size=_number(elements, "Size") if max_size is None else max_size,
        no_truncate=_first(elements, "NoTruncate") is not None,
        val_enums=_all(elements, "ValEnum"),
        display_name=_first(elements, "DisplayName"),
        params=params,
    )


def _param(elements: Sequence[Element]) -> CTParam:
    return CTParam(
        name=_first(elements, "ParamName") or "",
        data_type=_first(elements, "DataType"),
        val_enums=_all(elements, "ValEnum"),
        display_name=_first(elements, "DisplayName"),
    )


# Writing


def build_devinf(devinf: DevInf) -> Element:
    """The ``DevInf`` element of a document, in the CTCap style of its own ``VerDTD``."""
    flat = devinf.ver_dtd.strip() in FLAT_CTCAP_VERSIONS
    element = etree.Element("DevInf")
    add(element, "VerDTD", devinf.ver_dtd)
    add_text(element, "Man", devinf.man)
    add_text(element, "Mod", devinf.mod)
    add_text(element, "OEM", devinf.oem)
    add_text(element, "FwV", devinf.fw_v)
    add_text(element, "SwV", devinf.sw_v)
    add_text(element, "HwV", devinf.hw_v)
    add(element, "DevID", devinf.dev_id)
    add(element, "DevTyp", devinf.dev_typ)
    add_flag(element, "UTC", devinf.utc)
    add_flag(element, "SupportLargeObjs", devinf.support_large_objs)
    add_flag(element, "SupportNumberOfChanges", devinf.support_number_of_changes)
    for store in devinf.datastores:
        _add_datastore(element, store, nested_ctcaps=not flat)
    if flat:
        _add_flat_ctcaps(element, devinf.all_ctcaps())
    else:
        for cap in devinf.ctcaps:
            _add_nested_ctcap(element, cap)
    for ext in devinf.exts:
        ext_element = add(element, "Ext")
        add(ext_element, "XNam", ext.xnam)
        add_texts(ext_element, "XVal", ext.xvals)
    return element


def _add_datastore(parent: Element, store: DataStore, nested_ctcaps: bool) -> None:
    element = add(parent, "DataStore")
    add(element, "SourceRef", store.source_ref)
    add_text(element, "DisplayName", store.display_name)
    add_int(element, "MaxGUIDSize", store.max_guid_size)
    _add_content_type(element, "Rx-Pref", store.rx_pref)
    for info in store.rx:
        _add_content_type(element, "Rx", info)
    _add_content_type(element, "Tx-Pref", store.tx_pref)
    for info in store.tx:
        _add_content_type(element, "Tx", info)
    if nested_ctcaps:
        for cap in store.ctcaps:
            _add_nested_ctcap(element, cap)
    if store.dsmem is not None:
        dsmem = add(element, "DSMem")
        add_flag(dsmem, "SharedMem", store.dsmem.shared_mem)
        add_int(dsmem, "MaxMem", store.dsmem.max_mem)
        add_int(dsmem, "MaxID", store.dsmem.max_id)
    add_flag(element, "SupportHierarchicalSync", store.support_hierarchical_sync)
    if store.sync_types:
        add_texts(add(element, "SyncCap"), "SyncType", (str(sync_type) for sync_type in store.sync_types))


def _add_content_type(parent: Element, tag: str, info: ContentTypeInfo | None) -> None:
    if info is not None:
        element = add(parent, tag)
        add(element, "CTType", info.ct_type)
        add(element, "VerCT", info.ver_ct)


def _add_nested_ctcap(parent: Element, cap: CTCap) -> None:
    element = add(parent, "CTCap")
    add(element, "CTType", cap.ct_type)
    add(element, "VerCT", cap.ver_ct)
    add_flag(element, "FieldLevel", cap.field_level)
    for prop in cap.properties:
        prop_element = add(element, "Property")
        add(prop_element, "PropName", prop.name)
        add_text(prop_element, "DataType", prop.data_type)
        add_int(prop_element, "MaxOccur", prop.max_occur)
        add_int(prop_element, "MaxSize", prop.max_size)
        add_flag(prop_element, "NoTruncate", prop.no_truncate)
        add_texts(prop_element, "ValEnum", prop.val_enums)
        add_text(prop_element, "DisplayName", prop.display_name)
        for param in prop.params:
            _add_param(add(prop_element, "PropParam"), param)


def _add_flat_ctcaps(parent: Element, caps: tuple[CTCap, ...]) -> None:
    """One 1.0/1.1 ``CTCap`` for all types (it has no VerCT, MaxOccur, NoTruncate or FieldLevel)."""
    if not caps:
        return
    element = add(parent, "CTCap")
    for cap in caps:
        add(element, "CTType", cap.ct_type)
        for prop in cap.properties:
            add(element, "PropName", prop.name)
            add_texts(element, "ValEnum", prop.val_enums)
            add_text(element, "DataType", prop.data_type)
            add_int(element, "Size", prop.max_size)
            add_text(element, "DisplayName", prop.display_name)
            for param in prop.params:
                _add_param(element, param)


def _add_param(element: Element, param: CTParam) -> None:
    """A parameter's elements, appended to a ``PropParam`` (1.2) or to the flat ``CTCap`` (1.0/1.1)."""
    add(element, "ParamName", param.name)
    add_text(element, "DataType", param.data_type)
    add_texts(element, "ValEnum", param.val_enums)
    add_text(element, "DisplayName", param.display_name)
