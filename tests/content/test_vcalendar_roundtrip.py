"""Calendar objects through vCalendar 1.0 and back mean the same thing (checked with icalendar and
dateutil, not with syncmld's own readers), devices that change one field change only that field, and
every calendar object recorded from real devices converts."""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event

from syncmld.content.calendar import (
    STORED_CALENDAR_TYPE,
    CalendarObject,
    calendar_from_stored,
    calendar_normal_form,
    calendar_to_stored,
)
from tests.content.calendar_samples import (
    ALL_DAY_EVENT,
    BERLIN,
    DETACHED_INSTANCE,
    FLOATING_TASK,
    ICAL20_CTCAP,
    MASTER_AND_INSTANCE,
    TOKYO,
    VCAL10_CTCAP,
    ZONED_EVENT,
    calendar_items_in,
    crlf,
    generate,
    vcal10,
)

EVENTS, TASKS = 60, 30
HORIZON = timedelta(days=730)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# ------------------------------------------------------------------------------- meaning, independently


def utc(moment: date) -> date:
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment


def as_datetime(moment: date) -> datetime:
    return moment if isinstance(moment, datetime) else datetime.combine(moment, time())


def values(component: Any, name: str) -> list[Any]:
    value = component.get(name)
    return [] if value is None else value if isinstance(value, list) else [value]


def occurrences(component: Any) -> list[date]:
    """Occurrences in the first two years, as UTC instants (floating times and dates as they are)."""
    start = (component.get("DTSTART") or component.get("DUE")).dt
    first = as_datetime(start)
    excluded = {as_datetime(item.dt) for prop in values(component, "EXDATE") for item in prop.dts}
    moments = [first]
    if "RRULE" in component:
        text = component["RRULE"].to_ical().decode()
        if not isinstance(start, datetime):  # pimgen writes UTC UNTILs for all-day events; RFC 5545 wants dates
            text = re.sub(r"UNTIL=(\d{8})T\d{6}Z?", r"UNTIL=\1", text)
        rule = rrulestr(text, dtstart=first)
        moments = rule.between(first, first + HORIZON, inc=True)
    return [utc(moment) for moment in moments if moment not in excluded]


def alarm_instants(component: Any) -> list[date]:
    result = []
    for alarm in component.walk("VALARM"):
        trigger = alarm["TRIGGER"]
        if isinstance(trigger.dt, timedelta):
            related_end = trigger.params.get("RELATED") == "END" or "DTSTART" not in component
            anchor = component.get("DTEND" if component.name == "VEVENT" else "DUE") if related_end else None
            base = as_datetime((anchor or component.get("DTSTART") or component.get("DUE")).dt)
            result.append(utc(base + trigger.dt))
        else:
            result.append(utc(trigger.dt))
    return sorted(result, key=str)


def times(component: Any) -> dict[str, date]:
    """DTSTART, DUE, COMPLETED and when an event ends (RFC 5545: a date event without end lasts the day)."""
    result = {name: utc(component[name].dt) for name in ("DTSTART", "DTEND", "DUE", "COMPLETED") if name in component}
    if component.name == "VEVENT" and "DTSTART" in component and "DTEND" not in component:
        start = component["DTSTART"].dt
        length = component["DURATION"].dt if "DURATION" in component else timedelta(days=0)
        if not isinstance(start, datetime) and "DURATION" not in component:
            length = timedelta(days=1)
        result["DTEND"] = utc(start + length)
    return result


def meaning(stored: bytes) -> dict[str, Any]:
    """What a user sees of each component, keyed by kind and RECURRENCE-ID instant."""
    result: dict[str, Any] = {}
    for component in Calendar.from_ical(stored).subcomponents:
        if component.name not in ("VEVENT", "VTODO", "VJOURNAL"):
            continue
        rid = component.get("RECURRENCE-ID")
        key = f"{component.name}|{utc(rid.dt) if rid is not None else ''}"
        result[key] = {
            "times": times(component),
            "occurrences": occurrences(component) if "DTSTART" in component or "DUE" in component else [],
            "alarms": alarm_instants(component),
            "texts": {name: str(component.get(name)) for name in ("SUMMARY", "DESCRIPTION", "LOCATION", "UID")},
            "categories": sorted(str(item) for prop in values(component, "CATEGORIES") for item in prop.cats),
            "status": (str(component.get("STATUS")), component.get("PERCENT-COMPLETE")),
        }
    return result


def through_vcal10(stored: bytes) -> bytes:
    return calendar_to_stored(calendar_from_stored(stored, "1.0"), None, None)


# ------------------------------------------------------------------------------------ generated items


@pytest.fixture(scope="module")
def generated(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    root = tmp_path_factory.mktemp("calendar")
    return {
        "events": generate(shared_dir, root / "events", "gen_events.py", str(EVENTS), "--exceptions", "separate"),
        "tasks": generate(shared_dir, root / "tasks", "gen_tasks.py", str(TASKS)),
        "events10": generate(shared_dir, root / "events10", "gen_events.py", str(EVENTS), "--format", "vcal10"),
        "tasks10": generate(shared_dir, root / "tasks10", "gen_tasks.py", str(TASKS), "--format", "vcal10"),
    }


@pytest.mark.parametrize("kind", ["events", "tasks"])
def test_generated_ical20_items_mean_the_same_after_vcal10_and_back(
    generated: dict[str, list[Path]], kind: str
) -> None:
    files = generated[kind]
    assert len(files) >= (EVENTS if kind == "events" else TASKS)
    for path in files:
        stored = calendar_to_stored(path.read_bytes(), None, None)
        back = through_vcal10(stored)
        assert meaning(back) == meaning(stored), path.name
        assert calendar_normal_form(back) == calendar_normal_form(stored), path.name
    assert any(b"RRULE" in path.read_bytes() for path in files)


@pytest.mark.parametrize("kind", ["events10", "tasks10"])
def test_generated_vcal10_items_are_stable_through_the_stored_form(generated: dict[str, list[Path]], kind: str) -> None:
    for path in generated[kind]:
        data = path.read_bytes()
        stored = calendar_to_stored(data, None, None)
        start = re.search(rb"^(?:DTSTART|DUE):(\S+)Z\r$", data, re.MULTILINE)
        if start is not None:
            first = meaning(stored).popitem()[1]["times"]
            moment = datetime.strptime(start.group(1).decode(), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            assert moment in first.values(), path.name
        assert meaning(through_vcal10(stored)) == meaning(stored), path.name


@pytest.mark.parametrize("device_properties", [VCAL10_CTCAP, None])
def test_vcal10_device_that_changes_only_summary_changes_only_summary(
    generated: dict[str, list[Path]], device_properties: frozenset[str] | None
) -> None:
    for path in generated["events"] + generated["tasks"]:
        original = path.read_text(encoding="utf-8")
        stored = calendar_to_stored(crlf(original), None, None)
        on_phone = calendar_from_stored(stored, "1.0").decode("utf-8")
        edited = re.sub(r"^SUMMARY[;:].*$", "SUMMARY:Changed on the phone", on_phone, count=1, flags=re.MULTILINE)
        updated = calendar_to_stored(edited.encode("utf-8"), stored, device_properties)
        changed = re.sub(r"^SUMMARY:.*$", "SUMMARY:Changed on the phone", original, count=1, flags=re.MULTILINE)
        assert updated == calendar_to_stored(crlf(changed), None, None), path.name


def test_ical20_device_sending_the_stored_object_back_changes_nothing(generated: dict[str, list[Path]]) -> None:
    for path in generated["events"]:
        stored = calendar_to_stored(path.read_bytes(), None, None)
        assert calendar_to_stored(stored, stored, ICAL20_CTCAP) == stored, path.name


def test_vcal10_update_keeps_what_vcal10_cannot_say() -> None:
    zoned_with_extras = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\n" + BERLIN + "BEGIN:VEVENT\nUID:x1\n"
        "DTSTART;TZID=Europe/Berlin:20240307T100000\nDURATION:PT90M\nSUMMARY:Board\n"
        "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1\nCOMMENT:internal\n"
        'ATTENDEE;CN=Ann;CUTYPE=ROOM;DIR="ldap://x":mailto:ann@example.org\n'
        "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:x\nTRIGGER:-PT10M\nX-MOZ-LASTACK:20240101T000000Z\nEND:VALARM\n"
        "END:VEVENT\nEND:VCALENDAR\n"
    )
    stored = calendar_to_stored(crlf(zoned_with_extras), None, None)
    on_phone = calendar_from_stored(stored, "1.0").decode("utf-8")
    assert "RRULE" not in on_phone and "DURATION" not in on_phone and "DTEND:20240307T103000Z" in on_phone
    moved = on_phone.replace("DTSTART:20240307T090000Z", "DTSTART:20240307T100000Z")
    moved = moved.replace("DTEND:20240307T103000Z", "DTEND:20240307T113000Z").replace("T085000Z", "T095000Z")
    event = Calendar.from_ical(calendar_to_stored(moved.encode(), stored, VCAL10_CTCAP)).walk("VEVENT")[0]
    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2024, 3, 7, 11, 0)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["RRULE"]["BYSETPOS"] == [-1] and event["COMMENT"] == "internal"
    assert event["ATTENDEE"].params["CUTYPE"] == "ROOM" and event["ATTENDEE"].params["DIR"] == "ldap://x"
    assert event.walk("VALARM")[0]["X-MOZ-LASTACK"].to_ical() == b"20240101T000000Z"
    assert utc(event["DTEND"].dt) == datetime(2024, 3, 7, 11, 30, tzinfo=UTC) and "DURATION" not in event
    assert event["DTEND"].params["TZID"] == "Europe/Berlin"


# ------------------------------------------------------------------------------------- recorded items


def recorded_items(shared_dir: Path) -> Iterator[tuple[str, bytes]]:
    interop = shared_dir / "interop"
    for message in sorted([*interop.glob("capture/*/*.xml"), *interop.glob("real-devices/**/*.xml")]):
        for item in calendar_items_in(message):
            yield str(message.relative_to(interop)), item


def test_every_recorded_calendar_item_converts(shared_dir: Path) -> None:
    items = list(recorded_items(shared_dir))
    assert len(items) >= 50
    for source, item in items:
        stored = calendar_to_stored(item, None, None)
        assert calendar_normal_form(through_vcal10(stored)) == calendar_normal_form(stored), source
        assert calendar_to_stored(item, stored, VCAL10_CTCAP) == stored, source


def test_p900_items(shared_dir: Path) -> None:
    folder = shared_dir / "interop/real-devices/horde-syncml/testcase_P900_tasksandcalendar"
    stored = [calendar_to_stored(item, None, None) for item in calendar_items_in(folder / "syncml_client_11.xml")]
    appointment, christmas, task = (meaning(item).popitem()[1] for item in stored)
    assert appointment["alarms"] == [datetime(2006, 12, 22, 10, 50, tzinfo=UTC)]
    assert christmas["times"] == {"DTSTART": date(2006, 12, 25), "DTEND": date(2006, 12, 26)}
    assert christmas["texts"]["DESCRIPTION"] == "uumlaut: ü" and task["texts"]["DESCRIPTION"] == "Aumlaut: Ä"


# ------------------------------------------------------------------------------------------ properties

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")) | st.sampled_from(list(';,\\\n:"= ')),
    min_size=1,
    max_size=40,
)
CATEGORY = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Zs")) | st.just(";"),
                   min_size=1, max_size=12)  # fmt: skip
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(summary=TEXT, description=TEXT, location=TEXT, categories=st.lists(CATEGORY, max_size=3))
def test_texts_survive_vcal10_both_ways(summary: str, description: str, location: str, categories: list[str]) -> None:
    event = Event()
    event.add("UID", "text-1")
    event.add("DTSTART", datetime(2024, 5, 1, 10, tzinfo=UTC))
    for name, value in (("SUMMARY", summary), ("DESCRIPTION", description), ("LOCATION", location)):
        event.add(name, value)
    if categories:
        event.add("CATEGORIES", categories)
    calendar = Calendar()
    calendar.add_component(event)
    stored = calendar_to_stored(calendar.to_ical(), None, None)
    assert meaning(through_vcal10(stored)) == meaning(stored)
    kept = meaning(stored).popitem()[1]
    assert kept["texts"]["SUMMARY"] == Calendar.from_ical(calendar.to_ical()).walk("VEVENT")[0]["SUMMARY"]
    assert len(kept["categories"]) == len(categories)

    on_phone = vcal10(
        "UID:text-2", "DTSTART:20240501T100000Z", qp_line("SUMMARY", summary), qp_line("LOCATION", location)
    )
    received = calendar_to_stored(on_phone, None, None)
    assert Calendar.from_ical(received).walk("VEVENT")[0]["SUMMARY"] == summary
    assert Calendar.from_ical(received).walk("VEVENT")[0]["LOCATION"] == location
    assert calendar_normal_form(through_vcal10(received)) == calendar_normal_form(received)


def qp_line(name: str, text: str) -> str:
    """A 1.0 line with ``text`` escaped (\\ and ;) and quoted-printable with soft line breaks."""
    raw = text.replace("\\", "\\\\").replace(";", "\\;").replace("\n", "\r\n").encode("utf-8")
    encoded = "".join(chr(octet) if 33 <= octet <= 126 and octet != 61 else f"={octet:02X}" for octet in raw)
    chunks = re.findall(r"(?:=[0-9A-F]{2}|.){1,20}", encoded)
    return f"{name};ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:" + "=\r\n".join(chunks)


STARTS = st.sampled_from(["berlin", "tokyo", "utc", "floating", "date"])


@st.composite
def rules(draw: st.DrawFn, start: date) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    interval = draw(st.integers(1, 3))
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    if freq == "WEEKLY":
        days = draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=3))
        parts += [f"BYDAY={','.join(days)}"] if days else []
    elif freq == "MONTHLY":
        choice = draw(st.sampled_from(["monthday", "position", "weekday", "none", "setpos"]))
        if choice == "monthday":
            days = draw(st.lists(st.sampled_from([1, 7, 15, 28, 31, -1]), unique=True, min_size=1, max_size=3))
            parts.append("BYMONTHDAY=" + ",".join(map(str, days)))
        elif choice == "position":
            picks = draw(st.lists(st.tuples(st.sampled_from([1, 2, 4, -1]), st.sampled_from(WEEKDAYS)), min_size=1,
                                  max_size=2, unique=True))  # fmt: skip
            parts.append("BYDAY=" + ",".join(f"{number}{day}" for number, day in picks))
        elif choice == "weekday":
            parts.append(f"BYDAY={draw(st.sampled_from(WEEKDAYS))}")
        elif choice == "setpos":
            parts.append("BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")
    elif freq == "YEARLY":
        choice = draw(st.sampled_from(["months", "position", "none"]))
        if choice == "months":
            months = draw(st.lists(st.integers(1, 12), unique=True, min_size=1, max_size=3))
            parts.append("BYMONTH=" + ",".join(map(str, months)))
        elif choice == "position":
            parts.append(f"BYMONTH={start.month};BYDAY={draw(st.sampled_from([1, 2, -1]))}TH")
    end = draw(st.sampled_from(["count", "until", "none"]))
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 15))}")
    elif end == "until":
        parts.append("UNTIL=@" + str(draw(st.integers(5, 400))))
    return ";".join(parts)


def event_with_rule(kind: str, rule: str) -> bytes:
    starts = {
        "berlin": ("DTSTART;TZID=Europe/Berlin:20240307T100000", datetime(2024, 3, 7, 9, tzinfo=UTC)),
        "tokyo": ("DTSTART;TZID=Asia/Tokyo:20240307T083000", datetime(2024, 3, 6, 23, 30, tzinfo=UTC)),
        "utc": ("DTSTART:20240307T090000Z", datetime(2024, 3, 7, 9, tzinfo=UTC)),
        "floating": ("DTSTART:20240307T100000", datetime(2024, 3, 7, 10)),
        "date": ("DTSTART;VALUE=DATE:20240307", date(2024, 3, 7)),
    }
    line, first = starts[kind]
    days = re.search(r"@(\d+)", rule)
    if days is not None:
        until = first + timedelta(days=int(days.group(1)))
        text = f"{until:%Y%m%d}" if not isinstance(until, datetime) else f"{until:%Y%m%dT%H%M%S}"
        rule = rule.replace(days.group(0), text + ("Z" if kind in ("berlin", "tokyo", "utc") else ""))
    zone = {"berlin": BERLIN, "tokyo": TOKYO}.get(kind, "")
    return crlf(f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\n{zone}BEGIN:VEVENT\nUID:r1\n{line}\n"
                f"SUMMARY:Rule\nRRULE:{rule}\nEND:VEVENT\nEND:VCALENDAR\n")  # fmt: skip


@FAST
@given(data=st.data(), kind=STARTS)
def test_random_recurrences_through_vcal10(data: st.DataObject, kind: str) -> None:
    rule = data.draw(rules(date(2024, 3, 7)))
    stored = calendar_to_stored(event_with_rule(kind, rule), None, None)
    on_phone = calendar_from_stored(stored, "1.0")
    if b"RRULE" in on_phone:
        assert meaning(through_vcal10(stored)) == meaning(stored), on_phone.decode()
    else:
        updated = calendar_to_stored(on_phone.replace(b"SUMMARY:Rule", b"SUMMARY:Renamed"), stored, VCAL10_CTCAP)
        assert updated == stored.replace(b"SUMMARY:Rule", b"SUMMARY:Renamed")


@st.composite
def vcal10_rules(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["D", "W", "MP", "MD", "YM", "YD"]))
    body: list[str] = []
    if kind == "W":
        body = draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=3))
    elif kind == "MP":
        body = [draw(st.sampled_from(["1+", "2+", "1-", "3+"])), draw(st.sampled_from(WEEKDAYS))]
    elif kind == "MD":
        body = draw(st.lists(st.sampled_from(["1", "15", "28", "1-", "LD"]), unique=True, max_size=2))
    elif kind == "YM":
        body = [str(month) for month in draw(st.lists(st.integers(1, 12), unique=True, max_size=2))]
    elif kind == "YD":
        body = [str(draw(st.integers(1, 365)))]
    end = draw(st.sampled_from(["#0", "#3", "#12", "20250101T000000Z", ""]))
    return " ".join([f"{kind}{draw(st.integers(1, 3))}", *body, end]).strip()


@FAST
@given(rule=vcal10_rules())
def test_random_vcal10_rules_keep_their_occurrences(rule: str) -> None:
    received = calendar_to_stored(vcal10("UID:p1", "DTSTART:20240111T080000Z", f"RRULE:{rule}"), None, None)
    again = through_vcal10(received)
    assert b"RRULE:FREQ=" in received
    assert meaning(again) == meaning(received), rule


def test_the_uid_read_from_a_stored_objects_line_is_the_one_its_parse_gives(
    shared_dir: Path, generated: dict[str, list[Path]]
) -> None:
    sent = [path.read_bytes() for files in generated.values() for path in files]
    sent += [item for _, item in recorded_items(shared_dir)]
    sent += [crlf(text) for text in (ZONED_EVENT, ALL_DAY_EVENT, FLOATING_TASK, DETACHED_INSTANCE, MASTER_AND_INSTANCE)]
    sent.append(crlf(ZONED_EVENT.replace("BEGIN:VALARM", "BEGIN:VALARM\nUID:the-alarm's")))
    sent.append(
        crlf(ALL_DAY_EVENT.replace("UID:", "UID:with\\, comma ").replace("BEGIN:VEVENT", "BEGIN:VEVENT\nX-A:1"))
    )
    with_uid = 0
    for item in sent:
        stored = CalendarObject(STORED_CALENDAR_TYPE, calendar_to_stored(item, None, None))
        parsed = next((str(part["UID"]).strip() or None for part in stored.object.components if "UID" in part), None)
        assert stored.uid == parsed, item[:300]
        with_uid += parsed is not None
    assert with_uid > 100
