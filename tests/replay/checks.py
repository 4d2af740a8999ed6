"""What a replayed session must show: every command answered as a working server answers it, the modes
and the types expected, the sync completed on the server, every item the device holds stored as it
holds it (and nothing it deleted), and a log without warnings."""

from collections import Counter

from .cases import Case
from .harness import FolderSnapshot, SessionRun, folder_name
from .items import Facts, facts
from .player import CHALLENGED, DeviceItem

ACCEPTED: dict[str, frozenset[int]] = {
    "SyncHdr": frozenset({200, 212}),
    "Alert": frozenset({200, 508}),
    "Add": frozenset({200, 201, 213}),
    "Replace": frozenset({200, 201, 213}),
    "Delete": frozenset({200, 211}),
}
"""Status codes that say a command worked; 508 asks for a slow sync, 213 takes a chunk of a large
object, 211 a Delete of an item the server no longer has. Any other command: 200."""


def session_problems(case: Case, run: SessionRun) -> list[str]:
    """Everything wrong with a replayed session, one line each (empty when it went as it must)."""
    result = run.result
    problems = list(result.problems)
    problems += _status_problems(run)
    if run.plan.finished:
        problems += unfinished(case, run)
    modes = tuple(folder.mode or f"Alert answered {folder.alert_status}" for folder in result.folders.values())
    if modes != run.plan.modes:
        problems.append(f"modes {modes}, expected {run.plan.modes}")
    for folder in result.folders.values():
        name = folder_name(case, folder)
        expected = case.types.get(name)
        if folder.wire_types and folder.wire_types != [expected]:
            problems.append(f"{name}: items sent as {folder.wire_types}, expected {expected}")
        snapshot = run.server.get(name)
        if folder.mode and snapshot is not None:
            held = result.device.get(folder.client_uri, {})
            opaque = name in case.user_folders
            problems += [f"{name}: {problem}" for problem in stored_problems(held, snapshot, opaque)]
    warnings = [line for line in run.log.splitlines() if " WARNING " in line or " ERROR " in line]
    expected = run.plan.expected_warnings
    problems += [f"logged: {line}" for line in warnings if not any(part in line for part in expected)]
    problems += [
        f"not logged: a warning that {part!r}" for part in expected if not any(part in line for line in warnings)
    ]
    return problems


def unfinished(case: Case, run: SessionRun) -> list[str]:
    """The data stores whose sync the device took as done but the server did not complete (it stores
    the device's anchors when it does)."""
    synced = [folder for folder in run.result.folders.values() if folder.mode]
    if not synced:
        return ["no data store was synced"]
    problems = []
    for folder in synced:
        snapshot = run.server.get(folder_name(case, folder))
        if snapshot is None or snapshot.anchor != folder.next_anchor:
            stored = snapshot.anchor if snapshot is not None else None
            problems.append(
                f"{folder_name(case, folder)}: the sync is not complete on the server (it keeps the "
                f"anchor {stored!r}, not the device's {folder.next_anchor!r})"
            )
    return problems


def _status_problems(run: SessionRun) -> list[str]:
    problems = []
    exchanges = run.result.exchanges
    for index, exchange in enumerate(exchanges):
        if exchange.http_status != 200:
            problems.append(f"{exchange.sent}: HTTP {exchange.http_status} {exchange.error}")
            continue
        answered_later = index + 1 < len(exchanges) and exchanges[index + 1].header_status in ACCEPTED["SyncHdr"]
        if exchange.header_status in CHALLENGED and answered_later:
            continue
        refused = [
            f"{cmd} {code}" for cmd, code in exchange.statuses if code not in ACCEPTED.get(cmd, frozenset({200}))
        ]
        if refused:
            problems.append(f"{exchange.sent}: {', '.join(refused)}")
    return problems


def stored_problems(held: dict[str, DeviceItem], server: FolderSnapshot, opaque: bool) -> list[str]:
    """Each item the device holds must be mapped to a live server item that says the same (is the same
    bytes, in a folder whose items are kept as they come), and a LUID mapped to a live item must be one
    the device holds."""
    problems = []
    for luid, item in sorted(held.items()):
        guid = server.maps.get(luid)
        if guid is None:
            problems.append(f"the server has no map for the device's item {luid}")
        elif guid not in server.items:
            problems.append(f"the device's item {luid} maps to {guid}, which the server does not hold")
        else:
            difference = _difference(item, server.items[guid], opaque)
            if difference:
                problems.append(f"item {luid}: {difference}")
    for luid, guid in sorted(server.maps.items()):
        if luid not in held and guid in server.items:
            problems.append(f"the server keeps {guid} mapped to {luid}, which the device no longer holds")
    return problems


def _difference(device: DeviceItem, stored: DeviceItem, opaque: bool) -> str:
    """What differs between the device's item and the stored one: what they say, or for an item of a
    type the readers do not know in a folder of the account's own, its bytes."""
    try:
        mine, theirs = facts(device.data), facts(stored.data)
    except ValueError as error:
        if not opaque:
            return str(error)
        same = device.data == stored.data
        return "" if same else f"stored {stored.data[:80]!r}, the device holds {device.data[:80]!r}"
    return "" if mine == theirs else f"the device holds {mine}, the server {theirs}"


def facts_of(items: dict[str, DeviceItem] | list[bytes]) -> Counter[Facts]:
    """What a set of items says, as a multiset (ValueError when one is unreadable)."""
    datas = [item.data for item in items.values()] if isinstance(items, dict) else items
    return Counter(facts(data) for data in datas)


def unmapped(server: FolderSnapshot) -> dict[str, DeviceItem]:
    """The server's items the device holds no map for (never sent to it, or left out for it)."""
    mapped = set(server.maps.values())
    return {guid: item for guid, item in server.items.items() if guid not in mapped}


def readback_difference(expected: Counter[Facts], read: Counter[Facts]) -> str:
    """The items SyncEvolution read differently from what the device holds ("" when the same)."""
    missing, extra = expected - read, read - expected
    if not missing and not extra:
        return ""
    return f"not read back: {sorted(missing)}; read but not held: {sorted(extra)}"
