"""Which folder each upstream collection becomes: chosen by what it holds, changeable with --map."""

import pytest

from syncmld.store.upstreams import Component
from syncmld.upstream.discovery import CollectionKind, RemoteCollection
from syncmld.upstream.mapping import MappingError, link_collections

ROOT = "https://dav.example.net/anna/"
BOOK = RemoteCollection(ROOT + "contacts/", CollectionKind.ADDRESSBOOK, "Contacts", (Component.VCARD,), True)
WORK = RemoteCollection(ROOT + "work/", CollectionKind.ADDRESSBOOK, "Work people", (Component.VCARD,), True)
EVERYTHING = RemoteCollection(
    ROOT + "calendar/",
    CollectionKind.CALENDAR,
    "Personal",
    (Component.VEVENT, Component.VTODO, Component.VJOURNAL),
    True,
)
TODO = RemoteCollection(ROOT + "todo/", CollectionKind.CALENDAR, "Todo", (Component.VTODO,), False)


def linked(overrides: dict[str, str] | None = None) -> list[tuple[str, str, Component]]:
    links = link_collections([BOOK, EVERYTHING, TODO, WORK], overrides or {})
    return [(link.folder, link.collection.name, link.component) for link in links]


def test_the_first_collection_of_each_kind_is_its_standard_folder_and_more_address_books_are_user_folders() -> None:
    assert linked() == [
        ("Work people", "work", Component.VCARD),
        ("contacts", "contacts", Component.VCARD),
        ("events", "calendar", Component.VEVENT),
        ("journal", "calendar", Component.VJOURNAL),
        ("tasks", "calendar", Component.VTODO),
    ]


def test_map_names_a_collection_by_segment_or_display_name_and_takes_its_folder() -> None:
    assert ("tasks", "todo", Component.VTODO) in linked({"todo": "tasks"})
    assert ("contacts", "work", Component.VCARD) in linked({"Work people": "Contacts"})
    assert ("Birthdays", "contacts", Component.VCARD) in linked({"contacts": "Birthdays"})
    assert ("contacts", "work", Component.VCARD) in linked({"contacts": "Birthdays"})


@pytest.mark.parametrize(
    ("remote", "folder", "reason"),
    [
        ("nowhere", "tasks", "0 collections are named 'nowhere'"),
        ("todo", "events", "todo holds VTODO, not VEVENT"),
        ("contacts", "files", "the files folder holds no contacts"),
        ("contacts", "a/b", "'a/b' cannot be a folder's name"),
    ],
)
def test_a_map_that_cannot_be_is_refused_with_its_reason(remote: str, folder: str, reason: str) -> None:
    with pytest.raises(MappingError, match=reason):
        linked({remote: folder})
