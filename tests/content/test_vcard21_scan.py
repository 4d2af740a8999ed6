"""A vCard 2.1 as phones write it is read in one scan of its lines instead of by the lexer: the same lines and
values as the lexer reads (quoted-printable values with soft line breaks and a CHARSET, lists of bare types), the
same stored form; a card the scan does not read goes to the lexer, which reads it or says what is wrong."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncmld import content
from syncmld.caches import CacheLimits, configure
from syncmld.content.contacts import UNSEEN_PROPERTIES
from syncmld.content.vcard import (
    _LINES_21,
    _card,
    _head_from_21,
    _lexed,
    _read_lines,
    _scanned_21,
    parse_vcard,
    written_as_30,
)
from syncmld.load.data import contact
from tests.content.test_cache_bounds import kept_after
from tests.content.test_generated_and_captured import generate
from tests.content.test_vcard_written_as_30 import outcome, same_both_ways


def read_by_the_lexer(data: bytes) -> object:
    """The lines between VERSION and END as the lexer reads them, each with its header's model (or its error)."""

    def lines(card: bytes) -> object:
        version, body = _lexed(card)
        return version, [(_head_from_21(h.group, h.name, h.kept), value) for h, value in body if h.name != "VERSION"]

    return outcome(lines, data)


def scanned_as_the_lexer_reads_it(data: bytes) -> bool:
    """Whether the scan read ``data``; when it did, its lines are the lexer's and so are the card and the stored
    form."""
    scanned = _scanned_21(data)
    if scanned is not None:
        assert read_by_the_lexer(data) == ("2.1", scanned)
        assert parse_vcard(data) == _card(*_read_lines(data))
    same_both_ways(data)
    return scanned is not None


_PLAIN = ["a", "Ann", " ", ";", ",", ":", "é", "日", "\\", "\\;", "\\,", "\\n", "=", "=3D"]
_QP = ["a", " ", ";", ",", ":", "=0D=0A", "=0A", "=3D", "=C3=A9", "=E9", "=20", "=", "=Z", "\\", "\\;"]
_SOFT_BREAKS = ["=\r\n", "=\r\n ", "=\r\n\t", "=\r\n="]
_NAMES = ["N", "FN", "NOTE", "TEL", "EMAIL", "ADR", "ORG", "CATEGORIES", "UID", "GEO", "X-FOO", "item1.TEL"]
_TEXT_PARAMS = ["", ";HOME", ";CELL", ";HOME;VOICE;PREF", ";INTERNET", ";TYPE=WORK", ";CHARSET=UTF-8", ";WORK;FAX"]
_QP_PARAMS = [
    ";ENCODING=QUOTED-PRINTABLE",
    ";CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE",
    ";ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1",
    ";HOME;QUOTED-PRINTABLE",
    ";encoding=quoted-printable;charset=utf-8",
]
_TEXT_LINE = st.builds(
    "{}{}:{}".format,
    st.sampled_from(_NAMES),
    st.sampled_from(_TEXT_PARAMS),
    st.lists(st.sampled_from(_PLAIN), max_size=8).map("".join),
)
_QP_LINE = st.builds(
    "{}{}:{}a".format,
    st.sampled_from(_NAMES),
    st.sampled_from(_QP_PARAMS),
    st.lists(st.one_of(st.sampled_from(_QP), st.sampled_from(_SOFT_BREAKS)), max_size=12).map("".join),
)
"""A quoted-printable line, its value folded by soft line breaks ('=' at a line's end) anywhere but at its end."""


@settings(max_examples=500)
@given(
    lines=st.lists(st.one_of(_TEXT_LINE, _QP_LINE), min_size=1, max_size=8),
    newline=st.sampled_from(["\r\n", "\n"]),
    blank=st.booleans(),
)
def test_a_phone_written_vcard_21_is_scanned_as_the_lexer_reads_it(lines: list[str], newline: str, blank: bool) -> None:
    body = ("\r\n\r\n" if blank else "\r\n").join(lines)
    data = f"BEGIN:VCARD\r\nVERSION:2.1\r\n{body}\r\nEND:VCARD\r\n".replace("\r\n", newline).encode()
    assert scanned_as_the_lexer_reads_it(data)


_ODD = [
    " folded",
    "\tfolded",
    " N:folded",
    "\tTEL:1",
    "no colon",
    ":no name",
    'X-Q;X-A="a:b":v',
    "PHOTO;ENCODING=BASE64:QUJD",
    "PHOTO;BASE64:QUJD",
    "AGENT:",
    "BEGIN:VCARD",
    "END:VCARD",
    "end:vcard",
    "VERSION:3.0",
    "X-BAD NAME:v",
    "NOTE;X-A=QUOTED-PRINTABLE:a=",
    "NOTE;QUOTED-PRINTABLE:a=",
    "NOTE;QUOTED-PRINTABLE:a=\r\nEND:VCARD",
    "NOTE;QUOTED-PRINTABLE:a=\r\n\r\nTEL:1",
    " ",
    "",
]


@settings(max_examples=500)
@given(
    lines=st.lists(st.one_of(_TEXT_LINE, _QP_LINE, st.sampled_from(_ODD)), min_size=1, max_size=8),
    breaks=st.lists(st.sampled_from(["\r\n", "\n", "\r"]), min_size=10, max_size=10),
    start=st.sampled_from(["BEGIN:VCARD\r\nVERSION:2.1", "BEGIN:VCARD\nVERSION:2.1", "BEGIN:VCARD\rVERSION:2.1"]),
    end=st.sampled_from(["END:VCARD\r\n", "END:VCARD", "END:VCARD\r\n\r\n", "END:VCARD\r\nN:after", "END:VCARDS"]),
    latin1=st.booleans(),
)
def test_any_vcard_21_is_scanned_as_the_lexer_reads_it_or_left_to_the_lexer(
    lines: list[str], breaks: list[str], start: str, end: str, latin1: bool
) -> None:
    """Folds, lines without ':', quoted and base64 headers, nested cards, a line after END, bytes not in UTF-8, line
    breaks of any kind: whatever the scan reads it reads as the lexer does, and the rest the lexer reads."""
    body = "".join(line + brk for line, brk in zip(lines, breaks, strict=False))
    text = f"{start}{breaks[-1]}{body}{end}"
    scanned_as_the_lexer_reads_it(text.encode("latin-1", "replace") if latin1 else text.encode())


@pytest.mark.parametrize(
    "lines",
    [
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;\r\nTEL;CELL;PREF:+49 170 1234567",
        "FN:Ann\r\nNOTE;ENCODING=QUOTED-PRINTABLE:this=0D=0A=\r\nis a=0D=0A=\r\n=\r\nnote\r\nEMAIL;INTERNET;HOME:a@b.c",
        "N:Smith;Ann\r\nADR;HOME;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:;;Stra=DFe 1;K=F6ln\r\nTEL;HOME;VOICE:1",
    ],
)
def test_cards_as_phones_write_them_are_scanned(lines: str) -> None:
    assert scanned_as_the_lexer_reads_it(f"BEGIN:VCARD\r\nVERSION:2.1\r\n{lines}\r\nEND:VCARD\r\n".encode())


def test_the_load_generators_contacts_are_scanned() -> None:
    assert scanned_as_the_lexer_reads_it(contact("run-d1-c1", 1))
    assert written_as_30(contact("run-d1-c1", 2), UNSEEN_PROPERTIES) == (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:run-d1-c1\r\nN:run-d1-c1;Load;;;\r\nFN:Load run-d1-c1\r\n"
        b"TEL;TYPE=CELL:+1 555 9662513 2\r\nEMAIL;TYPE=INTERNET:run-d1-c1@load.example\r\nNOTE:load revision 2\r\n"
        b"END:VCARD\r\n",
        True,
    )


def test_generated_vcard_21_contacts_without_a_photo_are_scanned(shared_dir: Path, tmp_path: Path) -> None:
    files = generate(shared_dir, tmp_path, "100", "--version", "2.1")
    scanned = [scanned_as_the_lexer_reads_it(path.read_bytes()) for path in files]
    without_photo = [b"BASE64" not in path.read_bytes().upper() for path in files]
    assert all(scanned[at] for at, plain in enumerate(without_photo) if plain)
    assert sum(without_photo) > 20


def test_vcard_21_headers_scanned_are_kept_up_to_the_limit() -> None:
    """Each 2.1 header the scan reads is remembered by its text, up to ``--cache-vcard-headers`` of them and no
    longer than ``--cache-header-chars``."""

    def card(number: int) -> bytes:
        header = f"X-H{number};HOME;QUOTED-PRINTABLE"
        return f"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ann\r\n{header}:a=3Db\r\nEND:VCARD\r\n".encode()

    configure(CacheLimits(vcard_headers=50))
    try:
        for number in range(200):
            assert content.to_stored("text/x-vcard", card(number), None, None)[1].endswith(b"a=b\r\nEND:VCARD\r\n")
        assert len(_LINES_21) == 50
    finally:
        configure(CacheLimits())

    def long_header(number: int) -> bytes:
        header = f"X-LONG-{number};QUOTED-PRINTABLE;" + "HOME;" * 4_000
        return f"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ann\r\n{header}:a=3Db\r\nEND:VCARD\r\n".encode()

    assert kept_after(lambda n: content.to_stored("text/x-vcard", long_header(n), None, None), 40) < 300_000
