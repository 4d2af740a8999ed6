"""The sessions this process answered lately: the next message naming one is read as a message in session
without a look in the store (its body under the session's size limit). The engine still loads the session
with the message, so one that ended meanwhile is refused as before."""

from collections import OrderedDict


class LiveSessions:
    """Up to ``size`` session tokens, each trusted for ``lifetime`` seconds after a message of its session was
    answered (the store's session lifetime). Used from the event loop only."""

    def __init__(self, size: int, lifetime: float) -> None:
        self.size = size
        self.lifetime = lifetime
        self._answered_at: OrderedDict[str, float] = OrderedDict()

    def note(self, token: str, now: float) -> None:
        """A message of the session ``token`` was answered at ``now``."""
        if self.size == 0:
            return
        self._answered_at[token] = now
        self._answered_at.move_to_end(token)
        while len(self._answered_at) > self.size:
            self._answered_at.popitem(last=False)

    def knows(self, token: str, now: float) -> bool:
        """Whether a message of the session ``token`` was answered less than ``lifetime`` seconds before ``now``."""
        answered_at = self._answered_at.get(token)
        return answered_at is not None and now - answered_at < self.lifetime

    def forget(self, token: str) -> None:
        """The session ``token`` was refused: ask the store about its next message."""
        self._answered_at.pop(token, None)
