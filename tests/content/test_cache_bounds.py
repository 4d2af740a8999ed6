"""What devices send cannot grow the caches of what was read past their limits: long names are not kept."""

import gc
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from syncmld import content
from syncmld.caches import CacheLimits, configure, entry_counts


def kept_after(work: Callable[[int], object], times: int) -> int:
    """Bytes of memory still taken after ``work(n)`` for each n below ``times`` (what it returns dropped)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for number in range(times):
        work(number)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before


def event_in_zone(number: int) -> bytes:
    """An event whose time is in a made-up zone with a 30,000-character TZID and no VTIMEZONE."""
    tzid = f"Made/Up-{number}-" + "z" * 30_000
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:far-{number}\r\nDTSTAMP:20240101T000000Z\r\nDTSTART;TZID={tzid}:20240415T090000\r\n"
        "SUMMARY:Far away\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_events_in_zones_with_long_names_leave_nothing_behind() -> None:
    """40 events, each in a zone of its own with a 30,000-character name, would keep 1.2 MB of names if
    the zone database's answer for each name were kept."""
    assert kept_after(lambda n: content.to_stored("text/calendar", event_in_zone(n), None, None), 40) < 300_000


def test_long_media_types_asked_for_leave_nothing_behind() -> None:
    """50 devices asking for items in a made-up type of 20,000 characters would keep 1 MB of type names if
    the answer for each were kept."""
    card = content.ParsedItem("text/vcard", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n")

    def wanted(number: int) -> tuple[str, bytes]:
        return content.for_device(card, f"text/x-made-up-{number}-" + "t" * 20_000)

    assert kept_after(wanted, 50) < 300_000


def test_contacts_with_long_headers_leave_nothing_behind() -> None:
    """40 vCard 3.0 contacts, each with a header of its own 20,000 characters long, already in the stored form (each
    line's header is looked up by its bytes), would keep 800 kB of headers if each were kept."""

    def card(number: int) -> bytes:
        header = f"X-LONG-{number}-" + "H" * 20_000
        return f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\n{header}:value\r\nEND:VCARD\r\n".encode()

    assert kept_after(lambda n: content.to_stored("text/vcard", card(n), None, None), 40) < 300_000


def test_contacts_compared_with_long_parameters_leave_nothing_behind() -> None:
    """40 contacts compared by their normal form, each with a TYPE of its own 20,000 characters long that is one type
    many times over (a short normal form), would keep 800 kB of parameters if each were kept."""

    def normal_form(number: int) -> str:
        types = ",".join([f"T{number}"] * 4_000)
        card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nTEL;TYPE={types}:1\r\nEND:VCARD\r\n".encode()
        return content.normal_form(content.read("text/vcard", card))

    assert kept_after(normal_form, 40) < 300_000


@pytest.fixture
def default_limits_after() -> Iterator[None]:
    """The process's caches get their default limits back for the tests that follow."""
    yield
    configure(CacheLimits())


@pytest.mark.usefixtures("default_limits_after")
@pytest.mark.parametrize("limit", [0, 4, CacheLimits().media_types])
def test_content_types_a_client_sends_are_kept_as_read_up_to_the_limit(limit: int) -> None:
    """A device sending each contact under a content type of its own (a parameter that changes) gets each stored,
    and the content types kept as read (``/metrics`` counts them with the pairs of stored and wanted types, each
    cache up to the limit) stay within the limit the server was started with."""
    configure(CacheLimits(media_types=limit))
    for number in range(300):
        stored = content.from_device(
            f"text/vcard; x-n={number}", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n", None, None
        )
        assert stored.content_type == "text/vcard"
    assert limit <= entry_counts()["media_types"] <= 2 * limit


def test_vcard_21_contacts_with_long_headers_leave_nothing_behind() -> None:
    """40 vCard 2.1 contacts, each with a header of its own 20,000 characters long (each 2.1 header's 3.0 form is
    looked up as it is read), would keep 1.6 MB of headers, as read and as written, if each were kept."""

    def card(number: int) -> bytes:
        header = f"X-LONG-{number};" + "HOME;" * 4_000
        return f"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ann\r\n{header}:value\r\nEND:VCARD\r\n".encode()

    assert kept_after(lambda n: content.to_stored("text/x-vcard", card(n), None, None), 40) < 300_000
