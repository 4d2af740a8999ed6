"""Which sync runs: the product's modes 1-9, the decision table of product.md §2, and the alert
code each mode is driven with on the wire."""

from collections.abc import Collection
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

from syncmld.errors import LocalError
from syncmld.protocol.constants import AlertCode
from syncmld.status import StatusCode


class SyncMode(IntEnum):
    """The modes users name in the ``sync=`` URL parameter."""

    TWO_WAY = 1
    SLOW = 2
    ONE_WAY_FROM_CLIENT = 3
    REFRESH_FROM_CLIENT = 4
    ONE_WAY_FROM_SERVER = 5
    REFRESH_FROM_SERVER = 6
    SLOW_TO_SERVER = 7
    SLOW_TO_CLIENT = 8
    CLIENT_RESET = 9

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


ALERT_MODES: dict[int, SyncMode] = {
    AlertCode.TWO_WAY: SyncMode.TWO_WAY,
    AlertCode.SLOW_SYNC: SyncMode.SLOW,
    AlertCode.ONE_WAY_FROM_CLIENT: SyncMode.ONE_WAY_FROM_CLIENT,
    AlertCode.REFRESH_FROM_CLIENT: SyncMode.REFRESH_FROM_CLIENT,
    AlertCode.ONE_WAY_FROM_SERVER: SyncMode.ONE_WAY_FROM_SERVER,
    AlertCode.REFRESH_FROM_SERVER: SyncMode.REFRESH_FROM_SERVER,
    AlertCode.TWO_WAY_BY_SERVER: SyncMode.TWO_WAY,
    AlertCode.ONE_WAY_FROM_CLIENT_BY_SERVER: SyncMode.ONE_WAY_FROM_CLIENT,
    AlertCode.REFRESH_FROM_CLIENT_BY_SERVER: SyncMode.REFRESH_FROM_CLIENT,
    AlertCode.ONE_WAY_FROM_SERVER_BY_SERVER: SyncMode.ONE_WAY_FROM_SERVER,
    AlertCode.REFRESH_FROM_SERVER_BY_SERVER: SyncMode.REFRESH_FROM_SERVER,
    AlertCode.ONE_WAY_FROM_CLIENT_NO_SLOW: SyncMode.ONE_WAY_FROM_CLIENT,
}
"""The mode a client asks for with each alert code (206-210 are the 'by server' forms, 250 Funambol's)."""

NEVER_SLOW = frozenset({AlertCode.ONE_WAY_FROM_CLIENT_NO_SLOW})
"""Alert codes whose mode runs as asked whatever the anchors and the URL say, and which the server
answers with the same code (the client refuses anything else)."""

WIRE_ALERT: dict[SyncMode, AlertCode] = {
    SyncMode.TWO_WAY: AlertCode.TWO_WAY,
    SyncMode.SLOW: AlertCode.SLOW_SYNC,
    SyncMode.ONE_WAY_FROM_CLIENT: AlertCode.ONE_WAY_FROM_CLIENT,
    SyncMode.REFRESH_FROM_CLIENT: AlertCode.REFRESH_FROM_CLIENT,
    SyncMode.ONE_WAY_FROM_SERVER: AlertCode.ONE_WAY_FROM_SERVER,
    SyncMode.REFRESH_FROM_SERVER: AlertCode.REFRESH_FROM_SERVER,
    SyncMode.SLOW_TO_SERVER: AlertCode.SLOW_SYNC,
    SyncMode.SLOW_TO_CLIENT: AlertCode.SLOW_SYNC,
    SyncMode.CLIENT_RESET: AlertCode.SLOW_SYNC,
}
"""The alert the server sends to run each mode: 7-9 are driven by a slow sync, which every client
that syncs at all can do; the wiping is done by the server (erasure, explicit Deletes)."""

ANY: frozenset[SyncMode | None] = frozenset({None, *SyncMode})

Outcome = SyncMode | Literal["url", "client"]
"""A mode, or: the mode the URL asked for / the mode the client asked for."""


@dataclass(frozen=True)
class ModeRule:
    """One row of the decision table; rows that do not check anchors have one outcome."""

    client: frozenset[SyncMode]
    url: frozenset[SyncMode | None]
    checks_anchors: bool
    if_equal: Outcome
    if_different: Outcome


def _row(
    client: Collection[SyncMode], url: Collection[SyncMode | None], check: bool, equal: Outcome, different: Outcome
) -> ModeRule:
    return ModeRule(frozenset(client), frozenset(url), check, equal, different)


M = SyncMode
MODE_DECISIONS: tuple[ModeRule, ...] = (
    _row([M.TWO_WAY], [None, M.TWO_WAY], True, M.TWO_WAY, M.SLOW),
    _row([M.TWO_WAY], [M.ONE_WAY_FROM_CLIENT], True, M.ONE_WAY_FROM_CLIENT, M.SLOW_TO_SERVER),
    _row([M.TWO_WAY], [M.ONE_WAY_FROM_SERVER], True, M.ONE_WAY_FROM_SERVER, M.SLOW_TO_CLIENT),
    _row(
        [M.TWO_WAY],
        [M.SLOW, M.REFRESH_FROM_CLIENT, M.REFRESH_FROM_SERVER, M.SLOW_TO_SERVER, M.SLOW_TO_CLIENT, M.CLIENT_RESET],
        False,
        "url",
        "url",
    ),
    _row([M.ONE_WAY_FROM_CLIENT], ANY, True, M.ONE_WAY_FROM_CLIENT, M.SLOW_TO_SERVER),
    _row([M.ONE_WAY_FROM_SERVER], ANY, True, M.ONE_WAY_FROM_SERVER, M.SLOW_TO_CLIENT),
    _row([M.SLOW, M.REFRESH_FROM_CLIENT, M.REFRESH_FROM_SERVER], ANY, False, "client", "client"),
)
"""product.md §2, one row per row: (client asks, URL asks) -> mode when anchors are equal / not."""


@dataclass(frozen=True)
class ModeDecision:
    mode: SyncMode
    status: StatusCode
    """The status for the client's Alert: 508 when the client must do something else than it asked."""
    reason: str
    missed_end: bool = False
    """The client's Last anchor is the one its last sync began with: the server completed that sync
    but the client never heard its end, so the anchors that sync began with stand for both sides."""


def decide_mode(
    client_alert: int,
    url_mode: int | None,
    client_last: str | None,
    stored_anchor: str | None,
    started_anchor: str | None = None,
) -> ModeDecision:
    """The mode to run, by the decision table, with the reason for the log. ``started_anchor`` is the
    client's Last anchor of the last completed sync: a client that sends it again missed that sync's
    end, and its anchors count as equal."""
    asked = ALERT_MODES[client_alert]
    url = SyncMode(url_mode) if url_mode is not None else None
    said = f"client asked {asked.label}" + (f", URL asked {url.label}" if url is not None else "")
    if client_alert in NEVER_SLOW:
        return ModeDecision(
            asked,
            StatusCode.OK,
            f"{said} with alert {client_alert}, which is never turned slow: {asked.label} (anchors not checked)",
        )
    rule = next(rule for rule in MODE_DECISIONS if asked in rule.client and url in rule.url)
    if not rule.checks_anchors:
        mode = _resolve(rule.if_equal, asked, url)
        reason = f"{said}: {mode.label} (anchors not checked)"
    elif stored_anchor is None:
        mode = _resolve(rule.if_different, asked, url)
        reason = f"{said}, first sync of this device and folder: {mode.label}"
    elif client_last and client_last != stored_anchor and client_last == started_anchor:
        mode = _resolve(rule.if_equal, asked, url)
        reason = (
            f"{said}, the client's Last anchor {client_last!r} is the one its last sync began with "
            f"(the server completed that sync, the client missed its end): {mode.label}"
        )
        return ModeDecision(mode, _status(mode, asked), reason, missed_end=True)
    elif client_last != stored_anchor:
        mode = _resolve(rule.if_different, asked, url)
        reason = f"{said}, anchors differ (client {client_last!r}, server {stored_anchor!r}): {mode.label}"
    else:
        mode = _resolve(rule.if_equal, asked, url)
        reason = f"{said}, anchors equal: {mode.label}"
    return ModeDecision(mode, _status(mode, asked), reason)


def _status(mode: SyncMode, asked: SyncMode) -> StatusCode:
    return StatusCode.OK if WIRE_ALERT[mode] == WIRE_ALERT[asked] else StatusCode.REFRESH_REQUIRED


def _resolve(outcome: Outcome, asked: SyncMode, url: SyncMode | None) -> SyncMode:
    if outcome == "client":
        return asked
    if outcome == "url":
        if url is None:
            raise LocalError("a decision table row runs the URL's mode but the URL named none")
        return url
    return outcome


def is_sync_alert(code: int) -> bool:
    return code in ALERT_MODES


def wire_alert(mode: SyncMode, client_alert: AlertCode | None) -> AlertCode:
    """The alert code the server answers a client's sync Alert with, to run ``mode``."""
    if client_alert is not None and client_alert in NEVER_SLOW:
        return client_alert
    return WIRE_ALERT[mode]


def sends_to_client(mode: SyncMode) -> bool:
    return mode not in (M.ONE_WAY_FROM_CLIENT, M.REFRESH_FROM_CLIENT)


def takes_from_client(mode: SyncMode) -> bool:
    """Whether client items are written to the server."""
    return mode not in (M.ONE_WAY_FROM_SERVER, M.REFRESH_FROM_SERVER, M.SLOW_TO_CLIENT, M.CLIENT_RESET)


def erases_server_folder(mode: SyncMode) -> bool:
    """The server's folder is emptied when the sync starts (backed up first); it then holds what the client sends."""
    return mode == M.SLOW_TO_SERVER


def compares_all(mode: SyncMode) -> bool:
    """The client sends every item it has (slow sync and its variants, refresh from client)."""
    return mode in (M.SLOW, M.REFRESH_FROM_CLIENT, M.SLOW_TO_SERVER, M.SLOW_TO_CLIENT, M.CLIENT_RESET)


def is_incremental(mode: SyncMode) -> bool:
    """Only changes since the last sync travel."""
    return mode in (M.TWO_WAY, M.ONE_WAY_FROM_CLIENT, M.ONE_WAY_FROM_SERVER)
