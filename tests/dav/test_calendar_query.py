"""calendar-query: time ranges checked against every occurrence of a recurring event, in its own time
zone, with its detached instances; calendar-data expanded on request."""

import httpx
import pytest

from tests.dav.dav import EVENTS, TASKS, answers

pytestmark = pytest.mark.anyio

ZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)
WEEKLY = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + ZONE + "BEGIN:VEVENT\r\nUID:weekly\r\n"
    "DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20260105T090000\r\n"
    "DTEND;TZID=Europe/Berlin:20260105T100000\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\n"
    "EXDATE;TZID=Europe/Berlin:20260112T090000\r\nSUMMARY:Standup\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Standup\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260119T090000\r\n"
    "DTSTART;TZID=Europe/Berlin:20260121T150000\r\nDTEND;TZID=Europe/Berlin:20260121T160000\r\n"
    "SUMMARY:Standup moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()
SINGLE = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:single\r\n"
    b"DTSTAMP:20260101T000000Z\r\nDTSTART:20260301T120000Z\r\nDTEND:20260301T130000Z\r\nSUMMARY:Lunch\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)
TASK = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTODO\r\nUID:task\r\n"
    b"DTSTAMP:20260101T000000Z\r\nDUE:20260110T120000Z\r\nSUMMARY:File taxes\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
)


def query(start: str, end: str, component: str = "VEVENT", data: str = "<c:calendar-data/>") -> bytes:
    return (
        '<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        f'<d:prop><d:getetag/>{data}</d:prop><c:filter><c:comp-filter name="VCALENDAR">'
        f'<c:comp-filter name="{component}"><c:time-range start="{start}" end="{end}"/></c:comp-filter>'
        "</c:comp-filter></c:filter></c:calendar-query>"
    ).encode()


async def found(client: httpx.AsyncClient, collection: str, body: bytes) -> list[str]:
    response = await client.request("REPORT", collection, content=body, headers={"Depth": "1"})
    assert response.status_code == 207, response.text
    return sorted(answer.href.rsplit("/", 1)[1] for answer in answers(response.content))


@pytest.fixture
async def calendar(alice: httpx.AsyncClient) -> httpx.AsyncClient:
    for name, body in (("weekly.ics", WEEKLY), ("single.ics", SINGLE)):
        response = await alice.put(EVENTS + name, content=body, headers={"Content-Type": "text/calendar"})
        assert response.status_code == 201, response.text
    response = await alice.put(TASKS + "task.ics", content=TASK, headers={"Content-Type": "text/calendar"})
    assert response.status_code == 201, response.text
    return alice


async def test_a_time_range_finds_later_occurrences_of_a_weekly_event(calendar: httpx.AsyncClient) -> None:
    assert await found(calendar, EVENTS, query("20260202T000000Z", "20260203T000000Z")) == ["weekly.ics"]
    assert await found(calendar, EVENTS, query("20260301T000000Z", "20260302T000000Z")) == ["single.ics"]
    assert await found(calendar, EVENTS, query("20260601T000000Z", "20260701T000000Z")) == []


async def test_the_time_range_honours_the_exception_the_moved_instance_and_the_zone(
    calendar: httpx.AsyncClient,
) -> None:
    assert await found(calendar, EVENTS, query("20260112T000000Z", "20260113T000000Z")) == []
    assert await found(calendar, EVENTS, query("20260119T000000Z", "20260120T000000Z")) == []
    assert await found(calendar, EVENTS, query("20260121T140000Z", "20260121T143000Z")) == ["weekly.ics"]
    # 09:00 in Berlin in winter is 08:00 UTC
    assert await found(calendar, EVENTS, query("20260126T080000Z", "20260126T081000Z")) == ["weekly.ics"]
    assert await found(calendar, EVENTS, query("20260126T090000Z", "20260126T093000Z")) == []


async def test_tasks_are_found_by_their_due_time(calendar: httpx.AsyncClient) -> None:
    assert await found(calendar, TASKS, query("20260110T000000Z", "20260111T000000Z", "VTODO")) == ["task.ics"]
    assert await found(calendar, TASKS, query("20260201T000000Z", "20260202T000000Z", "VTODO")) == []


async def test_expanded_calendar_data_lists_the_occurrences_in_utc(calendar: httpx.AsyncClient) -> None:
    expand = '<c:calendar-data><c:expand start="20260101T000000Z" end="20260201T000000Z"/></c:calendar-data>'
    response = await calendar.request(
        "REPORT", EVENTS, content=query("20260101T000000Z", "20260201T000000Z", data=expand)
    )
    (weekly,) = [answer for answer in answers(response.content) if answer.href.endswith("weekly.ics")]
    data = weekly.props["{urn:ietf:params:xml:ns:caldav}calendar-data"]
    assert "RRULE" not in data and "VTIMEZONE" not in data
    starts = sorted(line for line in data.splitlines() if line.startswith("DTSTART"))
    assert starts == [
        "DTSTART:20260105T080000Z",
        "DTSTART:20260121T140000Z",
        "DTSTART:20260126T080000Z",
    ]
    assert data.count("RECURRENCE-ID") == 3


DETACHED_ALONE = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:invited\r\n"
    b"DTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:20260303T090000Z\r\nDTSTART:20260304T150000Z\r\n"
    b"DTEND:20260304T160000Z\r\nSUMMARY:Only this week\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


async def test_a_detached_instance_sent_alone_is_kept_found_and_expanded(alice: httpx.AsyncClient) -> None:
    """An invitation to one instance of another's series: a VEVENT with a RECURRENCE-ID and no master."""
    put = await alice.put(EVENTS + "invited.ics", content=DETACHED_ALONE, headers={"Content-Type": "text/calendar"})
    assert put.status_code == 201, put.text
    got = await alice.get(EVENTS + "invited.ics")
    assert b"RECURRENCE-ID:20260303T090000Z" in got.content and b"UID:invited" in got.content
    assert await found(alice, EVENTS, query("20260304T140000Z", "20260304T153000Z")) == ["invited.ics"]
    assert await found(alice, EVENTS, query("20260303T080000Z", "20260303T100000Z")) == []
    expand = '<c:calendar-data><c:expand start="20260301T000000Z" end="20260401T000000Z"/></c:calendar-data>'
    response = await alice.request("REPORT", EVENTS, content=query("20260301T000000Z", "20260401T000000Z", data=expand))
    (invited,) = answers(response.content)
    data = invited.props["{urn:ietf:params:xml:ns:caldav}calendar-data"]
    assert "DTSTART:20260304T150000Z" in data and "RECURRENCE-ID:20260303T090000Z" in data
