"""The process's caches of what clients send, and their limits: one ``CacheLimits``, set by ``configure``
when the server starts (``syncmld serve --cache-*``); tools and tests that do not call it keep the defaults.

Each cache is a ``BoundedMap`` made here by name (``bounded_map``) with the limits it takes from
``CacheLimits``; ``entry_counts`` tells how full each is (``/metrics``).
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from syncmld.bounded import UNLIMITED, BoundedMap
from syncmld.errors import ConfigError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class CacheLimits:
    """Entries each cache keeps, and the largest entry it keeps (larger ones are worked out each time)."""

    devinfs: int = 16
    """Devices' DevInfs remembered as read, by their XML (a device sends the same one each session)."""
    devinf_bytes: int = 65_536
    """Bytes of the largest DevInf remembered, as sent or as stored (a phone's is about 14 kB)."""
    stored_devinfs: int = 64
    """Stored DevInfs remembered as read (each session of a device reads its DevInf)."""
    headers: int = 4096
    """Content line headers (``TEL;TYPE=CELL``) remembered as read."""
    vcard_headers: int = 4096
    """vCard 3.0 headers remembered as written in vCard 2.1, and vCard 2.1 headers as read into 3.0 (each up to this
    many)."""
    header_chars: int = 256
    """Characters of the longest header remembered."""
    vtimezones: int = 128
    """VTIMEZONE texts remembered as read (most calendar objects carry the same few)."""
    vtimezone_chars: int = 4096
    """Characters of the longest VTIMEZONE remembered as read, with its transitions (real ones hold a few
    hundred to two thousand; one read takes about 50 times its text)."""
    zones: int = 256
    """VTIMEZONEs whose transitions are remembered."""
    known_tzids: int = 128
    """TZIDs sent without a VTIMEZONE whose zone database entry is remembered."""
    name_chars: int = 256
    """Characters of the longest name (media types and formats, TZIDs, element names) whose facts are kept."""
    media_types: int = 256
    """Content types as read (``text/x-vCard; charset=UTF-8``), and pairs of stored and wanted media types whose
    conversion is remembered (each up to this many)."""
    item_metas: int = 64
    """Types and formats of the items sent whose Meta is made once."""
    read_metas: int = 64
    """Metas read from the items and commands sent (by their elements' names and texts), made once."""
    item_shapes: int = 256
    """Shapes of the Adds and Replaces sent (command, type, format, addressing) made once."""
    item_templates: int = 256
    """Templates of those commands per encoding and place in a message."""
    xml_elements: int = 1024
    """XML element names (per parent) whose tags are written once."""
    mail_snapshots: int = 4096
    """Mail snapshots (flags, date, size) remembered as read."""
    snapshot_bytes: int = 1024
    """Bytes of the largest mail snapshot remembered (one is under 250)."""
    logins: int = 10_000
    """Successful password checks remembered (32 bytes each), so that a login again costs no scrypt."""

    def __post_init__(self) -> None:
        negative = [field.name for field in fields(self) if getattr(self, field.name) < 0]
        if negative:
            raise ConfigError(f"cache limits must not be negative: {', '.join(negative)}")


Limit = Callable[[CacheLimits], tuple[int, int]]
"""A cache's entries and largest entry, from the limits."""

_limits = CacheLimits()
_caches: list[tuple[str, Limit, BoundedMap[Any, Any]]] = []


def bounded_map(name: str, limit: Limit) -> BoundedMap[K, V]:
    """A BoundedMap called ``name`` within ``limit`` of the limits in force."""
    cache: BoundedMap[K, V] = BoundedMap(*limit(_limits))
    _caches.append((name, limit, cache))
    return cache


def entries_only(entries: Callable[[CacheLimits], int]) -> Limit:
    """The limit of a cache whose entries are small whatever is sent: a count only."""
    return lambda limits: (entries(limits), UNLIMITED)


def by_names(entries: Callable[[CacheLimits], int]) -> Limit:
    """The limit of a cache by names (media types, formats, TZIDs, element names): a count, and the longest
    names (added up) whose entry is kept."""
    return lambda limits: (entries(limits), limits.name_chars)


def configure(limits: CacheLimits) -> None:
    """Apply ``limits`` to every cache of the process (and to those made later)."""
    global _limits
    _limits = limits
    for _, limit, cache in _caches:
        cache.resize(*limit(limits))


def entry_counts() -> dict[str, int]:
    """Entries each cache of this process holds, by its name."""
    counts: dict[str, int] = {}
    for name, _, cache in _caches:
        counts[name] = counts.get(name, 0) + len(cache)
    return counts
