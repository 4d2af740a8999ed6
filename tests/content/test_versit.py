"""The Versit lexer and serializer: line structure, transfer encodings, folding."""

import gc
import re
import tracemalloc

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from syncmld.content.versit import Property, _lex_lines, decode_quoted_printable, fold, lex, parse_lines, serialize
from syncmld.errors import RemoteError


def lines_of(text: str) -> dict[str, Property]:
    return {prop.name: prop for prop in parse_lines(text)}


def test_reads_group_name_params_and_value_with_crlf_or_lf() -> None:
    for newline in ("\r\n", "\n"):
        text = newline.join(["BEGIN:VCARD", "item1.tel;type=HOME;X-Custom=a:+1 555", "END:VCARD", ""])
        props = parse_lines(text)
        assert [prop.name for prop in props] == ["BEGIN", "TEL", "END"]
        assert props[1] == Property("item1", "TEL", (("TYPE", "HOME"), ("X-CUSTOM", "a")), "+1 555")


def test_bare_21_parameters_keep_their_order_and_have_no_value() -> None:
    prop = parse_lines("TEL;HOME;VOICE;PREF:+1 555\r\n")[0]
    assert prop.params == (("HOME", None), ("VOICE", None), ("PREF", None))


def test_type_list_and_quoted_parameter_values_are_kept_as_written() -> None:
    prop = parse_lines('EMAIL;TYPE=INTERNET,WORK;X-LABEL="a;b:c":x@example.org\r\n')[0]
    assert prop.params == (("TYPE", "INTERNET,WORK"), ("X-LABEL", '"a;b:c"'))
    assert prop.value == "x@example.org"


def test_unfolds_30_lines_removing_one_whitespace_character() -> None:
    text = "VERSION:3.0\r\nNOTE:one long\r\n  line\r\n\tend\r\n"
    assert lines_of(text)["NOTE"].value == "one long lineend"


def test_a_fold_inside_a_header_is_unfolded_too() -> None:
    """RFC 2425 lets a line fold anywhere, also before its ':' (our own writer folds long headers so)."""
    text = "VERSION:3.0\r\nX-LONG-NA\r\n ME;TY\r\n\tPE=HOME:value\r\n"
    line = lines_of(text)["X-LONG-NAME"]
    assert (line.params, line.value) == ((("TYPE", "HOME"),), "value")


def test_a_line_without_colon_and_nothing_folded_after_it_is_still_refused() -> None:
    with pytest.raises(RemoteError) as caught:
        parse_lines("VERSION:3.0\r\nX-NO-COLON\r\n folded but still none\r\nNOTE:x\r\n")
    assert caught.value.status == 400


def test_unfolding_21_keeps_the_whitespace_the_line_was_folded_at() -> None:
    text = "VERSION:2.1\r\nNOTE:one long\r\n line\r\n"
    assert lines_of(text)["NOTE"].value == "one long line"


def test_quoted_printable_soft_line_breaks_and_hard_newlines() -> None:
    text = (
        "VERSION:2.1\r\n"
        "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Multi-line note:=0D=0Aline two, =C3=A9t=\r\n"
        "=C3=A9;=0D=0Aline thr=\r\n"
        "ee\r\n"
        "FN:Next\r\n"
    )
    props = lines_of(text)
    assert props["NOTE"].value == "Multi-line note:\nline two, été;\nline three"
    assert props["NOTE"].params == ()
    assert props["FN"].value == "Next"


def test_bare_quoted_printable_parameter_is_decoded_too() -> None:
    prop = parse_lines("NOTE;QUOTED-PRINTABLE;HOME:caf=E9\r\n")[0]
    assert prop.value == "café"
    assert prop.params == (("HOME", None),)


def test_quoted_printable_without_charset_is_utf8_or_else_latin1() -> None:
    assert parse_lines("FN;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen\r\n")[0].value == "Jürgen"
    assert parse_lines("FN;ENCODING=QUOTED-PRINTABLE:J=FCrgen\r\n")[0].value == "Jürgen"


def test_declared_charset_decodes_8bit_bytes() -> None:
    raw = b"FN;CHARSET=ISO-8859-7:" + "Ελένη".encode("iso-8859-7") + b"\r\n"
    prop = parse_lines(raw.decode("utf-8", "surrogateescape"))[0]
    assert prop.value == "Ελένη"
    assert prop.params == ()


def test_undeclared_8bit_that_is_not_utf8_falls_back_to_latin1() -> None:
    raw = "FN:Jürgen\r\n".encode("latin-1")
    assert parse_lines(raw.decode("utf-8", "surrogateescape"))[0].value == "Jürgen"


def test_base64_values_stay_base64_without_fold_whitespace() -> None:
    text = (
        "VERSION:2.1\r\nPHOTO;ENCODING=BASE64;TYPE=PNG:iVBORw0KGgo\r\n AAAANSUhEUg\r\nAAAABAAAAAQ\r\n\r\nEND:VCARD\r\n"
    )
    props = parse_lines(text)
    assert props[1].value == "iVBORw0KGgoAAAANSUhEUgAAAABAAAAAQ"
    assert props[1].params == (("ENCODING", "BASE64"), ("TYPE", "PNG"))
    assert props[2].name == "END"


def test_backslash_escapes_are_left_in_the_value() -> None:
    assert parse_lines("NOTE:a\\, b\\; c\\nd\\\\\r\n")[0].value == "a\\, b\\; c\\nd\\\\"


@pytest.mark.parametrize("line", ["no colon here", ":value without name", "BAD NAME:x", "a..b:x"])
def test_malformed_lines_raise_bad_request(line: str) -> None:
    with pytest.raises(RemoteError) as caught:
        parse_lines(f"BEGIN:VCARD\r\n{line}\r\nEND:VCARD\r\n")
    assert caught.value.status == 400


def test_fold_keeps_lines_within_75_octets_without_splitting_utf8() -> None:
    line = "NOTE:" + "日本語テキスト" * 10
    folded = fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    assert physical[0] + "".join(part[1:] for part in physical[1:]) == line


def test_serialize_30_folds_and_round_trips() -> None:
    props = [Property("g", "X-LONG", (("TYPE", "A,B"),), "x" * 200), Property(None, "FN", (), "Zoë")]
    text = serialize(props, "3.0")
    assert text.endswith("\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert parse_lines(text) == props


def test_serialize_21_writes_non_ascii_and_multiline_values_as_quoted_printable() -> None:
    props = [
        Property(None, "VERSION", (), "2.1"),
        Property(None, "NOTE", (("HOME", None),), "Ünïcode line\nsecond line " + "x" * 120 + " "),
        Property(None, "TEL", (("CELL", None),), "+1 555"),
    ]
    text = serialize(props, "2.1")
    assert "\r\nNOTE;HOME;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=C3=9Cn=C3=AFcode line=" in text
    assert "=0D=0Asecond line" in text
    assert "x=20\r\nTEL" in text
    assert "TEL;CELL:+1 555\r\n" in text
    assert all(len(line) <= 76 for line in text.split("\r\n"))
    assert parse_lines(text) == props


def test_serialize_21_base64_is_folded_and_ends_with_a_blank_line() -> None:
    photo = Property(None, "PHOTO", (("ENCODING", "BASE64"), ("TYPE", "JPEG")), "QUJD" * 60)
    text = serialize([Property(None, "VERSION", (), "2.1"), photo, Property(None, "END", (), "VCARD")], "2.1")
    assert "\r\n\r\nEND:VCARD\r\n" in text
    assert parse_lines(text)[1] == photo


def test_reading_thousands_of_cards_with_long_distinct_headers_keeps_no_memory_for_them() -> None:
    """Headers are cached by their text; a client sending long, each different ones must not fill memory."""
    cards = (f"BEGIN:VCARD\r\nVERSION:3.0\r\nX-NOTE;X-KEY={n:05d}{'k' * 2000}:v\r\nEND:VCARD\r\n" for n in range(5000))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for card in cards:
            assert parse_lines(card)[2].value == "v"
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 2_000_000


# Lines of every shape the two readers tell apart: folds by space and tab, blank and blank-looking lines,
# quoted-printable soft breaks, 3.0 and 2.1 base64, quoted headers, 2.1 objects, broken lines.
_LINE_PIECES = st.sampled_from([
    "BEGIN:VCARD", "END:VCARD", "VERSION:3.0", "VERSION:2.1", "VERSION: 2.1 ", "N:Doe;Jane;;;", "FN:Jane Doe",
    "NOTE:a\\nb\\, c", " folded on", "\tfolded by a tab", "  two blanks", " ", "\t", "", "\x0b",
    "NOTE;ENCODING=QUOTED-PRINTABLE:caf=C3=A9=", "=C3=A9 end", "NOTE;QUOTED-PRINTABLE:x=", "ab=",
    "PHOTO;ENCODING=b;TYPE=PNG:iVBO Rw0=", " KGgo AAAA", "PHOTO;ENCODING=BASE64:iVBORw0K", "R0lGODlh",
    "PHOTO;ENCODING=b;X=QUOTED-PRINTABLE:abc=", 'X-LABEL;X-A="x:y;z":v', 'X-Q;A="b":c', "TEL;TYPE=CELL:+1 555",
    "no colon here", ":no name", "bad name!:x", "item1.EMAIL;TYPE=INTERNET:a@b.example", "ADR:;;Straße 1;Köln",
])  # fmt: skip


@settings(max_examples=2000)
@given(st.lists(_LINE_PIECES, max_size=14), st.sampled_from(["\n", "\r\n", "\r"]))
@example(["N:a", " ", " folded on"], "\n")
@example(["VERSION:2.1", "NOTE:a", " folded on"], "\r\n")
@example(["PHOTO;ENCODING=b;TYPE=PNG:iVBO Rw0=", " KGgo AAAA"], "\r\n")
@example(["PHOTO;ENCODING=b;X=QUOTED-PRINTABLE:abc=", "R0lGODlh"], "\n")
def test_lines_read_a_logical_line_at_a_time_are_read_as_one_physical_line_at_a_time_reads_them(
    pieces: list[str], newline: str
) -> None:
    text = newline.join(pieces)
    normalised = "\n".join(pieces)
    try:
        expected: object = _lex_lines(normalised, escaped=False)
    except RemoteError as error:
        expected = str(error)
    try:
        found: object = lex(text)
    except RemoteError as error:
        found = str(error)
    assert found == expected


def escapes_one_by_one(encoded: str, charset: str | None) -> str:
    """A quoted-printable value as it was decoded before: each ``=XX`` replaced by its octet, one at a time."""
    data = re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), encoded.rstrip("=").encode())
    try:
        text = data.decode(charset or "utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=500)
@given(
    encoded=st.lists(
        st.sampled_from(["=", "=3D", "=3d", "=C3=A9", "=E9", "=0D=0A", "=0A", "=G1", "=4", "_", " ", "\t", "\r", "\n"])
        | st.characters(codec="utf-8", exclude_categories=["Cs"]),
        max_size=12,
    ).map("".join),
    charset=st.sampled_from([None, "UTF-8", "ISO-8859-1"]),
)
def test_a_quoted_printable_value_is_decoded_escape_by_escape(encoded: str, charset: str | None) -> None:
    """Each ``=XX`` is its octet and every other character stays, whatever the value holds (stray '=', '_', line
    breaks, text that is not ASCII)."""
    assert decode_quoted_printable(encoded, charset) == escapes_one_by_one(encoded, charset)
