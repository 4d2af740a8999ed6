"""Every SIF item in the real recorded messages converts to its stored form and back with the same fields."""

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from lxml import etree

from syncmld.content.sif import SIF_TYPES, sif_to_stored, stored_to_sif
from syncmld.content.vcard import parse_vcard

from .sif_documents import SAFE_XML, only_component, sif_fields, sif_root

REAL_DEVICES = Path(__file__).resolve().parents[2].parent / "shared" / "interop" / "real-devices"
MESSAGES = (
    "horde-syncml/testcase_sync4j_pocketpc_calendar/syncml_*.xml",
    "horde-syncml/testcase_sync4j_pocketpc_contacts/syncml_*.xml",
    "horde-syncml/testcase_sync4j_pocketpc_notes/syncml_*.xml",
    "horde-syncml/testcase_funambol_outlook3015_calendar/syncml_*.xml",
    "funambol-cpp-client/syncML3.xml",
    "funambol-server/wbxml-to-xml-to-wbxml/msg2.xml",
    "funambol-server/wbxml-to-xml-to-wbxml/msg6.xml",
    "funambol-server/wbxml-to-xml-to-wbxml/msg10.xml",
    "funambol-jme-sdk/SyncMLParserRT4.txt",
)
STORED_TYPES = {"contact": "text/vcard", "event": "text/calendar", "task": "text/calendar", "note": "text/calendar"}
NO_SPACE = re.compile(r"\s+")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _meta(element: etree._Element, name: str) -> str | None:
    """A Meta value (Type, Format) of an Item, else of the command around it."""
    for holder in (element, element.getparent()):
        if holder is None:
            continue
        for meta in holder:
            if _local(meta) == "Meta":
                found = [child.text for child in meta.iter() if _local(child) == name]
                if found:
                    return (found[0] or "").strip()
    return None


def sif_items() -> list[tuple[str, str, bytes]]:
    """(message and index, content type, SIF bytes) of every SIF item carried in the messages."""
    items = []
    for pattern in MESSAGES:
        for message in sorted(REAL_DEVICES.glob(pattern)):
            raw = message.read_bytes()
            document = raw[raw.index(b"<SyncML") : raw.rindex(b"</SyncML>") + len(b"</SyncML>")]
            root = etree.fromstring(document, SAFE_XML)
            for index, item in enumerate(element for element in root.iter() if _local(element) == "Item"):
                content_type = _meta(item, "Type")
                data = next((child for child in item if _local(child) == "Data"), None)
                if content_type is None or content_type.lower() not in SIF_TYPES or data is None:
                    continue
                text = (data.text or "").strip()
                body = base64.b64decode(text) if _meta(item, "Format") == "b64" else text.encode("utf-8")
                items.append((f"{message.relative_to(REAL_DEVICES)}#{index}", content_type, body))
    return items


ITEMS = sif_items()


def test_the_samples_hold_every_kind_of_sif_item() -> None:
    kinds = [SIF_TYPES[content_type.lower()] for _, content_type, _ in ITEMS]
    assert len(ITEMS) >= 30
    assert {"contact", "event", "note"} <= set(kinds)


@pytest.mark.parametrize(("name", "content_type", "body"), ITEMS, ids=[name for name, _, _ in ITEMS])
def test_real_item_converts_and_comes_back_with_the_same_fields(name: str, content_type: str, body: bytes) -> None:
    stored_type, stored = sif_to_stored(body, content_type)
    assert stored_type == STORED_TYPES[SIF_TYPES[content_type.lower()]]
    if stored_type == "text/vcard":
        assert parse_vcard(stored).version == "3.0"
    else:
        assert Calendar.from_ical(stored).subcomponents
    back = stored_to_sif(stored_type, stored, content_type)
    assert back.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert sif_root(back) == sif_root(body)
    sent, received = sif_fields(body), sif_fields(back)
    assert received.pop("SIFVersion") == "1.1"
    sent.pop("SIFVersion", None)
    if "Photo" in sent:
        assert NO_SPACE.sub("", str(received.pop("Photo"))) == NO_SPACE.sub("", str(sent.pop("Photo")))
    assert {field: received.get(field) for field in sent} == sent


def _item(folder: str, marker: bytes) -> tuple[str, bytes]:
    """The first item from ``folder`` whose SIF text holds ``marker``."""
    return next((kind, body) for name, kind, body in ITEMS if name.startswith(folder) and marker in body)


def test_pocket_pc_contact_maps_to_standard_vcard_properties() -> None:
    content_type, body = _item("horde-syncml/testcase_sync4j_pocketpc_contacts", b"<LastName>Client2<")
    _, stored = sif_to_stored(body, content_type)
    properties = {prop.name: prop for prop in parse_vcard(stored).properties}
    assert properties["N"].value[0] == ("Client2",)
    assert properties["FN"].text == "Client2"
    assert properties["EMAIL"].text == "client2@example.com"
    assert properties["TEL"].text == "+49 521 170372"
    assert ("TYPE", "WORK,VOICE") in properties["TEL"].params


def test_blackberry_event_with_time_zone_keeps_its_instants_in_the_zone() -> None:
    content_type, body = _item("funambol-jme-sdk", b"<Subject>Test in the past<")
    _, stored = sif_to_stored(body, content_type)
    event = only_component(stored, "VEVENT")
    start = event["DTSTART"].dt
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert start.replace(tzinfo=None) == datetime(2009, 1, 2, 0, 0)
    assert start.astimezone(UTC) == datetime(2009, 1, 1, 23, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Test in the past"
    assert str(event["LOCATION"]) == "Anywhere"


def test_outlook_all_day_event_is_a_date_event_and_free_time() -> None:
    content_type, body = _item("horde-syncml/testcase_funambol_outlook3015", b"new year all day client1")
    _, stored = sif_to_stored(body, content_type)
    event = only_component(stored, "VEVENT")
    assert event["DTSTART"].to_ical() == b"20070101"
    assert event["DTEND"].to_ical() == b"20070102"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert str(event["DESCRIPTION"]) == "Test Aumlaut: Ä"
    assert "RRULE" not in event  # IsRecurring 0: its leftover pattern fields are only kept


def test_pocket_pc_note_is_a_journal() -> None:
    content_type, body = _item("horde-syncml/testcase_sync4j_pocketpc_notes", b"<Subject>client1<")
    _, stored = sif_to_stored(body, content_type)
    journal = only_component(stored, "VJOURNAL")
    assert str(journal["SUMMARY"]) == "client1"
    assert str(journal["DESCRIPTION"]) == "client1\nÜbersicht\n"
    assert journal["DTSTART"].dt == datetime(2006, 10, 14, 9, 0, 53, tzinfo=UTC)
