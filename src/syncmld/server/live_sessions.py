"""The sessions this process answered lately: the next message naming one is read as a message in session
without a look in the store (its body under the session's size limit). The engine still loads the session
with the message, so one that ended meanwhile is refused as before."""

from syncmld.bounded import BoundedMap


class LiveSessions:
    """Up to ``size`` session tokens, each trusted for ``lifetime`` seconds after a message of its session was
    answered (the store's session lifetime)."""

    def __init__(self, size: int, lifetime: float) -> None:
        self.lifetime = lifetime
        self._answered_at: BoundedMap[str, float] = BoundedMap(size)

    def note(self, token: str, now: float) -> None:
        """A message of the session ``token`` was answered at ``now``."""
        self._answered_at.put(token, now)

    def knows(self, token: str, now: float) -> bool:
        """Whether a message of the session ``token`` was answered less than ``lifetime`` seconds before ``now``."""
        answered_at = self._answered_at.peek(token)
        return answered_at is not None and now - answered_at < self.lifetime

    def forget(self, token: str) -> None:
        """The session ``token`` was refused: ask the store about its next message."""
        self._answered_at.forget(token)
