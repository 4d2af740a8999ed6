"""What an item says to a person, whatever its format: a contact's name and phones, an event's summary
and start, a task's summary and due date, a note's title. Read with the tests' own readers
(``tests.engine.data_types``), not the server's converters."""

import re
from dataclasses import dataclass

from lxml import etree

from tests.engine.data_types import ContactMeaning, EventMeaning, NoteMeaning, TaskMeaning, day, meaning

SIF = "text/x-s4j-sif"
"""What the tests' readers take any SIF document as."""
_SAFE_XML = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
_SIF_ROOTS = {
    "contact": "contacts",
    "appointment": "events",
    "task": "tasks",
    "note": "notes",
    "File": "files",
    "Folder": "files",
}
_SIF_TYPES = {
    "text/x-s4j-sifc": "contact",
    "text/x-s4j-sife": "appointment",
    "text/x-s4j-sift": "task",
    "text/x-s4j-sifn": "note",
}
_VERSIT_TYPES = {
    "text/x-vcard": ("VCARD", "2.1"),
    "text/vcard": ("VCARD", "3.0"),
    "text/x-vcalendar": ("VCALENDAR", "1.0"),
    "text/calendar": ("VCALENDAR", "2.0"),
}
_COMPONENTS = {"VTODO": "tasks", "VEVENT": "events", "VJOURNAL": "notes"}
_BEGIN = re.compile(r"^BEGIN:(\w+)", re.M | re.I)
_VERSION = re.compile(r"^VERSION:\s*([\d.]+)", re.M | re.I)


@dataclass(frozen=True, order=True)
class Facts:
    kind: str
    title: str
    """A contact's ``family|given``, an event's or a task's summary, a note's title."""
    details: tuple[str, ...] = ()
    """A contact's phones; an event's first day; a task's due date."""


def facts(data: bytes) -> Facts:
    """What the item says; ValueError when the tests' readers cannot read it."""
    kind, reader_type = _format(data)
    if kind == "files":
        return _file_object(data)
    try:
        found = meaning(kind, reader_type, data)
    except (AssertionError, KeyError, ValueError, IndexError, StopIteration) as error:
        raise ValueError(f"unreadable {kind} item ({error!r}): {data[:120]!r}") from error
    if isinstance(found, ContactMeaning):
        return Facts("contact", f"{found.family}|{found.given}", tuple(sorted(found.phones)))
    if isinstance(found, EventMeaning):
        return Facts("event", found.summary, (day(found.start).isoformat(),))
    if isinstance(found, TaskMeaning):
        return Facts("task", found.summary, (found.due.isoformat(),) if found.due else ())
    assert isinstance(found, NoteMeaning)
    return Facts("note", found.title)


def _file_object(data: bytes) -> Facts:
    """An OMA DS file or folder object: its name, size and modification time."""
    root = etree.fromstring(data, _SAFE_XML)
    return Facts(
        str(root.tag).lower(),
        root.findtext("name") or "",
        (root.findtext("size") or "", root.findtext("modified") or ""),
    )


def type_problem(content_type: str, data: bytes) -> str | None:
    """What is wrong with an item sent under ``content_type``: None when it is a readable document of that
    type (types the replay knows nothing about are taken as they come)."""
    wanted_root = _SIF_TYPES.get(content_type)
    if wanted_root is not None:
        root = _sif_root(data)
        if root != wanted_root:
            return f"sent as {content_type}, but its document is <{root}>, not <{wanted_root}>"
    wanted_versit = _VERSIT_TYPES.get(content_type)
    if wanted_versit is not None:
        text = data.decode("utf-8", "replace")
        begin, version = _BEGIN.search(text), _VERSION.search(text)
        found = (begin.group(1).upper() if begin else "", version.group(1) if version else "")
        if found != wanted_versit:
            return f"sent as {content_type}, but it is {' '.join(found) or 'no Versit object'}"
    if wanted_root is None and wanted_versit is None and content_type != "text/plain":
        return None
    try:
        facts(data)
    except ValueError as error:
        return str(error)
    return None


def _sif_root(data: bytes) -> str:
    try:
        return str(etree.fromstring(data.strip(), _SAFE_XML).tag)
    except etree.XMLSyntaxError:
        return "unreadable XML"


def _format(data: bytes) -> tuple[str, str]:
    """The kind of an item and the content type the tests' readers take it as, from its content."""
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        root = _sif_root(stripped)
        return _SIF_ROOTS.get(root, "other"), SIF
    text = stripped.decode("utf-8", "replace")
    begins = [name.upper() for name in _BEGIN.findall(text)]
    if "VCARD" in begins:
        return "contacts", "text/vcard"
    if "VNOTE" in begins:
        return "notes", "text/x-vnote"
    component = next((name for name in begins if name in _COMPONENTS), None)
    if component is not None:
        version = _VERSION.search(text)
        calendar_type = "text/x-vcalendar" if version and version.group(1) == "1.0" else "text/calendar"
        return _COMPONENTS[component], calendar_type
    return "notes", "text/plain"
