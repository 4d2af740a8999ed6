"""What the store keeps of an account's upstream: an external CalDAV/CardDAV server the account's data
also lives in, the collections linked to its folders, and which resource there each item is.

The upstream's password is sealed under the server key (SQL stores), as the MD5 secrets are: the database
alone does not reveal it. What is left to send up is not kept as a queue: it is the folder's change log
beyond the collection's ``pushed_seq`` (changes the upstream itself made left out), so a kill or another
worker carries on where the last one stopped.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class UpstreamStatus(StrEnum):
    """How syncing with an account's upstream stands."""

    OK = "ok"
    FAILING = "failing"
    """The last attempt failed (down, slow, an error answer): tried again."""
    UNAUTHORIZED = "unauthorized"
    """The upstream refused the credentials: stopped until they are set again."""


class Component(StrEnum):
    """What a linked collection holds for its folder."""

    VCARD = "VCARD"
    """Contacts: the collection is an address book."""
    VEVENT = "VEVENT"
    VTODO = "VTODO"
    VJOURNAL = "VJOURNAL"


@dataclass(frozen=True)
class UpstreamLink:
    """An account's upstream server and how syncing with it stands."""

    account_id: int
    url: str
    """Where discovery started (the server's root, or any URL it finds the principal from)."""
    username: str
    password: str
    status: UpstreamStatus = UpstreamStatus.OK
    note: str = ""
    """Why the last attempt failed, one line ("" after a success)."""
    retry_at: float = 0.0
    """When unsent changes are tried again after a failure (0: not waiting)."""


@dataclass(frozen=True)
class UpstreamCollection:
    """One upstream collection (an address book, or the components of a calendar) linked to a folder."""

    account_id: int
    folder_id: int
    href: str
    """The collection's absolute URL."""
    component: Component
    display_name: str = ""
    sync_token: str = ""
    """The RFC 6578 token of the last pull ("" when the upstream offers none, or before the first)."""
    ctag: str = ""
    """The collection's getctag at the last pull ("" when unknown)."""
    pushed_seq: int = 0
    """The folder's changes up to this sequence number are on the upstream."""


@dataclass(frozen=True)
class UpstreamResource:
    """Which upstream resource an item is, and the ETag it had when both sides last agreed."""

    folder_id: int
    href: str
    """The resource's absolute URL."""
    guid: str
    etag: str
    uid: str = ""


class Upstreams(Protocol):
    """Accounts' upstream servers, their linked collections and the item <-> resource map."""

    def set_upstream(self, link: UpstreamLink) -> None:
        """Link an account to an upstream, replacing the one it had (its linked collections stay); raises
        NotFound for an unknown account."""
        ...

    def get_upstream(self, account_id: int) -> UpstreamLink | None: ...

    def list_upstreams(self) -> list[UpstreamLink]:
        """Every account's upstream, by account id."""
        ...

    def remove_upstream(self, account_id: int) -> None:
        """Unlink the account's upstream with its collections and map (its items stay); raises NotFound."""
        ...

    def claim_upstream(self, account_id: int, holder: str, now: float, until: float) -> bool:
        """Hold the account's upstream for ``holder`` until ``until`` (one process syncs it at a time): taken
        unless another holder's claim lasts until ``now`` or later, renewed when ``holder`` has it; False when
        another holder has it or the account has no upstream."""
        ...

    def release_upstream(self, account_id: int, holder: str) -> None:
        """Give up ``holder``'s claim of the account's upstream (nothing when it holds none)."""
        ...

    def set_upstream_status(self, account_id: int, status: UpstreamStatus, note: str, retry_at: float) -> None:
        """Raises NotFound."""
        ...

    def set_upstream_collections(self, account_id: int, collections: Iterable[UpstreamCollection]) -> None:
        """Replace the account's linked collections; a folder linked to the same href and component as
        before keeps its tokens, its ``pushed_seq`` and its map, the others' maps are dropped."""
        ...

    def upstream_collections(self, account_id: int) -> list[UpstreamCollection]:
        """The account's linked collections, by folder id."""
        ...

    def save_upstream_collection(self, collection: UpstreamCollection) -> None:
        """Store a linked collection's tokens and ``pushed_seq``; raises NotFound if it is no longer linked."""
        ...

    def upstream_resources(self, folder_id: int, hrefs: Iterable[str]) -> dict[str, UpstreamResource]:
        """The known resources among ``hrefs``, by href."""
        ...

    def upstream_resources_of(self, folder_id: int, guids: Iterable[str]) -> dict[str, UpstreamResource]:
        """The resources the items ``guids`` are, by GUID."""
        ...

    def all_upstream_resources(self, folder_id: int) -> list[UpstreamResource]:
        """Every resource of the folder's collection, by href."""
        ...

    def put_upstream_resources(self, resources: Iterable[UpstreamResource]) -> None:
        """Add or replace resources; an href or a GUID is one resource only (old pairs replaced)."""
        ...

    def delete_upstream_resources(self, folder_id: int, hrefs: Iterable[str]) -> None: ...
