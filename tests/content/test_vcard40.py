"""vCard 4.0 (RFC 6350) read into the stored 3.0 and written from it: a round trip either way loses nothing."""

import pytest

from syncmld.content import from_stored, normalise_vcard, to_stored
from syncmld.content.contacts import Contact, contact_as
from syncmld.content.vcard import parse_vcard

from .samples import PHOTO_B64, VCARD_21, VCARD_30


def card(*lines: str, version: str = "4.0") -> bytes:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD", ""]).encode("utf-8")


def as_40(stored: bytes) -> bytes:
    return contact_as(Contact("text/vcard", stored), "4.0")


def unfolded_lines(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


@pytest.mark.parametrize(("wire_type", "sent"), [("text/x-vcard", VCARD_21), ("text/vcard", VCARD_30)])
def test_a_stored_card_written_as_40_and_read_back_is_the_same_card(wire_type: str, sent: bytes) -> None:
    _, stored = to_stored(wire_type, sent, None, None)
    written = as_40(stored)
    assert written.startswith(b"BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert b"CHARSET" not in written and b"QUOTED-PRINTABLE" not in written and b"ENCODING" not in written
    assert "PHOTO:data:image/png;base64," + PHOTO_B64 in unfolded_lines(written)
    _, back = to_stored("text/vcard", written, None, None)
    assert normalise_vcard(back) == normalise_vcard(stored)
    assert back == stored or wire_type == "text/x-vcard", "a 3.0 card comes back byte for byte"


@pytest.mark.parametrize(
    ("line_40", "line_30"),
    [
        ("KIND:group", "X-ADDRESSBOOKSERVER-KIND:group"),
        (
            "MEMBER:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af",
            "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af",
        ),
        ("GENDER:F;divers", "X-GENDER:F;divers"),
        ("ANNIVERSARY:19960415", "X-ANNIVERSARY:19960415"),
        ("TEL;TYPE=cell;VALUE=uri:tel:+49-170-5678", "TEL;TYPE=cell:+49-170-5678"),
        ("TEL;TYPE=home;VALUE=uri:tel:+1-555-555-5555;ext=5", "TEL;TYPE=home:+1-555-555-5555;ext=5"),
        ("TEL;TYPE=work:030 1234 567", "TEL;TYPE=work:030 1234 567"),
        ("TEL;VALUE=uri:sip:ann@example.org", "TEL;VALUE=uri:sip:ann@example.org"),
        ("EMAIL;TYPE=work;PREF=1:ann@example.org", "EMAIL;TYPE=work;TYPE=pref:ann@example.org"),
        ("EMAIL;PREF=2:ann@example.org", "EMAIL;PREF=2:ann@example.org"),
        ("GEO:geo:37.386013,-122.082932", "GEO:37.386013;-122.082932"),
        ("PHOTO:http://example.org/ann.jpg", "PHOTO;VALUE=uri:http://example.org/ann.jpg"),
        ("LOGO:data:image/jpeg;base64,AAEC", "LOGO;ENCODING=b;TYPE=JPEG:AAEC"),
        ("SOUND:data:audio/ogg;base64,AAEC", "SOUND;ENCODING=b;TYPE=OGG:AAEC"),
        ("KEY:data:application/pgp-keys;base64,AAEC", "KEY;ENCODING=b;TYPE=PGP:AAEC"),
        ("PHOTO:data:application/octet-stream;base64,AAEC", "PHOTO;ENCODING=b:AAEC"),
        ("BDAY:--0415", "BDAY:--0415"),
        ("NOTE:one\\, two\\nthree", "NOTE:one\\, two\\nthree"),
    ],
)
def test_40_properties_in_the_stored_30_and_back(line_40: str, line_30: str) -> None:
    _, stored = to_stored("text/vcard", card("FN:Ann", line_40), None, None)
    assert line_30 in unfolded_lines(stored)
    assert line_40 in unfolded_lines(as_40(stored))


def test_a_data_uri_folded_over_lines_is_read_whole() -> None:
    sent = card("FN:Ann", "PHOTO:data:image/png;base64," + PHOTO_B64[:40], " " + PHOTO_B64[40:])
    _, stored = to_stored("text/vcard", sent, None, None)
    assert "PHOTO;ENCODING=b;TYPE=PNG:" + PHOTO_B64 in unfolded_lines(stored)


def test_a_40_card_a_phone_gets_is_21_without_40_syntax() -> None:
    sent = card("FN:Ann Ö", "TEL;VALUE=uri;TYPE=cell;PREF=1:tel:+49-170-5678", "PHOTO:data:image/png;base64,AAEC")
    _, stored = to_stored("text/vcard", sent, None, None)
    phone = from_stored("text/vcard", stored, "text/x-vcard")
    lines = unfolded_lines(phone)
    assert "TEL;cell;pref:+49-170-5678" in lines
    assert "PHOTO;ENCODING=BASE64;TYPE=PNG:AAEC" in lines
    assert b"tel:" not in phone and b"data:" not in phone


def test_40_needs_a_formatted_name_made_from_what_the_card_has() -> None:
    for lines, name in (
        (("N:Müller;Jürgen;Karl;Dr.;jr.",), "Dr. Jürgen Karl Müller jr."),
        (("ORG:ACME;Sales",), "ACME"),
        (("EMAIL:ann@example.org",), "ann@example.org"),
    ):
        written = as_40(to_stored("text/vcard", card(*lines, version="3.0"), None, None)[1])
        assert unfolded_lines(written)[2] == f"FN:{name}", lines
    nameless = as_40(to_stored("text/vcard", card("TEL:+49 170", version="3.0"), None, None)[1])
    assert b"FN:" not in nameless


def test_the_uid_of_a_stored_card_is_read_from_its_line() -> None:
    folded = card("FN:Ann", "UID:" + "u" * 100, version="3.0").replace(b"u" * 100, b"u" * 60 + b"\r\n " + b"u" * 40)
    assert Contact("text/vcard", folded).uid == "u" * 100
    assert Contact("text/vcard", card("FN:Ann", "item1.UID;X-A=1: spaced ", version="3.0")).uid == "spaced"
    assert Contact("text/vcard", card("FN:Ann", "UID:", version="3.0")).uid is None
    assert Contact("text/vcard", card("FN:Ann", "a.uId:any case", version="3.0")).uid == "any case"
    assert Contact("text/vcard", card("FN:Ann", "X-UID:no", "NOTE:UID:no", version="3.0")).uid is None
    for sample in (VCARD_30, to_stored("text/x-vcard", VCARD_21, None, None)[1]):
        parsed = parse_vcard(sample)
        expected = next((prop.text for prop in parsed.properties if prop.name == "UID"), None)
        assert Contact("text/vcard", sample).uid == expected
