"""One error root, split by who is at fault; each error carries the SyncML status to answer with."""

from syncmld.status import StatusCode


class SyncMLError(Exception):
    """Root of every error syncmld raises on purpose."""

    status: StatusCode = StatusCode.COMMAND_FAILED

    def __init__(self, message: str, status: StatusCode | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class RemoteError(SyncMLError):
    """The device (or whoever sent the message) is at fault."""

    status = StatusCode.BAD_REQUEST


class DecodeError(RemoteError):
    """The bytes received are not a SyncML message we can read."""


class LocalError(SyncMLError):
    """syncmld itself is at fault (store failure, bug)."""

    status = StatusCode.SERVER_FAILURE


class WrongKind(LocalError):
    """An item asked for in a type made for another kind of item (a task as SIF-E): it cannot go in it."""
