"""Device formats to stored form and back (pure functions, bytes in and out).

Stored forms (one stored item per object):

- contacts: vCard 3.0 (UTF-8, CRLF) holding every property ever received (``contacts.py``);
- events, tasks, journal entries and notes: iCalendar 2.0, one VCALENDAR per object with the
  VTIMEZONEs it uses; a note is a VJOURNAL (SUMMARY = title, DESCRIPTION = text) (``calendar.py``);
- files and folders: the normalised OMA DS file/folder object (``files.py``);
- anything else: the bytes as they arrived, with their content type (opaque).

vCard 2.1, vCalendar 1.0, vNote, plain-text notes and SIF are converted to and from these forms; a
device's Replace is merged into the stored object, so what a device cannot carry is never lost.
"""

import hashlib

from syncmld.content import calendar, contacts, email, files, ical_text, notes, sif  # noqa: F401 (ical_text: see there)
from syncmld.content.common import EVERY_PROPERTY, Identity, media_type
from syncmld.content.contacts import CONTACT_PROPERTIES, STORED_CONTACT_TYPE, VCARD_TYPES, normalise_vcard
from syncmld.content.sif import is_sif_type
from syncmld.content.sif.contact import VCARD_PROPERTIES as SIF_CONTACT_PROPERTIES
from syncmld.content.sif.document import SIF_VERSION
from syncmld.errors import LocalError, RemoteError

CALENDAR_TYPES: dict[str, str] = {calendar.STORED_CALENDAR_TYPE: "2.0", calendar.VCALENDAR_TYPE: "1.0"}
NOTE_TYPES = (notes.PLAIN_TEXT_TYPE, notes.VNOTE_TYPE)
PLAIN_TEXT_VERSION = "1.0"
"""The version plain-text notes are named with (plain text has none of its own)."""
WRITTEN_VERSIONS: dict[str, str] = {
    **VCARD_TYPES,
    **CALENDAR_TYPES,
    notes.PLAIN_TEXT_TYPE: PLAIN_TEXT_VERSION,
    notes.VNOTE_TYPE: notes.VNOTE_VERSION,
    **dict.fromkeys(sif.SIF_TYPES, SIF_VERSION),
    files.FILE_TYPE: files.OBJECT_VERSION,
    files.FOLDER_TYPE: files.OBJECT_VERSION,
    email.EMAIL_TYPE: email.EMAIL_VERSION,
    email.RFC822_TYPE: email.RFC822_VERSION,
}
"""The version of each type the server writes items in: the VerCT its DevInf names for that type."""
NOTE_FOLDERS = ("notes", "journal")
"""Folder kinds in which text/plain items are notes (elsewhere plain text is kept as it is)."""

__all__ = [
    "CALENDAR_TYPES", "CONTACT_PROPERTIES", "WRITTEN_VERSIONS", "Identity", "comparable", "for_device",
    "from_stored", "identity", "is_convertible", "is_sif_type", "media_type", "newer_side", "normalise_vcard",
    "resolve_conflict", "to_stored",
]  # fmt: skip


def to_stored(
    content_type: str,
    data: bytes,
    previous: bytes | None,
    device_properties: frozenset[str] | None,
    folder_kind: str = "",
) -> tuple[str, bytes]:
    """The stored (type, bytes) for an item a device sent.

    ``previous`` is the stored form the item replaces (None for a new item): a converted item is merged
    into it, keeping what the device does not support (``device_properties``, the upper-case property
    names of its CTCap; None = everything). RemoteError (400/415) if the data is not what its type says.
    Types without a converter are stored unchanged; text/plain is a note in notes and journal folders.
    """
    wanted = media_type(content_type)
    if wanted in VCARD_TYPES:
        return STORED_CONTACT_TYPE, contacts.contact_to_stored(
            data, _same(previous, STORED_CONTACT_TYPE), device_properties
        )
    if wanted in CALENDAR_TYPES:
        return calendar.STORED_CALENDAR_TYPE, calendar.calendar_to_stored(
            data, _same(previous, calendar.STORED_CALENDAR_TYPE), device_properties
        )
    if wanted == notes.VNOTE_TYPE or (wanted == notes.PLAIN_TEXT_TYPE and folder_kind in NOTE_FOLDERS):
        ical, carried = notes.note_to_ical_carrying(data, wanted)
        return calendar.STORED_CALENDAR_TYPE, calendar.calendar_to_stored(
            ical, _same(previous, calendar.STORED_CALENDAR_TYPE), carried
        )
    if sif.is_sif_type(wanted):
        stored_type, converted = sif.sif_to_stored(data, wanted)
        if stored_type == STORED_CONTACT_TYPE:
            return stored_type, contacts.contact_to_stored(
                converted, _same(previous, stored_type), SIF_CONTACT_PROPERTIES
            )
        return stored_type, calendar.calendar_to_stored(converted, _same(previous, stored_type), EVERY_PROPERTY)
    if wanted == files.FILE_TYPE:
        return files.FILE_TYPE, files.write_file(files.parse_file(data))
    if wanted == files.FOLDER_TYPE:
        return files.FOLDER_TYPE, files.write_folder(files.parse_folder(data))
    if wanted == email.EMAIL_TYPE:
        return email.EMAIL_TYPE, email.email_to_stored(data, previous)
    if wanted == email.RFC822_TYPE:
        return email.EMAIL_TYPE, email.email_of_rfc822(data, previous)
    return content_type, data


_MARKERS = {STORED_CONTACT_TYPE: b"BEGIN:VCARD", calendar.STORED_CALENDAR_TYPE: b"BEGIN:VCALENDAR"}


def _same(previous: bytes | None, stored_type: str) -> bytes | None:
    """``previous`` if it is a stored item of that type (a contact replacing a contact); an item that
    changes its kind is not merged."""
    if previous is None or _MARKERS[stored_type] not in previous[:200].upper():
        return None
    return previous


def is_convertible(stored_type: str, wanted_type: str) -> bool:
    """Whether an item stored as ``stored_type`` can be sent as ``wanted_type``."""
    stored, wanted = media_type(stored_type), media_type(wanted_type)
    if stored == wanted:
        return True
    if stored == STORED_CONTACT_TYPE:
        return wanted in VCARD_TYPES or sif.SIF_TYPES.get(wanted) == "contact"
    if stored == calendar.STORED_CALENDAR_TYPE:
        return (
            wanted in CALENDAR_TYPES or wanted in NOTE_TYPES or sif.SIF_TYPES.get(wanted) in ("event", "task", "note")
        )
    return stored == email.EMAIL_TYPE and wanted == email.RFC822_TYPE


def for_device(stored_type: str, stored: bytes, wanted_type: str) -> tuple[str, bytes]:
    """The stored item as (type, bytes) for a device that wants ``wanted_type``; items that cannot be
    converted to it go in their stored type."""
    wanted = media_type(wanted_type)
    if not wanted or not is_convertible(stored_type, wanted):
        return stored_type, stored
    try:
        return wanted_type, _convert(media_type(stored_type), stored, wanted)
    except RemoteError as error:
        raise LocalError(f"stored {stored_type} item is unreadable: {error}") from error


def _convert(stored_type: str, stored: bytes, wanted: str) -> bytes:
    if stored_type == wanted and wanted not in CALENDAR_TYPES:
        return stored
    if wanted in VCARD_TYPES:
        return contacts.contact_from_stored(stored, VCARD_TYPES[wanted])
    if wanted in CALENDAR_TYPES:
        return calendar.calendar_from_stored(stored, CALENDAR_TYPES[wanted])
    if wanted in NOTE_TYPES:
        return notes.ical_to_note(stored, wanted)
    if wanted == email.RFC822_TYPE:
        return email.rfc822_of(stored)
    return sif.stored_to_sif(stored_type, stored, wanted)


def from_stored(stored_type: str, stored: bytes, wanted_type: str) -> bytes:
    """The stored item's bytes in the format a device wants (see ``for_device``)."""
    return for_device(stored_type, stored, wanted_type)[1]


def comparable(stored_type: str, stored: bytes) -> str:
    """A form of a stored item in which two versions that mean the same are equal."""
    stored_type = media_type(stored_type)
    try:
        if stored_type == STORED_CONTACT_TYPE:
            return normalise_vcard(stored)
        if stored_type == calendar.STORED_CALENDAR_TYPE:
            return calendar.calendar_normal_form(stored)
    except RemoteError:
        pass
    return "bytes:" + hashlib.sha256(stored).hexdigest()


def identity(stored_type: str, stored: bytes) -> Identity:
    """The identity of a stored item for slow-sync matching: a contact's name and its phones and
    e-mail addresses, an event's UID (or summary and start), a file's name and body; otherwise its bytes."""
    stored_type = media_type(stored_type)
    try:
        if stored_type == STORED_CONTACT_TYPE:
            return contacts.contact_identity(stored)
        if stored_type == calendar.STORED_CALENDAR_TYPE:
            return Identity(calendar.calendar_identity(stored))
        if stored_type == files.FILE_TYPE:
            return Identity(files.file_identity(stored))
        if stored_type == files.FOLDER_TYPE:
            return Identity(files.folder_identity(stored))
    except RemoteError:
        pass
    return Identity("bytes:" + hashlib.sha256(stored).hexdigest())


def resolve_conflict(
    stored_type: str, server: bytes, client: bytes, prefer: str, base: bytes | None = None
) -> bytes | None:
    """Both sides changed an item: the merged stored form, or None when the type cannot be merged.

    ``server``, ``client`` and ``base`` (the version both started from, if known) are stored forms;
    ``prefer`` (``client`` or ``server``) says whose values win where both changed the same field.
    """
    stored_type = media_type(stored_type)
    if stored_type == STORED_CONTACT_TYPE:
        return contacts.merge_contacts(server, client, prefer == "client", base)
    if stored_type == calendar.STORED_CALENDAR_TYPE:
        return calendar.merge_calendar(server, client, prefer == "client", base)
    return None


def newer_side(stored_type: str, server: bytes, client: bytes) -> str:
    """``client`` or ``server``: whose version is newer by the item's own revision stamp (vCard REV,
    iCalendar LAST-MODIFIED); the client's when that cannot be told, as its change is arriving now."""
    stored_type = media_type(stored_type)
    stamps: tuple[str | None, str | None] = (None, None)
    if stored_type == STORED_CONTACT_TYPE:
        stamps = contacts.contact_revision(server), contacts.contact_revision(client)
    elif stored_type == calendar.STORED_CALENDAR_TYPE:
        stamps = calendar.calendar_revision(server), calendar.calendar_revision(client)
    server_stamp, client_stamp = stamps
    return "server" if server_stamp and client_stamp and server_stamp > client_stamp else "client"
