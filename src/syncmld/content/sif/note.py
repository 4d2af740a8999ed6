"""SIF-N notes <-> iCalendar VJOURNAL (SUMMARY = subject, DESCRIPTION = body, DTSTART = date)."""

from icalendar import Component, Journal

from syncmld.content.ical_text import write_ical
from syncmld.content.sif.dates import format_instant, parse_instant
from syncmld.content.sif.document import Fields, write_document
from syncmld.content.sif.ical import (
    add_categories,
    add_kept,
    add_text,
    categories,
    instant,
    kept_fields,
    new_calendar,
    text,
)
from syncmld.content.sif.lossless import fields_to_keep, restore

ROOT = "note"
_TEXTS = {"Subject": "SUMMARY", "Body": "DESCRIPTION"}


def note_to_journal(fields: Fields) -> bytes:
    """A SIF-N document's fields as a VCALENDAR holding one VJOURNAL."""
    journal = Journal()
    texts = {name: value for name, value in fields.items() if isinstance(value, str)}
    for field, name in _TEXTS.items():
        add_text(journal, name, texts.get(field, ""))
    add_categories(journal, texts.get("Categories", ""))
    day = parse_instant(texts.get("Date", ""))
    if day is not None:
        journal.add("DTSTART", day)
    add_kept(journal, fields_to_keep(fields, _derived(journal)))
    return write_ical(new_calendar(journal))


def journal_to_note(journal: Component) -> bytes:
    """A VJOURNAL (or any component with SUMMARY/DESCRIPTION) as a SIF-N document."""
    return write_document(ROOT, restore(_derived(journal), kept_fields(journal)).items())


def _derived(journal: Component) -> Fields:
    fields: Fields = {field: text(journal, name) for field, name in _TEXTS.items()}
    fields["Categories"] = categories(journal)
    day = instant(journal, "DTSTART")
    if day is not None:
        fields["Date"] = format_instant(day)
    return fields
