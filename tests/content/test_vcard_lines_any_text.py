"""vCard 3.0 lines hold any text: escaping, splitting, folding and header parsing for arbitrary values."""

from hypothesis import given
from hypothesis import strategies as st

from syncmld.content.vcard import ContactProperty, VCard, parse_vcard, to_vcard
from syncmld.content.versit import fold, parse_lines

# Separators, escapes, quotes and multi-byte characters, mixed with plain letters.
_TRICKY = st.sampled_from(["\\", ";", ",", ":", '"', "\n", " ", "=", "é", "日", "😀", "a", "b", "N", "n"])
_TEXT = st.lists(_TRICKY, max_size=12).map("".join)
_ITEMS = st.lists(_TEXT, min_size=1, max_size=3).map(tuple)


@given(
    name=st.lists(_ITEMS, min_size=5, max_size=5).map(tuple),
    address=st.lists(_ITEMS, min_size=7, max_size=7).map(tuple),
    note=_TEXT,
    categories=_ITEMS,
)
def test_structured_text_and_list_values_round_trip_through_30(
    name: tuple[tuple[str, ...], ...], address: tuple[tuple[str, ...], ...], note: str, categories: tuple[str, ...]
) -> None:
    card = VCard("3.0", (
        ContactProperty(None, "N", (), name),
        ContactProperty("item1", "ADR", (("TYPE", "HOME"),), address),
        ContactProperty(None, "NOTE", (), ((note,),)),
        ContactProperty(None, "CATEGORIES", (), (categories,)),
    ))  # fmt: skip
    assert parse_vcard(to_vcard(card, "3.0")) == card


@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=400))
def test_folded_lines_stay_within_75_octets_and_unfold_to_the_line(value: str) -> None:
    """A content line as the writers give it to ``fold``: its value escaped, so without line breaks (the
    readers make every CR a line break before a value reaches a writer)."""
    line = "NOTE:" + value
    physical = fold(line).split("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert physical[0] + "".join(part[1:] for part in physical[1:]) == line


def test_an_escaped_backslash_before_a_separator_still_separates() -> None:
    card = parse_vcard(b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:ends with\\\\;given\\;name;;;\r\nEND:VCARD\r\n")
    assert card.properties[0].value == (("ends with\\",), ("given;name",), ("",), ("",), ("",))


def test_lines_with_the_same_header_keep_their_own_values_and_charsets() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "NOTE;CHARSET=ISO-8859-1:caf\udce9\r\n"
        "NOTE;CHARSET=ISO-8859-1:th\udce9\r\n"
        'X-LABEL;X-A="x:y;z":first\r\n'
        'X-LABEL;X-A="x:y;z":second\r\n'
        "END:VCARD\r\n"
    )
    for _ in range(2):
        props = parse_lines(text)
        assert [prop.value for prop in props[2:6]] == ["café", "thé", "first", "second"]
        assert props[4].params == (("X-A", '"x:y;z"'),)
        assert props[2].params == ()


def test_a_value_ending_in_a_blank_at_the_fold_keeps_it() -> None:
    """Folding before a last blank would leave a continuation line that is only that blank, which
    readers trim away: the fold moves so that every piece holds more than blanks."""
    for length in range(60, 150):
        for tail in (" ", "  ", "\t", " 日 "):
            value = "x" * length + tail
            [prop] = [
                line
                for line in parse_lines(f"BEGIN:VCARD\r\n{fold('NOTE:' + value)}\r\nEND:VCARD\r\n")
                if line.name == "NOTE"
            ]
            assert prop.value == value
