"""Notes: text/plain and vNote 1.1 to the stored iCalendar 2.0 VJOURNAL and back (pure functions).

Stored form: a VCALENDAR (VERSION 2.0, PRODID ``-//syncmld//syncmld//EN``) holding one VJOURNAL with
UID (only when the device sent one), SUMMARY (the title: the first non-blank line of the text, stripped,
unless a vNote names one), DESCRIPTION (the whole text, LF line ends), CATEGORIES, CLASS, CREATED,
LAST-MODIFIED and the device's X- properties. X-IRMC-LUID is the device's own record number, not an
identity, and is dropped. No DTSTAMP is added: converting the same note twice gives the same bytes.

text/plain goes out as UTF-8 with CRLF line ends, as SyncEvolution sends memos, so a memo comes back
byte for byte. vNote goes out as 1.1 with CRLF line ends; multi-line or non-ASCII values are written
quoted-printable with CHARSET=UTF-8, backslashes escaped. Any stored iCalendar object (an event, a
task) can be served as a note: its first VJOURNAL, VEVENT or VTODO is read.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from icalendar import Calendar, Component, Journal, vCategory, vText
from icalendar.parser import unescape_backslash

from syncmld.content import sif
from syncmld.content.calendar import STORED_CALENDAR_TYPE, CalendarObject, object_from_device
from syncmld.content.calendar_read import PARSE_ERRORS
from syncmld.content.common import EVERY_PROPERTY, media_type
from syncmld.content.ical_text import value_text, write_ical
from syncmld.content.kind import ContentKind, ParsedItem
from syncmld.content.sif.document import SIF_VERSION
from syncmld.content.timezones import stamp_text
from syncmld.content.vcalendar import SYNCMLD_PRODID, values_of
from syncmld.content.versit import Property, bad_request, escape, parse_lines, serialize
from syncmld.errors import LocalError, RemoteError
from syncmld.status import StatusCode

PLAIN_TEXT_TYPE = "text/plain"
PLAIN_TEXT_VERSION = "1.0"
"""The version plain-text notes are named with (plain text has none of its own)."""
VNOTE_TYPE = "text/x-vnote"
VNOTE_VERSION = "1.1"

Params = tuple[tuple[str, str], ...]

_NOTE_COMPONENTS = ("VJOURNAL", "VEVENT", "VTODO")
_DEVICE_RECORD_NUMBER = "X-IRMC-LUID"
_VERSIT_TIME = re.compile(r"([0-9]{8}T[0-9]{6})Z?")
_VERSIT_TIME_FORMAT = "%Y%m%dT%H%M%S"
_VNOTE_ESCAPE = re.compile(r"\\([\\;,:nN])")
_LIST_ITEM = re.compile(r"(?:\\.|[^\\;,])+", re.DOTALL)
_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM_VALUE = re.compile(r'[^";:\x00-\x1f\x7f]*')


PLAIN_TEXT_PROPERTIES = frozenset({"SUMMARY", "DESCRIPTION"})
VNOTE_PROPERTIES = frozenset({"SUMMARY", "DESCRIPTION", "CATEGORIES", "CLASS", "CREATED", "LAST-MODIFIED"})


@dataclass(frozen=True)
class Extension:
    """An X- property: name, parameters and its text (unescaped)."""

    name: str
    params: Params
    value: str


@dataclass(frozen=True)
class Note:
    """What a note holds, whatever format it travels in."""

    summary: str | None
    description: str | None
    uid: str | None = None
    categories: tuple[str, ...] = ()
    access_class: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    extensions: tuple[Extension, ...] = ()


def note_to_ical(data: bytes, content_type: str) -> bytes:
    """text/plain or vNote 1.1 -> stored iCalendar 2.0 (RemoteError 400 for a broken vNote, 415 other types)."""
    return note_to_ical_carrying(data, content_type)[0]


def note_to_ical_carrying(data: bytes, content_type: str) -> tuple[bytes, frozenset[str]]:
    """``note_to_ical``, and the properties the note's format carries: a stored property outside them
    stays when the device's version replaces the stored one (the X- properties the device sent count
    as carried; SIF-only ones and others it never sent stay)."""
    kind = media_type(content_type)
    if kind == PLAIN_TEXT_TYPE:
        note = _read_plain(data)
        carried = PLAIN_TEXT_PROPERTIES
    elif kind == VNOTE_TYPE:
        note = _read_vnote(data)
        carried = VNOTE_PROPERTIES | {extension.name for extension in note.extensions}
    else:
        raise RemoteError(f"{content_type!r} is not a note type", StatusCode.UNSUPPORTED_MEDIA_TYPE)
    return _write_ical(note), carried


def ical_to_note(stored: bytes, wanted_type: str) -> bytes:
    """A stored iCalendar object as text/plain or vNote 1.1 (LocalError if it cannot be read)."""
    try:
        calendar = Calendar.from_ical(stored)
    except PARSE_ERRORS as error:
        raise LocalError(f"stored note is not iCalendar: {error}") from error
    return calendar_to_note(calendar, wanted_type)


def calendar_to_note(calendar: Calendar, wanted_type: str) -> bytes:
    """A stored iCalendar object (parsed) as text/plain or vNote 1.1 (LocalError if it holds no note)."""
    kind = media_type(wanted_type)
    if kind not in (PLAIN_TEXT_TYPE, VNOTE_TYPE):
        raise LocalError(f"notes cannot be written as {wanted_type!r}")
    note = _read_ical(calendar)
    return _write_plain(note) if kind == PLAIN_TEXT_TYPE else _write_vnote(note)


def _first_line(text: str) -> str | None:
    """The first non-blank line of ``text``, stripped (a note's title); None when there is none."""
    return next((line.strip() for line in text.split("\n") if line.strip()), None)


# ------------------------------------------------------------------------------------------ text/plain


def _read_plain(data: bytes) -> Note:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return Note(summary=_first_line(text), description=text)


def _write_plain(note: Note) -> bytes:
    """DESCRIPTION when its first line is the title (or there is no title), else title + LF + DESCRIPTION."""
    summary, description = note.summary, note.description
    if description is None:
        text = summary or ""
    elif not summary or _first_line(description) == summary.strip():
        text = description
    else:
        text = summary + "\n" + description
    return text.replace("\n", "\r\n").encode("utf-8")


# ----------------------------------------------------------------------------------------------- vNote


def _read_vnote(data: bytes) -> Note:
    props = _vnote_properties(parse_lines(data.decode("utf-8", "surrogateescape")))
    values: dict[str, str] = {}
    categories: list[str] = []
    extensions: list[Extension] = []
    for prop in props:
        if prop.name == "CATEGORIES":
            categories.extend(_list_items(prop.value))
        elif _is_extension(prop.name) and prop.name != _DEVICE_RECORD_NUMBER:
            extensions.append(Extension(prop.name, _safe_params(prop.params), _unescape_vnote(prop.value)))
        else:
            values.setdefault(prop.name, prop.value)
    body = _unescape_vnote(values["BODY"]) if "BODY" in values else None
    summary = _unescape_vnote(values.get("SUMMARY", ""))
    access_class = values.get("CLASS", "").strip().upper()
    return Note(
        summary=summary if summary.strip() else _first_line(body or ""),
        description=body,
        uid=values.get("UID", "").strip() or None,
        categories=tuple(categories),
        access_class=access_class or None,
        created=_versit_time(values.get("DCREATED")),
        modified=_versit_time(values.get("LAST-MODIFIED")),
        extensions=tuple(extensions),
    )


def _vnote_properties(props: list[Property]) -> list[Property]:
    """The properties between BEGIN:VNOTE and END:VNOTE; RemoteError 400 for anything else."""
    if not props or not _is_marker(props[0], "BEGIN"):
        raise bad_request("data is not a vNote (no BEGIN:VNOTE)")
    end = next((index for index, prop in enumerate(props) if _is_marker(prop, "END")), None)
    if end is None:
        raise bad_request("vNote without END:VNOTE")
    if end != len(props) - 1:
        raise bad_request("data after END:VNOTE")
    inner = props[1:end]
    if any(prop.name in ("BEGIN", "END") for prop in inner):
        raise bad_request("vNote with nested objects")
    return inner


def _is_extension(name: str) -> bool:
    """An X- property whose name both formats can carry."""
    return name.startswith("X-") and _NAME.fullmatch(name) is not None


def _is_marker(prop: Property, name: str) -> bool:
    return prop.name == name and prop.value.strip().upper() == "VNOTE"


def _unescape_vnote(value: str) -> str:
    r"""vNote text: ``\\``, ``\;``, ``\,``, ``\:`` and ``\n`` (written by some devices) unescaped."""
    return _VNOTE_ESCAPE.sub(lambda match: "\n" if match.group(1) in "nN" else match.group(1), value)


def _list_items(value: str) -> list[str]:
    """Items of a ``;``- or ``,``-separated list, unescaped, blank items left out."""
    items = (_unescape_vnote(item).strip() for item in _LIST_ITEM.findall(value))
    return [item for item in items if item]


def _versit_time(value: str | None) -> datetime | None:
    """``YYYYMMDDTHHMMSS[Z]`` as a UTC time (a time without Z is taken as UTC); None if unreadable."""
    match = _VERSIT_TIME.fullmatch((value or "").strip())
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), _VERSIT_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _write_vnote(note: Note) -> bytes:
    body = note.description if note.description is not None else note.summary or ""
    props = [
        Property(None, "BEGIN", (), "VNOTE"),
        Property(None, "VERSION", (), VNOTE_VERSION),
        Property(None, "BODY", (), escape(body, "")),
        *_optional_vnote_properties(note),
        Property(None, "END", (), "VNOTE"),
    ]
    return serialize(props, "2.1").encode("utf-8")


def _optional_vnote_properties(note: Note) -> Iterator[Property]:
    if note.summary:
        yield Property(None, "SUMMARY", (), escape(note.summary, ""))
    if note.uid:
        yield Property(None, "UID", (), note.uid)
    if note.categories:
        yield Property(None, "CATEGORIES", (), ";".join(escape(item, ";,") for item in note.categories))
    if note.access_class:
        yield Property(None, "CLASS", (), note.access_class)
    if note.created:
        yield Property(None, "DCREATED", (), stamp_text(note.created))
    if note.modified:
        yield Property(None, "LAST-MODIFIED", (), stamp_text(note.modified))
    for extension in note.extensions:
        yield Property(None, extension.name, extension.params, escape(extension.value, ""))


def _safe_params(params: tuple[tuple[str, str | None], ...]) -> Params:
    """The parameters both formats can carry unquoted (bare 2.1 parameters have no iCalendar form)."""
    return tuple(
        (key.upper(), value)
        for key, value in params
        if value is not None and _NAME.fullmatch(key) and _PARAM_VALUE.fullmatch(value)
    )


# ------------------------------------------------------------------------------------------- iCalendar


def _write_ical(note: Note) -> bytes:
    journal = Journal()
    if note.uid:
        journal.add("UID", note.uid)
    if note.summary is not None:
        journal.add("SUMMARY", note.summary)
    if note.description is not None:
        journal.add("DESCRIPTION", note.description)
    if note.categories:
        journal.add("CATEGORIES", list(note.categories))
    if note.access_class:
        journal.add("CLASS", note.access_class)
    if note.created:
        journal.add("CREATED", note.created)
    if note.modified:
        journal.add("LAST-MODIFIED", note.modified)
    for extension in note.extensions:
        journal.add(extension.name, vText(extension.value), parameters=dict(extension.params))
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", SYNCMLD_PRODID)
    calendar.add_component(journal)
    return write_ical(calendar)


def _read_ical(calendar: Calendar) -> Note:
    component = next((sub for sub in calendar.walk() if sub.name in _NOTE_COMPONENTS), None)
    if component is None:
        raise LocalError("stored note holds no VJOURNAL, VEVENT or VTODO")
    summary = _text(component, "SUMMARY")
    access_class = _text(component, "CLASS")
    return Note(
        summary=summary,
        description=_text(component, "DESCRIPTION"),
        uid=_text(component, "UID"),
        categories=tuple(_categories(component)),
        access_class=access_class.strip().upper() if access_class else None,
        created=_moment(component, "CREATED"),
        modified=_moment(component, "LAST-MODIFIED"),
        extensions=tuple(_extensions(component)),
    )


def _text(component: Component, name: str) -> str | None:
    values = values_of(component, name)
    return str(values[0]) if values else None


def _categories(component: Component) -> Iterator[str]:
    for value in values_of(component, "CATEGORIES"):
        if isinstance(value, vCategory):
            yield from (str(item) for item in value.cats if str(item).strip())


def _moment(component: Component, name: str) -> datetime | None:
    values = values_of(component, name)
    moment = getattr(values[0], "dt", None) if values else None
    return moment if isinstance(moment, datetime) else None


def _extensions(component: Component) -> Iterator[Extension]:
    for name, value in component.property_items(recursive=False):
        if not _is_extension(name) or not hasattr(value, "to_ical"):
            continue
        text = value_text(value)
        params = getattr(value, "params", {})
        pairs = tuple((str(key), str(val)) for key, val in params.items() if isinstance(val, str))
        yield Extension(name, _safe_params(pairs), unescape_backslash(text))


# ---------------------------------------------------------------------------------------- the content kind


class NotesKind(ContentKind):
    """Notes: plain text (in notes and journal folders), vNote 1.1 and SIF-N, kept as iCalendar 2.0
    VJOURNALs; any stored calendar object can be written as a note."""

    stored_type = STORED_CALENDAR_TYPE
    item = CalendarObject
    written: ClassVar[Mapping[str, str]] = {
        PLAIN_TEXT_TYPE: PLAIN_TEXT_VERSION,
        VNOTE_TYPE: VNOTE_VERSION,
        **{name: SIF_VERSION for name, kind in sif.SIF_TYPES.items() if kind == "note"},
    }

    def from_device(
        self, content_type: str, data: bytes, previous: ParsedItem | None, device_properties: frozenset[str] | None
    ) -> CalendarObject:
        wanted = media_type(content_type)
        if wanted in (PLAIN_TEXT_TYPE, VNOTE_TYPE):
            data, device_properties = note_to_ical_carrying(data, wanted)
        else:
            data, device_properties = sif.sif_to_stored(data, wanted)[1], EVERY_PROPERTY
        return object_from_device(data, previous, device_properties)

    def write(self, item: ParsedItem, wanted: str) -> bytes:
        calendar = CalendarObject.of(item).object.calendar
        if wanted in (PLAIN_TEXT_TYPE, VNOTE_TYPE):
            return calendar_to_note(calendar, wanted)
        return sif.calendar_to_sif_document(calendar, wanted)
