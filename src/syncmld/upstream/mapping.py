"""Which folder each upstream collection is: chosen from what the collections hold, changeable by name.

Automatically: the first address book is ``contacts`` and the others user folders named after them; the
first calendar offering events is ``events``, tasks ``tasks``, journal entries ``journal`` (one calendar
offering all three serves all three folders, each with its own component). ``--map REMOTE=FOLDER`` names a
collection (its last path segment, its display name or its URL) and the folder it is, replacing what the
automatic choice gave that folder and that collection.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from syncmld.engine.folders import FolderKind, folder_for_uri, folder_kind, is_valid_user_folder_name
from syncmld.errors import ConfigError
from syncmld.store.upstreams import Component
from syncmld.upstream.discovery import CollectionKind, RemoteCollection

FOLDER_OF = {
    Component.VCARD: FolderKind.CONTACTS,
    Component.VEVENT: FolderKind.EVENTS,
    Component.VTODO: FolderKind.TASKS,
    Component.VJOURNAL: FolderKind.JOURNAL,
}
COMPONENT_OF = {
    FolderKind.CONTACTS: Component.VCARD,
    FolderKind.EVENTS: Component.VEVENT,
    FolderKind.TASKS: Component.VTODO,
    FolderKind.JOURNAL: Component.VJOURNAL,
    FolderKind.NOTES: Component.VJOURNAL,
}


class MappingError(ConfigError):
    """A ``--map`` that names no collection, or a folder that collection cannot be."""


@dataclass(frozen=True)
class Link:
    folder: str
    collection: RemoteCollection
    component: Component


def link_collections(collections: list[RemoteCollection], overrides: Mapping[str, str]) -> list[Link]:
    """The folder of each collection that has one, overrides first, by folder name."""
    links: dict[str, Link] = {}
    chosen: set[str] = set()
    for remote, folder in overrides.items():
        link = _override(collections, remote, folder)
        if link.folder in links:
            raise MappingError(f"--map names folder {link.folder} twice")
        links[link.folder] = link
        chosen.add(link.collection.href)
    for link in _automatic(
        (collection for collection in collections if collection.href not in chosen), taken=set(links)
    ):
        links.setdefault(link.folder, link)
    return [links[folder] for folder in sorted(links)]


def _automatic(collections: Iterable[RemoteCollection], taken: set[str]) -> Iterable[Link]:
    """The first collection of each kind is its standard folder; further address books are user folders."""
    for collection in collections:
        standard = [FOLDER_OF[component].value for component in collection.components]
        free = [folder for folder in standard if folder not in taken]
        if free:
            taken.update(free)
            yield from (Link(folder, collection, COMPONENT_OF[FolderKind(folder)]) for folder in free)
        elif collection.kind == CollectionKind.ADDRESSBOOK and is_valid_user_folder_name(collection.display_name):
            taken.add(collection.display_name)
            yield Link(collection.display_name, collection, Component.VCARD)


def _override(collections: list[RemoteCollection], remote: str, folder: str) -> Link:
    named = [c for c in collections if remote in (c.href, c.name, c.display_name) or remote.strip("/") == c.name]
    if len(named) != 1:
        found = ", ".join(c.name for c in collections) or "none"
        raise MappingError(f"--map {remote}={folder}: {len(named)} collections are named {remote!r} (found: {found})")
    collection = named[0]
    canonical = folder_for_uri(folder) or folder
    kind = folder_kind(canonical)
    if kind == FolderKind.OTHER and not is_valid_user_folder_name(canonical):
        raise MappingError(f"--map {remote}={folder}: {folder!r} cannot be a folder's name")
    if kind == FolderKind.FILES:
        raise MappingError(f"--map {remote}={folder}: the files folder holds no contacts or calendar items")
    component = COMPONENT_OF.get(kind, collection.components[0])
    if component not in collection.components:
        raise MappingError(
            f"--map {remote}={folder}: {collection.name} holds {', '.join(collection.components)}, not {component}"
        )
    return Link(canonical, collection, component)
