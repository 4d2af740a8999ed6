"""SyncML messages <-> namespace-free element trees.

Reading ignores child order and unknown elements; writing follows the element order of the SyncML
DTDs (spec §1.2, §2.1), so that strict device parsers accept what we send.
"""

import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map, by_names
from syncmld.errors import DecodeError, LocalError
from syncmld.protocol.constants import AlertCode, SyncMLVersion
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.devinf_elements import read_devinf_once
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
from syncmld.protocol.sink import Sink, flag, optional_int, optional_text, write_tree
from syncmld.protocol.tree import (
    PLACED_TAG,
    Readable,
    as_count,
    binary_content,
    by_tag,
    child,
    child_text,
    children,
    element_of,
    has_flag,
    inner_xml,
    lenient_int,
    parse_count,
    required_text,
    text,
)
from syncmld.status import StatusCode

# Reading
#
# Each element's children are looked up by tag in one pass (``by_tag``, or a loop keeping the first of each tag read),
# not once per child read.

_Found = TypeVar("_Found")


def read_message(root: Readable, placed: tuple[SyncSubCommand, ...] = ()) -> SyncML:
    """The message held by a ``SyncML`` root element; ``placed`` are the commands read before, in the order of the
    elements that stand for them in the Syncs of its body (``plain_items``)."""
    if root.tag != "SyncML":
        raise DecodeError(f"root element is {root.tag}, not SyncML")
    found = by_tag(root)
    header_element = found.get("SyncHdr")
    body = found.get("SyncBody")
    if header_element is None or body is None:
        raise DecodeError("SyncML without SyncHdr or SyncBody")
    header = _read_header(header_element)
    pending = iter(placed) if placed else None
    commands = tuple(
        _read_sync(element, pending) if element.tag == "Sync" else _read_command(element)
        for element in body
        if element.tag != "Final"
    )
    return SyncML(header=header, commands=commands, final=has_flag(body, "Final"))


def _read_header(element: Readable) -> SyncHdr:
    found = by_tag(element)
    ver_dtd = _required_text(found, element, "VerDTD")
    return SyncHdr(
        version=SyncMLVersion.from_ver_dtd(ver_dtd),
        session_id=_required_text(found, element, "SessionID"),
        msg_id=_required_text(found, element, "MsgID"),
        target=_required_locref(found, element, "Target"),
        source=_required_locref(found, element, "Source"),
        resp_uri=_text(found, "RespURI"),
        no_resp="NoResp" in found,
        cred=_read_cred(found.get("Cred")),
        meta=_read_meta(found.get("Meta")),
    )


def _text(found: dict[str, Readable], tag: str) -> str | None:
    """The text of the child called ``tag`` among ``found`` (``by_tag``), None when there is none."""
    element = found.get(tag)
    return None if element is None else text(element)


def _required_text(found: dict[str, Readable], parent: Readable, tag: str) -> str:
    """The text of a mandatory child of ``parent``; a missing child is a malformed message."""
    element = found.get(tag)
    if element is None:
        raise DecodeError(f"{parent.tag} without {tag}")
    return text(element)


def _read_locref(element: Readable | None) -> LocRef | None:
    return None if element is None else _locref_in(element)


def _locref_in(element: Readable) -> LocRef:
    """The LocRef a Target or Source element holds (the first LocURI, LocName and Filter count)."""
    uri = name = filter_text = None
    for part in element:
        tag = part.tag
        if tag == "LocURI":
            if uri is None:
                uri = (part.text or "").strip()
        elif tag == "LocName":
            if name is None:
                name = text(part)
        elif tag == "Filter" and filter_text is None:
            filter_text = inner_xml(part)
    if uri is None:
        raise DecodeError(f"{element.tag} without LocURI")
    return LocRef(uri, name, filter_text)


def _required_locref(found: dict[str, Readable], parent: Readable, tag: str) -> LocRef:
    locref = _read_locref(found.get(tag))
    if locref is None:
        raise DecodeError(f"{parent.tag} without {tag}")
    return locref


def _read_parent_uri(element: Readable | None) -> str | None:
    return None if element is None else required_text(element, "LocURI")


_READ_METAS: BoundedMap[tuple[tuple[str, str | None], ...], Meta] = bounded_map(
    "read_metas", by_names(lambda limits: limits.read_metas)
)
"""Metas read from elements holding text only, by the names and texts of their elements (a Sync's Adds most often
carry the same Meta, one Type)."""
_FIND_META = _READ_METAS.peek


def meta_of_type(type_text: str) -> Meta:
    """The Meta read from one holding only a ``Type`` of this text (as ``_read_meta`` reads it)."""
    key = (("Type", type_text),)
    meta = _FIND_META(key)
    if meta is None:
        meta = _READ_METAS.put(key, Meta(type=type_text.strip()), len("Type") + len(type_text))
    return meta


def _read_meta(element: Readable | None) -> Meta | None:
    """``Meta``, whose MetInf elements may sit directly inside it or in a ``MetInf`` wrapper (the first
    element of each name counts, those directly inside first; numbers are checked Size first)."""
    if element is None:
        return None
    parts: list[tuple[str, str | None]] = []
    for part in element:
        if len(part):  # an Anchor, Mem or MetInf wrapper: read each time
            return _read_meta_elements(element)
        parts.append((part.tag, part.text))
    key = tuple(parts)
    meta = _FIND_META(key)
    if meta is None:
        meta = _read_meta_elements(element)
        _READ_METAS.put(key, meta, sum(len(tag) + len(value or "") for tag, value in key))
    return meta


def _read_meta_elements(element: Readable) -> Meta:
    type_ = format_ = mark = version = next_nonce = None
    size = max_msg_size = max_obj_size = anchor = mem = None
    emi: list[str] = []
    field_level = False
    wrapped: list[Readable] = []
    for parts in (element, wrapped):
        for part in parts:
            tag = part.tag
            if tag == "Type":
                if type_ is None:
                    type_ = text(part)
            elif tag == "Size":
                if size is None:
                    size = part
            elif tag == "Format":
                if format_ is None:
                    format_ = text(part)
            elif tag == "Anchor":
                if anchor is None:
                    anchor = part
            elif tag == "MaxMsgSize":
                if max_msg_size is None:
                    max_msg_size = part
            elif tag == "MaxObjSize":
                if max_obj_size is None:
                    max_obj_size = part
            elif tag == "NextNonce":
                if next_nonce is None:
                    next_nonce = text(part)
            elif tag == "Version":
                if version is None:
                    version = text(part)
            elif tag == "Mark":
                if mark is None:
                    mark = text(part)
            elif tag == "EMI":
                emi.append(text(part))
            elif tag == "Mem":
                if mem is None:
                    mem = part
            elif tag == "FieldLevel":
                field_level = True
            elif tag == "MetInf" and parts is element:
                wrapped.extend(part)
    return Meta(
        type=type_,
        format=format_,
        mark=mark,
        size=None if size is None else _count(size),
        anchor=None if anchor is None else _read_anchor(anchor),
        version=version,
        next_nonce=next_nonce,
        max_msg_size=None if max_msg_size is None else _count(max_msg_size),
        max_obj_size=None if max_obj_size is None else _count(max_obj_size),
        emi=tuple(emi),
        mem=None if mem is None else _read_mem(mem),
        field_level=field_level,
    )


def _count(element: Readable) -> int:
    """The number an element holds; one that is not a number is a malformed message."""
    return parse_count(element.tag, text(element))


def _read_anchor(element: Readable) -> Anchor:
    return Anchor(last=child_text(element, "Last"), next=child_text(element, "Next"))


def _read_mem(element: Readable) -> Mem:
    return Mem(
        shared_mem=has_flag(element, "SharedMem"),
        free_mem=lenient_int(element, "FreeMem"),
        free_id=lenient_int(element, "FreeID"),
    )


def _read_cred(element: Readable | None) -> Cred | None:
    if element is None:
        return None
    return Cred(data=_read_cred_data(element), meta=_read_meta(child(element, "Meta")))


def _read_cred_data(cred: Readable) -> str | bytes:
    """Credentials as text, or the raw bytes a WBXML device sent (an MD5 digest, say)."""
    element = child(cred, "Data")
    if element is None:
        return ""
    binary = binary_content(element)
    return text(element) if binary is None else binary


def _read_chal(element: Readable | None) -> Chal | None:
    if element is None:
        return None
    return Chal(meta=_read_meta(child(element, "Meta")) or Meta())


def _read_items(parent: Readable) -> tuple[Item, ...]:
    return tuple(_read_item(element) for element in parent if element.tag == "Item")


def _read_item(element: Readable) -> Item:
    target = source = target_parent = source_parent = meta = data = None
    more_data = False
    for part in element:
        tag = part.tag
        if tag == "Data":
            if data is None:
                data = part
        elif tag == "Source":
            if source is None:
                source = part
        elif tag == "Meta":
            if meta is None:
                meta = part
        elif tag == "Target":
            if target is None:
                target = part
        elif tag == "TargetParent":
            if target_parent is None:
                target_parent = part
        elif tag == "SourceParent":
            if source_parent is None:
                source_parent = part
        elif tag == "MoreData":
            more_data = True
    return Item(  # by position: a call by keyword binds each of the seven by name, a third of the time it takes
        None if target is None else _locref_in(target),
        None if source is None else _locref_in(source),
        None if target_parent is None else required_text(target_parent, "LocURI"),
        None if source_parent is None else required_text(source_parent, "LocURI"),
        None if meta is None else _read_meta(meta),
        None if data is None else _read_item_data(data),
        more_data,
    )


def _read_item_data(element: Readable | None) -> ItemData | None:
    """Item ``Data``: a DevInf document, an Anchor, or the bytes exactly as sent."""
    if element is None:
        return None
    nested = len(element)
    if nested:
        devinf = child(element, "DevInf")
        if devinf is not None:
            return read_devinf_once(devinf)
        anchor = child(element, "Anchor")
        if anchor is not None:
            return _read_anchor(anchor)
    binary = binary_content(element)
    if binary is not None:
        return binary
    return (inner_xml(element) if nested else element.text or "").encode()


def _item_command_fields(element: Readable) -> tuple[str, tuple[Item, ...], Meta | None, Cred | None, bool]:
    """The CmdID, items, Meta, Cred and NoResp that Add, Replace, Copy, Move, Delete, Get and Put share,
    read in one pass."""
    cmd_id = meta = cred = None
    no_resp = False
    items = []
    for part in element:
        tag = part.tag
        if tag == "Item":
            items.append(part)
        elif tag == "CmdID":
            if cmd_id is None:
                cmd_id = part
        elif tag == "Meta":
            if meta is None:
                meta = part
        elif tag == "Cred":
            if cred is None:
                cred = part
        elif tag == "NoResp":
            no_resp = True
    if cmd_id is None:
        raise DecodeError(f"{element.tag} without CmdID")
    return (
        text(cmd_id),
        tuple(map(_read_item, items)),
        None if meta is None else _read_meta(meta),
        None if cred is None else _read_cred(cred),
        no_resp,
    )


def _item_command(kind: type[Add | Replace | Copy | Move]) -> Callable[[Readable], Add | Replace | Copy | Move]:
    """The reader of an Add, Replace, Copy or Move."""

    def read(element: Readable) -> Add | Replace | Copy | Move:
        cmd_id, items, meta, cred, no_resp = _item_command_fields(element)
        return kind(items, meta, cred, no_resp, cmd_id=cmd_id)

    return read


def _read_delete(element: Readable) -> Delete:
    cmd_id, items, meta, cred, no_resp = _item_command_fields(element)
    return Delete(
        cmd_id=cmd_id,
        items=items,
        meta=meta,
        cred=cred,
        no_resp=no_resp,
        archive=has_flag(element, "Archive"),
        sft_del=has_flag(element, "SftDel"),
    )


def _read_get_or_put(kind: type[Get | Put]) -> Callable[[Readable], Command]:
    def read(element: Readable) -> Command:
        cmd_id, items, meta, cred, no_resp = _item_command_fields(element)
        return kind(cmd_id=cmd_id, items=items, meta=meta, cred=cred, no_resp=no_resp, lang=child_text(element, "Lang"))

    return read


def _read_alert(element: Readable) -> Alert:
    found = by_tag(element)
    return Alert(
        cmd_id=_required_text(found, element, "CmdID"),
        data=_alert_code(_text(found, "Data")),
        items=_read_items(element),
        cred=_read_cred(found.get("Cred")),
        no_resp="NoResp" in found,
        correlator=_text(found, "Correlator"),
    )


def _alert_code(data: str | None) -> AlertCode | None:
    """An Alert's code; None when its Data is missing or not a number (the command is answered 406)."""
    number = None if data is None else as_count(data)
    return None if number is None else AlertCode(number)


_STATUS_CODES = {str(code.value): code for code in StatusCode}
"""The codes the protocol names, by the text a Status carries."""


def _status_code(data: str) -> StatusCode:
    code = _STATUS_CODES.get(data)
    return StatusCode.of(parse_count("Status Data", data)) if code is None else code


def _read_results(element: Readable) -> Results:
    found = by_tag(element)
    return Results(
        cmd_id=_required_text(found, element, "CmdID"),
        cmd_ref=_required_text(found, element, "CmdRef"),
        msg_ref=_text(found, "MsgRef"),
        meta=_read_meta(found.get("Meta")),
        target_ref=_text(found, "TargetRef"),
        source_ref=_text(found, "SourceRef"),
        items=_read_items(element),
    )


def _read_map(element: Readable) -> Map:
    map_items = tuple(_read_map_item(map_item) for map_item in children(element, "MapItem"))
    found = by_tag(element)
    return Map(
        cmd_id=_required_text(found, element, "CmdID"),
        target=_required_locref(found, element, "Target"),
        source=_required_locref(found, element, "Source"),
        map_items=map_items,
        meta=_read_meta(found.get("Meta")),
        cred=_read_cred(found.get("Cred")),
    )


def _read_map_item(element: Readable) -> MapItem:
    target = source = None
    for part in element:
        tag = part.tag
        if tag == "Target":
            if target is None:
                target = part
        elif tag == "Source" and source is None:
            source = part
    return MapItem(
        target=_locref_in(_given(element, "Target", target)), source=_locref_in(_given(element, "Source", source))
    )


def _read_status(element: Readable) -> Status:
    """A Status, its children found in one pass (the first of each counts; every TargetRef, SourceRef and Item)."""
    cmd_id = msg_ref = cmd_ref = cmd = data = None
    cred = chal = None
    target_refs: list[str] = []
    source_refs: list[str] = []
    items: list[Readable] = []
    for part in element:
        tag = part.tag
        if tag == "SourceRef":
            source_refs.append(text(part))
        elif tag == "CmdRef":
            if cmd_ref is None:
                cmd_ref = text(part)
        elif tag == "CmdID":
            if cmd_id is None:
                cmd_id = text(part)
        elif tag == "MsgRef":
            if msg_ref is None:
                msg_ref = text(part)
        elif tag == "Cmd":
            if cmd is None:
                cmd = text(part)
        elif tag == "Data":
            if data is None:
                data = text(part)
        elif tag == "TargetRef":
            target_refs.append(text(part))
        elif tag == "Item":
            items.append(part)
        elif tag == "Cred":
            if cred is None:
                cred = part
        elif tag == "Chal" and chal is None:
            chal = part
    cmd_id = _given(element, "CmdID", cmd_id)
    return Status(  # by position, as an Item
        _given(element, "MsgRef", msg_ref),
        _given(element, "CmdRef", cmd_ref),
        _given(element, "Cmd", cmd),
        _status_code(_given(element, "Data", data)),
        tuple(target_refs),
        tuple(source_refs),
        _read_cred(cred),
        _read_chal(chal),
        tuple(map(_read_item, items)),
        cmd_id=cmd_id,
    )


def _given(parent: Readable, tag: str, value: _Found | None) -> _Found:
    """``value``, found of a mandatory child of ``parent``; a missing child is a malformed message."""
    if value is None:
        raise DecodeError(f"{parent.tag} without {tag}")
    return value


_SYNC_FIELDS = frozenset({"CmdID", "NoResp", "Cred", "Target", "Source", "Meta", "NumberOfChanges"})
_CONTAINER_FIELDS = frozenset({"CmdID", "NoResp", "Meta"})


def _read_sync(element: Readable, placed: Iterator[SyncSubCommand] | None = None) -> Sync:
    found = by_tag(element)
    changes = _text(found, "NumberOfChanges")
    return Sync(
        cmd_id=_required_text(found, element, "CmdID"),
        target=_read_locref(found.get("Target")),
        source=_read_locref(found.get("Source")),
        meta=_read_meta(found.get("Meta")),
        number_of_changes=None if changes is None else parse_count("NumberOfChanges", changes),
        commands=_sync_commands(element, placed),
        cred=_read_cred(found.get("Cred")),
        no_resp="NoResp" in found,
    )


def _sync_commands(sync: Readable, placed: Iterator[SyncSubCommand] | None) -> tuple[SyncSubCommand, ...]:
    """The commands inside a Sync, each read by its own reader, or the next of ``placed`` for an element standing for
    one read before."""
    commands: list[SyncSubCommand] = []
    for element in sync:
        tag = element.tag
        reader = _SYNC_COMMAND_READERS.get(tag)
        if placed is not None and tag == PLACED_TAG:
            commands.append(next(placed))
        elif reader is not None:
            commands.append(reader(element))
        elif tag not in _SYNC_FIELDS:
            commands.append(_other_sync_command(element))
    return tuple(commands)


def _other_sync_command(element: Readable) -> SyncSubCommand:
    """A command inside Sync other than Add, Replace, Copy, Move and Delete; one that does not belong there is read
    as unsupported."""
    command = _read_command(element)
    if isinstance(command, (Atomic, Sequence, Unsupported)):
        return command
    return Unsupported(cmd_id=command.cmd_id, name=element.tag)


def _container_fields(element: Readable) -> dict[str, Any]:
    """The fields of Atomic and Sequence, nested commands included."""
    found = by_tag(element)
    return {
        "cmd_id": _required_text(found, element, "CmdID"),
        "commands": tuple(_read_command(sub) for sub in element if sub.tag not in _CONTAINER_FIELDS),
        "meta": _read_meta(found.get("Meta")),
        "no_resp": "NoResp" in found,
    }


_SYNC_COMMAND_READERS: dict[str, Callable[[Readable], SyncSubCommand]] = {
    "Add": _item_command(Add),
    "Replace": _item_command(Replace),
    "Copy": _item_command(Copy),
    "Move": _item_command(Move),
    "Delete": _read_delete,
}
"""The commands a Sync holds most, read without the check that they belong there."""


_COMMAND_READERS: dict[str, Callable[[Readable], Command]] = {
    **_SYNC_COMMAND_READERS,
    "Get": _read_get_or_put(Get),
    "Put": _read_get_or_put(Put),
    "Alert": _read_alert,
    "Results": _read_results,
    "Map": _read_map,
    "Status": _read_status,
    "Sync": _read_sync,
    "Atomic": lambda element: Atomic(**_container_fields(element)),
    "Sequence": lambda element: Sequence(**_container_fields(element)),
}


def _read_command(element: Readable) -> Command:
    reader = _COMMAND_READERS.get(str(element.tag))
    if reader is None:
        return Unsupported(cmd_id=child_text(element, "CmdID") or "", name=str(element.tag))
    return reader(element)


# Writing


_ELEMENT_NAME = re.compile(r"[^\W\d][\w.-]*")
"""What the name of an unsupported command written back must look like (an XML name without a prefix)."""


class MessageWriter:
    """Writes message parts to a sink in DTD order. A command without a CmdID gets its number in the
    message: every command written (those inside Sync too) counts, starting at ``next_id``."""

    def __init__(self, sink: Sink, next_id: int = 1) -> None:
        self.sink = sink
        self.next_id = next_id

    def header(self, header: SyncHdr) -> None:
        sink = self.sink
        sink.start("SyncHdr")
        sink.text("VerDTD", header.version.value)
        sink.text("VerProto", header.version.ver_proto)
        sink.text("SessionID", header.session_id)
        sink.text("MsgID", header.msg_id)
        _locref(sink, "Target", header.target)
        _locref(sink, "Source", header.source)
        optional_text(sink, "RespURI", header.resp_uri)
        flag(sink, "NoResp", header.no_resp)
        _cred(sink, header.cred)
        _meta(sink, header.meta)
        sink.end()

    def command(self, command: Command) -> None:
        match command:  # the commands written most first
            case Status():
                self._status(command)
            case Add() | Replace() | Copy() | Move() | Delete() | Get() | Put():
                self._item_command(command)
            case Alert():
                self._alert(command)
            case Results():
                self._results(command)
            case Map():
                self._map(command)
            case Sync():
                self.sync_start(command)
                for sub in command.commands:
                    self.command(sub)
                self.sink.end()
            case Atomic() | Sequence():
                self._container(command)
            case Unsupported():
                if not _ELEMENT_NAME.fullmatch(command.name):
                    raise LocalError(f"{command.name[:40]!r} is not an element name")
                self._start(command)
                self.sink.end()

    def sync_start(self, sync: Sync) -> None:
        """Open a Sync and write what precedes its commands; the sink's ``end()`` closes it."""
        sink = self.sink
        self._start(sync)
        flag(sink, "NoResp", sync.no_resp)
        _cred(sink, sync.cred)
        if sync.target is not None:
            _locref(sink, "Target", sync.target)
        if sync.source is not None:
            _locref(sink, "Source", sync.source)
        _meta(sink, sync.meta)
        optional_int(sink, "NumberOfChanges", sync.number_of_changes)

    def _start(self, command: Command) -> None:
        """Open the command's element and write its CmdID."""
        self.sink.start(command_name(command))
        cmd_id = command.cmd_id
        if cmd_id is None:
            cmd_id = str(self.next_id)
        self.next_id += 1
        self.sink.text("CmdID", cmd_id)

    def _item_command(self, command: ItemCommand | Get | Put) -> None:
        sink = self.sink
        self._start(command)
        if command.no_resp:
            sink.text("NoResp", "")
        if isinstance(command, Delete):
            flag(sink, "Archive", command.archive)
            flag(sink, "SftDel", command.sft_del)
        if isinstance(command, Get | Put):
            optional_text(sink, "Lang", command.lang)
        _cred(sink, command.cred)
        _meta(sink, command.meta)
        _items(sink, command.items)
        sink.end()

    def _alert(self, alert: Alert) -> None:
        sink = self.sink
        self._start(alert)
        flag(sink, "NoResp", alert.no_resp)
        _cred(sink, alert.cred)
        if alert.data is not None:
            sink.text("Data", str(int(alert.data)))
        optional_text(sink, "Correlator", alert.correlator)
        _items(sink, alert.items)
        sink.end()

    def _results(self, results: Results) -> None:
        sink = self.sink
        self._start(results)
        optional_text(sink, "MsgRef", results.msg_ref)
        sink.text("CmdRef", results.cmd_ref)
        _meta(sink, results.meta)
        optional_text(sink, "TargetRef", results.target_ref)
        optional_text(sink, "SourceRef", results.source_ref)
        _items(sink, results.items)
        sink.end()

    def _map(self, map_command: Map) -> None:
        sink = self.sink
        self._start(map_command)
        _locref(sink, "Target", map_command.target)
        _locref(sink, "Source", map_command.source)
        _cred(sink, map_command.cred)
        _meta(sink, map_command.meta)
        for map_item in map_command.map_items:
            sink.start("MapItem")
            _locref(sink, "Target", map_item.target)
            _locref(sink, "Source", map_item.source)
            sink.end()
        sink.end()

    def _status(self, status: Status) -> None:
        sink = self.sink
        self._start(status)
        sink.text("MsgRef", status.msg_ref)
        sink.text("CmdRef", status.cmd_ref)
        sink.text("Cmd", status.cmd)
        for ref in status.target_refs:
            sink.text("TargetRef", ref)
        for ref in status.source_refs:
            sink.text("SourceRef", ref)
        _cred(sink, status.cred)
        if status.chal is not None:
            sink.start("Chal")
            _meta(sink, status.chal.meta)
            sink.end()
        sink.text("Data", str(int(status.data)))
        _items(sink, status.items)
        sink.end()

    def _container(self, container: Atomic | Sequence) -> None:
        self._start(container)
        flag(self.sink, "NoResp", container.no_resp)
        _meta(self.sink, container.meta)
        for command in container.commands:
            self.command(command)
        self.sink.end()


def _cred(sink: Sink, cred: Cred | None) -> None:
    if cred is None:
        return
    sink.start("Cred")
    _meta(sink, cred.meta)
    sink.secret("Data", cred.data)
    sink.end()


def _items(sink: Sink, items: tuple[Item, ...]) -> None:
    for item in items:
        sink.start("Item")
        if item.target is not None:
            _locref(sink, "Target", item.target)
        if item.source is not None:
            _locref(sink, "Source", item.source)
        if item.target_parent is not None:
            sink.start("TargetParent")
            sink.text("LocURI", item.target_parent)
            sink.end()
        if item.source_parent is not None:
            sink.start("SourceParent")
            sink.text("LocURI", item.source_parent)
            sink.end()
        _meta(sink, item.meta)
        if item.data is not None:
            _item_data(sink, item.data)
        if item.more_data:
            sink.text("MoreData", "")
        sink.end()


def _item_data(sink: Sink, data: ItemData) -> None:
    if isinstance(data, bytes):
        sink.data("Data", data)
    elif isinstance(data, DevInf):
        sink.start("Data")
        sink.devinf(data)
        sink.end()
    else:
        sink.start("Data")
        _anchor(sink, data)
        sink.end()


def _locref(sink: Sink, tag: str, locref: LocRef) -> None:
    sink.start(tag)
    sink.text("LocURI", locref.uri)
    if locref.name is not None:
        sink.text("LocName", locref.name)
    if locref.filter is not None:
        write_tree(sink, element_of("Filter", locref.filter))
    sink.end()


def _meta(sink: Sink, meta: Meta | None) -> None:
    """``Meta`` with its MetInf elements in MetInf DTD order."""
    if meta is None:
        return
    sink.start("Meta")
    if meta.field_level:
        sink.text("FieldLevel", "")
    if meta.format is not None:
        sink.text("Format", meta.format)
    if meta.type is not None:
        sink.text("Type", meta.type)
    if meta.mark is not None:
        sink.text("Mark", meta.mark)
    if meta.size is not None:
        sink.text("Size", str(meta.size))
    if meta.anchor is not None:
        _anchor(sink, meta.anchor)
    if meta.version is not None:
        sink.text("Version", meta.version)
    if meta.next_nonce is not None:
        sink.text("NextNonce", meta.next_nonce)
    if meta.max_msg_size is not None:
        sink.text("MaxMsgSize", str(meta.max_msg_size))
    if meta.max_obj_size is not None:
        sink.text("MaxObjSize", str(meta.max_obj_size))
    for emi in meta.emi:
        sink.text("EMI", emi)
    if meta.mem is not None:
        sink.start("Mem")
        flag(sink, "SharedMem", meta.mem.shared_mem)
        optional_int(sink, "FreeMem", meta.mem.free_mem)
        optional_int(sink, "FreeID", meta.mem.free_id)
        sink.end()
    sink.end()


def _anchor(sink: Sink, anchor: Anchor) -> None:
    sink.start("Anchor")
    optional_text(sink, "Last", anchor.last)
    optional_text(sink, "Next", anchor.next)
    sink.end()
