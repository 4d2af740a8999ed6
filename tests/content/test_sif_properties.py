"""Properties over any text a SIF client may type: it survives SIF -> stored -> SIF, and garbage is refused."""

import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from syncmld.content import to_stored
from syncmld.content.sif import sif_to_stored, stored_to_sif
from syncmld.content.vcard import parse_vcard
from syncmld.errors import RemoteError
from syncmld.status import StatusCode

from .sif_documents import only_component, sif_document, sif_fields

XML_TEXT = st.text(
    st.one_of(
        st.sampled_from("<>&;,:\\\"'\n\t =/"),
        st.characters(blacklist_categories=("Cs", "Cc", "Co"), blacklist_characters="\ufffe\uffff"),
    ),
    max_size=40,
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(first=XML_TEXT, last=XML_TEXT, body=XML_TEXT, company=XML_TEXT, categories=XML_TEXT, custom=XML_TEXT)
def test_contact_text_fields_survive_a_round_trip(
    first: str, last: str, body: str, company: str, categories: str, custom: str
) -> None:
    sent = {
        "FirstName": first,
        "LastName": last,
        "Body": body,
        "CompanyName": company,
        "Categories": categories,
        "Hobby": custom,
    }
    stored_type, stored = sif_to_stored(sif_document("contact", sent), "text/x-s4j-sifc")
    card = {prop.name: prop for prop in parse_vcard(stored).properties}
    assert card["N"].value[:2] == ((last,), (first,))
    back = sif_fields(stored_to_sif(stored_type, stored, "text/x-s4j-sifc"))
    assert {name: back[name] for name in sent} == sent


@SETTINGS
@given(subject=XML_TEXT, body=XML_TEXT, location=XML_TEXT, mileage=XML_TEXT)
def test_event_text_fields_survive_a_round_trip(subject: str, body: str, location: str, mileage: str) -> None:
    sent = {
        "Subject": subject,
        "Body": body,
        "Location": location,
        "Mileage": mileage,
        "Start": "20240301T090000Z",
        "End": "20240301T100000Z",
        "AllDayEvent": "0",
    }
    stored_type, stored = sif_to_stored(sif_document("appointment", sent), "text/x-s4j-sife")
    event = only_component(stored, "VEVENT")
    assert str(event.get("SUMMARY", "")) == subject
    back = sif_fields(stored_to_sif(stored_type, stored, "text/x-s4j-sife"))
    assert {name: back[name] for name in sent} == sent


@SETTINGS
@given(subject=XML_TEXT, body=XML_TEXT)
@example(subject="\ufeff", body="\ufeffbody")
def test_note_text_fields_survive_a_round_trip(subject: str, body: str) -> None:
    sent = {"Subject": subject, "Body": body, "Color": "1"}
    stored_type, stored = sif_to_stored(sif_document("note", sent), "text/x-s4j-sifn")
    assert str(only_component(stored, "VJOURNAL").get("DESCRIPTION", "")) == body
    back = sif_fields(stored_to_sif(stored_type, stored, "text/x-s4j-sifn"))
    assert {name: back[name] for name in sent} == sent


FOLDERS = {"sifc": "contacts", "sife": "events", "sift": "tasks", "sifn": "notes"}


@SETTINGS
@example(data=b"<contact/>", kind="sifc")
@example(
    data=b"<contact><SIFVersion>1.1</SIFVersion><FirstName/><Sensitivity>0</Sensitivity>"
    b"<Importance>1</Importance></contact>",
    kind="sifc",
)
@example(data=b"<appointment/>", kind="sife")
@example(data=b"<appointment/>", kind="sift")
@example(data=b"<task><Importance>1</Importance><Complete>0</Complete></task>", kind="sift")
@example(data=b"<note><Subject> </Subject><Body></Body><Color>1</Color></note>", kind="sifn")
@example(data=b"<note>text outside any field</note>", kind="sifn")
@given(data=st.binary(max_size=200), kind=st.sampled_from(sorted(FOLDERS)))
def test_garbage_is_refused_with_a_remote_error(data: bytes, kind: str) -> None:
    """Bytes that are no SIF document, and documents with nothing a user could see, are refused with a
    4xx status (anything but RemoteError escaping fails the test too)."""
    with pytest.raises(RemoteError) as refused:
        to_stored(f"text/x-s4j-{kind}", data, None, None, FOLDERS[kind])
    assert 400 <= refused.value.status < 500


@SETTINGS
@given(
    kind=st.sampled_from([("appointment", "sife"), ("task", "sift")]),
    values=st.dictionaries(
        st.sampled_from(
            [
                "Start",
                "End",
                "AllDayEvent",
                "StartDate",
                "DueDate",
                "IsRecurring",
                "RecurrenceType",
                "Interval",
                "DayOfWeekMask",
                "DayOfMonth",
                "MonthOfYear",
                "Instance",
                "Occurrences",
                "NoEndDate",
                "PatternEndDate",
                "ReminderSet",
                "ReminderMinutesBeforeStart",
                "ReminderTime",
                "Importance",
                "Sensitivity",
                "BusyStatus",
                "Status",
                "Complete",
                "PercentComplete",
                "DateCompleted",
            ]
        ),
        st.one_of(st.text(string.digits + "-TZ:", max_size=17), st.sampled_from(["1", "0", "99999999999"])),
    ),
)
def test_any_field_values_convert_or_are_refused_as_bad_requests(kind: tuple[str, str], values: dict[str, str]) -> None:
    root, suffix = kind
    content_type = f"text/x-s4j-{suffix}"
    try:
        stored_type, stored = sif_to_stored(sif_document(root, values), content_type)
    except RemoteError:
        return
    back = sif_fields(stored_to_sif(stored_type, stored, content_type))
    assert {name: back.get(name) for name in values} == values


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"<contact><FirstName>x</FirstName></contact>", "text/x-s4j-sife"),
        (b"<note><Subject>x</Subject></note>", "text/x-s4j-sifc"),
        (b"not xml at all", "text/x-s4j-sifn"),
        (b"", "text/x-sifc"),
        (b'<!DOCTYPE note [<!ENTITY e "boom">]><note><Subject>&e;</Subject></note>', "text/x-s4j-sifn"),
        (b"<note><Subject>x</Subject></note>", "text/x-vcard"),
    ],
)
def test_documents_of_another_kind_or_with_entities_are_refused(data: bytes, content_type: str) -> None:
    with pytest.raises(RemoteError) as refused:
        sif_to_stored(data, content_type)
    assert refused.value.status == StatusCode.BAD_REQUEST
