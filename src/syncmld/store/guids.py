"""Item GUIDs: unguessable, unique, and in the order they were made.

A GUID is 32 hex characters: the first 12 the milliseconds since 1970 when its batch was made, the other 20
(80 bits) from the system's random source. The random part makes it unguessable and unique (two GUIDs of the
same millisecond are equal with probability 2^-80); the time makes a folder's new items land at one end of the
indexes keyed by GUID (items, maps), where random GUIDs spread each message's items over every page of them:
a slow sync of 20,000 contacts wrote a page of each index per item. The random bytes are read for
``BATCH`` GUIDs at once (one system call instead of one per item); a forked process starts a batch of its own.
"""

import os
import time

BATCH = 256
"""GUIDs made from one read of the random source."""
_RANDOM_HEX = 20
"""Hex characters of a GUID's random part."""

_made: list[str] = []
"""GUIDs made and not handed out yet (``list.pop`` hands each out once, threads or not)."""
os.register_at_fork(after_in_child=_made.clear)


def new_guid() -> str:
    """A fresh item GUID (see the module)."""
    while True:
        try:
            return _made.pop()
        except IndexError:
            _made.extend(_batch())


def _batch() -> list[str]:
    prefix = f"{time.time_ns() // 1_000_000:012x}"
    random = os.urandom(BATCH * _RANDOM_HEX // 2).hex()
    return [prefix + random[start : start + _RANDOM_HEX] for start in range(0, len(random), _RANDOM_HEX)]
