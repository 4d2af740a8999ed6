"""What a load device's message is, so that latency can be told apart by what the server had to do."""

from enum import StrEnum

from syncmld.protocol.messages import Sync, SyncML

FIRST_MESSAGE = "1"


class MessageKind(StrEnum):
    LOGIN = "login"
    """A session's first message: its credentials (or none yet, to be challenged) and its alerts."""
    CHANGES = "changes"
    """A Sync carrying the device's changes: a slow sync's items, a round's adds, replaces and deletes."""
    OTHER = "other"
    """The rest of a session: a Sync without changes, statuses, the Map, asking for more."""


def message_kind(message: SyncML) -> MessageKind:
    if message.header.msg_id == FIRST_MESSAGE:
        return MessageKind.LOGIN
    if any(isinstance(command, Sync) and command.commands for command in message.commands):
        return MessageKind.CHANGES
    return MessageKind.OTHER
