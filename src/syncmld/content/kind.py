"""Content kinds and their parsed items.

A ``ContentKind`` is a family of device formats kept in one stored form (contacts, calendar objects,
notes, files, folders): it reads what a device sends into a stored item, merged into the item it
replaces, and writes a stored item in each device type of the family. A ``ParsedItem`` is one item
in its stored form, read once: its stored type and bytes, the parse they give (read when first
needed), and what the engine compares it by (normal form, identity, revision), each worked out once.
The engine passes parsed items along instead of bytes.

This module's own kind keeps what no other kind reads as it came (opaque data).
"""

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar, Self

from syncmld.content.common import Identity, media_type, worked_out_once


def digest(data: bytes) -> str:
    """What bytes no kind can read are compared and matched by."""
    return "bytes:" + hashlib.sha256(data).hexdigest()


class ParsedItem:
    """An item in its stored form. This base class is an item kept as it came: its bytes are its
    normal form and identity, it has no revision stamp, and it cannot be merged."""

    def __init__(self, content_type: str, data: bytes) -> None:
        self.content_type = content_type
        self.data = data

    @classmethod
    def of(cls, item: "ParsedItem") -> Self:
        """``item`` read as an item of this class (``item`` itself when it is one)."""
        return item if type(item) is cls else cls(item.content_type, item.data)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def key(self) -> tuple[str, bytes]:
        """What everything about the item follows from: two items with the same key are the same."""
        return self.content_type, self.data

    @worked_out_once
    def normal_form(self) -> str:
        """A form in which two versions that mean the same are equal."""
        return digest(self.data)

    @worked_out_once
    def identity(self) -> Identity:
        """What a slow sync matches a device's item with a server item by."""
        return Identity(digest(self.data))

    @worked_out_once
    def uid(self) -> str | None:
        """The object's own UID (a vCard's, a calendar object's first component's); None when it has none or
        cannot be read."""
        return None

    @worked_out_once
    def revision(self) -> str | None:
        """The item's own revision stamp (vCard REV, iCalendar LAST-MODIFIED); later stamps sort later."""
        return None

    def merge(self, server: "ParsedItem", prefer_client: bool, base: "ParsedItem | None") -> bytes | None:
        """This item (a device's version) and ``server`` both changed since ``base`` (the version both
        started from, if known): the field-level merge, or None when the kind cannot merge."""
        return None

    def merge_duplicate(self, other: "ParsedItem") -> bytes | None:
        """This item and ``other`` are two copies of one object: both as one, this item's values where
        they differ (a kind that can lose nothing does); None when the kind cannot merge."""
        return self.merge(other, True, None)


class ContentKind(ABC):
    """A family of device formats with one stored form."""

    stored_type: ClassVar[str]
    """The media type of the stored form."""
    item: ClassVar[type[ParsedItem]]
    """The class of the kind's stored items."""
    written: ClassVar[Mapping[str, str]]
    """The device types the kind reads and writes (media types), with the version it writes each in."""

    def read(self, data: bytes) -> ParsedItem:
        """A stored item of this kind."""
        return self.item(self.stored_type, data)

    @abstractmethod
    def from_device(
        self, content_type: str, data: bytes, previous: ParsedItem | None, device_properties: frozenset[str] | None
    ) -> ParsedItem:
        """The stored item for what a device sent in ``content_type`` (one of ``written``).

        ``previous`` is the stored item it replaces (None for a new item): a converted item is merged
        into it, keeping what the device does not support (``device_properties``, the upper-case
        property names of its CTCap; None = everything). RemoteError (400/415) if the data is not
        what its type says.
        """

    @abstractmethod
    def write(self, item: ParsedItem, wanted: str) -> bytes:
        """A stored item of the kind's stored type in device type ``wanted`` (one of ``written``);
        RemoteError if the stored item cannot be read, WrongKind if ``wanted`` cannot carry it."""


class OpaqueKind(ContentKind):
    """What no other kind reads: stored, and sent, as it came, with the type it came with."""

    stored_type = ""
    item = ParsedItem
    written: ClassVar[Mapping[str, str]] = {}

    def from_device(
        self, content_type: str, data: bytes, previous: ParsedItem | None, device_properties: frozenset[str] | None
    ) -> ParsedItem:
        return ParsedItem(content_type, data)

    def write(self, item: ParsedItem, wanted: str) -> bytes:
        return item.data


def same_bytes(one: ParsedItem, other: ParsedItem) -> bool:
    """Whether two items are the same stored bytes of the same stored type."""
    return one.data == other.data and media_type(one.content_type) == media_type(other.content_type)
