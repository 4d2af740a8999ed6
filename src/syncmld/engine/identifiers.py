"""Lengths of the identifiers a message carries: nothing a client names is kept or echoed beyond a limit.

A header or a command whose identifiers are too long makes the whole message unreadable (HTTP 400, before
anything is looked up or written); an item's too long identifier gets status 400 on that item only.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from syncmld.errors import RemoteError
from syncmld.protocol.messages import (
    Atomic,
    Command,
    Get,
    Item,
    LocRef,
    Map,
    MapItem,
    Put,
    Results,
    Sequence,
    Status,
    Sync,
    SyncHdr,
    SyncML,
    Unsupported,
)
from syncmld.status import StatusCode


@dataclass(frozen=True)
class IdentifierLimits:
    max_id_length: int = 256
    """Characters of a device ID, user name (LocName), SessionID, MsgID and CmdID."""
    max_uri_length: int = 2048
    """Characters of any other URI: the server's URL (with its parameters), database names (with filters),
    item IDs (LUIDs, GUIDs, parents) and the references of a Status."""


_Named = tuple[str, str | None, int]
"""What an identifier is (for the log), its value, and its limit."""


def check_message(message: SyncML, limits: IdentifierLimits) -> None:
    """Raise RemoteError (400) when the header or a command carries a too long identifier."""
    header = message.header
    _check(_header_ids(header, limits))
    for command in _all_commands(message.commands):
        _check(_command_ids(command, limits))


def item_problem(item: Item, limits: IdentifierLimits) -> str | None:
    """Why an item's identifiers are refused, or None."""
    if _item_short(item, limits):
        return None
    named = [
        *_ref_ids("Target", item.target, limits),
        *_ref_ids("Source", item.source, limits),
        ("TargetParent", item.target_parent, limits.max_uri_length),
        ("SourceParent", item.source_parent, limits.max_uri_length),
    ]
    return _problem(named)


def map_item_problem(item: MapItem, limits: IdentifierLimits) -> str | None:
    if _short(item.target, limits) and _short(item.source, limits):
        return None
    return _problem([*_ref_ids("Target", item.target, limits), *_ref_ids("Source", item.source, limits)])


def _item_short(item: Item, limits: IdentifierLimits) -> bool:
    """Whether an item's identifiers are within their limits (what a device sending thousands of items sends)."""
    return (
        (item.target is None or _short(item.target, limits))
        and (item.source is None or _short(item.source, limits))
        and (item.target_parent is None or len(item.target_parent) <= limits.max_uri_length)
        and (item.source_parent is None or len(item.source_parent) <= limits.max_uri_length)
    )


def _short(ref: LocRef, limits: IdentifierLimits) -> bool:
    """Whether a reference is within its limits (what a client acknowledging thousands of items sends)."""
    return len(ref.uri) <= limits.max_uri_length and (ref.name is None or len(ref.name) <= limits.max_id_length)


def _header_ids(header: SyncHdr, limits: IdentifierLimits) -> list[_Named]:
    return [
        ("device ID (SyncHdr Source LocURI)", header.source.uri, limits.max_id_length),
        ("user name (SyncHdr Source LocName)", header.source.name, limits.max_id_length),
        ("server URI (SyncHdr Target LocURI)", header.target.uri, limits.max_uri_length),
        ("SyncHdr Target LocName", header.target.name, limits.max_id_length),
        ("SessionID", header.session_id, limits.max_id_length),
        ("MsgID", header.msg_id, limits.max_id_length),
    ]


def _command_ids(command: Command, limits: IdentifierLimits) -> Iterator[_Named]:
    name = type(command).__name__
    yield f"{name} CmdID", command.cmd_id or "", limits.max_id_length
    if isinstance(command, Unsupported):
        yield "command name", command.name, limits.max_id_length
    if isinstance(command, Status | Results):
        yield f"{name} MsgRef", command.msg_ref, limits.max_id_length
        yield f"{name} CmdRef", command.cmd_ref, limits.max_id_length
    if isinstance(command, Status):
        for ref in (*command.target_refs, *command.source_refs):
            yield "Status TargetRef/SourceRef", ref, limits.max_uri_length
    if isinstance(command, Results):
        yield "Results TargetRef", command.target_ref, limits.max_uri_length
        yield "Results SourceRef", command.source_ref, limits.max_uri_length
    if isinstance(command, Sync | Map):
        yield from _ref_ids(f"{name} Target", command.target, limits)
        yield from _ref_ids(f"{name} Source", command.source, limits)
    if isinstance(command, Get | Put | Results):
        for item in command.items:
            yield from _ref_ids(f"{name} item Target", item.target, limits)
            yield from _ref_ids(f"{name} item Source", item.source, limits)


def _ref_ids(what: str, ref: LocRef | None, limits: IdentifierLimits) -> list[_Named]:
    if ref is None:
        return []
    return [(f"{what} LocURI", ref.uri, limits.max_uri_length), (f"{what} LocName", ref.name, limits.max_id_length)]


def _all_commands(commands: Iterable[Command]) -> Iterator[Command]:
    for command in commands:
        yield command
        if isinstance(command, Sync | Atomic | Sequence):
            yield from _all_commands(command.commands)


def _problem(named: Iterable[_Named]) -> str | None:
    for what, value, limit in named:
        if value is not None and len(value) > limit:
            return f"{what} of {len(value)} characters is longer than {limit}"
    return None


def _check(named: Iterable[_Named]) -> None:
    problem = _problem(named)
    if problem is not None:
        raise RemoteError(problem, StatusCode.BAD_REQUEST)
