"""How a session moves through the packages: phase x event -> next phase and what is done on the way.

The whole flow is the table ``STEPS``; ``dispatch`` names the event a message brings and does the
step's action. A pair the table does not hold leaves the session where it is.
"""

from dataclasses import dataclass
from enum import Enum

from syncmld.engine.session import Phase


class Event(Enum):
    ALERTS = "the client's init package ended without a Sync: its Alerts are answered"
    CHANGES = "the client's package ended: its changes (if any) are in"
    MAPS = "the client's map package ended"
    ALL_SENT = "the last of the server's changes went out"
    NOTHING_TO_MAP = "nothing went to the client, so no map package follows (a client may end the session)"


class Action(Enum):
    NONE = "nothing"
    ASK_FOR_DEVINF = "ask for the device's DevInf if it is needed"
    PLAN_CHANGES = "plan the changes the device gets"
    FINISH = "store the anchors and report each folder's sync"


@dataclass(frozen=True)
class Step:
    to: Phase
    action: Action


STEPS: dict[tuple[Phase, Event], Step] = {
    (Phase.INIT, Event.ALERTS): Step(Phase.SYNC, Action.ASK_FOR_DEVINF),
    (Phase.INIT, Event.CHANGES): Step(Phase.SENDING, Action.PLAN_CHANGES),
    (Phase.SYNC, Event.CHANGES): Step(Phase.SENDING, Action.PLAN_CHANGES),
    (Phase.SENDING, Event.ALL_SENT): Step(Phase.MAP, Action.NONE),
    (Phase.MAP, Event.NOTHING_TO_MAP): Step(Phase.DONE, Action.FINISH),
    (Phase.MAP, Event.MAPS): Step(Phase.DONE, Action.FINISH),
}


def package_end(phase: Phase, saw_sync: bool, alerted: bool) -> Event | None:
    """The event a final message brings: an init package without a Sync answers its Alerts (one without
    Alerts either, as some clients send their DevInf alone first, is no event: the Alerts of the next
    package are answered as a first package's)."""
    if phase == Phase.MAP:
        return Event.MAPS
    if phase == Phase.INIT and not saw_sync:
        return Event.ALERTS if alerted else None
    return Event.CHANGES


def step(phase: Phase, event: Event | None) -> Step | None:
    """Where ``event`` takes a session in ``phase``, and what to do; None: it stays."""
    return None if event is None else STEPS.get((phase, event))
