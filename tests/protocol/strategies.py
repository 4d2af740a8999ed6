"""Hypothesis strategies for SyncML messages that every wire codec must carry unchanged.

Generated messages are in the form a decoder returns: texts that are read stripped have no
surrounding whitespace, item data is UTF-8 text as bytes, DevInf CTCaps sit where their version
writes them (1.2: inside data stores, 1.0/1.1: flat at DevInf level without 1.2-only fields).
"""

from hypothesis import strategies as st

from syncmld.protocol.constants import AlertCode, SyncMLVersion
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
from syncmld.protocol.messages import (
    Add,
    Alert,
    Anchor,
    Atomic,
    Chal,
    Command,
    Copy,
    Cred,
    Delete,
    Get,
    Item,
    LocRef,
    Map,
    MapItem,
    Mem,
    Meta,
    Move,
    Put,
    Replace,
    Results,
    Sequence,
    Status,
    Sync,
    SyncHdr,
    SyncML,
    Unsupported,
)
from syncmld.status import StatusCode

xml_chars = st.characters(blacklist_categories=("Cs", "Cc", "Cn")) | st.sampled_from("\t\n\r")
"""Characters XML 1.0 can carry."""

_tricky = st.sampled_from(["]]>", "]]", "\r\n", "\r", "<", "&", "&amp;", " ", "\n"])
any_text = st.lists(st.text(xml_chars, max_size=8) | _tricky, max_size=6).map("".join)
"""Text kept exactly as sent (item data), with what XML must escape or split."""

values = any_text.map(str.strip)
"""Element text, which decoders read without surrounding whitespace."""

optional_values = st.none() | values
counts = st.integers(min_value=0, max_value=2**40)
optional_counts = st.none() | counts

filters = st.sampled_from(
    [
        "<Meta><Type>text/vcard</Type></Meta>",
        "<Meta><Type>text/x-vcalendar</Type></Meta><Record><Item><Meta><Type>syncml:filtertype-cgi</Type>"
        "</Meta><Data>&amp;LAST_MODIFIED&amp;GE;20240101T000000Z</Data></Item></Record>",
        "<Meta><Type>text/vcard</Type></Meta><Field><Item><Data>BEGIN:VCARD\nEND:VCARD</Data></Item></Field>"
        "<FilterType>INCLUSIVE</FilterType>",
    ]
)

locrefs = st.builds(LocRef, uri=values, name=optional_values, filter=st.none() | filters)
optional_locrefs = st.none() | locrefs
anchors = st.builds(Anchor, last=optional_values, next=optional_values)
mems = st.builds(Mem, shared_mem=st.booleans(), free_mem=optional_counts, free_id=optional_counts)

metas = st.builds(
    Meta,
    type=optional_values,
    format=optional_values,
    mark=optional_values,
    size=optional_counts,
    anchor=st.none() | anchors,
    version=optional_values,
    next_nonce=optional_values,
    max_msg_size=optional_counts,
    max_obj_size=optional_counts,
    emi=st.lists(values, max_size=2).map(tuple),
    mem=st.none() | mems,
    field_level=st.booleans(),
)
optional_metas = st.none() | metas
creds = st.builds(Cred, data=values, meta=optional_metas)
optional_creds = st.none() | creds


# DevInf

content_types = st.builds(ContentTypeInfo, ct_type=values, ver_ct=values)
dsmems = st.builds(DSMem, shared_mem=st.booleans(), max_mem=optional_counts, max_id=optional_counts)
exts = st.builds(Ext, xnam=values, xvals=st.lists(values, max_size=2).map(tuple))
params = st.builds(
    CTParam,
    name=values,
    data_type=optional_values,
    val_enums=st.lists(values, max_size=3).map(tuple),
    display_name=optional_values,
)


def _properties(nested: bool) -> st.SearchStrategy[CTProperty]:
    """CTCap properties; the flat 1.0/1.1 style has no MaxOccur or NoTruncate."""
    return st.builds(
        CTProperty,
        name=values,
        data_type=optional_values,
        max_occur=optional_counts if nested else st.none(),
        max_size=optional_counts,
        no_truncate=st.booleans() if nested else st.just(False),
        val_enums=st.lists(values, max_size=3).map(tuple),
        display_name=optional_values,
        params=st.lists(params, max_size=2).map(tuple),
    )


def ctcaps(nested: bool) -> st.SearchStrategy[CTCap]:
    """CTCaps in the 1.2 (nested) or the 1.0/1.1 (flat: no VerCT, no FieldLevel) style."""
    return st.builds(
        CTCap,
        ct_type=values,
        ver_ct=values if nested else st.just(""),
        field_level=st.booleans() if nested else st.just(False),
        properties=st.lists(_properties(nested), max_size=3).map(tuple),
    )


def _datastores(nested: bool) -> st.SearchStrategy[DataStore]:
    return st.builds(
        DataStore,
        source_ref=values,
        display_name=optional_values,
        max_guid_size=optional_counts,
        rx_pref=st.none() | content_types,
        rx=st.lists(content_types, max_size=2).map(tuple),
        tx_pref=st.none() | content_types,
        tx=st.lists(content_types, max_size=2).map(tuple),
        ctcaps=st.lists(ctcaps(nested), max_size=2).map(tuple) if nested else st.just(()),
        dsmem=st.none() | dsmems,
        support_hierarchical_sync=st.booleans(),
        sync_types=st.lists(st.integers(min_value=0, max_value=10**6), max_size=4).map(tuple),
    )


def devinfs(version: str) -> st.SearchStrategy[DevInf]:
    """DevInf documents of one DevInf version ("1.0", "1.1" or "1.2")."""
    nested = version == "1.2"
    return st.builds(
        DevInf,
        ver_dtd=st.just(version),
        dev_id=values,
        dev_typ=values,
        man=optional_values,
        mod=optional_values,
        oem=optional_values,
        fw_v=optional_values,
        sw_v=optional_values,
        hw_v=optional_values,
        utc=st.booleans(),
        support_large_objs=st.booleans(),
        support_number_of_changes=st.booleans(),
        datastores=st.lists(_datastores(nested), max_size=2).map(tuple),
        ctcaps=st.lists(ctcaps(nested), max_size=2).map(tuple),
        exts=st.lists(exts, max_size=2).map(tuple),
    )


any_devinf = st.sampled_from(["1.0", "1.1", "1.2"]).flatmap(devinfs)


# Commands

item_data = st.none() | any_text.map(str.encode) | any_devinf | anchors
items = st.builds(
    Item,
    target=optional_locrefs,
    source=optional_locrefs,
    target_parent=optional_values,
    source_parent=optional_values,
    meta=optional_metas,
    data=item_data,
    more_data=st.booleans(),
)
item_lists = st.lists(items, max_size=2).map(tuple)
unsupported = st.builds(Unsupported, cmd_id=values, name=st.sampled_from(["Exec", "Search", "Unknown"]))


def _item_commands(kind: type[Add | Replace | Copy | Move]) -> st.SearchStrategy[Command]:
    return st.builds(
        kind, cmd_id=values, items=item_lists, meta=optional_metas, cred=optional_creds, no_resp=st.booleans()
    )


deletes = st.builds(
    Delete,
    cmd_id=values,
    items=item_lists,
    meta=optional_metas,
    cred=optional_creds,
    no_resp=st.booleans(),
    archive=st.booleans(),
    sft_del=st.booleans(),
)
changes = st.one_of(*(_item_commands(kind) for kind in (Add, Replace, Copy, Move)), deletes)


def _get_puts(kind: type[Get | Put]) -> st.SearchStrategy[Command]:
    return st.builds(
        kind,
        cmd_id=values,
        items=item_lists,
        meta=optional_metas,
        cred=optional_creds,
        no_resp=st.booleans(),
        lang=optional_values,
    )


alerts = st.builds(
    Alert,
    cmd_id=values,
    data=st.none() | st.sampled_from(AlertCode) | st.integers(min_value=0, max_value=10**6).map(AlertCode),
    items=item_lists,
    cred=optional_creds,
    no_resp=st.booleans(),
    correlator=optional_values,
)
results = st.builds(
    Results,
    cmd_id=values,
    cmd_ref=values,
    msg_ref=optional_values,
    meta=optional_metas,
    target_ref=optional_values,
    source_ref=optional_values,
    items=item_lists,
)
maps = st.builds(
    Map,
    cmd_id=values,
    target=locrefs,
    source=locrefs,
    map_items=st.lists(st.builds(MapItem, target=locrefs, source=locrefs), max_size=3).map(tuple),
    meta=optional_metas,
    cred=optional_creds,
)
statuses = st.builds(
    Status,
    cmd_id=values,
    msg_ref=values,
    cmd_ref=values,
    cmd=values,
    data=st.sampled_from(StatusCode) | st.integers(min_value=0, max_value=10**6).map(StatusCode.of),
    target_refs=st.lists(values, max_size=2).map(tuple),
    source_refs=st.lists(values, max_size=2).map(tuple),
    cred=optional_creds,
    chal=st.none() | st.builds(Chal, meta=metas),
    items=item_lists,
)
simple_commands = st.one_of(changes, alerts, results, maps, statuses, _get_puts(Get), _get_puts(Put), unsupported)


def _containers(inner: st.SearchStrategy[Command]) -> st.SearchStrategy[Command]:
    commands = st.lists(inner, max_size=2).map(tuple)
    return st.builds(Atomic, cmd_id=values, commands=commands, meta=optional_metas, no_resp=st.booleans()) | (
        st.builds(Sequence, cmd_id=values, commands=commands, meta=optional_metas, no_resp=st.booleans())
    )


sync_sub_commands = st.one_of(changes, unsupported, _containers(simple_commands))
syncs = st.builds(
    Sync,
    cmd_id=values,
    target=optional_locrefs,
    source=optional_locrefs,
    meta=optional_metas,
    number_of_changes=optional_counts,
    commands=st.lists(sync_sub_commands, max_size=3).map(tuple),
    cred=optional_creds,
    no_resp=st.booleans(),
)
commands = st.one_of(simple_commands, syncs, _containers(simple_commands))

headers = st.builds(
    SyncHdr,
    version=st.sampled_from(SyncMLVersion),
    session_id=values,
    msg_id=values,
    target=locrefs,
    source=locrefs,
    resp_uri=optional_values,
    no_resp=st.booleans(),
    cred=optional_creds,
    meta=optional_metas,
)
messages = st.builds(SyncML, header=headers, commands=st.lists(commands, max_size=4).map(tuple), final=st.booleans())
