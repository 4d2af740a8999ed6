"""One error root, split by who is at fault; each error carries the SyncML status to answer with.

Every error syncmld raises on purpose is a ``SyncMLError``; callers catch these, never ``ValueError``
or ``Exception`` for a check of ours::

    SyncMLError
    ├── RemoteError   the sender of what we read is at fault (a device's message, a name on the command
    │                 line, a DAV request), 4xx: DecodeError, InvalidEmail,
    │                 protocol.hmac_header.MacHeaderError, server.body.BodyTooLarge, dav.api.DavError,
    │                 dav.backend.Refused
    ├── LocalError    syncmld or its host is at fault, 5xx: WrongKind, ConfigError (SettingError,
    │                 server.serve.ServeError), store.base.StoreError, backup.BackupError,
    │                 server_key.ServerKeyError, server.login_gate.GateFull, dav.api.UnreadableItem
    └── our own client's, whose server is at fault: client.http.TransportError, load.devices.SyncFailed
"""

from syncmld.status import StatusCode


class SyncMLError(Exception):
    """Root of every error syncmld raises on purpose."""

    status: StatusCode = StatusCode.COMMAND_FAILED

    def __init__(self, message: str, status: StatusCode | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class RemoteError(SyncMLError):
    """The device (or whoever sent what we read) is at fault."""

    status = StatusCode.BAD_REQUEST


class DecodeError(RemoteError):
    """The bytes received are not a SyncML message we can read."""


class InvalidEmail(RemoteError):
    """A name that should be an e-mail address (a login, an account on the command line) is not one."""


class LocalError(SyncMLError):
    """syncmld itself is at fault (store failure, bug, configuration)."""

    status = StatusCode.SERVER_FAILURE


class WrongKind(LocalError):
    """An item asked for in a type made for another kind of item (a task as SIF-E): it cannot go in it."""


class ConfigError(LocalError):
    """A configuration value is unusable; the message says which and why."""


class SettingError(ConfigError):
    """A setting kept in the store (``syncmld config set``) has a value it cannot have."""
