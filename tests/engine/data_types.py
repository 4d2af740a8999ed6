"""Shared pieces of the data-type acceptance tests: real Funambol SIF items, the kinds of data and the
types each client speaks, and readers that tell what an item means in any of those formats.

The readers are the tests' own (lxml for SIF, icalendar for iCalendar 2.0, the Versit line lexer for
vCard and vCalendar 1.0 lines), so a converter that loses or changes a field is caught.
"""

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Component
from lxml import etree

from syncmld.client.device import Transport
from syncmld.content.versit import Property, parse_lines
from syncmld.protocol.devinf import ContentTypeInfo, CTCap, CTProperty, DataStore, DevInf
from syncmld.protocol.messages import Add, Replace, Status, Sync, SyncML

HORDE = Path(__file__).resolve().parents[2].parent / "shared" / "interop" / "real-devices" / "horde-syncml"
SAFE_XML = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)


def recorded_sif_items(case: str) -> list[bytes]:
    """The SIF documents (base64 decoded) of every Add and Replace the Funambol client sent in a recorded
    Horde test case, in the order it sent them."""
    documents = []
    for message in sorted((HORDE / case).glob("syncml_client_*.xml")):
        root = etree.fromstring(message.read_bytes(), SAFE_XML)
        for command in root.iter("Add", "Replace"):
            for item in command.iter("Item"):
                assert item.findtext("Meta/Format") == "b64"
                documents.append(base64.b64decode(item.findtext("Data") or ""))
    return documents


def sif_fields(document: bytes) -> dict[str, str]:
    """The text of each simple field of a SIF document (line ends as LF)."""
    root = etree.fromstring(document, SAFE_XML)
    return {str(child.tag): (child.text or "").replace("\r\n", "\n") for child in root if len(child) == 0}


def with_sif_fields(document: bytes, **fields: str) -> bytes:
    """The SIF document with these fields set (added at the end when missing)."""
    root = etree.fromstring(document, SAFE_XML)
    for name, value in fields.items():
        element = root.find(name)
        if element is None:
            element = etree.SubElement(root, name)
        element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _sif_task(**fields: str) -> bytes:
    root = etree.Element("task")
    for name, value in fields.items():
        etree.SubElement(root, name).text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


SIF_TASKS = (
    _sif_task(SIFVersion="1.1", Subject="Steuererklärung abgeben", Body="Belege sammeln", StartDate="2007-01-08",
              DueDate="2007-01-15", Complete="0", DateCompleted="", Importance="2", PercentComplete="0",
              Status="0", ReminderSet="0", Sensitivity="0", Categories="Büro", IsRecurring="0",
              BillingInformation="Projekt 42", Mileage="12 km", TeamTask="0"),
    _sif_task(SIFVersion="1.1", Subject="Reifen wechseln", Body="", StartDate="2007-01-02", DueDate="2007-01-05",
              Complete="1", DateCompleted="20070104T153000Z", Importance="1", PercentComplete="100",
              Status="2", ReminderSet="0", Sensitivity="2", Categories="", IsRecurring="0",
              BillingInformation="", Mileage="30 km", TeamTask="0"),
)  # fmt: skip
"""Two tasks as the Funambol Outlook client writes them (no SIF-T session was recorded)."""


def sif_events() -> list[bytes]:
    """The recorded Funambol events (Outlook plug-in and Pocket PC), one of them made a weekly series by
    turning on the recurrence pattern Outlook recorded with it."""
    outlook = recorded_sif_items("testcase_funambol_outlook3015_calendar")[:3]
    pocket_pc = recorded_sif_items("testcase_sync4j_pocketpc_calendar")[:2]
    weekly = with_sif_fields(outlook[1], IsRecurring="1")
    return [outlook[0], weekly, outlook[2], *pocket_pc]


# ----------------------------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class Kind:
    """A kind of data, the names and types each client uses for it, and what a CTCap-limited device keeps."""

    name: str
    sif_db: str
    sif_type: str
    versit_db: str
    modern_type: str
    modern_version: str
    old_type: str
    old_version: str
    old_has_devinf: bool
    modern_keeps: tuple[str, ...]
    """The properties the modern device's CTCap lists: it drops every other one when it edits an item."""
    items: Callable[[], list[bytes]]


_CALENDAR_KEEPS = ("BEGIN", "END", "VERSION", "PRODID", "UID", "DTSTAMP", "SUMMARY", "DESCRIPTION", "LOCATION",
                   "DTSTART", "DTEND", "DUE", "RRULE", "EXDATE", "STATUS", "COMPLETED", "TRIGGER", "ACTION",
                   "TZID", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "RDATE")  # fmt: skip
KINDS = (
    Kind("contacts", "card", "text/x-s4j-sifc", "Contacts", "text/vcard", "3.0", "text/x-vcard", "2.1", False,
         ("BEGIN", "END", "VERSION", "N", "FN", "TEL", "EMAIL", "ORG", "UID"),
         lambda: recorded_sif_items("testcase_sync4j_pocketpc_contacts")),
    Kind("events", "scal", "text/x-s4j-sife", "Calendar", "text/calendar", "2.0", "text/x-vcalendar", "1.0", False,
         _CALENDAR_KEEPS, sif_events),
    Kind("tasks", "stask", "text/x-s4j-sift", "Tasks", "text/calendar", "2.0", "text/x-vcalendar", "1.0", False,
         _CALENDAR_KEEPS, lambda: list(SIF_TASKS)),
    Kind("notes", "snote", "text/x-s4j-sifn", "Notes", "text/plain", "1.0", "text/x-vnote", "1.1", True,
         (), lambda: recorded_sif_items("testcase_sync4j_pocketpc_notes")),
)  # fmt: skip


def devinf(
    device_id: str,
    local_uri: str,
    content_type: str,
    version: str,
    keeps: tuple[str, ...] = (),
    also: tuple[ContentTypeInfo, ...] = (),
) -> DevInf:
    """A one-store DevInf that prefers ``content_type``, takes the types ``also`` names too and, when
    ``keeps`` is given, lists those properties for its preferred type."""
    caps = (CTCap(content_type, version, properties=tuple(CTProperty(name) for name in keeps)),) if keeps else ()
    store = DataStore(
        local_uri,
        rx_pref=ContentTypeInfo(content_type, version),
        rx=also,
        tx_pref=ContentTypeInfo(content_type, version),
        ctcaps=caps,
        sync_types=(1, 2),
    )
    return DevInf(ver_dtd="1.2", dev_id=device_id, dev_typ="phone", man="Example", mod="Test", datastores=(store,))


@dataclass
class Recorder:
    """A transport that keeps every message a device sent and every reply it got."""

    send: Transport
    sent: list[SyncML] = field(default_factory=list)
    replies: list[SyncML] = field(default_factory=list)

    def __call__(self, message: SyncML, url: str) -> SyncML:
        self.sent.append(message)
        self.replies.append(self.send(message, url))
        return self.replies[-1]

    def server_items(self) -> list[Add | Replace]:
        """The Adds and Replaces the server sent."""
        return [
            command
            for reply in self.replies
            for sync in reply.commands
            if isinstance(sync, Sync)
            for command in sync.commands
            if isinstance(command, Add | Replace)
        ]

    def device_codes(self, cmd: str) -> list[int]:
        """The status codes the device gave the server's ``cmd`` commands."""
        return [
            status.data or 0
            for message in self.sent
            for status in message.commands
            if isinstance(status, Status) and status.cmd == cmd
        ]


def unfolded_lines(data: bytes) -> list[str]:
    """The logical lines of Versit text (CRLF + blank folding undone)."""
    text = data.decode("utf-8").replace("\r\n", "\n")
    return re.sub(r"\n[ \t]", "", text).split("\n")


def keep_only(data: bytes, names: tuple[str, ...]) -> bytes:
    """Versit text with only the properties ``names`` lists, as a device with that CTCap writes it back."""
    kept = [line for line in unfolded_lines(data) if line and re.split(r"[;:]", line, maxsplit=1)[0].upper() in names]
    return ("\r\n".join(kept) + "\r\n").encode("utf-8")


def replace_property(data: bytes, name: str, line: str) -> bytes:
    """Versit text with every ``name`` property replaced by ``line`` (added before the first END when absent)."""
    lines = [entry for entry in unfolded_lines(data) if entry]
    found = [index for index, entry in enumerate(lines) if re.split(r"[;:]", entry, maxsplit=1)[0].upper() == name]
    if found:
        lines[found[0]] = line
        lines = [entry for index, entry in enumerate(lines) if index not in found[1:]]
    else:
        lines.insert(next(index for index, entry in enumerate(lines) if entry.upper().startswith("END:")), line)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# -------------------------------------------------------------------------------------------- meanings


@dataclass(frozen=True)
class ContactMeaning:
    family: str
    given: str
    emails: frozenset[str]
    phones: frozenset[str]


@dataclass(frozen=True)
class EventMeaning:
    summary: str
    start: date | datetime
    """A date for an all-day event, else an instant in UTC."""
    end: date | datetime
    """An all-day event's last day, else its end instant."""
    reminder_minutes: int | None
    recurrence: tuple[str, int, frozenset[str]] | None
    """(frequency, interval, week days) of a recurring event."""


@dataclass(frozen=True)
class TaskMeaning:
    summary: str
    due: date | None
    completed: datetime | None


@dataclass(frozen=True)
class NoteMeaning:
    title: str
    text: str
    """The note as a person reads it: its title line, then the body unless that starts with the title."""


Meaning = ContactMeaning | EventMeaning | TaskMeaning | NoteMeaning


def meaning(kind: str, content_type: str, data: bytes) -> Meaning:
    """What an item of ``kind`` sent as ``content_type`` means."""
    if "s4j-sif" in content_type:
        return _SIF_READERS[kind](sif_fields(data))
    if kind == "notes":
        return _plain_note(data) if content_type == "text/plain" else _vnote(data)
    if kind == "contacts":
        return _vcard(data)
    if "x-vcalendar" in content_type:
        return _VCAL10_READERS[kind](_component_lines(data))
    return _ICAL_READERS[kind](_only_component(data))


def label(item: Meaning) -> str:
    """What a person calls the item: a contact's name, an event's or a task's summary, a note's title."""
    if isinstance(item, ContactMeaning):
        return item.family or item.given
    return item.title if isinstance(item, NoteMeaning) else item.summary


def meanings(kind: str, items: Mapping[str, bytes], content_type: str) -> set[Meaning]:
    return {meaning(kind, content_type, data) for data in items.values()}


def _phone(number: str) -> str:
    return re.sub(r"[^\d+]", "", number)


def _note(title: str, body: str) -> NoteMeaning:
    body = body.replace("\r\n", "\n").rstrip("\n")
    first = next((line.strip() for line in body.split("\n") if line.strip()), "")
    return NoteMeaning(title.strip(), body if not title or first == title.strip() else f"{title}\n{body}")


def _sif_instant(text: str) -> date | datetime:
    digits = text.replace("-", "").replace(":", "")
    if "T" not in digits:
        return datetime.strptime(digits, "%Y%m%d").date()
    return datetime.strptime(digits, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


_SIF_FREQUENCIES = {"0": "DAILY", "1": "WEEKLY", "2": "MONTHLY", "3": "MONTHLY", "5": "YEARLY", "6": "YEARLY"}
_DAY_BITS = {"SU": 1, "MO": 2, "TU": 4, "WE": 8, "TH": 16, "FR": 32, "SA": 64}


def _sif_contact(fields: dict[str, str]) -> ContactMeaning:
    emails = {fields[f"Email{n}Address"] for n in (1, 2, 3) if fields.get(f"Email{n}Address")}
    phones = {
        _phone(value)
        for name, value in fields.items()
        if value and (name.endswith("TelephoneNumber") or name.endswith("FaxNumber") or name == "PagerNumber")
    }
    return ContactMeaning(fields.get("LastName", ""), fields.get("FirstName", ""), frozenset(emails), frozenset(phones))


def _sif_event(fields: dict[str, str]) -> EventMeaning:
    start, end = _sif_instant(fields["Start"]), _sif_instant(fields["End"])
    if fields.get("AllDayEvent") == "1":
        start, end = day(start), day(end)
    reminder = int(fields["ReminderMinutesBeforeStart"]) if fields.get("ReminderSet") == "1" else None
    recurrence = None
    if fields.get("IsRecurring") == "1":
        mask = int(fields.get("DayOfWeekMask") or 0)
        recurrence = (
            _SIF_FREQUENCIES[fields["RecurrenceType"]],
            int(fields.get("Interval") or 1),
            frozenset(day for day, bit in _DAY_BITS.items() if mask & bit),
        )
    return EventMeaning(fields["Subject"], start, end, reminder, recurrence)


def _sif_task_meaning(fields: dict[str, str]) -> TaskMeaning:
    due = day(_sif_instant(fields["DueDate"])) if fields.get("DueDate") else None
    completed = fields.get("DateCompleted") if fields.get("Complete") == "1" else None
    instant = _sif_instant(completed) if completed else None
    return TaskMeaning(fields["Subject"], due, instant if isinstance(instant, datetime) else None)


_SIF_READERS: dict[str, Callable[[dict[str, str]], Meaning]] = {
    "contacts": _sif_contact,
    "events": _sif_event,
    "tasks": _sif_task_meaning,
    "notes": lambda fields: _note(fields.get("Subject", ""), fields.get("Body", "")),
}


def day(value: date | datetime) -> date:
    """The day of a date, or of an instant in UTC."""
    return value.date() if isinstance(value, datetime) else value


def _vcard(data: bytes) -> ContactMeaning:
    props = parse_lines(data.decode("utf-8"))
    name = next(prop.value for prop in props if prop.name == "N").split(";")
    return ContactMeaning(
        _unescape(name[0]),
        _unescape(name[1]) if len(name) > 1 else "",
        frozenset(_unescape(prop.value) for prop in props if prop.name == "EMAIL" and prop.value),
        frozenset(_phone(prop.value) for prop in props if prop.name == "TEL" and prop.value),
    )


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda found: "\n" if found.group(1) in "nN" else found.group(1), text)


def _plain_note(data: bytes) -> NoteMeaning:
    text = data.decode("utf-8").replace("\r\n", "\n")
    return _note(next((line for line in text.split("\n") if line.strip()), ""), text)


def _vnote(data: bytes) -> NoteMeaning:
    props = {prop.name: _unescape(prop.value) for prop in parse_lines(data.decode("utf-8"))}
    return _note(props.get("SUMMARY", ""), props.get("BODY", ""))


# ----- iCalendar 2.0


def _only_component(data: bytes) -> Component:
    components = [
        component for component in Calendar.from_ical(data).subcomponents if component.name in ("VEVENT", "VTODO")
    ]
    assert len(components) == 1, data
    component: Component = components[0]
    return component


def _utc(value: date | datetime) -> date | datetime:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _ical_event(event: Component) -> EventMeaning:
    start, end = _utc(event.decoded("DTSTART")), _utc(event.decoded("DTEND"))
    if not isinstance(start, datetime):
        end = end - timedelta(days=1)
    alarms = [alarm.decoded("TRIGGER") for alarm in event.walk("VALARM")]
    reminder = int(-alarms[0].total_seconds()) // 60 if alarms else None
    rule = event.get("RRULE")
    recurrence = None
    if rule is not None:
        recurrence = (rule["FREQ"][0], int(rule.get("INTERVAL", [1])[0]), frozenset(rule.get("BYDAY", [])))
    return EventMeaning(str(event["SUMMARY"]), start, end, reminder, recurrence)


def _ical_task(todo: Component) -> TaskMeaning:
    due = day(todo.decoded("DUE")) if "DUE" in todo else None
    completed = _utc(todo.decoded("COMPLETED")) if "COMPLETED" in todo else None
    return TaskMeaning(str(todo["SUMMARY"]), due, completed if isinstance(completed, datetime) else None)


_ICAL_READERS: dict[str, Callable[[Component], Meaning]] = {"events": _ical_event, "tasks": _ical_task}


# ----- vCalendar 1.0


def _component_lines(data: bytes) -> dict[str, Property]:
    """The properties of the one VEVENT or VTODO of a vCalendar 1.0 object, by name."""
    props = parse_lines(data.decode("utf-8"))
    assert [prop.value for prop in props if prop.name == "VERSION"] == ["1.0"]
    begins = [index for index, prop in enumerate(props) if prop.name == "BEGIN" and prop.value in ("VEVENT", "VTODO")]
    assert len(begins) == 1, data
    inside = props[begins[0] + 1 :]
    return {prop.name: prop for prop in inside[: next(i for i, prop in enumerate(inside) if prop.name == "END")]}


def _vcal_instant(text: str) -> date | datetime:
    """A vCalendar 1.0 date-time: UTC with Z; a floating midnight or a bare date is a day (all-day form).
    ``T240000``, the end of a day as Symbian phones write an all-day event's end, is the next midnight."""
    text = text.strip()
    end_of_day = text[8:].removesuffix("Z") == "T240000"
    if end_of_day:
        text = text[:8] + "T000000" + text[15:]
    value: date | datetime
    if text.endswith("Z"):
        value = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    else:
        assert text[8:] in ("", "T000000", "T0000"), f"floating time {text!r}"
        value = datetime.strptime(text[:8], "%Y%m%d").date()
    return value + timedelta(days=1) if end_of_day else value


_VCAL_FREQUENCIES = {"D": "DAILY", "W": "WEEKLY", "MP": "MONTHLY", "MD": "MONTHLY", "YM": "YEARLY", "YD": "YEARLY"}


def _vcal_rule(text: str) -> tuple[str, int, frozenset[str]]:
    found = re.fullmatch(r"(D|W|MP|MD|YM|YD)(\d+)((?: [A-Z]{2})*)(?: .*)?", text.strip())
    assert found is not None, f"RRULE {text!r}"
    return _VCAL_FREQUENCIES[found.group(1)], int(found.group(2)), frozenset(found.group(3).split())


def _vcal_event(props: dict[str, Property]) -> EventMeaning:
    start, end = _vcal_instant(props["DTSTART"].value), _vcal_instant(props["DTEND"].value)
    if not isinstance(start, datetime):
        end = end - timedelta(days=1)
    reminder = None
    if "AALARM" in props:
        alarm = _vcal_instant(props["AALARM"].value.split(";")[0])
        assert isinstance(alarm, datetime) and isinstance(start, datetime)
        reminder = int((start - alarm).total_seconds()) // 60
    recurrence = _vcal_rule(props["RRULE"].value) if "RRULE" in props else None
    return EventMeaning(props["SUMMARY"].value, start, end, reminder, recurrence)


def _vcal_task(props: dict[str, Property]) -> TaskMeaning:
    due = day(_vcal_instant(props["DUE"].value)) if "DUE" in props else None
    completed = _vcal_instant(props["COMPLETED"].value) if "COMPLETED" in props else None
    return TaskMeaning(props["SUMMARY"].value, due, completed if isinstance(completed, datetime) else None)


_VCAL10_READERS: dict[str, Callable[[dict[str, Property]], Meaning]] = {"events": _vcal_event, "tasks": _vcal_task}
