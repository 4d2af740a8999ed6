"""Device formats to stored form and back: content kinds, registered by type (pure: bytes in and out).

Stored forms (one stored item per object), each the stored form of a content kind (``kind.py``):

- contacts: vCard 3.0 (UTF-8, CRLF) holding every property ever received (``contacts.py``);
- events, tasks, journal entries and notes: iCalendar 2.0, one VCALENDAR per object with the
  VTIMEZONEs it uses; a note is a VJOURNAL (SUMMARY = title, DESCRIPTION = text) (``calendar.py``,
  ``notes.py``);
- files and folders: the normalised OMA DS file/folder object (``files.py``);
- e-mail: the OMA DS e-mail object, also read from and written as RFC 822 (``email.py``);
- anything else: the bytes as they arrived, with their content type (opaque).

vCard 2.1, vCalendar 1.0, vNote, plain-text notes and SIF are converted to and from these forms; a
device's Replace is merged into the stored object, so what a device cannot carry is never lost.
The engine reads a stored item once (``read``) and passes the parsed item along: its normal form,
identity and revision are worked out once, when first needed.
"""

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map, by_names
from syncmld.content.calendar import CALENDAR_TYPES, CalendarKind
from syncmld.content.common import Identity, media_type
from syncmld.content.contacts import CONTACT_PROPERTIES, STORED_CONTACT_TYPE, ContactsKind, normalise_vcard
from syncmld.content.email import EmailKind
from syncmld.content.files import FilesKind, FoldersKind
from syncmld.content.kind import ContentKind, OpaqueKind, ParsedItem, same_bytes
from syncmld.content.notes import PLAIN_TEXT_TYPE, NotesKind
from syncmld.content.sif import is_sif_type
from syncmld.errors import LocalError, RemoteError

KINDS: tuple[ContentKind, ...] = (ContactsKind(), CalendarKind(), NotesKind(), FilesKind(), FoldersKind(), EmailKind())
"""Every kind but the opaque one, which takes what none of them reads."""
OPAQUE = OpaqueKind()
_BY_DEVICE_TYPE: dict[str, ContentKind] = {name: kind for kind in KINDS for name in kind.written}
_ITEMS: dict[str, type[ParsedItem]] = {kind.stored_type: kind.item for kind in KINDS}

WRITTEN_VERSIONS: dict[str, str] = {name: version for kind in KINDS for name, version in kind.written.items()}
"""The version of each type the server writes items in: the VerCT its DevInf names for that type."""
NOTE_FOLDERS = ("notes", "journal")
"""Folder kinds in which text/plain items are notes (elsewhere plain text is kept as it is)."""

__all__ = [
    "CALENDAR_TYPES", "CONTACT_PROPERTIES", "KINDS", "STORED_CONTACT_TYPE", "WRITTEN_VERSIONS", "ContentKind",
    "Identity", "ParsedItem", "device_kind", "for_device", "from_device", "from_stored", "goes_as_stored", "identity",
    "is_convertible", "is_sif_type", "media_type", "merge", "merge_duplicates", "newer_side", "normal_form",
    "normalise_vcard", "read", "same_bytes", "to_stored",
]  # fmt: skip


def device_kind(content_type: str, folder_kind: str = "") -> ContentKind:
    """The kind that reads what a device sends in ``content_type`` to a folder of ``folder_kind``;
    text/plain is a note in notes and journal folders only."""
    wanted = media_type(content_type)
    if wanted == PLAIN_TEXT_TYPE and folder_kind not in NOTE_FOLDERS:
        return OPAQUE
    return _BY_DEVICE_TYPE.get(wanted, OPAQUE)


def read(stored_type: str, data: bytes) -> ParsedItem:
    """A stored item, read when first needed."""
    return _ITEMS.get(media_type(stored_type), ParsedItem)(stored_type, data)


def from_device(
    content_type: str,
    data: bytes,
    previous: ParsedItem | None,
    device_properties: frozenset[str] | None,
    folder_kind: str = "",
) -> ParsedItem:
    """The stored item for an item a device sent (see ``ContentKind.from_device``); types without a
    converter are stored unchanged."""
    return device_kind(content_type, folder_kind).from_device(content_type, data, previous, device_properties)


def is_convertible(stored_type: str, wanted_type: str) -> bool:
    """Whether an item stored as ``stored_type`` can be sent as ``wanted_type``."""
    stored, wanted = media_type(stored_type), media_type(wanted_type)
    return stored == wanted or _writer(stored, wanted) is not None


def _writer(stored: str, wanted: str) -> ContentKind | None:
    """The kind that writes items stored as media type ``stored`` in media type ``wanted``, if any."""
    writer = _BY_DEVICE_TYPE.get(wanted)
    return writer if writer is not None and writer.stored_type == stored else None


def goes_as_stored(stored_type: str, wanted_type: str) -> bool:
    """Whether an item stored as ``stored_type`` goes to a device that wants ``wanted_type`` as its stored
    bytes (the same media type: nothing to convert, nothing to read)."""
    found = _FIND_AS_STORED((stored_type, wanted_type))
    return _goes_as_stored(stored_type, wanted_type) if found is None else found


def _goes_as_stored(stored_type: str, wanted_type: str) -> bool:
    wanted = media_type(wanted_type)
    answer = bool(wanted) and media_type(stored_type) == wanted
    return _AS_STORED.put((stored_type, wanted_type), answer, len(stored_type) + len(wanted_type))


_AS_STORED: BoundedMap[tuple[str, str], bool] = bounded_map("media_types", by_names(lambda limits: limits.media_types))
_FIND_AS_STORED = _AS_STORED.peek


def for_device(item: ParsedItem, wanted_type: str) -> tuple[str, bytes]:
    """The stored item as (type, bytes) for a device that wants ``wanted_type``; items that cannot be
    converted to it go in their stored type."""
    if goes_as_stored(item.content_type, wanted_type):
        return wanted_type, item.data
    stored, wanted = media_type(item.content_type), media_type(wanted_type)
    writer = _writer(stored, wanted) if wanted else None
    if writer is None:
        return item.content_type, item.data
    try:
        return wanted_type, writer.write(item, wanted)
    except RemoteError as error:
        raise LocalError(f"stored {item.content_type} item is unreadable: {error}") from error


def normal_form(item: ParsedItem) -> str:
    """A form of a stored item in which two versions that mean the same are equal."""
    return item.normal_form


def identity(item: ParsedItem) -> Identity:
    """The identity of a stored item for slow-sync matching: a contact's name and its phones and
    e-mail addresses, an event's UID (or summary and start), a file's name and body; otherwise its bytes."""
    return item.identity


def merge(server: ParsedItem, client: ParsedItem, prefer: str, base: ParsedItem | None = None) -> bytes | None:
    """Both sides changed an item: the merged stored form, or None when the type cannot be merged.

    ``base`` is the version both started from, if known; ``prefer`` (``client`` or ``server``) says
    whose values win where both changed the same field. The items are read as the client's kind.
    """
    return client.merge(server, prefer == "client", base)


def merge_duplicates(kept: ParsedItem, other: ParsedItem) -> bytes | None:
    """Two copies of one object as one stored form: contacts lose nothing (every phone and e-mail of both),
    calendar objects merge field by field with ``kept``'s values where they differ; None when the kind
    cannot merge or either copy cannot be read (``kept`` stays as it is)."""
    try:
        return kept.merge_duplicate(other)
    except RemoteError:
        return None


def newer_side(server: ParsedItem, client: ParsedItem) -> str:
    """``client`` or ``server``: whose version is newer by the item's own revision stamp (vCard REV,
    iCalendar LAST-MODIFIED); the client's when that cannot be told, as its change is arriving now."""
    server_stamp, client_stamp = type(client).of(server).revision, client.revision
    return "server" if server_stamp and client_stamp and server_stamp > client_stamp else "client"


def to_stored(
    content_type: str,
    data: bytes,
    previous: bytes | None,
    device_properties: frozenset[str] | None,
    folder_kind: str = "",
) -> tuple[str, bytes]:
    """``from_device`` in bytes: the stored (type, bytes) for an item a device sent, ``previous`` being
    the stored bytes of the item it replaces."""
    kind = device_kind(content_type, folder_kind)
    earlier = kind.read(previous) if previous is not None else None
    item = kind.from_device(content_type, data, earlier, device_properties)
    return item.content_type, item.data


def from_stored(stored_type: str, stored: bytes, wanted_type: str) -> bytes:
    """The stored item's bytes in the format a device wants (see ``for_device``)."""
    return for_device(read(stored_type, stored), wanted_type)[1]
