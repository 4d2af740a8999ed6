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
    ItemCommand,
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
    _check(_header_ids(message.header, limits))
    _check_commands(message.commands, limits)


def _check_commands(commands: Iterable[Command], limits: IdentifierLimits) -> None:
    """Check each command, then the commands it holds."""
    for command in commands:
        if type(command) is Status and _short_status(command, limits):
            continue
        if isinstance(command, ItemCommand) and len(command.cmd_id or "") <= limits.max_id_length:
            continue  # its only identifier here is its CmdID: its items are looked at one by one (``item_problem``)
        _check(_command_ids(command, limits))
        if isinstance(command, Sync | Atomic | Sequence):
            _check_commands(command.commands, limits)


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


def checked_map(items: tuple[MapItem, ...], limits: IdentifierLimits) -> tuple[dict[str, str], list[str]]:
    """The pairs of a Map's items whose identifiers are within the limits (our ID -> the device's, a later item
    of an ID taking its place), and why each other item is left out."""
    pairs = {item.target.uri: item.source.uri for item in items}
    if (
        max(map(len, pairs), default=0) <= limits.max_uri_length
        and max(map(len, pairs.values()), default=0) <= limits.max_uri_length
        and all(item.target.name is None and item.source.name is None for item in items)
    ):
        return pairs, []
    checked = [(item, _map_item_problem(item, limits)) for item in items]
    return {item.target.uri: item.source.uri for item, problem in checked if problem is None}, [
        problem for _, problem in checked if problem
    ]


def _map_item_problem(item: MapItem, limits: IdentifierLimits) -> str | None:
    return _problem([*_ref_ids("Target", item.target, limits), *_ref_ids("Source", item.source, limits)])


def _short_status(status: Status, limits: IdentifierLimits) -> bool:
    """Whether a Status's identifiers are within their limits (what a client acknowledging thousands of items
    sends, looked at without naming what each is)."""
    short, uri = limits.max_id_length, limits.max_uri_length
    if len(status.cmd_id or "") > short or len(status.msg_ref) > short or len(status.cmd_ref) > short:
        return False
    for ref in status.target_refs + status.source_refs:  # noqa: SIM110  (a loop: all() over a generator costs twice)
        if len(ref) > uri:
            return False
    return True


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


def _problem(named: Iterable[_Named]) -> str | None:
    for what, value, limit in named:
        if value is not None and len(value) > limit:
            return f"{what} of {len(value)} characters is longer than {limit}"
    return None


def _check(named: Iterable[_Named]) -> None:
    problem = _problem(named)
    if problem is not None:
        raise RemoteError(problem, StatusCode.BAD_REQUEST)
