"""vCard model: parsing both versions, writing both versions, parameter and escaping conversion, merge."""

import gc
import tracemalloc

import pytest

from syncmld.content import from_stored, to_stored
from syncmld.content.vcard import VCard, merge, parse_vcard, to_vcard
from syncmld.errors import RemoteError

from .samples import PHOTO_B64, VCARD_21, VCARD_30


def card(*lines: str, version: str = "3.0") -> bytes:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD", ""]).encode("utf-8")


def unfolded_lines(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def value_of(parsed: VCard, name: str) -> str:
    return next(prop.text for prop in parsed.properties if prop.name == name)


# ------------------------------------------------------------------------------------------ round trips


def test_30_round_trip_through_the_stored_form_is_byte_identical() -> None:
    stored_type, stored = to_stored("text/vcard", VCARD_30, None, None)
    assert stored_type == "text/vcard"
    assert stored == VCARD_30
    assert from_stored(stored_type, stored, "text/vcard") == VCARD_30


def test_21_round_trip_through_the_stored_form_keeps_every_value_and_parameter() -> None:
    stored_type, stored = to_stored("text/x-vcard", VCARD_21, None, None)
    back = from_stored(stored_type, stored, "text/x-vcard")
    assert back.startswith(b"BEGIN:VCARD\r\nVERSION:2.1\r\n")
    assert parse_vcard(back) == parse_vcard(VCARD_21)


def test_stored_form_is_30_holding_every_21_property_decoded() -> None:
    _, stored = to_stored("text/x-vcard", VCARD_21, None, None)
    lines = unfolded_lines(stored)
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:3.0"]
    for expected in [
        "N:Müller;Jürgen;;Dr.;",
        "FN:Jürgen Müller",
        "ORG:Smith\\; Jones;R&D",
        "TEL;TYPE=HOME,VOICE:+49 30 1234",
        "item1.EMAIL;TYPE=INTERNET,PREF:j@example.org",
        "item1.X-ABLABEL:private",
        "ADR;TYPE=WORK:;Gebäude 8;Hauptstraße 1;Berlin;;10115;Deutschland",
        "CATEGORIES:Business,VIP",
        "NOTE:First line\\, with comma\\;\\nsecond line still second\\nthird",
        "X-EVOLUTION-FILE-AS:Müller\\, Jürgen",
        "X-CUSTOM;X-WEIRD=1;TYPE=FLAG:one\\;two",
        "PHOTO;ENCODING=b;TYPE=PNG:" + PHOTO_B64,
    ]:
        assert expected in lines
    assert b"CHARSET" not in stored
    assert b"QUOTED-PRINTABLE" not in stored


def test_30_written_as_21_converts_parameters_and_escaping() -> None:
    out = from_stored("text/vcard", VCARD_30, "text/x-vcard")
    lines = unfolded_lines(out)
    for expected in [
        "TEL;WORK;VOICE:+48 208 645-2378",
        "item2.EMAIL;INTERNET:s@example.org",
        "CATEGORIES:Friends,Work\\, and more",
        "X-CUSTOM;X-WEIRD=1;A;B:value",
        "PHOTO;ENCODING=BASE64;TYPE=PNG:" + PHOTO_B64,
    ]:
        assert expected in lines
    assert "ORG;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:M=C3=BCller & S=C3=B6hne KG, =" in lines
    parsed = parse_vcard(out)
    assert value_of(parsed, "NOTE") == "Met at the conference, likes coffee.\nSecond line; really\\."
    assert parse_vcard(out).properties == parse_vcard(VCARD_30).properties


def test_vcard21_geo_with_the_specs_comma_is_read_too() -> None:
    """The 2.1 spec writes GEO as lat,lon; devices (Synthesis) write lat;lon, as we do."""
    as_30 = to_vcard(parse_vcard(card("GEO:37.386013,-122.082932", version="2.1")), "3.0")
    assert "GEO:37.386013;-122.082932" in unfolded_lines(as_30)
    empty = to_vcard(parse_vcard(card("GEO:;", version="2.1")), "2.1")
    assert "GEO:;" in unfolded_lines(empty)


@pytest.mark.parametrize(
    ("line_30", "line_21"),
    [
        ("ORG:Smith\\, Jones\\; Partners;R\\\\D", "ORG:Smith, Jones\\; Partners;R\\\\D"),
        ("N:O\\;Brien;Pat;;;", "N:O\\;Brien;Pat;;;"),
        ("NOTE:a\\, b\\; c", "NOTE:a, b; c"),
        ("TITLE:Back\\\\slash", "TITLE:Back\\\\slash"),
        ("GEO:37.386013;-122.082932", "GEO:37.386013;-122.082932"),
        ("URL;VALUE=uri:http://example.org/a,b;c", "URL;VALUE=URL:http://example.org/a,b;c"),
        ("EMAIL;TYPE=INTERNET;TYPE=HOME:x@example.org", "EMAIL;INTERNET;HOME:x@example.org"),
        ("LOGO;ENCODING=b;TYPE=GIF:R0lGODlh", "LOGO;ENCODING=BASE64;TYPE=GIF:R0lGODlh"),
    ],
)
def test_cross_version_conversion_in_both_directions(line_30: str, line_21: str) -> None:
    as_21 = to_vcard(parse_vcard(card(line_30)), "2.1")
    assert line_21 in unfolded_lines(as_21)
    as_30 = to_vcard(parse_vcard(card(line_21, version="2.1")), "3.0")
    assert line_30.replace("TYPE=INTERNET;TYPE=HOME", "TYPE=INTERNET,HOME") in unfolded_lines(as_30)


def test_21_bare_encoding_and_value_parameters_are_recognised() -> None:
    parsed = parse_vcard(card("PHOTO;BASE64;JPEG:QUJD", "SOUND;URL:http://example.org/s.wav", version="2.1"))
    photo, sound = parsed.properties
    assert photo.params == (("ENCODING", "b"), ("TYPE", "JPEG"))
    assert sound.params == (("VALUE", "uri"),)
    assert "PHOTO;ENCODING=BASE64;TYPE=JPEG:QUJD" in unfolded_lines(to_vcard(parsed, "2.1"))


def test_21_categories_accept_semicolons_or_commas() -> None:
    first = parse_vcard(card("CATEGORIES:Business;VIP", version="2.1"))
    second = parse_vcard(card("CATEGORIES:Business,VIP", version="2.1"))
    assert first == second
    assert first.properties[0].value == (("Business", "VIP"),)


def test_a_multiline_value_in_30_becomes_quoted_printable_in_21() -> None:
    out = to_vcard(parse_vcard(card("NOTE:one\\ntwo")), "2.1")
    assert "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:one=0D=0Atwo" in unfolded_lines(out)


def test_parsing_a_vcard_without_version_reads_it_as_21() -> None:
    parsed = parse_vcard(b"BEGIN:VCARD\r\nN:Doe;John\r\nTEL;HOME:1\r\nEND:VCARD\r\n")
    assert parsed.version == "2.1"
    assert parsed.properties[1].params == (("TYPE", "HOME"),)


def test_nested_21_agent_vcard_stays_inside() -> None:
    data = card("FN:Boss", "AGENT:", "BEGIN:VCARD", "FN:Assistant", "END:VCARD", "TEL:1", version="2.1")
    parsed = parse_vcard(data)
    assert [prop.name for prop in parsed.properties] == ["FN", "AGENT", "BEGIN", "FN", "END", "TEL"]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"", 415),
        (b"hello world", 415),
        (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 415),
        (b"BEGIN:VCARD\r\nFN:x\r\n", 400),
        (b"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\nBEGIN:VCARD\r\nEND:VCARD\r\n", 400),
        (b"BEGIN:VCARD\r\nthis line has no colon\r\nEND:VCARD\r\n", 400),
    ],
)
def test_invalid_vcards_raise_remote_error(data: bytes, status: int) -> None:
    with pytest.raises(RemoteError) as caught:
        parse_vcard(data)
    assert caught.value.status == status


# ------------------------------------------------------------------------------------------------ merge

STORED = card(
    "PRODID:-//Old//EN",
    "REV:20240101T000000Z",
    "UID:u-1",
    "N:Doe;John;;;",
    "FN:John Doe",
    "TEL;TYPE=HOME:111",
    "X-SPOUSE:Jane",
    "TEL;TYPE=WORK:222",
    "PHOTO;ENCODING=b;TYPE=PNG:QUJD",
    "NOTE:kept note",
)


def names_and_values(parsed: VCard) -> list[tuple[str, str]]:
    return [(prop.name, prop.text) for prop in parsed.properties]


def test_merge_keeps_properties_the_device_does_not_support() -> None:
    incoming = card("N:Doe;Johnny;;;", "FN:Johnny Doe", "TEL;TYPE=CELL:333", version="2.1")
    merged = merge(parse_vcard(STORED), parse_vcard(incoming), frozenset({"N", "FN", "TEL"}))
    assert names_and_values(merged) == [
        ("N", "Doe;Johnny;;;"),
        ("FN", "Johnny Doe"),
        ("TEL", "333"),
        ("UID", "u-1"),
        ("X-SPOUSE", "Jane"),
        ("PHOTO", "QUJD"),
        ("NOTE", "kept note"),
    ]


def test_merging_the_same_replace_again_changes_nothing() -> None:
    incoming = parse_vcard(card("FN:Johnny Doe", "TEL;TYPE=CELL:333", "NOTE:new"))
    capabilities = frozenset({"FN", "TEL"})
    once = merge(parse_vcard(STORED), incoming, capabilities)
    assert merge(once, incoming, capabilities) == once


def test_merge_takes_removals_of_supported_properties_from_the_device() -> None:
    incoming = card("N:Doe;John;;;", "FN:John Doe")
    merged = merge(parse_vcard(STORED), parse_vcard(incoming), frozenset({"N", "FN", "TEL", "NOTE", "PHOTO"}))
    assert [prop.name for prop in merged.properties] == ["N", "FN", "UID", "X-SPOUSE"]


def test_merge_without_device_capabilities_replaces_everything_but_the_uid() -> None:
    incoming = card("N:Roe;Ann;;;", "FN:Ann Roe", "REV:20240202T000000Z")
    merged = merge(parse_vcard(STORED), parse_vcard(incoming), None)
    assert names_and_values(merged) == [*names_and_values(parse_vcard(incoming)), ("UID", "u-1")]
    with_uid = card("UID:u-2", "FN:Ann Roe")
    assert merge(parse_vcard(STORED), parse_vcard(with_uid), None) == parse_vcard(with_uid)


def test_merge_wildcard_capability_covers_x_properties_case_insensitively() -> None:
    incoming = card("FN:John Doe", "X-SPOUSE:Janet")
    merged = merge(parse_vcard(STORED), parse_vcard(incoming), frozenset({"fn", "X-*"}))
    assert ("X-SPOUSE", "Janet") in names_and_values(merged)
    assert ("TEL", "111") in names_and_values(merged)


def test_merge_takes_unlisted_properties_the_stored_card_lacks() -> None:
    incoming = card("FN:John Doe", "NICKNAME:JD")
    merged = merge(parse_vcard(STORED), parse_vcard(incoming), frozenset({"FN"}))
    assert ("NICKNAME", "JD") in names_and_values(merged)


def test_to_stored_merges_a_21_replace_into_the_stored_30_card() -> None:
    incoming = card("N;CHARSET=UTF-8:Doe;Jöhn;;;", "FN;CHARSET=UTF-8:Jöhn Doe", "TEL;HOME:999", version="2.1")
    stored_type, stored = to_stored("text/x-vcard", incoming, STORED, frozenset({"N", "FN", "TEL"}))
    assert stored_type == "text/vcard"
    lines = unfolded_lines(stored)
    assert "FN:Jöhn Doe" in lines
    assert "TEL;TYPE=HOME:999" in lines
    assert "TEL;TYPE=WORK:222" not in lines
    for kept in ["UID:u-1", "X-SPOUSE:Jane", "PHOTO;ENCODING=b;TYPE=PNG:QUJD", "NOTE:kept note"]:
        assert kept in lines
    assert not any(line.startswith(("PRODID", "REV")) for line in lines)


def test_sending_thousands_of_contacts_with_long_distinct_headers_as_21_keeps_no_memory_for_them() -> None:
    """Each header's 2.1 form is remembered; stored contacts with long, each different headers must not fill memory."""
    cards = (card(f"X-NOTE;X-KEY={n:05d}{'k' * 2000}:v") for n in range(5000))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for data in cards:
            assert from_stored("text/vcard", data, "text/x-vcard").endswith(b":v\r\nEND:VCARD\r\n")
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 2_000_000


def test_a_contact_with_a_header_longer_than_a_line_is_read_back_after_it_is_stored() -> None:
    """The stored form folds lines at 75 octets, inside a long header too; reading it back must unfold it."""
    name = "X-" + "A" * 80
    card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:A;B\r\n{name};TYPE=HOME:value\r\nEND:VCARD\r\n".encode()
    stored_type, stored = to_stored("text/vcard", card, None, None)
    assert max(len(line) for line in stored.split(b"\r\n")) <= 75
    read_back = parse_vcard(stored)
    assert [(p.name, p.params, p.value) for p in read_back.properties][-1] == (name, (("TYPE", "HOME"),), (("value",),))
    assert from_stored(stored_type, stored, "text/x-vcard").count(name.encode()) == 1
