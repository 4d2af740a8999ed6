"""Folding long lines: every value written, blanks and runs of them included, reads back as it was."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from syncmld.content.contacts import contact_to_stored
from syncmld.content.vcard import parse_vcard, to_vcard
from syncmld.content.versit import FOLD_OCTETS, Property, fold, parse_lines, serialize
from syncmld.errors import RemoteError

BLANK_RUN = " " * 150


def note_of(data: bytes) -> str:
    """The text of the first NOTE of a vCard, as a device reads it after it is stored."""
    card = parse_vcard(data)
    return next(prop.text for prop in card.properties if prop.name == "NOTE")


def card_with_note(note: str) -> bytes:
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nNOTE:{note}\r\nEND:VCARD\r\n".encode()


@pytest.mark.parametrize("note", [BLANK_RUN + "x", "x" + BLANK_RUN + "y", "\t" * 80 + "x", "é" + " " * 300 + "日本"])
def test_a_stored_contact_whose_note_holds_a_long_run_of_blanks_reads_back_as_sent(note: str) -> None:
    stored = contact_to_stored(card_with_note(note), None, None)
    assert note_of(stored) == note
    for version in ("2.1", "3.0"):
        assert note_of(to_vcard(parse_vcard(stored), version)) == note


def test_a_run_of_blanks_is_never_folded_into_the_header() -> None:
    lines = fold("NOTE:" + BLANK_RUN + "x").split("\r\n")
    assert lines[0].startswith("NOTE:")
    assert all(len(line.encode()) <= FOLD_OCTETS for line in lines)


def test_a_piece_ends_after_text_where_its_line_holds_any() -> None:
    """Readers that trim blanks at line ends lose nothing of ``a`` + blanks + ``b``: the blanks start a line."""
    lines = fold("NOTE:a" + " " * 100 + "b").split("\r\n")
    assert lines == ["NOTE:a", " " + " " * 74, " " + " " * 26 + "b"]


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("NOTE:hi\r\n   \r\nTEL:1\r\n", "hi"),
        ("NOTE:hi\r\n \t \r\n\r\nTEL:1\r\n", "hi"),
        ("NOTE:hi\r\n   \r\n", "hi"),
        ("NOTE:hi\r\n   \r\n\r\n x\r\nTEL:1\r\n", None),
        ("NOTE:hi\r\n   \r\n  \r\n x\r\nTEL:1\r\n", "hi   x"),
    ],
)
def test_lines_of_blanks_go_on_a_value_only_before_more_of_it(text: str, note: str | None) -> None:
    """A device's blank lines after a value are ignored; blank lines folded inside one are part of it."""
    if note is None:
        with pytest.raises(RemoteError, match="without ':'"):
            parse_lines(text)
        return
    read = {prop.name: prop.value for prop in parse_lines(text)}
    assert read["NOTE"] == note
    assert read.get("TEL", "1") == "1"


def test_a_device_card_with_blank_lines_after_its_end_is_read() -> None:
    assert note_of(card_with_note("hi") + b"  \r\n\t\r\n") == "hi"


def written_and_read(value: str) -> str:
    return parse_lines(serialize([Property(None, "NOTE", (), value)], "3.0"))[0].value


def assert_reads_back(value: str) -> None:
    """Within 75 octets a line, the header unfolded, read back whole but for blanks that end the value beyond
    what the full line of its last non-blank holds (lines of blanks alone at its end read as a device's)."""
    written = serialize([Property(None, "NOTE", (), value)], "3.0")
    assert all(len(line.encode()) <= FOLD_OCTETS for line in written.split("\r\n"))
    assert written.startswith("NOTE:")
    read = parse_lines(written)[0].value
    if read != value:
        lost = value[len(read) :]
        assert value.startswith(read)
        assert not lost.strip()
        last_with_text = [line for line in written.split("\r\n") if line[1:].strip()][-1]
        assert len(last_with_text.encode()) > FOLD_OCTETS - 4


_CHARS = [" ", "\t", "a", "é", "日", "😀", "\xa0"]


@pytest.mark.parametrize("length", range(301))
def test_every_length_of_blank_runs_around_the_fold_points_reads_back(length: int) -> None:
    for value in (" " * length, " " * length + "x", "x" + " " * length + "y", "é" * length, "a é" * (length // 3)):
        assert_reads_back(value)
        assert_reads_back("\t" + value[::-1])


@settings(max_examples=600)
@given(st.lists(st.tuples(st.sampled_from(_CHARS), st.integers(1, 160)), max_size=8))
@example([("a", 1), (" ", 150), ("x", 1)])
@example([(" ", 74), ("😀", 1), (" ", 74)])
def test_values_of_blanks_tabs_and_multibyte_text_read_back(runs: list[tuple[str, int]]) -> None:
    assert_reads_back("".join(char * count for char, count in runs))


@settings(max_examples=150)
@given(st.lists(st.tuples(st.sampled_from(_CHARS), st.integers(1, 120)), min_size=1, max_size=5))
def test_a_stored_contact_note_of_blanks_and_text_reads_back(runs: list[tuple[str, int]]) -> None:
    note = "".join(char * count for char, count in runs) + "."
    assert note_of(contact_to_stored(card_with_note(note), None, None)) == note
