"""VTIMEZONEs read once per distinct text: an object reads as its whole text would, and what is kept
stays bounded however many distinct VTIMEZONEs devices send."""

import gc
import tracemalloc

import pytest
from icalendar import Calendar

from syncmld.caches import CacheLimits
from syncmld.content.calendar_read import read_stored
from tests.content.calendar_samples import BERLIN, TOKYO, crlf

EVENT = """BEGIN:VEVENT
UID:zoned-{n}
DTSTAMP:20240101T000000Z
DTSTART;TZID={tzid}:20240415T090000
DTEND;TZID={tzid}:20240415T100000
SUMMARY:Review {n}
END:VEVENT
"""

KEPT = CacheLimits()


def calendar(*parts: str) -> bytes:
    return crlf("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + "".join(parts) + "END:VCALENDAR\n")


def padded_zone(tzid: str, characters: int, n: int = 0) -> str:
    """A VTIMEZONE of its own (``n``) for ``tzid``, about ``characters`` characters long."""
    return TOKYO.replace("TZID:Asia/Tokyo\n", f"TZID:{tzid}\nX-PAD:{n}{'x' * characters}\n")


OBJECTS = {
    "zone first": calendar(BERLIN, EVENT.format(n=1, tzid="Europe/Berlin")),
    "zone after the event": calendar(EVENT.format(n=2, tzid="Europe/Berlin"), BERLIN),
    "two zones": calendar(TOKYO, EVENT.format(n=3, tzid="Asia/Tokyo"), BERLIN),
    "lower-case markers": calendar(BERLIN.replace("VTIMEZONE", "vtimezone"), EVENT.format(n=4, tzid="X")),
    "zone inside the event": calendar(EVENT.format(n=5, tzid="X").replace("END:VEVENT", BERLIN + "END:VEVENT")),
    "folded marker": calendar(BERLIN.replace("BEGIN:VTIMEZONE", "BEGIN:VTIME\n ZONE"), EVENT.format(n=6, tzid="X")),
    "marker with a parameter": calendar(BERLIN.replace("BEGIN:VT", "BEGIN;X=1:VT"), EVENT.format(n=7, tzid="X")),
    "a zone too long to keep": calendar(padded_zone("Long", KEPT.vtimezone_chars), EVENT.format(n=8, tzid="Long")),
    "two calendars": calendar(BERLIN) + calendar(EVENT.format(n=9, tzid="Europe/Berlin")),
}  # fmt: skip


@pytest.mark.parametrize("name", OBJECTS)
def test_an_object_reads_as_its_whole_text_reads(name: str) -> None:
    data = OBJECTS[name]
    try:
        whole = Calendar.from_ical(data.decode())
    except ValueError:
        with pytest.raises(Exception, match="unreadable"):
            read_stored(data)
        return
    for _ in range(2):  # the second time its VTIMEZONEs are those kept from the first
        parsed = read_stored(data).calendar
        assert [part.name for part in parsed.subcomponents] == [part.name for part in whole.subcomponents]
        assert parsed.to_ical() == whole.to_ical()


def test_objects_with_the_same_vtimezone_share_it() -> None:
    one = read_stored(calendar(BERLIN, EVENT.format(n=1, tzid="Europe/Berlin")))
    other = read_stored(calendar(EVENT.format(n=2, tzid="Europe/Berlin"), BERLIN))
    assert one.timezones["Europe/Berlin"] is other.timezones["Europe/Berlin"]
    assert one.zones["Europe/Berlin"] is other.zones["Europe/Berlin"]


def kept_after_reading(objects: list[bytes], zoned: bool = False) -> int:
    """Bytes of memory still taken after reading ``objects`` (and dropping what was read), with the
    transitions of their VTIMEZONEs when ``zoned`` (what matching or vCalendar 1.0 needs)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for data in objects:
        parsed = read_stored(data)
        if zoned:
            assert "Big/Zone" in parsed.zones
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before


def test_what_is_kept_of_distinct_vtimezones_stays_bounded() -> None:
    """500 distinct VTIMEZONEs of 3.5 kB would keep about 5.5 MB if every one were kept; 128 are."""
    objects = [
        calendar(padded_zone("Pad/Zone", 3500, n), EVENT.format(n=n, tzid="Pad/Zone"))
        for n in range(KEPT.vtimezones + 372)
    ]
    assert kept_after_reading(objects) < 3_000_000


def test_a_vtimezone_too_long_to_keep_is_not_kept() -> None:
    """60 distinct VTIMEZONEs of 20 kB would keep about 2.5 MB if they were kept."""
    size = 5 * KEPT.vtimezone_chars
    objects = [calendar(padded_zone("Big/Zone", size, n), EVENT.format(n=n, tzid="Big/Zone")) for n in range(60)]
    assert kept_after_reading(objects) < 1_000_000


def test_the_zones_of_vtimezones_too_long_to_keep_are_not_kept() -> None:
    """60 distinct VTIMEZONEs of 20 kB, with their transitions worked out, would keep about 1.3 MB of text if
    their zones were kept by it (a device's events with such VTIMEZONEs, matched in a slow sync)."""
    size = 5 * KEPT.vtimezone_chars
    objects = [calendar(padded_zone("Big/Zone", size, n), EVENT.format(n=n, tzid="Big/Zone")) for n in range(60)]
    assert kept_after_reading(objects, zoned=True) < 1_000_000
