"""Which sync runs for a client's Alert: the standard modes and the anchor check."""

from dataclasses import dataclass

from syncmld.protocol.constants import AlertCode
from syncmld.status import StatusCode

MODE_NAMES: dict[int, str] = {
    AlertCode.TWO_WAY: "two-way",
    AlertCode.SLOW_SYNC: "slow",
    AlertCode.ONE_WAY_FROM_CLIENT: "one-way-from-client",
    AlertCode.REFRESH_FROM_CLIENT: "refresh-from-client",
    AlertCode.ONE_WAY_FROM_SERVER: "one-way-from-server",
    AlertCode.REFRESH_FROM_SERVER: "refresh-from-server",
}

BY_SERVER: dict[int, int] = {
    AlertCode.TWO_WAY_BY_SERVER: AlertCode.TWO_WAY,
    AlertCode.ONE_WAY_FROM_CLIENT_BY_SERVER: AlertCode.ONE_WAY_FROM_CLIENT,
    AlertCode.REFRESH_FROM_CLIENT_BY_SERVER: AlertCode.REFRESH_FROM_CLIENT,
    AlertCode.ONE_WAY_FROM_SERVER_BY_SERVER: AlertCode.ONE_WAY_FROM_SERVER,
    AlertCode.REFRESH_FROM_SERVER_BY_SERVER: AlertCode.REFRESH_FROM_SERVER,
}
"""The 'by server' alert codes (206-210) and the mode each one means."""

SLOW_FORM: dict[int, int] = {
    AlertCode.TWO_WAY: AlertCode.SLOW_SYNC,
    AlertCode.ONE_WAY_FROM_CLIENT: AlertCode.REFRESH_FROM_CLIENT,
    AlertCode.ONE_WAY_FROM_SERVER: AlertCode.REFRESH_FROM_SERVER,
}
"""Incremental modes, and what runs instead when the anchors do not match."""


@dataclass(frozen=True)
class ModeDecision:
    mode: int
    status: StatusCode
    reason: str


def decide_mode(requested: int, client_last: str | None, stored_anchor: str | None) -> ModeDecision:
    """The mode to run for an alerted code, given the client's Last anchor and the stored one."""
    mode = BY_SERVER.get(requested, requested)
    name = MODE_NAMES[mode]
    if mode not in SLOW_FORM:
        return ModeDecision(mode, StatusCode.OK, f"client asked {name}")
    if stored_anchor is None:
        slow = SLOW_FORM[mode]
        return ModeDecision(slow, StatusCode.REFRESH_REQUIRED,
                            f"client asked {name}, first sync of this device and folder: {MODE_NAMES[slow]}")
    if client_last != stored_anchor:
        slow = SLOW_FORM[mode]
        return ModeDecision(slow, StatusCode.REFRESH_REQUIRED,
                            f"client asked {name}, anchors differ (client {client_last!r}, "
                            f"server {stored_anchor!r}): {MODE_NAMES[slow]}")
    return ModeDecision(mode, StatusCode.OK, f"client asked {name}, anchors equal")


def is_sync_alert(code: int) -> bool:
    return code in MODE_NAMES or code in BY_SERVER


def sends_to_client(mode: int) -> bool:
    return mode not in (AlertCode.ONE_WAY_FROM_CLIENT, AlertCode.REFRESH_FROM_CLIENT)


def takes_from_client(mode: int) -> bool:
    return mode not in (AlertCode.ONE_WAY_FROM_SERVER, AlertCode.REFRESH_FROM_SERVER)


def compares_all(mode: int) -> bool:
    """Slow sync and refresh from client: the client sends every item it has."""
    return mode in (AlertCode.SLOW_SYNC, AlertCode.REFRESH_FROM_CLIENT)
