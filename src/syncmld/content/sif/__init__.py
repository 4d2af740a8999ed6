"""Funambol SIF documents (SIF-C contacts, SIF-E appointments, SIF-T tasks, SIF-N notes) <-> stored forms.

Contacts are stored as vCard 3.0, the other kinds as iCalendar 2.0 (VEVENT, VTODO, VJOURNAL). Every SIF
field the stored form has no property for travels in an ``X-SIF-<FIELD>`` property, so a SIF client
gets back every field it sent (see ``lossless``).
"""

from icalendar import Calendar, Component, Event, Journal, Todo

from syncmld.content.calendar_read import PARSE_ERRORS
from syncmld.content.common import media_type
from syncmld.content.sif.calendar import calendar_to_sif, sif_to_calendar
from syncmld.content.sif.contact import ROOT as CONTACT_ROOT
from syncmld.content.sif.contact import contact_to_vcard, vcard_to_contact
from syncmld.content.sif.document import bad_sif, read_document
from syncmld.content.sif.note import ROOT as NOTE_ROOT
from syncmld.content.sif.note import journal_to_note, note_to_journal
from syncmld.content.sif.outlook import EVENT_ROOT, TASK_ROOT
from syncmld.content.vcard import parse_vcard
from syncmld.errors import LocalError, RemoteError, WrongKind
from syncmld.status import StatusCode

STORED_CONTACT_TYPE = "text/vcard"
STORED_CALENDAR_TYPE = "text/calendar"

SIF_TYPES: dict[str, str] = {
    **{f"text/x-{prefix}sifc": "contact" for prefix in ("s4j-", "")},
    **{f"text/x-{prefix}sife": "event" for prefix in ("s4j-", "")},
    **{f"text/x-{prefix}sift": "task" for prefix in ("s4j-", "")},
    **{f"text/x-{prefix}sifn": "note" for prefix in ("s4j-", "")},
}
# the root elements each kind of SIF document may have (a calendar source may carry both events and tasks)
_ROOTS = {
    "contact": (CONTACT_ROOT,),
    "event": (EVENT_ROOT, TASK_ROOT),
    "task": (TASK_ROOT, EVENT_ROOT),
    "note": (NOTE_ROOT,),
}
# the iCalendar components each kind is written from, most wanted first: an appointment is only ever an
# event and a task a task, while a note carries the texts of anything (as plain text and vNote do)
_COMPONENTS: dict[str, tuple[type[Component], ...]] = {
    "event": (Event,),
    "task": (Todo,),
    "note": (Journal, Event, Todo),
}


def _kind(content_type: str) -> str | None:
    return SIF_TYPES.get(media_type(content_type))


def is_sif_type(content_type: str) -> bool:
    return _kind(content_type) is not None


def sif_to_stored(data: bytes, content_type: str) -> tuple[str, bytes]:
    """A SIF document -> ("text/vcard", vCard 3.0) or ("text/calendar", iCalendar 2.0).

    RemoteError (400) for anything that is not a readable SIF document of that kind.
    """
    kind = _kind(content_type)
    if kind is None:
        raise RemoteError(f"{content_type!r} is not a SIF type", StatusCode.BAD_REQUEST)
    root, fields = read_document(data)
    if root not in _ROOTS[kind]:
        raise bad_sif(f"<{root}> is not the root of a {kind} document")
    try:
        if root == CONTACT_ROOT:
            return STORED_CONTACT_TYPE, contact_to_vcard(fields)
        if root == NOTE_ROOT:
            return STORED_CALENDAR_TYPE, note_to_journal(fields)
        return STORED_CALENDAR_TYPE, sif_to_calendar(root, fields)
    except (ValueError, OverflowError) as error:
        raise bad_sif(str(error)) from error


def stored_to_sif(stored_type: str, stored: bytes, wanted_type: str) -> bytes:
    """The stored object as the SIF document ``wanted_type`` names (UTF-8 XML, SIFVersion 1.1 first).

    LocalError when the stored object cannot be read, WrongKind when it is not of a kind that SIF type
    carries (a task as SIF-E).
    """
    kind = _kind(wanted_type)
    stored_kind = media_type(stored_type)
    if kind == "contact" and stored_kind == STORED_CONTACT_TYPE:
        try:
            return vcard_to_contact(parse_vcard(stored))
        except RemoteError as error:
            raise LocalError(f"stored contact cannot be read: {error}") from error
    if kind is not None and kind in _COMPONENTS and stored_kind == STORED_CALENDAR_TYPE:
        try:
            calendar = Calendar.from_ical(stored)
        except PARSE_ERRORS as error:
            raise LocalError(f"stored calendar cannot be read: {error}") from error
        return calendar_to_sif_document(calendar, wanted_type)
    raise WrongKind(f"a stored {stored_type!r} object cannot be sent as {wanted_type!r}")


def calendar_to_sif_document(calendar: Calendar, wanted_type: str) -> bytes:
    """A stored calendar object (parsed) as the SIF-E, SIF-T or SIF-N document ``wanted_type`` names;
    WrongKind when it holds nothing that type carries (a task as SIF-E)."""
    kind = _kind(wanted_type)
    wanted = _COMPONENTS.get(kind or "")
    if kind is None or wanted is None:
        raise WrongKind(f"a stored calendar object cannot be sent as {wanted_type!r}")
    components = [component for component in calendar.subcomponents if isinstance(component, wanted)]
    if not components:
        held = ", ".join(sorted({str(found.name) for found in calendar.subcomponents if found.name != "VTIMEZONE"}))
        raise WrongKind(
            f"a stored calendar holding {held or 'nothing'} cannot be sent as {wanted_type} (a SIF {kind} document)"
        )
    component = min(components, key=lambda found: wanted.index(type(found)))
    if kind == "note":
        return journal_to_note(component)
    return calendar_to_sif(component, calendar)
