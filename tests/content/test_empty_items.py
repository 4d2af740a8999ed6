"""Items with nothing a user could see (an empty BEGIN:VCARD/END:VCARD, a VEVENT with no summary, text
or time, an empty note) are refused with 400 in every format, a Replace that would leave nothing too;
the smallest items a user does see are kept."""

import pytest

from syncmld.content import to_stored
from syncmld.errors import RemoteError
from syncmld.status import StatusCode

from .samples import VCARD_21


def vcal(version: str, kind: str, *lines: str) -> bytes:
    body = "".join(f"{line}\r\n" for line in lines)
    return f"BEGIN:VCALENDAR\r\nVERSION:{version}\r\nBEGIN:{kind}\r\n{body}END:{kind}\r\nEND:VCALENDAR\r\n".encode()


EMPTY = [
    ("text/x-vcard", b"BEGIN:VCARD\r\nEND:VCARD\r\n", "contacts"),
    ("text/x-vcard", b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:;;;;\r\nFN:\r\nEND:VCARD\r\n", "contacts"),
    ("text/vcard", b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nUID:u1\r\nREV:20240101T000000Z\r\nEND:VCARD\r\n",
     "contacts"),
    ("text/x-vcalendar", vcal("1.0", "VEVENT"), "events"),
    ("text/x-vcalendar", vcal("1.0", "VTODO", "PRIORITY:1", "STATUS:NEEDS ACTION"), "tasks"),
    ("text/calendar", vcal("2.0", "VEVENT", "UID:e1", "DTSTAMP:20240101T000000Z", "SUMMARY: "), "events"),
    ("text/calendar", vcal("2.0", "VJOURNAL", "UID:j1", "DTSTART;VALUE=DATE:20240101"), "journal"),
    ("text/x-vnote", b"BEGIN:VNOTE\r\nVERSION:1.1\r\nBODY:\r\nEND:VNOTE\r\n", "notes"),
    ("text/plain", b"", "notes"),
    ("text/plain", b" \r\n\t", "notes"),
]  # fmt: skip
SEEN = [
    ("text/x-vcard", b"BEGIN:VCARD\r\nVERSION:2.1\r\nTEL;CELL:+49 170 1234567\r\nEND:VCARD\r\n", "contacts"),
    ("text/x-vcard", b"BEGIN:VCARD\r\nVERSION:2.1\r\nX-SIF-HOBBY:Segeln\r\nEND:VCARD\r\n", "contacts"),
    ("text/x-vcalendar", vcal("1.0", "VEVENT", "DTSTART:20240301T090000Z"), "events"),
    ("text/x-vcalendar", vcal("1.0", "VTODO", "CATEGORIES:Kunden"), "tasks"),
    ("text/calendar", vcal("2.0", "VJOURNAL", "UID:j1", "DESCRIPTION:Am Meer"), "journal"),
    ("text/x-vnote", b"BEGIN:VNOTE\r\nVERSION:1.1\r\nBODY:x\r\nEND:VNOTE\r\n", "notes"),
    ("text/plain", b"x", "notes"),
]  # fmt: skip


@pytest.mark.parametrize(("content_type", "data", "folder"), EMPTY)
def test_an_item_with_nothing_a_user_could_see_is_refused(content_type: str, data: bytes, folder: str) -> None:
    with pytest.raises(RemoteError) as refused:
        to_stored(content_type, data, None, None, folder)
    assert refused.value.status == StatusCode.BAD_REQUEST
    assert "nothing a user could see" in str(refused.value)


@pytest.mark.parametrize(("content_type", "data", "folder"), SEEN)
def test_the_smallest_items_a_user_sees_are_kept(content_type: str, data: bytes, folder: str) -> None:
    to_stored(content_type, data, None, None, folder)


def test_a_replace_that_would_leave_nothing_is_refused_one_that_keeps_what_the_device_lacks_is_not() -> None:
    stored_type, stored = to_stored("text/x-vcard", VCARD_21, None, None)
    empty = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:;;;;\r\nEND:VCARD\r\n"
    with pytest.raises(RemoteError):
        to_stored("text/x-vcard", empty, stored, None)
    kept_type, kept = to_stored("text/x-vcard", empty, stored, frozenset({"N", "FN"}))
    assert kept_type == stored_type
    assert b"TEL" in kept
