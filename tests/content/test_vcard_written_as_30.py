"""A new contact's stored form is written without building its card: the same bytes as reading the
card and writing it as vCard 3.0, and the same verdict on whether it holds anything a user can see.
A stored contact (or any vCard) goes to a vCard 2.1 device the same way: the bytes that reading the card
and writing it as 2.1 give."""

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncmld.content.common import Identity
from syncmld.content.contacts import UNSEEN_PROPERTIES, Contact, _named_identity, card_identity, contact_to_stored
from syncmld.content.kind import digest
from syncmld.content.vcard import (
    VCard,
    _card,
    _read_lines,
    has_text,
    normal_form,
    parse_vcard,
    to_vcard,
    written_as_21,
    written_as_30,
)
from syncmld.errors import RemoteError
from tests.content.test_generated_and_captured import generate, vcards_in


def through_the_card(data: bytes) -> tuple[bytes, bool]:
    """What the stored form was before it skipped the card: read it, write it as 3.0, look at its values."""
    card = parse_vcard(data)
    visible = any(prop.name not in UNSEEN_PROPERTIES and has_text(prop.value) for prop in card.properties)
    return to_vcard(card, "3.0"), visible


def outcome(convert: Callable[[bytes], object], data: bytes) -> object:
    """What ``convert(data)`` gives, or the status and reason of the RemoteError it raises."""
    try:
        return convert(data)
    except RemoteError as error:
        return error.status, str(error)


def same_both_ways(data: bytes) -> None:
    stored = outcome(lambda d: written_as_30(d, UNSEEN_PROPERTIES), data)
    assert stored == outcome(through_the_card, data)
    for card in (data, stored[0]) if isinstance(stored, tuple) and isinstance(stored[0], bytes) else (data,):
        assert outcome(written_as_21, card) == outcome(lambda d: to_vcard(parse_vcard(d), "2.1"), card)


@pytest.mark.parametrize("version", ["3.0", "2.1"])
def test_generated_contacts_are_written_as_the_card_would_write_them(
    shared_dir: Path, tmp_path: Path, version: str
) -> None:
    files = generate(shared_dir, tmp_path, "200", "--version", version)
    assert len(files) == 200
    for path in files:
        same_both_ways(path.read_bytes())
        stored = contact_to_stored(path.read_bytes(), None, None)
        assert Contact("text/vcard", stored).identity == identity_through_the_card(stored)


def test_recorded_contacts_are_written_as_the_card_would_write_them(shared_dir: Path) -> None:
    recorded = [
        vcard
        for message in sorted((shared_dir / "interop" / "capture").glob("*/*.xml"))
        for vcard in vcards_in(message)
    ]
    assert len(recorded) > 30
    for vcard in recorded:
        same_both_ways(vcard)


# Separators and quoted-printable line breaks (which only a QP value can hold unescaped), with and
# without backslash escapes: a value with none is the one written as it was read.
_PLAIN = [";", ",", ":", '"', " ", "\t", "é", "日", "a", "N", "=0D=0A", "=0A", "=3D"]
_ESCAPES = ["\\", "\\n", "\\,", "\\;", "\\x"]
_VALUE = st.one_of(
    st.lists(st.sampled_from(_PLAIN), max_size=10), st.lists(st.sampled_from(_PLAIN + _ESCAPES), max_size=10)
).map("".join)
_NAMES = st.sampled_from(["N", "FN", "NOTE", "TEL", "EMAIL", "ADR", "CATEGORIES", "UID", "REV", "X-FOO", "PHOTO"])
_PARAMS = st.sampled_from(
    ["", ";TYPE=HOME", ";ENCODING=b", ";ENCODING=QUOTED-PRINTABLE", ";CHARSET=UTF-8", ';X-A="a:b;c"', ";type=work"]
)
_LINE = st.builds(
    "{}{}{}:{}{}{}\r\n".format,
    st.sampled_from(["", "item1."]),
    _NAMES,
    _PARAMS,
    _VALUE,
    st.sampled_from(["", "\r\n "]),
    _VALUE,
)


@settings(max_examples=400)
@given(
    lines=st.lists(_LINE, max_size=8),
    version=st.sampled_from(["3.0", "2.1", "4.0"]),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_any_vcard_is_written_as_the_card_would_write_it(lines: list[str], version: str, newline: str) -> None:
    """Either line break: a device's CRLF reaches us as LF when an XML parser has read the message."""
    text = f"BEGIN:VCARD\r\nVERSION:{version}\r\n{''.join(lines)}END:VCARD\r\n"
    same_both_ways(text.replace("\r\n", newline).encode())


@settings(max_examples=400)
@given(
    lines=st.lists(_LINE, min_size=1, max_size=6),
    folds=st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from([b" ", b"\t", b"  ", b" \xc2\xa0", b"\t ", b" \t"])), max_size=4
    ),
    newline=st.sampled_from([b"\r\n", b"\n"]),
)
def test_a_vcard_folded_anywhere_is_written_as_the_card_would_write_it(
    lines: list[str], folds: list[tuple[float, bytes]], newline: bytes
) -> None:
    """Folds in a value, in a header, inside a UTF-8 sequence, before a line of blanks or a blank line: each is read
    as the lexer reads it."""
    data = f"BEGIN:VCARD\r\nVERSION:3.0\r\n{''.join(lines)}END:VCARD\r\n".encode()
    for at, blank in sorted(folds, reverse=True):
        cut = 26 + int(at * (len(data) - 37))
        data = data[:cut] + b"\r\n" + blank + data[cut:]
    data = data.replace(b"\r\n", newline)
    assert outcome(lambda d: written_as_30(d, UNSEEN_PROPERTIES), data) == outcome(through_the_card, data)


_BREAK = st.sampled_from(["\r\n", "\n", "\r"])
_KEPT_LINE = st.builds(
    "{}{}{}:{}".format,
    st.sampled_from(["", "item1."]),
    _NAMES,
    st.sampled_from(["", ";TYPE=HOME", ";CELL", ";ENCODING=b"]),
    _VALUE,
)
"""A line whose header a card keeps as it came."""
_ODD_LINE = st.one_of(
    _KEPT_LINE, _LINE.map(str.rstrip), st.sampled_from(["FN", "TEL;TYPE=HOME", "", " ", "N:A", "NOTE:a\rb"])
)


@settings(max_examples=400)
@given(
    version=st.sampled_from(["3.0", "2.1"]),
    first=st.tuples(_BREAK, _BREAK),
    lines=st.lists(st.tuples(_ODD_LINE, _BREAK, st.sampled_from([1, 1, 1, 0])), min_size=1, max_size=8),
    last=st.sampled_from(["\r\n", "\n", "\r", "", "\r\n\r\n"]),
)
def test_a_vcard_with_any_line_breaks_is_read_and_written_as_the_card_would(
    version: str, first: tuple[str, str], lines: list[tuple[str, str, int]], last: str
) -> None:
    """Line breaks CRLF, LF or CR on each line, lines without ':' (some a header a card keeps), blank lines, no
    line break after END: the stored form, its identity and its reading are those of the lexer's reading."""
    body = "".join(f"{line}{newline * times}" for line, newline, times in lines)
    as_the_lexer_reads_it(f"BEGIN:VCARD{first[0]}VERSION:{version}{first[1]}{body}\r\nEND:VCARD{last}".encode())


@settings(max_examples=400)
@given(
    version=st.sampled_from(["3.0", "2.1"]),
    lines=st.lists(st.one_of(_KEPT_LINE, st.sampled_from(["FN", ""])), min_size=1, max_size=8),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_a_vcard_of_lines_kept_as_they_came_is_read_and_written_as_the_lexer_reads_it(
    version: str, lines: list[str], newline: str
) -> None:
    """Each line's header one a card keeps, or a line without ':' or a blank one among them."""
    text = newline.join(["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD", ""])
    as_the_lexer_reads_it(text.encode())


def as_the_lexer_reads_it(data: bytes) -> None:
    """The card, its stored form and its identity are those of the lexer's reading (or its error)."""
    read = outcome(read_by_the_lexer, data)
    assert outcome(parse_vcard, data) == read
    if isinstance(read, VCard):
        visible = any(prop.name not in UNSEEN_PROPERTIES and has_text(prop.value) for prop in read.properties)
        assert written_as_30(data, UNSEEN_PROPERTIES) == (to_vcard(read, "3.0"), visible)
        named = _named_identity(read.properties) or Identity("vcard:" + normal_form(read))
        assert Contact("text/vcard", data).identity == named
    else:
        assert outcome(lambda d: written_as_30(d, UNSEEN_PROPERTIES), data) == read


def read_by_the_lexer(data: bytes) -> VCard:
    """A card as the lexer reads it, whatever its lines (``parse_vcard`` reads some without it)."""
    return _card(*_read_lines(data))


def identity_through_the_card(data: bytes) -> Identity:
    """A contact's identity as it was worked out before it was read from the lines it needs: from the whole card."""
    try:
        return card_identity(parse_vcard(data))
    except RemoteError:
        return Identity(digest(data))


@settings(max_examples=400)
@given(lines=st.lists(_LINE, max_size=8), newline=st.sampled_from(["\r\n", "\n"]))
def test_a_contact_is_identified_as_its_whole_card_would_identify_it(lines: list[str], newline: str) -> None:
    """As a device sent it and as stored: the identity (name, phones, e-mail addresses, else the normal form)."""
    data = f"BEGIN:VCARD\r\nVERSION:3.0\r\n{''.join(lines)}END:VCARD\r\n".replace("\r\n", newline).encode()
    assert Contact("text/vcard", data).identity == identity_through_the_card(data)
    stored = outcome(lambda d: written_as_30(d, UNSEEN_PROPERTIES)[0], data)
    if isinstance(stored, bytes):
        assert Contact("text/vcard", stored).identity == identity_through_the_card(stored)


@pytest.mark.parametrize(
    "lines",
    [
        "FN:Ann Smith\r\nTEL;TYPE=CELL:+49 170 1234567",
        "N:Smith;Ann;;;\r\nFN:Other\r\nEMAIL:Ann@Example.org\r\nN:Second;N",
        "N:;;;;\r\nFN:Ann\r\nTEL:12",
        "item1.N:Sm\\,ith;Ann\\;B\r\nitem1.EMAIL;TYPE=INTERNET:a@b.c\r\nTEL:1234",
        "N;ENCODING=b:QU;JD\r\nTEL:12345",
        "FN:Ann\r\nNOTE:no phone, no e-mail",
        'FN:Ann\r\nTEL:+1 234 567 8901 2345\r\nEMAIL: \r\nX-FOO:"quoted"',
    ],
)
def test_a_contact_with_a_name_and_a_phone_or_address_is_identified_by_them(lines: str) -> None:
    for data in (f"BEGIN:VCARD\r\nVERSION:3.0\r\n{lines}\r\nEND:VCARD\r\n".encode(),):
        stored = written_as_30(data, UNSEEN_PROPERTIES)[0]
        for card in (data, stored, data.replace(b"\r\n", b"\n")):
            assert Contact("text/vcard", card).identity == identity_through_the_card(card)


@pytest.mark.parametrize(
    ("line", "visible"),
    [
        ("TEL:;", True),  # a phone number is taken as it is: its ';' is text
        ("PHOTO;ENCODING=b:,", True),
        ("X-FOO:,a", True),
        ("N:;,;", False),
        ("CATEGORIES: , ", False),
        ("NOTE: \\n ", False),
        ("UID:x", False),
    ],
)
def test_what_a_user_could_see_in_a_one_line_contact(line: str, visible: bool) -> None:
    data = f"BEGIN:VCARD\r\nVERSION:3.0\r\n{line}\r\nEND:VCARD\r\n".encode()
    same_both_ways(data)
    assert written_as_30(data, UNSEEN_PROPERTIES)[1] is visible


def test_a_new_contact_with_only_unseen_properties_is_refused() -> None:
    with pytest.raises(RemoteError, match="nothing a user could see"):
        contact_to_stored(b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:1\r\nN:;;;;\r\nNOTE: \\n \r\nEND:VCARD\r\n", None, None)


@pytest.mark.parametrize(
    "lines",
    [
        'X-FOO;X-A="a:b":v',  # the value starts after the quoted colon
        "NOTE:folded with a tab\r\n\there",
        "NOTE:a blank line next\r\n \r\nTEL:1",
        "N:A;B\r\nVERSION:2.1\r\nNOTE:folded\r\n  with its blank",
        "AGENT:\r\nBEGIN:VCARD\r\nN:Inner\r\nEND:VCARD",
        "NOTE;ENCODING=QUOTED-PRINTABLE:a=\r\nb",
        "NOTE;X-A=QUOTED-PRINTABLE:a=\r\nTEL:1",  # a soft line break to the lexer, though not quoted-printable
        "NOTE:\xe9t\xe9",
    ],
)
def test_a_stored_looking_contact_with_an_unusual_line_is_written_as_the_card_would_write_it(lines: str) -> None:
    same_both_ways(f"BEGIN:VCARD\r\nVERSION:3.0\r\n{lines}\r\nEND:VCARD\r\n".encode())
    same_both_ways(f"BEGIN:VCARD\r\nVERSION:3.0\r\n{lines}\r\nEND:VCARD\r\n".encode("latin-1", "replace"))


@pytest.mark.parametrize(
    ("line", "stored"),
    [
        (b"NOTE;CHARSET=ISO-8859-1:caf\xe9", b"NOTE:caf\xc3\xa9"),
        (b"NOTE:caf\xe9 without a charset", b"NOTE:caf\xc3\xa9 without a charset"),
        (b"NOTE;CHARSET=UTF-8:caf\xc3\xa9", b"NOTE:caf\xc3\xa9"),
    ],
)
def test_a_card_that_is_not_utf8_is_stored_decoded_by_its_charset_or_as_latin1(line: bytes, stored: bytes) -> None:
    data = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zo\xeb\r\n" + line + b"\r\nEND:VCARD\r\n"
    assert (
        contact_to_stored(data, None, None)
        == b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zo\xc3\xab\r\n" + stored + b"\r\nEND:VCARD\r\n"
    )
