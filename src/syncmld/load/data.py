"""The items an emulated device owns: generated contacts and events, each named by a UID and a revision.

Every item carries ``UID`` and a revision in its ``NOTE`` (contacts) or ``DESCRIPTION`` (events), so
that whatever form the server sends an item back in, the device can tell which item it holds and
which version of it. Names, phone numbers and e-mail addresses are unique per UID: slow-sync
matching never merges two generated contacts.
"""

import re
from dataclasses import dataclass
from enum import Enum

REVISION_PREFIX = "load revision "
_UID = re.compile(rb"^UID:(\S+)\r?$", re.MULTILINE)
_REVISION = re.compile(rb"^(?:NOTE|DESCRIPTION):" + REVISION_PREFIX.encode() + rb"(\d+)\r?$", re.MULTILINE)


class Kind(Enum):
    """A kind of data a device syncs, with the server database and content type it syncs it as."""

    CONTACTS = ("contacts", "text/x-vcard")
    EVENTS = ("calendar", "text/calendar")

    @property
    def server_db(self) -> str:
        return self.value[0]

    @property
    def content_type(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class ItemKey:
    """Which generated item a text is, and which version of it."""

    uid: str
    revision: int


def item_uid(run: str, device: int, kind: Kind, number: int) -> str:
    """The UID of item ``number`` of ``kind`` created by ``device`` in the load run ``run``."""
    return f"{run}-d{device}-{kind.name.lower()[0]}{number}"


def generate(kind: Kind, uid: str, revision: int) -> bytes:
    """The text of an item of ``kind`` in its ``revision`` (1 when created, +1 per change)."""
    return contact(uid, revision) if kind is Kind.CONTACTS else event(uid, revision)


def contact(uid: str, revision: int) -> bytes:
    """A vCard 2.1 contact; its name, phone and e-mail derive from ``uid``, its phone also from ``revision``."""
    digits = f"{int.from_bytes(uid.encode(), 'big') % 10**7:07d}"
    lines = [
        "BEGIN:VCARD",
        "VERSION:2.1",
        f"UID:{uid}",
        f"N:{uid};Load;;;",
        f"FN:Load {uid}",
        f"TEL;CELL:+1 555 {digits} {revision}",
        f"EMAIL;INTERNET:{uid}@load.example",
        f"NOTE:{REVISION_PREFIX}{revision}",
        "END:VCARD",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def event(uid: str, revision: int) -> bytes:
    """An iCalendar 2.0 event of one hour, moved by an hour per revision."""
    hour = 8 + revision % 10
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//syncmld//load//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20240101T000000Z",
        f"DTSTART:20240301T{hour:02d}0000Z",
        f"DTEND:20240301T{hour + 1:02d}0000Z",
        f"SUMMARY:Load {uid}",
        f"DESCRIPTION:{REVISION_PREFIX}{revision}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def item_key(data: bytes) -> ItemKey | None:
    """The UID and revision of a generated item's text, in whatever form the server sent it; None if absent."""
    uid = _UID.search(data)
    revision = _REVISION.search(data)
    if uid is None or revision is None:
        return None
    return ItemKey(uid.group(1).decode(), int(revision.group(1)))
