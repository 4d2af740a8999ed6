"""Identities of stored item versions already read for slow-sync matching, kept between the messages of a
slow sync: each message of a device's slow sync into a full folder looks for duplicates among every server
item, and reading and parsing them all again for each message made that sync grow with the square of the
folder."""

import threading

from syncmld import content
from syncmld.store.base import StoredItem

KNOWN_IDENTITIES = 32_768
"""Identities kept (the oldest go first): a folder of up to that many items is read once per slow sync."""
KNOWN_IDENTITY_CHARS = 256
"""Only identities of up to that many characters (name and contact points) are kept: a contact's is about
60; a file's or a note's is its whole text, read again each time."""

VersionKey = tuple[int, str, int, int]
"""Folder, GUID, sequence number and the hash of the stored bytes of one version of an item."""


def version_key(item: StoredItem) -> VersionKey:
    return item.folder_id, item.guid, item.seq, hash(item.data)


class KnownIdentities:
    """A bounded map from item versions to their identities, shared by the threads of a process."""

    def __init__(self, entries: int = KNOWN_IDENTITIES, chars: int = KNOWN_IDENTITY_CHARS) -> None:
        self._entries = entries
        self._chars = chars
        self._lock = threading.Lock()
        self._found: dict[VersionKey, content.Identity] = {}

    def __len__(self) -> int:
        return len(self._found)

    def get(self, key: VersionKey) -> content.Identity | None:
        return self._found.get(key)

    def keep(self, key: VersionKey, identity: content.Identity) -> None:
        if len(identity.name) + sum(map(len, identity.contact_points)) > self._chars:
            return
        with self._lock:
            if key not in self._found and len(self._found) >= self._entries:
                del self._found[next(iter(self._found))]
            self._found[key] = identity


known_identities = KnownIdentities()
