"""What the DAV handler needs of a store: an account's collections, their resources and their changes.

Resources are named within their collection; an ETag and a collection's sync token come from the store's
change log (a sequence number), so "what changed since token T" costs what changed, not the collection.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Protocol

from syncmld.content import ParsedItem
from syncmld.dav.served import served
from syncmld.errors import RemoteError


class CollectionKind(StrEnum):
    ADDRESSBOOK = "addressbook"
    CALENDAR = "calendar"


class Component(StrEnum):
    """The calendar components a calendar collection holds (``supported-calendar-component-set``)."""

    VEVENT = "VEVENT"
    VTODO = "VTODO"
    VJOURNAL = "VJOURNAL"


@dataclass(frozen=True)
class Collection:
    name: str
    """Its path segment below the account's home."""
    kind: CollectionKind
    display_name: str
    components: tuple[Component, ...] = ()
    """For a calendar: the components it holds."""
    token: int = 0
    """The sequence number of its latest change (0: none yet): its CTag and sync token."""

    @property
    def media_type(self) -> str:
        return "text/vcard" if self.kind == CollectionKind.ADDRESSBOOK else "text/calendar"


@dataclass(frozen=True)
class Resource:
    """One item of a collection as DAV clients see it."""

    name: str
    etag: str
    """Quoted, as in an ETag header."""
    stored: ParsedItem
    """The stored item (vCard 3.0 or iCalendar 2.0), read when first needed."""
    guid: str
    """The stored item's GUID: its UID when it has none of its own."""

    @cached_property
    def item(self) -> ParsedItem:
        """The served item: the stored one, with a UID."""
        return served(self.stored, self.guid)

    @property
    def data(self) -> bytes:
        """The served form."""
        return self.item.data

    @property
    def uid(self) -> str:
        return self.stored.uid or self.guid


@dataclass(frozen=True)
class Change:
    """A resource changed (``resource`` set) or deleted (None) since a sync token."""

    name: str
    resource: Resource | None


@dataclass(frozen=True)
class Changes:
    changes: list[Change]
    token: int
    """The token the client continues from: the collection's, or the last change listed when cut."""
    truncated: bool = False


class Refused(RemoteError):
    """The backend does not take an item: not what the collection holds, or unreadable (the reason says)."""


class DavBackend(Protocol):
    """The collections of one logged-in account."""

    @property
    def owner(self) -> str:
        """The account's e-mail address: its home's path segment."""
        ...

    def collections(self) -> list[Collection]: ...

    def collection(self, name: str) -> Collection | None: ...

    def resources(self, collection: Collection) -> Iterator[Resource]:
        """Every resource of the collection."""
        ...

    def get(self, collection: Collection, names: Sequence[str]) -> dict[str, Resource]:
        """The resources among ``names`` that exist, by name."""
        ...

    def changes(self, collection: Collection, since: int, limit: int) -> Changes:
        """What changed after token ``since`` (0: every resource, no deletions), at most ``limit`` changes."""
        ...

    def name_of_uid(self, collection: Collection, uid: str) -> str | None:
        """The name of the resource holding ``uid``, if one does."""
        ...

    def put(self, collection: Collection, name: str, item: ParsedItem, previous: Resource | None) -> Resource:
        """Create or replace a resource with the stored item ``item`` (made from what the client put,
        merged into ``previous``, the resource it replaces)."""
        ...

    def delete(self, collection: Collection, name: str) -> None: ...

    def create_collection(self, name: str, kind: CollectionKind, components: tuple[Component, ...]) -> Collection:
        """A new collection; Refused when the name is taken or cannot be a folder's."""
        ...
