"""Notes: text/plain and vNote 1.1 to the stored iCalendar VJOURNAL and back."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Component, Journal

from syncmld import content
from syncmld.content.ical_text import write_ical
from syncmld.content.notes import PLAIN_TEXT_TYPE, VNOTE_TYPE, ical_to_note, note_to_ical
from syncmld.errors import LocalError, RemoteError
from syncmld.protocol.xml import parse_tree
from syncmld.status import StatusCode

MEMOS = 60
CAPTURE = Path("interop") / "capture" / "xml-memos-text-slow" / "002-c2s.xml"
CDATA = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
LINE_END = re.compile(r"\r\n|\r|\n")

# text a device may type: any character but surrogates (never decoded from bytes)
note_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
line_end = st.sampled_from(["\n", "\r\n"])
printable_line = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)

VNOTE_QP = (
    b"BEGIN:VNOTE\r\n"
    b"VERSION:1.1\r\n"
    b"BODY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Einkaufsliste=0D=0A- Milch, Eier, K=C3=A4se=0D=0A=\r\n"
    b"- Caf=C3=A9; mit \\\\ Backslash\r\n"
    b"SUMMARY;CHARSET=UTF-8:Einkaufsliste\r\n"
    b"CATEGORIES:Personal;Shopping\r\n"
    b"CLASS:private\r\n"
    b"DCREATED:20240102T030405Z\r\n"
    b"LAST-MODIFIED:20240203T040506Z\r\n"
    b"X-IRMC-LUID:000001000012\r\n"
    b"X-NOKIA-COLOR;X-SCHEME=rgb:yellow\r\n"
    b"END:VNOTE\r\n"
)


def journal(stored: bytes) -> Component:
    """The one VJOURNAL of a stored note (read with icalendar, as any calendar client would)."""
    calendar = Calendar.from_ical(stored)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//syncmld//syncmld//EN"
    journals = [sub for sub in calendar.subcomponents if sub.name == "VJOURNAL"]
    assert len(journals) == 1
    return journals[0]


def crlf(text: str) -> bytes:
    return LINE_END.sub("\r\n", text).encode("utf-8")


def plain_round_trip(data: bytes) -> bytes:
    return ical_to_note(note_to_ical(data, PLAIN_TEXT_TYPE), PLAIN_TEXT_TYPE)


def categories(component: Component) -> list[str]:
    return [str(item) for item in component["CATEGORIES"].cats]


# ------------------------------------------------------------------------------------------ text/plain


def test_syncevolution_memos_come_back_byte_for_byte(shared_dir: Path) -> None:
    message = (shared_dir / CAPTURE).read_bytes()
    wire_items = CDATA.findall(message)
    as_parsed = [data.text or "" for data in parse_tree(message).iter("Data") if "\n" in (data.text or "")]
    assert len(wire_items) == len(as_parsed) == 4
    for wire, parsed in zip(wire_items, as_parsed, strict=True):
        assert b"\r\n" in wire
        # over XML the item arrives with LF line ends (XML end-of-line handling), over WBXML as sent
        for received in (parsed.encode("utf-8"), wire):
            stored = note_to_ical(received, PLAIN_TEXT_TYPE)
            assert ical_to_note(stored, PLAIN_TEXT_TYPE) == wire
            assert str(journal(stored)["SUMMARY"]) == parsed.split("\n")[0]
            assert str(journal(stored)["DESCRIPTION"]) == parsed


def test_generated_memos_keep_title_and_text(shared_dir: Path, tmp_path: Path) -> None:
    script = shared_dir / "interop" / "gen_memos.py"
    subprocess.run(
        [sys.executable, str(script), str(MEMOS), str(tmp_path), "--format", "text"], check=True, capture_output=True
    )
    files = sorted(tmp_path.glob("*.txt"))
    assert len(files) == MEMOS
    for path in files:
        data = path.read_bytes()
        text = data.decode("utf-8")
        stored = note_to_ical(data, PLAIN_TEXT_TYPE)
        assert str(journal(stored)["SUMMARY"]) == text.split("\n")[0].strip()
        assert str(journal(stored)["DESCRIPTION"]) == text
        assert plain_round_trip(data) == crlf(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(note_text, max_size=6), line_end, st.integers(min_value=0, max_value=3))
def test_any_text_round_trips(lines: list[str], newline: str, blank_first_lines: int) -> None:
    text = newline * blank_first_lines + newline.join(lines)
    assume(not text.startswith("\ufeff"))
    assert plain_round_trip(text.encode("utf-8")) == crlf(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(printable_line, min_size=1, max_size=5), st.integers(min_value=0, max_value=3))
def test_title_is_the_first_non_blank_line(lines: list[str], blank_first_lines: int) -> None:
    text = "  \n" * blank_first_lines + "\n".join(lines)
    stored = note_to_ical(text.encode("utf-8"), PLAIN_TEXT_TYPE)
    titles = [line.strip() for line in text.split("\n") if line.strip()]
    component = journal(stored)
    if titles:
        assert str(component["SUMMARY"]) == titles[0]
    else:
        assert "SUMMARY" not in component
    assert str(component["DESCRIPTION"]) == text


def test_latin1_text_is_read_and_served_as_utf8() -> None:
    stored = note_to_ical(b"Caf\xe9 am Mittwoch\r\nGr\xfc\xdfe", PLAIN_TEXT_TYPE)
    assert str(journal(stored)["SUMMARY"]) == "Café am Mittwoch"
    assert ical_to_note(stored, "text/plain; charset=UTF-8") == "Café am Mittwoch\r\nGrüße".encode()


def test_byte_order_mark_is_not_part_of_the_title() -> None:
    stored = note_to_ical("\ufeffTitle\nbody".encode(), PLAIN_TEXT_TYPE)
    assert str(journal(stored)["SUMMARY"]) == "Title"
    assert ical_to_note(stored, PLAIN_TEXT_TYPE) == b"Title\r\nbody"


def test_plain_text_notes_carry_no_uid() -> None:
    assert "UID" not in journal(note_to_ical(b"Title\nbody", PLAIN_TEXT_TYPE))


def test_converting_twice_gives_the_same_stored_bytes() -> None:
    assert note_to_ical(VNOTE_QP, VNOTE_TYPE) == note_to_ical(VNOTE_QP, VNOTE_TYPE)
    assert note_to_ical(b"a\nb", PLAIN_TEXT_TYPE) == note_to_ical(b"a\r\nb", PLAIN_TEXT_TYPE)


# ----------------------------------------------------------------------------------------------- vNote


def test_vnote_with_quoted_printable_and_charset_becomes_a_journal() -> None:
    component = journal(note_to_ical(VNOTE_QP, VNOTE_TYPE))
    assert str(component["SUMMARY"]) == "Einkaufsliste"
    assert str(component["DESCRIPTION"]) == "Einkaufsliste\n- Milch, Eier, Käse\n- Café; mit \\ Backslash"
    assert categories(component) == ["Personal", "Shopping"]
    assert str(component["CLASS"]) == "PRIVATE"
    assert component["CREATED"].dt.isoformat() == "2024-01-02T03:04:05+00:00"
    assert component["LAST-MODIFIED"].dt.isoformat() == "2024-02-03T04:05:06+00:00"
    assert str(component["X-NOKIA-COLOR"]) == "yellow"
    assert component["X-NOKIA-COLOR"].params["X-SCHEME"] == "rgb"
    assert "X-IRMC-LUID" not in component
    assert "UID" not in component


def test_vnote_round_trip_keeps_summary_body_categories_and_class() -> None:
    stored = note_to_ical(VNOTE_QP, VNOTE_TYPE)
    vnote = ical_to_note(stored, VNOTE_TYPE)
    assert note_to_ical(vnote, VNOTE_TYPE) == stored
    lines = vnote.decode("ascii").split("\r\n")
    assert lines[:2] == ["BEGIN:VNOTE", "VERSION:1.1"]
    assert lines[-2:] == ["END:VNOTE", ""]
    assert all(len(line) <= 76 for line in lines)
    assert "CATEGORIES:Personal;Shopping" in lines
    assert "CLASS:PRIVATE" in lines
    assert "DCREATED:20240102T030405Z" in lines
    assert "X-NOKIA-COLOR;X-SCHEME=rgb:yellow" in lines
    assert not any(line.startswith("X-IRMC-LUID") for line in lines)


def test_vnote_is_written_with_crlf_and_utf8_charset_only_where_needed() -> None:
    ascii_note = ical_to_note(note_to_ical(b"Call Bob", PLAIN_TEXT_TYPE), VNOTE_TYPE)
    assert b"BODY:Call Bob\r\n" in ascii_note
    assert b"CHARSET" not in ascii_note
    assert b"\n" not in ascii_note.replace(b"\r\n", b"")
    accented = ical_to_note(note_to_ical("Grüße".encode(), PLAIN_TEXT_TYPE), VNOTE_TYPE)
    assert b"BODY;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Gr=C3=BC=C3=9Fe\r\n" in accented


def test_vnote_in_latin1_quoted_printable() -> None:
    vnote = (
        b"BEGIN:VNOTE\r\nVERSION:1.1\r\n"
        b"BODY;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Gr=FC=DFe=0D=0Aaus K=F6ln\r\n"
        b"END:VNOTE\r\n"
    )
    component = journal(note_to_ical(vnote, VNOTE_TYPE))
    assert str(component["DESCRIPTION"]) == "Grüße\naus Köln"
    assert str(component["SUMMARY"]) == "Grüße"


def test_vnote_escapes_and_lf_only_lines_are_read() -> None:
    vnote = b"BEGIN:VNOTE\nVERSION:1.1\nBODY:one\\ntwo\\; three\\, four\\\\five\nCATEGORIES:a\\,b,c\nEND:VNOTE\n"
    component = journal(note_to_ical(vnote, VNOTE_TYPE))
    assert str(component["DESCRIPTION"]) == "one\ntwo; three, four\\five"
    assert categories(component) == ["a,b", "c"]


def test_vnote_uid_is_kept_when_the_device_sends_one() -> None:
    vnote = b"BEGIN:VNOTE\r\nVERSION:1.1\r\nUID:note-42@example.org\r\nBODY:x\r\nEND:VNOTE\r\n"
    stored = note_to_ical(vnote, VNOTE_TYPE)
    assert str(journal(stored)["UID"]) == "note-42@example.org"
    assert b"UID:note-42@example.org\r\n" in ical_to_note(stored, VNOTE_TYPE)


def test_a_vnote_update_changes_the_x_properties_it_sends_and_keeps_the_others() -> None:
    def vnote(color: str) -> bytes:
        return f"BEGIN:VNOTE\r\nVERSION:1.1\r\nBODY:Shopping\r\nX-COLOR:{color}\r\nEND:VNOTE\r\n".encode()

    _, first = content.to_stored(VNOTE_TYPE, vnote("red"), None, None, "notes")
    with_sif_field = first.replace(b"END:VJOURNAL", b"X-SIF-HEIGHT:200\r\nEND:VJOURNAL")
    _, updated = content.to_stored(VNOTE_TYPE, vnote("blue"), with_sif_field, None, "notes")
    component = journal(updated)
    assert str(component["X-COLOR"]) == "blue"
    assert str(component["X-SIF-HEIGHT"]) == "200"
    assert b"X-COLOR:blue" in content.from_stored("text/calendar", updated, VNOTE_TYPE)


def test_unreadable_vnote_dates_are_left_out() -> None:
    vnote = (
        b"BEGIN:VNOTE\r\nVERSION:1.1\r\nBODY:x\r\nDCREATED:yesterday\r\nLAST-MODIFIED:20241301T000000Z\r\nEND:VNOTE\r\n"
    )
    component = journal(note_to_ical(vnote, VNOTE_TYPE))
    assert "CREATED" not in component
    assert "LAST-MODIFIED" not in component


@settings(max_examples=200, deadline=None)
@given(
    note_text,
    st.one_of(st.none(), printable_line.filter(str.strip)),
    st.lists(printable_line.filter(str.strip), max_size=3),
    st.sampled_from([None, "PUBLIC", "PRIVATE", "CONFIDENTIAL"]),
)
@example("\\N", None, [], None)
def test_stored_note_round_trips_through_vnote(
    text: str, summary: str | None, tags: list[str], access: str | None
) -> None:
    body = LINE_END.sub("\n", text)
    stored = Journal()
    stored.add("DESCRIPTION", body)
    if summary is not None:
        stored.add("SUMMARY", summary)
    if tags:
        stored.add("CATEGORIES", [tag.strip() for tag in tags])
    if access:
        stored.add("CLASS", access)
    calendar = Calendar()
    calendar.add_component(stored)
    # written as the server writes stored objects: icalendar's own writer turns a typed backslash-N into a line end
    again = journal(note_to_ical(ical_to_note(write_ical(calendar), VNOTE_TYPE), VNOTE_TYPE))
    assert str(again["DESCRIPTION"]) == body
    titles = [line.strip() for line in body.split("\n") if line.strip()]
    expected_summary = summary if summary is not None else titles[0] if titles else None
    assert (str(again["SUMMARY"]) if "SUMMARY" in again else None) == expected_summary
    assert (categories(again) if "CATEGORIES" in again else []) == [tag.strip() for tag in tags]
    assert again.get("CLASS") == access


# --------------------------------------------------------------------------------- other stored objects


EVENT = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    b"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
    b"TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    b"BEGIN:VEVENT\r\nUID:ev-1\r\nDTSTART;TZID=Europe/Berlin:20240105T100000\r\n"
    b"SUMMARY:Team meeting\r\nDESCRIPTION:Agenda:\\n1. budget\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_an_event_is_served_as_title_then_description() -> None:
    assert ical_to_note(EVENT, PLAIN_TEXT_TYPE) == b"Team meeting\r\nAgenda:\r\n1. budget"
    vnote = ical_to_note(EVENT, VNOTE_TYPE)
    assert b"SUMMARY:Team meeting\r\n" in vnote
    assert b"BODY;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Agenda:=0D=0A1. budget\r\n" in vnote


def test_description_already_starting_with_the_title_is_not_repeated() -> None:
    event = EVENT.replace(b"DESCRIPTION:Agenda:", b"DESCRIPTION:Team meeting\\nAgenda:")
    assert ical_to_note(event, PLAIN_TEXT_TYPE) == b"Team meeting\r\nAgenda:\r\n1. budget"


def test_title_without_description_is_the_whole_text() -> None:
    stored = EVENT.replace(b"DESCRIPTION:Agenda:\\n1. budget\r\n", b"")
    assert ical_to_note(stored, PLAIN_TEXT_TYPE) == b"Team meeting"
    assert b"BODY:Team meeting\r\n" in ical_to_note(stored, VNOTE_TYPE)


# ---------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"just some text",
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:x\r\nEND:VCARD\r\n",
        b"BEGIN:VNOTE\r\nVERSION:1.1\r\nBODY:x\r\n",
        b"BEGIN:VNOTE\r\nBODY:x\r\nEND:VNOTE\r\nBEGIN:VNOTE\r\nEND:VNOTE\r\n",
        b"BEGIN:VNOTE\r\nBEGIN:VNOTE\r\nEND:VNOTE\r\nEND:VNOTE\r\n",
        b"BEGIN:VNOTE\r\nthis line has no colon\r\nEND:VNOTE\r\n",
        b"\xff\xfe\x00B\x00E",
    ],
)
def test_what_is_not_a_vnote_is_a_bad_request(data: bytes) -> None:
    with pytest.raises(RemoteError) as raised:
        note_to_ical(data, VNOTE_TYPE)
    assert raised.value.status is StatusCode.BAD_REQUEST


def test_other_content_types_are_unsupported() -> None:
    with pytest.raises(RemoteError) as raised:
        note_to_ical(b"BEGIN:VCARD\r\nEND:VCARD\r\n", "text/x-vcard")
    assert raised.value.status is StatusCode.UNSUPPORTED_MEDIA_TYPE


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"", b"BEGIN:VNOTE\r\n", b"BEGIN:VNOTE\r\nBODY;"]))
def test_random_bytes_give_a_note_or_a_remote_error(data: bytes, prefix: bytes) -> None:
    try:
        stored = note_to_ical(prefix + data + b"\r\nEND:VNOTE\r\n", VNOTE_TYPE)
    except RemoteError as error:
        assert error.status is StatusCode.BAD_REQUEST
    else:
        journal(stored)
    journal(note_to_ical(data, PLAIN_TEXT_TYPE))


def test_stored_data_that_is_not_icalendar_is_a_local_error() -> None:
    with pytest.raises(LocalError):
        ical_to_note(b"not a calendar", PLAIN_TEXT_TYPE)
    with pytest.raises(LocalError):
        ical_to_note(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", PLAIN_TEXT_TYPE)
    with pytest.raises(LocalError):
        ical_to_note(EVENT, "text/x-vcard")
