"""Content kinds and parsed items: one kind per device type, stored items read once and left as read."""

import pytest

from syncmld.content import KINDS, WRITTEN_VERSIONS, device_kind, is_convertible, merge, read
from syncmld.content.calendar import calendar_to_stored
from tests.content.calendar_samples import ZONED_EVENT, crlf


def event(*replacements: tuple[str, str]) -> bytes:
    text = ZONED_EVENT
    for old, new in replacements:
        text = text.replace(old, new)
    return calendar_to_stored(crlf(text), None, None)


def test_every_device_type_is_read_and_written_by_one_kind() -> None:
    named = [name for kind in KINDS for name in kind.written]
    assert len(named) == len(set(named)) == len(WRITTEN_VERSIONS)
    for kind in KINDS:
        for name in kind.written:
            assert device_kind(name, "notes") is kind
            assert is_convertible(kind.stored_type, name)


def test_plain_text_is_a_note_only_in_note_folders() -> None:
    assert device_kind("text/plain", "notes") is device_kind("text/x-vnote")
    assert device_kind("text/plain", "contacts") is device_kind("application/x-anything")


@pytest.mark.parametrize("prefer", ["client", "server"])
def test_merging_leaves_both_items_as_they_were_read(prefer: str) -> None:
    """A merge changes neither side: what the engine reads of them afterwards is what their bytes say."""
    base = read("text/calendar", event())
    server = read("text/calendar", event(("LOCATION:Raum Ü3", "LOCATION:Raum 4"), ("SUMMARY:Weekly sync", "SUMMARY:S")))
    client = read("text/calendar", event(("SUMMARY:Weekly sync", "SUMMARY:C"), ("X-CUSTOM;", "X-OTHER;")))
    merged = merge(server, client, prefer, base)
    assert merged is not None
    for item in (server, client):
        assert item.normal_form == read(item.content_type, item.data).normal_form
    assert merge(server, client, prefer, base) == merged
