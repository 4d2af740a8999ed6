"""The engine-facing content API: stored form, opaque types, CTCap property list, normal form."""

from pathlib import Path

import pytest
from lxml import etree

from syncmld.content import (
    CONTACT_PROPERTIES,
    STORED_CONTACT_TYPE,
    from_stored,
    identity,
    normalise_vcard,
    read,
    to_stored,
)
from syncmld.errors import LocalError, RemoteError

from .samples import VCARD_21, VCARD_30

SAFE_XML = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
VCARD_TYPES = {"text/vcard", "text/x-vcard"}


def client_ctcap_properties(shared_dir: Path) -> set[str]:
    """Property names SyncEvolution lists for vCards in the DevInf of its first messages (1.1 and 1.2)."""
    names: set[str] = set()
    for message in (shared_dir / "interop" / "capture").glob("*/001-c2s.xml"):
        for ctcap in etree.parse(str(message), SAFE_XML).iter("{*}CTCap"):
            content_type = None
            for element in ctcap.iter():
                if element.tag.endswith("CTType"):
                    content_type = element.text
                elif element.tag.endswith("PropName") and content_type in VCARD_TYPES and element.text:
                    names.add(element.text)
    return names


def test_contact_properties_cover_everything_syncevolution_can_send(shared_dir: Path) -> None:
    client_names = client_ctcap_properties(shared_dir)
    assert {"X-EVOLUTION-FILE-AS", "X-ANNIVERSARY", "X-*", "PHOTO"} <= client_names
    assert client_names <= set(CONTACT_PROPERTIES)


def test_contact_properties_include_the_standard_vcard_set() -> None:
    standard = (
        "BEGIN", "END", "VERSION", "N", "FN", "NICKNAME", "PHOTO", "BDAY", "ADR", "LABEL", "TEL", "EMAIL",
        "MAILER", "TZ", "GEO", "TITLE", "ROLE", "LOGO", "AGENT", "ORG", "CATEGORIES", "NOTE", "PRODID", "REV",
        "SORT-STRING", "SOUND", "UID", "URL", "CLASS", "KEY",
    )  # fmt: skip
    assert set(standard) <= set(CONTACT_PROPERTIES)
    assert len(set(CONTACT_PROPERTIES)) == len(CONTACT_PROPERTIES)


@pytest.mark.parametrize("declared", ["text/x-vcard", "text/vcard", "text/directory", "Text/X-vCard; charset=UTF-8"])
def test_every_vcard_content_type_is_stored_as_vcard_30(declared: str) -> None:
    stored_type, stored = to_stored(declared, VCARD_21, None, None)
    assert stored_type == STORED_CONTACT_TYPE == "text/vcard"
    assert stored.startswith(b"BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert normalise_vcard(stored) == normalise_vcard(VCARD_21)


@pytest.mark.parametrize("content_type", ["text/x-vbookmark", "text/plain", "application/x-foo"])
def test_types_without_a_converter_are_stored_and_returned_unchanged(content_type: str) -> None:
    data = b"BEGIN:VBKM\r\nanything at all \xff\r\n \r\n"
    assert to_stored(content_type, data, b"older", frozenset({"SUMMARY"}), "other") == (content_type, data)
    assert from_stored(content_type, data, content_type) == data
    assert from_stored(content_type, data, "text/x-vcard") == data


@pytest.mark.parametrize("content_type", ["text/calendar", "text/x-vcalendar", "text/x-vnote", "text/x-s4j-sife"])
def test_a_calendar_or_note_that_is_not_one_is_rejected(content_type: str) -> None:
    with pytest.raises(RemoteError) as caught:
        to_stored(content_type, b"BEGIN:VCALENDAR\r\nanything at all \xff\r\n", None, None, "events")
    assert caught.value.status == 400


def test_a_declared_vcard_that_is_not_one_is_rejected_as_unsupported_media() -> None:
    with pytest.raises(RemoteError) as caught:
        to_stored("text/x-vcard", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", None, None)
    assert caught.value.status == 415


def test_contact_in_wanted_type_picks_the_version() -> None:
    assert from_stored("text/vcard", VCARD_30, "text/x-vcard").startswith(b"BEGIN:VCARD\r\nVERSION:2.1\r\n")
    assert from_stored("text/vcard", VCARD_30, "text/vcard") == VCARD_30
    assert from_stored("text/vcard", VCARD_30, "application/octet-stream") == VCARD_30


def test_a_previous_item_that_is_not_a_contact_is_simply_replaced() -> None:
    _, stored = to_stored("text/vcard", VCARD_30, b"a plain text memo", frozenset({"FN"}))
    assert stored == VCARD_30


def test_an_unreadable_stored_contact_is_a_server_fault() -> None:
    with pytest.raises(LocalError):
        from_stored("text/vcard", b"BEGIN:VCARD\r\nFN:never ended\r\n", "text/x-vcard")


def test_normal_form_ignores_what_syncevolution_rewrites() -> None:
    generator = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//pimgen//EN\r\nUID:u-1@pimgen.example\r\n"
        b"REV:20240115T120100Z\r\nN:Doe;John;;;\r\nFN:John Doe\r\nORG:ACME;Sales\r\n"
        b"TEL;TYPE=CELL,VOICE:+1 555\r\nBDAY:1993-08-10\r\nNOTE:a very long note that is folded across t\r\n"
        b" wo lines by the generator\r\nEND:VCARD\r\n"
    )
    rewritten = (
        b"BEGIN:VCARD\nVERSION:3.0\nPRODID:-//Synthesis AG//NONSGML SyncML Engine V3.4.0.47//EN\n"
        b"REV:20240115T130000Z\nN:Doe;John;;;\nFN:John Doe\nNICKNAME:\nORG:ACME;Sales;;\n"
        b"TEL;TYPE=VOICE,CELL:+1 555\nBDAY:19930810\nPHOTO:\nGEO:;\n"
        b"NOTE:a very long note that is folded across two lines by the generator\nEND:VCARD\n"
    )
    assert normalise_vcard(generator) == normalise_vcard(rewritten)
    assert normalise_vcard(generator) == "\n".join(
        [
            "BDAY:19930810",
            "FN:John Doe",
            "N:Doe;John",
            "NOTE:a very long note that is folded across two lines by the generator",
            "ORG:ACME;Sales",
            "TEL;TYPE=CELL,VOICE:+1 555",
        ]
    )


def test_normal_form_still_tells_different_contacts_apart() -> None:
    edited = VCARD_30.replace(b"FN:\xc5\x9eebnem Ng\xc3\xb4", b"FN:\xc5\x9eebnem Ng\xc3\xb4 (edited)")
    assert edited != VCARD_30
    assert normalise_vcard(edited) != normalise_vcard(VCARD_30)
    retyped = VCARD_30.replace(b"TEL;TYPE=CELL:", b"TEL;TYPE=HOME:")
    assert normalise_vcard(retyped) != normalise_vcard(VCARD_30)


def test_identity_is_the_name_and_the_phones_and_emails_of_a_contact() -> None:
    base = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\n"
    one = identity(
        read("text/vcard", base + b"TEL;TYPE=CELL:+49 170 1234567\r\nEMAIL:Jane@Example.org\r\nEND:VCARD\r\n")
    )
    other = identity(read("text/vcard", base + b"TEL:0170-1234567\r\nNOTE:x\r\nEND:VCARD\r\n"))
    assert one.name == other.name == "name:doe jane"
    assert one.contact_points & other.contact_points == {"tel:701234567"}
    assert "email:jane@example.org" in one.contact_points
    bare = identity(read("text/vcard", base + b"END:VCARD\r\n"))
    assert bare.name.startswith("vcard:") and not bare.contact_points
    assert identity(read("text/plain", b"note")).name == identity(read("text/plain", b"note")).name != bare.name


SIF_EVENT = (
    b'<?xml version="1.0" encoding="UTF-8"?><appointment><SIFVersion>1.1</SIFVersion>'
    b"<Subject>Review</Subject><Start>20250310T090000Z</Start><End>20250310T100000Z</End>"
    b"<AllDayEvent>0</AllDayEvent><Mileage>42 km</Mileage><BillingInformation>project 7</BillingInformation>"
    b"</appointment>"
)


def test_sif_only_fields_survive_an_edit_by_a_device_that_drops_them() -> None:
    """A device without a CTCap keeps everything it is sent, except what only SIF clients carry: when
    it sends an event back without the X-SIF-* properties, the SIF client's fields stay."""
    stored_type, stored = to_stored("text/x-s4j-sife", SIF_EVENT, None, None, "events")
    assert b"X-SIF-MILEAGE" in stored
    sent = from_stored(stored_type, stored, "text/calendar").decode()
    edited = "\r\n".join(
        line.replace("SUMMARY:Review", "SUMMARY:Design review")
        for line in sent.split("\r\n")
        if not line.startswith("X-SIF-")
    ).encode()
    _, merged = to_stored("text/calendar", edited, stored, None, "events")
    assert b"SUMMARY:Design review" in merged
    back = from_stored(stored_type, merged, "text/x-s4j-sife").decode()
    assert "<Mileage>42 km</Mileage>" in back and "<BillingInformation>project 7</BillingInformation>" in back
    assert "<Subject>Design review</Subject>" in back


def test_sif_only_fields_of_a_contact_survive_an_edit_by_a_vcard_device() -> None:
    sif = (
        b'<?xml version="1.0" encoding="UTF-8"?><contact><SIFVersion>1.1</SIFVersion><FirstName>Ada</FirstName>'
        b"<LastName>Lovelace</LastName><MobileTelephoneNumber>+44 1</MobileTelephoneNumber>"
        b"<Hobby>mathematics</Hobby></contact>"
    )
    stored_type, stored = to_stored("text/x-s4j-sifc", sif, None, None, "contacts")
    assert b"X-SIF-HOBBY" in stored
    sent = from_stored(stored_type, stored, "text/x-vcard").decode()
    edited = (
        "\r\n".join(line for line in sent.split("\r\n") if not line.startswith("X-SIF-"))
        .replace("END:VCARD", "TITLE:Countess\r\nEND:VCARD")
        .encode()
    )
    _, merged = to_stored("text/x-vcard", edited, stored, None, "contacts")
    back = from_stored(stored_type, merged, "text/x-s4j-sifc").decode()
    assert "<Hobby>mathematics</Hobby>" in back and "<JobTitle>Countess</JobTitle>" in back


def test_a_phone_written_in_other_digits_is_matched_by_its_decimal_digits() -> None:
    """Arabic-Indic and full-width digits are digits of the number; other marks (a superscript two) are not."""
    base = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\n"
    ascii_digits = identity(read("text/vcard", base + b"TEL:+49 (170) 123-4567\r\nEND:VCARD\r\n"))
    arabic = "TEL:+\u0664\u0669 \u0661\u0667\u0660 \u0661\u0662\u0663-\u0664\u0665\u0666\u0667\r\n".encode()
    full_width = "TEL:\uff10\uff11\uff17\uff10\u00b2 1234567\r\n".encode()
    assert ascii_digits.contact_points == {"tel:701234567"}
    assert identity(read("text/vcard", base + arabic + b"END:VCARD\r\n")).contact_points == {
        "tel:\u0667\u0660" + "\u0661\u0662\u0663\u0664\u0665\u0666\u0667"
    }
    assert identity(read("text/vcard", base + full_width + b"END:VCARD\r\n")).contact_points == {
        "tel:\uff17\uff10" + "1234567"
    }
