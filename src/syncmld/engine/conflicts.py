"""Both the device and the server changed an item since the device's last sync: who wins.

The policy is a stored setting (``settings.CONFLICT``) that an account may override; the versions
that lose are kept in the item's history (``settings.HISTORY_DAYS``).
"""

from dataclasses import dataclass
from enum import StrEnum

from syncmld import content
from syncmld.settings import ConflictPolicy
from syncmld.status import StatusCode


class Winner(StrEnum):
    """What a conflict's resolution keeps."""

    CLIENT = "client"
    """The device's version is written."""
    SERVER = "server"
    """The server's version stays."""
    MERGED = "merged"
    """A merge of both is written, and sent back to the device."""
    DUPLICATE = "duplicate"
    """Both stay, as two items."""


@dataclass(frozen=True)
class Resolution:
    outcome: Winner
    status: StatusCode
    data: bytes | None = None
    """The merged item (``Winner.MERGED``)."""


def resolve(
    policy: ConflictPolicy, server: content.ParsedItem, client: content.ParsedItem, base: content.ParsedItem | None
) -> Resolution:
    """The outcome of a conflict between the server's and the device's stored forms of an item;
    ``base`` is the version the device had before its change, when the history still holds it."""
    if policy == ConflictPolicy.DUPLICATE:
        return Resolution(Winner.DUPLICATE, StatusCode.CONFLICT_DUPLICATE)
    if policy == ConflictPolicy.SERVER_WINS:
        return Resolution(Winner.SERVER, StatusCode.CONFLICT_SERVER_WON)
    if policy == ConflictPolicy.CLIENT_WINS:
        return Resolution(Winner.CLIENT, StatusCode.CONFLICT_CLIENT_WON)
    newer = content.newer_side(server, client)
    if policy == ConflictPolicy.MERGE:
        merged = content.merge(server, client, newer, base)
        if merged is not None:
            return Resolution(Winner.MERGED, StatusCode.CONFLICT_MERGED, merged)
    if newer == Winner.SERVER:
        return Resolution(Winner.SERVER, StatusCode.CONFLICT_SERVER_WON)
    return Resolution(Winner.CLIENT, StatusCode.CONFLICT_CLIENT_WON)
