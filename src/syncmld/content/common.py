"""What every content kind shares: media type names and the identity used for slow-sync matching."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar, overload

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map, by_names

T = TypeVar("T")

SIF_ONLY = "X-SIF-"
"""Properties holding SIF fields without a standard property: only SIF clients carry them."""
EVERY_PROPERTY = frozenset({"*"})
"""A property list covering everything, SIF-only properties included (what a SIF client sends)."""


def media_type(content_type: str) -> str:
    """``text/x-vCard; charset=UTF-8`` -> ``text/x-vcard``, remembered by the exact text (a few types make up every
    item of a session, and each item asks several times)."""
    found = _FIND_MEDIA_TYPE(content_type)
    if found is not None:
        return found
    return _MEDIA_TYPES.put(content_type, content_type.split(";", 1)[0].strip().lower(), len(content_type))


_MEDIA_TYPES: BoundedMap[str, str] = bounded_map("media_types", by_names(lambda limits: limits.media_types))
_FIND_MEDIA_TYPE = _MEDIA_TYPES.peek


@dataclass(frozen=True)
class Identity:
    """What tells that two stored items are the same object, for matching in a slow sync."""

    name: str
    """Normalised name (contacts), UID or summary and start (calendar), or the whole normal form."""
    contact_points: frozenset[str] = frozenset()
    """Phone numbers (last 9 digits) and e-mail addresses (lower-cased) of a contact."""


def property_coverage(device_properties: frozenset[str] | None) -> Callable[[str], bool]:
    """Whether a device carries a property, by its CTCap names (``X-*`` covers every X- name); with no
    CTCap (None) it carries everything but SIF-only properties, which stay unless a SIF client changes them."""
    if device_properties is None:
        return lambda name: not name.startswith(SIF_ONLY)
    names = frozenset(name.upper() for name in device_properties)
    prefixes = tuple(name[:-1] for name in names if name.endswith("*"))
    return lambda name: name in names or name.startswith(prefixes)


class worked_out_once(Generic[T]):
    """``functools.cached_property`` without the lock Python 3.11's takes on each first read (about 1.3 us, as much
    as reading a stored contact's UID): two threads reading one item at once work a pure value out twice."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> "T | Self":
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value
