"""Arbitrary input never makes the content layer fail with anything but RemoteError."""

from hypothesis import given, settings
from hypothesis import strategies as st

from syncmld.content import from_stored, to_stored
from syncmld.errors import RemoteError

FRAGMENTS = st.sampled_from(
    [
        "BEGIN:VCARD", "END:VCARD", "VERSION:2.1", "VERSION:3.0", "\r\n", "\n", "\r", " ", "\t", ":", ";",
        ",", "\\", "=", "=0D=0A", "=C3", '"', ".", "N", "FN", "NOTE", "X-FOO", "ENCODING=QUOTED-PRINTABLE",
        "QUOTED-PRINTABLE", "ENCODING=BASE64", "BASE64", "ENCODING=b", "CHARSET=ISO-8859-1", "CHARSET=x-bogus",
        "CHARSET=UTF-16", "TYPE=HOME,WORK", "HOME", "PHOTO", "GEO", "CATEGORIES", "BDAY:1999-01-01", "\udcff",
        "é", "日本",
    ]
)  # fmt: skip


def store_and_read_back(content_type: str, data: bytes) -> None:
    """The property under test: only RemoteError, and whatever is stored can be read in both versions."""
    try:
        stored_type, stored = to_stored(content_type, data, None, None)
    except RemoteError:
        return
    again_type, again = to_stored(stored_type, from_stored(stored_type, stored, "text/vcard"), None, None)
    assert (again_type, again) == (stored_type, stored)
    to_stored("text/x-vcard", from_stored(stored_type, stored, "text/x-vcard"), None, None)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    store_and_read_back("text/x-vcard", data)
    store_and_read_back("text/x-vcard", b"BEGIN:VCARD\r\n" + data + b"\r\nEND:VCARD\r\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=40))
def test_vcard_like_text(pieces: list[str]) -> None:
    body = "".join(pieces).encode("utf-8", "surrogateescape")
    store_and_read_back("text/vcard", b"BEGIN:VCARD\r\n" + body + b"\r\nEND:VCARD\r\n")
