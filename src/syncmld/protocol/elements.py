"""SyncML messages <-> namespace-free element trees.

Reading ignores child order and unknown elements; writing follows the element order of the SyncML
DTDs (spec §1.2, §2.1), so that strict device parsers accept what we send.
"""

from collections.abc import Callable
from typing import Any

from lxml import etree

from syncmld.errors import DecodeError, LocalError
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.devinf_elements import build_devinf, read_devinf
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
    ItemCommand,
    ItemData,
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
    SyncSubCommand,
    Unsupported,
    command_name,
)
from syncmld.protocol.tree import (
    Element,
    add,
    add_flag,
    add_inner_xml,
    add_int,
    add_text,
    add_texts,
    all_texts,
    binary_content,
    child,
    child_int,
    child_text,
    children,
    has_flag,
    inner_xml,
    lenient_int,
    parse_count,
    required_text,
    set_binary,
    set_text,
    text,
)

BytesAsText = Callable[[bytes], str]
"""How binary data (possible only after WBXML) is written where a tree can only hold text."""


def utf8_or_fail(data: bytes) -> str:
    """Binary data as text when it is UTF-8; anything else cannot travel as XML text."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LocalError("binary data that is not UTF-8 cannot be written as XML text") from error


# Reading


def read_message(root: Element) -> SyncML:
    """The message held by a ``SyncML`` root element."""
    if root.tag != "SyncML":
        raise DecodeError(f"root element is {root.tag}, not SyncML")
    header_element = child(root, "SyncHdr")
    body = child(root, "SyncBody")
    if header_element is None or body is None:
        raise DecodeError("SyncML without SyncHdr or SyncBody")
    header = _read_header(header_element)
    commands = tuple(_read_command(element) for element in body if element.tag != "Final")
    return SyncML(header=header, commands=commands, final=has_flag(body, "Final"))


def _read_header(element: Element) -> SyncHdr:
    ver_dtd = required_text(element, "VerDTD")
    return SyncHdr(
        version=SyncMLVersion.from_ver_dtd(ver_dtd),
        session_id=required_text(element, "SessionID"),
        msg_id=required_text(element, "MsgID"),
        target=_required_locref(element, "Target"),
        source=_required_locref(element, "Source"),
        resp_uri=child_text(element, "RespURI"),
        no_resp=has_flag(element, "NoResp"),
        cred=_read_cred(element),
        meta=_read_meta(element),
    )


def _read_locref(parent: Element, tag: str) -> LocRef | None:
    element = child(parent, tag)
    if element is None:
        return None
    filter_element = child(element, "Filter")
    return LocRef(
        uri=required_text(element, "LocURI"),
        name=child_text(element, "LocName"),
        filter=None if filter_element is None else inner_xml(filter_element),
    )


def _required_locref(parent: Element, tag: str) -> LocRef:
    locref = _read_locref(parent, tag)
    if locref is None:
        raise DecodeError(f"{parent.tag} without {tag}")
    return locref


def _read_parent_uri(parent: Element, tag: str) -> str | None:
    element = child(parent, tag)
    return None if element is None else required_text(element, "LocURI")


def _read_meta(parent: Element) -> Meta | None:
    """``Meta``, whose MetInf elements may sit directly inside it or in a ``MetInf`` wrapper."""
    element = child(parent, "Meta")
    if element is None:
        return None
    parts = [*element, *(part for wrapper in children(element, "MetInf") for part in wrapper)]
    found: dict[str, Element] = {}
    for part in parts:
        found.setdefault(str(part.tag), part)

    def value(tag: str) -> str | None:
        return text(found[tag]) if tag in found else None

    def count(tag: str) -> int | None:
        number = value(tag)
        return None if number is None else parse_count(tag, number)

    return Meta(
        type=value("Type"),
        format=value("Format"),
        mark=value("Mark"),
        size=count("Size"),
        anchor=_read_anchor(found["Anchor"]) if "Anchor" in found else None,
        version=value("Version"),
        next_nonce=value("NextNonce"),
        max_msg_size=count("MaxMsgSize"),
        max_obj_size=count("MaxObjSize"),
        emi=tuple(text(part) for part in parts if part.tag == "EMI"),
        mem=_read_mem(found["Mem"]) if "Mem" in found else None,
        field_level="FieldLevel" in found,
    )


def _read_anchor(element: Element) -> Anchor:
    return Anchor(last=child_text(element, "Last"), next=child_text(element, "Next"))


def _read_mem(element: Element) -> Mem:
    return Mem(
        shared_mem=has_flag(element, "SharedMem"),
        free_mem=lenient_int(element, "FreeMem"),
        free_id=lenient_int(element, "FreeID"),
    )


def _read_cred(parent: Element) -> Cred | None:
    element = child(parent, "Cred")
    if element is None:
        return None
    return Cred(data=_read_cred_data(element), meta=_read_meta(element))


def _read_cred_data(cred: Element) -> str | bytes:
    """Credentials as text, or the raw bytes a WBXML device sent (an MD5 digest, say)."""
    element = child(cred, "Data")
    if element is None:
        return ""
    binary = binary_content(element)
    return text(element) if binary is None else binary


def _read_chal(parent: Element) -> Chal | None:
    element = child(parent, "Chal")
    if element is None:
        return None
    return Chal(meta=_read_meta(element) or Meta())


def _read_items(parent: Element) -> tuple[Item, ...]:
    return tuple(_read_item(element) for element in children(parent, "Item"))


def _read_item(element: Element) -> Item:
    return Item(
        target=_read_locref(element, "Target"),
        source=_read_locref(element, "Source"),
        target_parent=_read_parent_uri(element, "TargetParent"),
        source_parent=_read_parent_uri(element, "SourceParent"),
        meta=_read_meta(element),
        data=_read_item_data(element),
        more_data=has_flag(element, "MoreData"),
    )


def _read_item_data(item: Element) -> ItemData | None:
    """Item ``Data``: a DevInf document, an Anchor, or text kept exactly as sent."""
    element = child(item, "Data")
    if element is None:
        return None
    devinf = child(element, "DevInf")
    if devinf is not None:
        return read_devinf(devinf)
    anchor = child(element, "Anchor")
    if anchor is not None:
        return _read_anchor(anchor)
    binary = binary_content(element)
    if binary is not None:
        return binary
    return inner_xml(element) if len(element) else element.text or ""


def _cmd_id(element: Element) -> str:
    return required_text(element, "CmdID")


def _item_command_fields(element: Element) -> dict[str, Any]:
    """The fields Add, Replace, Copy, Move, Delete, Get and Put share."""
    return {
        "cmd_id": _cmd_id(element),
        "items": _read_items(element),
        "meta": _read_meta(element),
        "cred": _read_cred(element),
        "no_resp": has_flag(element, "NoResp"),
    }


def _read_delete(element: Element) -> Delete:
    return Delete(
        **_item_command_fields(element),
        archive=has_flag(element, "Archive"),
        sft_del=has_flag(element, "SftDel"),
    )


def _read_alert(element: Element) -> Alert:
    return Alert(
        cmd_id=_cmd_id(element),
        data=child_text(element, "Data"),
        items=_read_items(element),
        cred=_read_cred(element),
        no_resp=has_flag(element, "NoResp"),
        correlator=child_text(element, "Correlator"),
    )


def _read_results(element: Element) -> Results:
    return Results(
        cmd_id=_cmd_id(element),
        cmd_ref=required_text(element, "CmdRef"),
        msg_ref=child_text(element, "MsgRef"),
        meta=_read_meta(element),
        target_ref=child_text(element, "TargetRef"),
        source_ref=child_text(element, "SourceRef"),
        items=_read_items(element),
    )


def _read_map(element: Element) -> Map:
    map_items = tuple(
        MapItem(target=_required_locref(map_item, "Target"), source=_required_locref(map_item, "Source"))
        for map_item in children(element, "MapItem")
    )
    return Map(
        cmd_id=_cmd_id(element),
        target=_required_locref(element, "Target"),
        source=_required_locref(element, "Source"),
        map_items=map_items,
        meta=_read_meta(element),
        cred=_read_cred(element),
    )


def _read_status(element: Element) -> Status:
    return Status(
        cmd_id=_cmd_id(element),
        msg_ref=required_text(element, "MsgRef"),
        cmd_ref=required_text(element, "CmdRef"),
        cmd=required_text(element, "Cmd"),
        data=required_text(element, "Data"),
        target_refs=all_texts(element, "TargetRef"),
        source_refs=all_texts(element, "SourceRef"),
        cred=_read_cred(element),
        chal=_read_chal(element),
        items=_read_items(element),
    )


_SYNC_FIELDS = frozenset({"CmdID", "NoResp", "Cred", "Target", "Source", "Meta", "NumberOfChanges"})
_CONTAINER_FIELDS = frozenset({"CmdID", "NoResp", "Meta"})


def _read_sync(element: Element) -> Sync:
    return Sync(
        cmd_id=_cmd_id(element),
        target=_read_locref(element, "Target"),
        source=_read_locref(element, "Source"),
        meta=_read_meta(element),
        number_of_changes=child_int(element, "NumberOfChanges"),
        commands=tuple(_sync_sub_command(sub) for sub in element if sub.tag not in _SYNC_FIELDS),
        cred=_read_cred(element),
        no_resp=has_flag(element, "NoResp"),
    )


def _sync_sub_command(element: Element) -> SyncSubCommand:
    """A command inside Sync; one that does not belong there is read as unsupported."""
    command = _read_command(element)
    if isinstance(command, Add | Replace | Delete | Copy | Move | Atomic | Sequence | Unsupported):
        return command
    return Unsupported(cmd_id=command.cmd_id, name=element.tag)


def _container_fields(element: Element) -> dict[str, Any]:
    """The fields of Atomic and Sequence, nested commands included."""
    return {
        "cmd_id": _cmd_id(element),
        "commands": tuple(_read_command(sub) for sub in element if sub.tag not in _CONTAINER_FIELDS),
        "meta": _read_meta(element),
        "no_resp": has_flag(element, "NoResp"),
    }


_COMMAND_READERS: dict[str, Callable[[Element], Command]] = {
    "Add": lambda element: Add(**_item_command_fields(element)),
    "Replace": lambda element: Replace(**_item_command_fields(element)),
    "Copy": lambda element: Copy(**_item_command_fields(element)),
    "Move": lambda element: Move(**_item_command_fields(element)),
    "Delete": _read_delete,
    "Get": lambda element: Get(**_item_command_fields(element), lang=child_text(element, "Lang")),
    "Put": lambda element: Put(**_item_command_fields(element), lang=child_text(element, "Lang")),
    "Alert": _read_alert,
    "Results": _read_results,
    "Map": _read_map,
    "Status": _read_status,
    "Sync": _read_sync,
    "Atomic": lambda element: Atomic(**_container_fields(element)),
    "Sequence": lambda element: Sequence(**_container_fields(element)),
}


def _read_command(element: Element) -> Command:
    reader = _COMMAND_READERS.get(str(element.tag))
    if reader is None:
        return Unsupported(cmd_id=child_text(element, "CmdID") or "", name=str(element.tag))
    return reader(element)


# Writing


def build_message(message: SyncML, bytes_as_text: BytesAsText | None = utf8_or_fail) -> Element:
    """The ``SyncML`` element tree of a message (namespace-free: the codec adds namespaces).

    ``bytes_as_text`` None keeps binary data binary (``tree.set_binary``), for WBXML.
    """
    writer = _Writer(bytes_as_text)
    root = etree.Element("SyncML")
    writer.header(root, message.header)
    body = add(root, "SyncBody")
    for command in message.commands:
        writer.command(body, command)
    add_flag(body, "Final", message.final)
    return root


class _Writer:
    """Appends message parts to a tree, in DTD order."""

    def __init__(self, bytes_as_text: BytesAsText | None) -> None:
        self._bytes_as_text = bytes_as_text

    def header(self, parent: Element, header: SyncHdr) -> None:
        element = add(parent, "SyncHdr")
        add(element, "VerDTD", header.version.value)
        add(element, "VerProto", header.version.ver_proto)
        add(element, "SessionID", header.session_id)
        add(element, "MsgID", header.msg_id)
        _add_locref(element, "Target", header.target)
        _add_locref(element, "Source", header.source)
        add_text(element, "RespURI", header.resp_uri)
        add_flag(element, "NoResp", header.no_resp)
        self._cred(element, header.cred)
        _add_meta(element, header.meta)

    def command(self, parent: Element, command: Command) -> None:
        match command:
            case Add() | Replace() | Copy() | Move() | Delete() | Get() | Put():
                self._item_command(parent, command)
            case Alert():
                self._alert(parent, command)
            case Results():
                self._results(parent, command)
            case Map():
                self._map(parent, command)
            case Status():
                self._status(parent, command)
            case Sync():
                self._sync(parent, command)
            case Atomic() | Sequence():
                self._container(parent, command)
            case Unsupported():
                add(add(parent, command.name), "CmdID", command.cmd_id)

    def _item_command(self, parent: Element, command: ItemCommand | Get | Put) -> None:
        element = add(parent, command_name(command))
        add(element, "CmdID", command.cmd_id)
        add_flag(element, "NoResp", command.no_resp)
        if isinstance(command, Delete):
            add_flag(element, "Archive", command.archive)
            add_flag(element, "SftDel", command.sft_del)
        if isinstance(command, Get | Put):
            add_text(element, "Lang", command.lang)
        self._cred(element, command.cred)
        _add_meta(element, command.meta)
        self._items(element, command.items)

    def _alert(self, parent: Element, alert: Alert) -> None:
        element = add(parent, "Alert")
        add(element, "CmdID", alert.cmd_id)
        add_flag(element, "NoResp", alert.no_resp)
        self._cred(element, alert.cred)
        add_text(element, "Data", alert.data)
        add_text(element, "Correlator", alert.correlator)
        self._items(element, alert.items)

    def _results(self, parent: Element, results: Results) -> None:
        element = add(parent, "Results")
        add(element, "CmdID", results.cmd_id)
        add_text(element, "MsgRef", results.msg_ref)
        add(element, "CmdRef", results.cmd_ref)
        _add_meta(element, results.meta)
        add_text(element, "TargetRef", results.target_ref)
        add_text(element, "SourceRef", results.source_ref)
        self._items(element, results.items)

    def _map(self, parent: Element, map_command: Map) -> None:
        element = add(parent, "Map")
        add(element, "CmdID", map_command.cmd_id)
        _add_locref(element, "Target", map_command.target)
        _add_locref(element, "Source", map_command.source)
        self._cred(element, map_command.cred)
        _add_meta(element, map_command.meta)
        for map_item in map_command.map_items:
            item_element = add(element, "MapItem")
            _add_locref(item_element, "Target", map_item.target)
            _add_locref(item_element, "Source", map_item.source)

    def _status(self, parent: Element, status: Status) -> None:
        element = add(parent, "Status")
        add(element, "CmdID", status.cmd_id)
        add(element, "MsgRef", status.msg_ref)
        add(element, "CmdRef", status.cmd_ref)
        add(element, "Cmd", status.cmd)
        add_texts(element, "TargetRef", status.target_refs)
        add_texts(element, "SourceRef", status.source_refs)
        self._cred(element, status.cred)
        if status.chal is not None:
            _add_meta(add(element, "Chal"), status.chal.meta)
        add(element, "Data", status.data)
        self._items(element, status.items)

    def _sync(self, parent: Element, sync: Sync) -> None:
        element = add(parent, "Sync")
        add(element, "CmdID", sync.cmd_id)
        add_flag(element, "NoResp", sync.no_resp)
        self._cred(element, sync.cred)
        if sync.target is not None:
            _add_locref(element, "Target", sync.target)
        if sync.source is not None:
            _add_locref(element, "Source", sync.source)
        _add_meta(element, sync.meta)
        add_int(element, "NumberOfChanges", sync.number_of_changes)
        for command in sync.commands:
            self.command(element, command)

    def _container(self, parent: Element, container: Atomic | Sequence) -> None:
        element = add(parent, command_name(container))
        add(element, "CmdID", container.cmd_id)
        add_flag(element, "NoResp", container.no_resp)
        _add_meta(element, container.meta)
        for command in container.commands:
            self.command(element, command)

    def _cred(self, parent: Element, cred: Cred | None) -> None:
        if cred is None:
            return
        element = add(parent, "Cred")
        _add_meta(element, cred.meta)
        self._text_or_bytes(add(element, "Data"), cred.data)

    def _items(self, parent: Element, items: tuple[Item, ...]) -> None:
        for item in items:
            element = add(parent, "Item")
            if item.target is not None:
                _add_locref(element, "Target", item.target)
            if item.source is not None:
                _add_locref(element, "Source", item.source)
            if item.target_parent is not None:
                add(add(element, "TargetParent"), "LocURI", item.target_parent)
            if item.source_parent is not None:
                add(add(element, "SourceParent"), "LocURI", item.source_parent)
            _add_meta(element, item.meta)
            if item.data is not None:
                self._item_data(add(element, "Data"), item.data)
            add_flag(element, "MoreData", item.more_data)

    def _item_data(self, element: Element, data: ItemData) -> None:
        if isinstance(data, DevInf):
            element.append(build_devinf(data))
        elif isinstance(data, Anchor):
            _add_anchor(element, data)
        else:
            self._text_or_bytes(element, data)

    def _text_or_bytes(self, element: Element, data: str | bytes) -> None:
        if isinstance(data, str):
            set_text(element, data)
        elif self._bytes_as_text is None:
            set_binary(element, data)
        else:
            set_text(element, self._bytes_as_text(data))


def _add_locref(parent: Element, tag: str, locref: LocRef) -> None:
    element = add(parent, tag)
    add(element, "LocURI", locref.uri)
    add_text(element, "LocName", locref.name)
    if locref.filter is not None:
        add_inner_xml(element, "Filter", locref.filter)


def _add_meta(parent: Element, meta: Meta | None) -> None:
    """``Meta`` with its MetInf elements in MetInf DTD order."""
    if meta is None:
        return
    element = add(parent, "Meta")
    add_flag(element, "FieldLevel", meta.field_level)
    add_text(element, "Format", meta.format)
    add_text(element, "Type", meta.type)
    add_text(element, "Mark", meta.mark)
    add_int(element, "Size", meta.size)
    if meta.anchor is not None:
        _add_anchor(element, meta.anchor)
    add_text(element, "Version", meta.version)
    add_text(element, "NextNonce", meta.next_nonce)
    add_int(element, "MaxMsgSize", meta.max_msg_size)
    add_int(element, "MaxObjSize", meta.max_obj_size)
    add_texts(element, "EMI", meta.emi)
    if meta.mem is not None:
        mem = add(element, "Mem")
        add_flag(mem, "SharedMem", meta.mem.shared_mem)
        add_int(mem, "FreeMem", meta.mem.free_mem)
        add_int(mem, "FreeID", meta.mem.free_id)


def _add_anchor(parent: Element, anchor: Anchor) -> None:
    element = add(parent, "Anchor")
    add_text(element, "Last", anchor.last)
    add_text(element, "Next", anchor.next)
