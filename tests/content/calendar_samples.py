"""Calendar objects for the calendar tests, the CTCap property lists SyncEvolution sends, and where the
generated and recorded calendar items come from."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

SAFE_XML = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)

# CTCap property names SyncEvolution announces (capture/xml-calendar-*-slow, message 1)
VCAL10_CTCAP = frozenset(
    {
        "BEGIN", "END", "VERSION", "TZ", "DAYLIGHT", "GEO", "LAST-MODIFIED", "DCREATED", "UID", "SEQUENCE",
        "CATEGORIES", "CLASS", "SUMMARY", "DESCRIPTION", "LOCATION", "URL", "DTSTART", "COMPLETED", "DUE",
        "PRIORITY", "STATUS", "AALARM", "DALARM", "RELATED-TO", "TRANSP", "RRULE", "X-RECURRENCE-ID", "EXDATE",
        "X-SYNCEVOLUTION-EXDATE-DETACHED", "DTEND", "ATTENDEE",
    }
)  # fmt: skip
ICAL20_CTCAP = frozenset(
    {
        "BEGIN", "END", "VERSION", "PRODID", "TZID", "DTSTART", "RRULE", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME",
        "LAST-MODIFIED", "DTSTAMP", "CREATED", "UID", "SEQUENCE", "GEO", "CATEGORIES", "CLASS", "SUMMARY",
        "DESCRIPTION", "LOCATION", "URL", "COMPLETED", "DUE", "PRIORITY", "STATUS", "PERCENT-COMPLETE",
        "RELATED-TO", "TRIGGER", "ACTION", "REPEAT", "X-EVOLUTION-ALARM-UID", "TZ", "TRANSP", "RECURRENCE-ID",
        "EXDATE", "X-SYNCEVOLUTION-EXDATE-DETACHED", "DTEND", "DURATION", "ATTENDEE", "ORGANIZER",
    }
)  # fmt: skip

BERLIN = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
END:STANDARD
END:VTIMEZONE
"""

TOKYO = """BEGIN:VTIMEZONE
TZID:Asia/Tokyo
BEGIN:STANDARD
DTSTART:19700101T000000
TZOFFSETFROM:+0900
TZOFFSETTO:+0900
TZNAME:JST
END:STANDARD
END:VTIMEZONE
"""

ZONED_EVENT = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
{BERLIN}BEGIN:VEVENT
UID:zoned-1@example.org
DTSTAMP:20240115T120000Z
LAST-MODIFIED:20240115T120000Z
SEQUENCE:2
DTSTART;TZID=Europe/Berlin:20240307T100000
DTEND;TZID=Europe/Berlin:20240307T113000
SUMMARY:Weekly sync
DESCRIPTION:Agenda:\\nitem one\\, item two\\; done
LOCATION:Raum Ü3
CATEGORIES:Work,Équipe
CLASS:PRIVATE
TRANSP:OPAQUE
PRIORITY:2
RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=TH
EXDATE;TZID=Europe/Berlin:20240321T100000
ORGANIZER;CN=Olga Organiser:mailto:olga@example.org
ATTENDEE;CN="Zoë Müller";CUTYPE=INDIVIDUAL;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:zoe@example.org
X-CUSTOM;X-FLAVOUR=mint:kept as it is
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Weekly sync
TRIGGER;VALUE=DURATION:-PT15M
X-EVOLUTION-ALARM-UID:alarm-1
END:VALARM
END:VEVENT
END:VCALENDAR
"""

ALL_DAY_EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:allday-1@example.org
DTSTAMP:20240115T120000Z
DTSTART;VALUE=DATE:20240422
DTEND;VALUE=DATE:20240424
SUMMARY:Conference
TRANSP:TRANSPARENT
END:VEVENT
END:VCALENDAR
"""

FLOATING_TASK = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VTODO
UID:task-1@example.org
DTSTAMP:20240115T120000Z
SUMMARY:Write report
DUE:20240510T170000
STATUS:IN-PROCESS
PERCENT-COMPLETE:40
PRIORITY:1
END:VTODO
END:VCALENDAR
"""

DETACHED_INSTANCE = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
{BERLIN}BEGIN:VEVENT
UID:zoned-1@example.org
DTSTAMP:20240115T120000Z
RECURRENCE-ID;TZID=Europe/Berlin:20240314T100000
DTSTART;TZID=Europe/Berlin:20240314T140000
DTEND;TZID=Europe/Berlin:20240314T153000
SUMMARY:Weekly sync (moved)
END:VEVENT
END:VCALENDAR
"""

MASTER_AND_INSTANCE = ZONED_EVENT.replace(
    "END:VEVENT\nEND:VCALENDAR\n", "END:VEVENT\n" + DETACHED_INSTANCE.split(BERLIN, 1)[1]
)


def crlf(text: str) -> bytes:
    """Calendar text with CRLF line ends, UTF-8."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def vcal10(*lines: str, kind: str = "VEVENT", head: tuple[str, ...] = ()) -> bytes:
    """A vCalendar 1.0 object with one component holding ``lines``."""
    return crlf("\n".join(["BEGIN:VCALENDAR", "VERSION:1.0", *head, f"BEGIN:{kind}", *lines, f"END:{kind}",
                           "END:VCALENDAR", ""]))  # fmt: skip


def generate(shared_dir: Path, out: Path, script: str, *args: str) -> list[Path]:
    """Run a ../shared/interop generator into ``out``; the files it wrote."""
    command = [sys.executable, str(shared_dir / "interop" / script), *args, str(out)]
    subprocess.run(command, check=True, capture_output=True)
    return sorted(out.glob("*.ics"))


def calendar_items_in(message: Path) -> Iterator[bytes]:
    """Whole calendar objects carried in a recorded SyncML message."""
    if b"BEGIN:VCALENDAR" not in message.read_bytes():
        return
    for item in etree.parse(str(message), SAFE_XML).iter("{*}Item"):
        text = item.findtext("{*}Data")
        if text and "BEGIN:VCALENDAR" in text and item.find("{*}MoreData") is None:
            yield text.encode("utf-8")
