"""An item of one kind in a folder of another (a Sony Ericsson P900 keeps its tasks in its calendar): it goes
to each device in a type that carries it, never as a document under another document's type. A SIF
calendar client gets the task as SIF-T when its DevInf takes that in this store, else not at all (and the
log says why); vCalendar 1.0 and iCalendar devices get it as a VTODO in their VCALENDAR."""

import logging
from collections.abc import Callable

import pytest
from icalendar import Calendar
from lxml import etree

from syncmld.client import Device
from syncmld.protocol.devinf import ContentTypeInfo
from syncmld.store.base import Store
from tests.engine.data_types import SAFE_XML, devinf
from tests.engine.test_resume import session_state_size

SIFE, SIFT, SIFN = "text/x-s4j-sife", "text/x-s4j-sift", "text/x-s4j-sifn"
VCALENDAR, ICALENDAR = "text/x-vcalendar", "text/calendar"

P900_EVENT = (
    b"BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nUID:667\r\nSUMMARY:client1 12-1\r\n"
    b"DTSTART:20061222T110000Z\r\nDTEND:20061222T120000Z\r\nX-EPOCAGENDAENTRYTYPE:APPOINTMENT\r\n"
    b"CLASS:PUBLIC\r\nDCREATED:20061221T230000Z\r\nLAST-MODIFIED:20061222T205000Z\r\nPRIORITY:0\r\n"
    b"STATUS:NEEDS ACTION\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
P900_TASK = (
    b"BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VTODO\r\nUID:679\r\nSUMMARY:clienttask1\r\n"
    b"DESCRIPTION;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Aumlaut:=20=C3=84\r\n"
    b"X-EPOCTODOLIST:To-do list\r\nSTATUS:NEEDS ACTION\r\nX-EPOCAGENDAENTRYTYPE:TODO\r\nCLASS:PUBLIC\r\n"
    b"DCREATED:20061221T230000Z\r\nLAST-MODIFIED:20061222T205200Z\r\nPRIORITY:1\r\nEND:VTODO\r\n"
    b"END:VCALENDAR\r\n"
)
"""An appointment and a task of the P900's calendar store, as it sent them (recorded by Horde's tests)."""


def p900_calendar(new_device: Callable[..., Device]) -> None:
    """The P900 puts an appointment and a task in the events folder."""
    phone = new_device(
        "351965-00-340413-3", server_db="calendar", local_uri="c:\\Documents\\agenda\\agenda", content_type=VCALENDAR
    )
    phone.add(P900_EVENT)
    phone.add(P900_TASK)
    assert sorted(phone.sync().codes_for("Replace")) == [201, 201]


def sif_calendar(new_device: Callable[..., Device], device_id: str, also: tuple[str, ...]) -> Device:
    """A Funambol calendar client (store ``scal``, SIF-E preferred) that takes the types ``also`` too."""
    info = devinf(device_id, "scal", SIFE, "1.0", also=tuple(ContentTypeInfo(name, "1.0") for name in also))
    return new_device(device_id, server_db="scal", local_uri="scal", content_type=SIFE, send_b64=True, devinf=info)


def received(device: Device) -> list[tuple[str, str]]:
    """(type, what the item is) of each item the device holds: a SIF document's root, else the
    components of its VCALENDAR and its VERSION."""
    found = []
    for luid, data in device.items.items():
        content_type = device.type_of(luid)
        if content_type.startswith("text/x-s4j-"):
            found.append((content_type, str(etree.fromstring(data, SAFE_XML).tag)))
        else:
            calendar = Calendar.from_ical(data)
            names = ",".join(sub.name for sub in calendar.subcomponents if sub.name != "VTIMEZONE")
            found.append((content_type, f"{names} {calendar['VERSION']}"))
    return sorted(found)


def test_a_sif_calendar_client_gets_a_calendar_task_as_sif_t_or_not_at_all(
    new_device: Callable[..., Device], caplog: pytest.LogCaptureFixture
) -> None:
    p900_calendar(new_device)

    takes_tasks = sif_calendar(new_device, "fol-takes-sift", also=(VCALENDAR, SIFT))
    assert takes_tasks.sync().received["add"] == 2
    assert received(takes_tasks) == [(SIFE, "appointment"), (SIFT, "task")]

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="syncmld.engine"):
        events_only = sif_calendar(new_device, "fol-events-only", also=())
        report = events_only.sync()
    assert report.received["add"] == 1
    assert received(events_only) == [(SIFE, "appointment")]
    (line,) = [record.getMessage() for record in caplog.records if "is not sent" in record.getMessage()]
    assert "fol-events-only" in line
    assert "VTODO" in line
    assert SIFE in line


@pytest.mark.parametrize(("content_type", "version"), [(VCALENDAR, "1.0"), (ICALENDAR, "2.0")])
def test_versit_calendar_devices_get_a_calendar_task_as_a_vtodo(
    new_device: Callable[..., Device], content_type: str, version: str
) -> None:
    p900_calendar(new_device)
    phone = new_device(
        f"IMEI:{version}",
        server_db="Calendar",
        local_uri="./cal",
        content_type=content_type,
        devinf=devinf(f"IMEI:{version}", "./cal", content_type, version),
    )
    assert phone.sync().received["add"] == 2
    assert received(phone) == [(content_type, f"VEVENT {version}"), (content_type, f"VTODO {version}")]


def test_an_event_in_a_tasks_folder_is_not_sent_as_sif_t(new_device: Callable[..., Device]) -> None:
    tasks = new_device("IMEI:tasks", server_db="tasks", local_uri="./todo", content_type=VCALENDAR)
    tasks.add(P900_EVENT)
    tasks.add(P900_TASK)
    tasks.sync()
    sif_tasks = new_device(
        "fol-tasks",
        server_db="stask",
        local_uri="stask",
        content_type=SIFT,
        send_b64=True,
        devinf=devinf("fol-tasks", "stask", SIFT, "1.0"),
    )
    assert sif_tasks.sync().received["add"] == 1
    assert received(sif_tasks) == [(SIFT, "task")]


def test_an_event_in_a_notes_folder_goes_to_a_sif_n_client_as_a_note(new_device: Callable[..., Device]) -> None:
    notes = new_device("IMEI:notes", server_db="notes", local_uri="./notes", content_type=VCALENDAR)
    notes.add(P900_EVENT)
    notes.sync()
    sif_notes = new_device(
        "fol-notes",
        server_db="snote",
        local_uri="snote",
        content_type=SIFN,
        send_b64=True,
        devinf=devinf("fol-notes", "snote", SIFN, "1.0"),
    )
    assert sif_notes.sync().received["add"] == 1
    assert received(sif_notes) == [(SIFN, "note")]


def test_a_devinf_naming_thousands_of_types_keeps_the_session_state_small(
    store: Store, new_device: Callable[..., Device]
) -> None:
    p900_calendar(new_device)
    bogus = tuple(f"text/x-made-up-{n:05d}" for n in range(3000))
    client = sif_calendar(new_device, "fol-many-types", also=(*bogus, SIFT))
    assert client.sync().received["add"] == 2
    assert received(client) == [(SIFE, "appointment"), (SIFT, "task")]
    assert session_state_size(store, client) < 4000
