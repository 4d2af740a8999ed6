"""One account, every client: SyncEvolution (SyncML) and vdirsyncer (CardDAV, CalDAV) on one
``syncmld serve``, each seeing the other's changes."""

import os
from pathlib import Path

import pytest

from .client import DeviceFactory, succeeded
from .server import Login, SyncmldServer
from .syncevolution_dav import SyncEvolutionDav
from .vdirsyncer import Vdirsyncer

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

CRLF = "\r\n"


def write_item(path: Path, lines: list[str]) -> None:
    """Write a device's item file with an mtime a second later than before (the client tracks changes by it)."""
    before = path.stat().st_mtime if path.exists() else 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((CRLF.join(lines) + CRLF).encode("utf-8"))
    later = max(path.stat().st_mtime, float(int(before) + 1))
    os.utime(path, (later, later))


def qp_contact(family: str, given: str, phone: str) -> list[str]:
    """A vCard 2.1 whose name is quoted-printable UTF-8, as old phones write non-ASCII names."""

    def qp(text: str) -> str:
        return "".join(ch if ch.isascii() else "".join(f"={byte:02X}" for byte in ch.encode()) for ch in text)

    return [
        "BEGIN:VCARD",
        "VERSION:2.1",
        f"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{qp(family)};{qp(given)};;;",
        f"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{qp(given)} {qp(family)}",
        f"TEL;CELL:{phone}",
        "END:VCARD",
    ]


def vdirsyncer_of(server: SyncmldServer, login: Login, state: Path, storage: str, *collections: str) -> Vdirsyncer:
    """vdirsyncer configured with nothing but the server's root URL and the account's credentials."""
    return Vdirsyncer(state, server.base + "/", login.email, login.password, storage, collections)


def test_contacts_go_both_ways_between_a_syncml_phone_and_vdirsyncer(
    device: DeviceFactory, server: SyncmldServer, login: Login, tmp_path: Path
) -> None:
    phone = device("dav-phone")
    write_item(phone.data_dir / "mueller.vcf", qp_contact("Müller", "Jürgen", "+49 170 1111111"))
    write_item(phone.data_dir / "oeztuerk.vcf", qp_contact("Öztürk", "Ayşe", "+90 532 2222222"))
    write_item(phone.data_dir / "smith.vcf", qp_contact("Smith", "John", "+1 555 3333333"))
    sync = ("--syncml", "1.1", "--format", "vcard21", "--auth", "basic")
    assert succeeded(phone.sync("slow", *sync)).server.added == 3

    dav = vdirsyncer_of(server, login, tmp_path / "vdirsyncer", "carddav", "contacts")
    dav.discover()
    dav.sync()
    cards = dav.files("contacts")
    assert len(cards) == 3, cards
    texts = [card.decode("utf-8") for card in cards.values()]
    assert not any("QUOTED-PRINTABLE" in text.upper() for text in texts), texts
    assert all("VERSION:3.0" in text for text in texts), texts
    assert any("N:Müller;Jürgen;;;" in text for text in texts), texts
    assert any("FN:Ayşe Öztürk" in text for text in texts), texts

    by_name = {
        next(line for line in text.splitlines() if line.startswith("FN")): name
        for name, text in zip(cards, texts, strict=True)
    }
    edited = dav.directory("contacts") / by_name["FN:Jürgen Müller"]
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("FN:Jürgen Müller", "FN:Jürgen Müller-Lüdenscheidt"),
        encoding="utf-8",
    )
    (dav.directory("contacts") / by_name["FN:John Smith"]).unlink()
    dav.sync()

    received = succeeded(phone.sync("two-way", *sync))
    assert (received.client.added, received.client.updated, received.client.deleted) == (0, 1, 1), received.describe()
    phone_cards = {path.name: path.read_bytes() for path in phone.data_dir.iterdir()}
    assert "smith.vcf" not in phone_cards
    assert "Müller-Lüdenscheidt".encode() in phone_cards["mueller.vcf"] or b"=C3=BC" in phone_cards["mueller.vcf"]

    turkish = phone.data_dir / "oeztuerk.vcf"
    write_item(
        turkish,
        [*qp_contact("Öztürk", "Ayşe", "+90 532 2222222")[:-1], "EMAIL;INTERNET:ayse@example.com.tr", "END:VCARD"],
    )
    assert succeeded(phone.sync("two-way", *sync)).server.updated == 1
    dav.sync()
    texts = [card.decode("utf-8") for card in dav.files("contacts").values()]
    assert len(texts) == 2, texts
    assert any("ayse@example.com.tr" in text and "FN:Ayşe Öztürk" in text for text in texts), texts


WEEKLY_WITH_EXCEPTION_AND_ALARM = [
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//phone//EN",
    "BEGIN:VTIMEZONE", "TZID:Europe/Berlin",
    "BEGIN:STANDARD", "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "END:DAYLIGHT", "END:VTIMEZONE",
    "BEGIN:VEVENT", "UID:weekly-standup", "DTSTAMP:20260101T000000Z",
    "DTSTART;TZID=Europe/Berlin:20260105T090000", "DTEND;TZID=Europe/Berlin:20260105T093000",
    "RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20260112T090000", "SUMMARY:Standup",
    "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Standup", "TRIGGER:-PT10M", "END:VALARM",
    "END:VEVENT", "END:VCALENDAR",
]  # fmt: skip


def calendar_item(uid: str, component: str, summary: str, when: str) -> list[str]:
    moment = "DTSTART" if component == "VEVENT" else "DUE"
    return [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//phone//EN", f"BEGIN:{component}", f"UID:{uid}",
        "DTSTAMP:20260101T000000Z", f"{moment}:{when}", f"SUMMARY:{summary}", f"END:{component}", "END:VCALENDAR",
    ]  # fmt: skip


def with_summary(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(f"SUMMARY:{old}", f"SUMMARY:{new}"), encoding="utf-8")


@pytest.mark.parametrize(
    ("kind", "collection", "component"),
    [pytest.param("calendar", "events", "VEVENT", id="events"), pytest.param("tasks", "tasks", "VTODO", id="tasks")],
)
def test_calendar_items_go_both_ways_between_a_syncml_phone_and_vdirsyncer(
    device: DeviceFactory,
    server: SyncmldServer,
    login: Login,
    tmp_path: Path,
    kind: str,
    collection: str,
    component: str,
) -> None:
    phone = device(f"dav-{kind}").of_kind(kind, kind, "ical20")
    if component == "VEVENT":
        write_item(phone.data_dir / "standup.ics", WEEKLY_WITH_EXCEPTION_AND_ALARM)
    else:
        write_item(
            phone.data_dir / "standup.ics", calendar_item("task-standup", component, "Standup", "20260105T090000Z")
        )
    write_item(phone.data_dir / "lunch.ics", calendar_item("lunch", component, "Lunch", "20260301T120000Z"))
    write_item(phone.data_dir / "dentist.ics", calendar_item("dentist", component, "Dentist", "20260302T080000Z"))
    assert succeeded(phone.sync("slow")).server.added == 3

    dav = vdirsyncer_of(server, login, tmp_path / "vdirsyncer", "caldav", collection)
    dav.discover()
    dav.sync()
    items = {name: data.decode("utf-8") for name, data in dav.files(collection).items()}
    assert len(items) == 3, items
    by_summary = {
        next(line for line in text.splitlines() if line.startswith("SUMMARY")): name for name, text in items.items()
    }
    if component == "VEVENT":
        standup = items[by_summary["SUMMARY:Standup"]]
        # SyncEvolution writes the rule and the trigger its own way (INTERVAL=1, VALUE=DURATION)
        kept = ("FREQ=WEEKLY", "BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20260112T090000", "BEGIN:VALARM", ":-PT10M")
        assert all(part in standup for part in (*kept, "TZID:Europe/Berlin")), standup

    with_summary(dav.directory(collection) / by_summary["SUMMARY:Lunch"], "Lunch", "Lunch with Ann")
    (dav.directory(collection) / by_summary["SUMMARY:Dentist"]).unlink()
    dav.sync()

    received = succeeded(phone.sync("two-way"))
    assert (received.client.added, received.client.updated, received.client.deleted) == (0, 1, 1), received.describe()
    assert "Lunch with Ann" in (phone.data_dir / "lunch.ics").read_text(encoding="utf-8")
    assert not (phone.data_dir / "dentist.ics").exists()

    standup_file = phone.data_dir / "standup.ics"
    lines = standup_file.read_text(encoding="utf-8").replace("SUMMARY:Standup", "SUMMARY:Daily standup").splitlines()
    write_item(standup_file, lines)
    assert succeeded(phone.sync("two-way")).server.updated == 1
    dav.sync()
    texts = list(dav.files(collection).values())
    assert len(texts) == 2
    assert any(b"SUMMARY:Daily standup" in text for text in texts), texts


@pytest.mark.parametrize(
    ("kind", "collection"),
    [pytest.param("contacts", "contacts", id="carddav"), pytest.param("calendar", "events", id="caldav")],
)
def test_syncevolution_dav_back_ends_sync_with_dav_as_another_client(
    device: DeviceFactory, server: SyncmldServer, login: Login, tmp_path: Path, kind: str, collection: str
) -> None:
    phone = device(f"se-dav-{kind}").of_kind(kind, kind)
    if kind == "contacts":
        write_item(phone.data_dir / "ann.vcf", qp_contact("Ängström", "Ann", "+46 70 1111111"))
        write_item(phone.data_dir / "bob.vcf", qp_contact("Builder", "Bob", "+44 20 2222222"))
    else:
        write_item(phone.data_dir / "ann.ics", calendar_item("ann-event", "VEVENT", "Ann's party", "20260401T180000Z"))
        write_item(phone.data_dir / "bob.ics", calendar_item("bob-event", "VEVENT", "Bob's talk", "20260402T090000Z"))
    assert succeeded(phone.sync("slow")).server.added == 2

    dav_client = SyncEvolutionDav(tmp_path / "se-dav", server.base + "/", login.email, login.password, collection)
    dav_client.configure()
    assert dav_client.sync("slow")[0] == 2
    texts = [data.decode("utf-8") for data in dav_client.files().values()]
    assert any("Ängström" in text or "Ann's party" in text for text in texts), texts

    (name, data), *_ = [(name, data) for name, data in dav_client.files().items() if b"Bob" in data]
    changed = data.decode("utf-8").replace("Bob's talk", "Bob's keynote").replace("Builder", "Baumeister")
    write_item(dav_client.directory / name, changed.replace("\r\n", "\n").splitlines())
    if kind == "contacts":
        write_item(
            dav_client.directory / "carol.vcf",
            ["BEGIN:VCARD", "VERSION:3.0", "FN:Carol", "N:Carol;;;;", "TEL:+1 555 9", "END:VCARD"],
        )
    else:
        write_item(
            dav_client.directory / "carol.ics",
            calendar_item("carol-event", "VEVENT", "Carol's lunch", "20260403T120000Z"),
        )
    assert dav_client.sync() == (0, 0, 0)

    received = succeeded(phone.sync("two-way"))
    assert (received.client.added, received.client.updated, received.client.deleted) == (1, 1, 0), received.describe()
    on_phone = b"".join(path.read_bytes() for path in phone.data_dir.iterdir())
    assert b"Carol" in on_phone and (b"Baumeister" in on_phone or b"Bob's keynote" in on_phone)

    (phone.data_dir / f"ann.{'vcf' if kind == 'contacts' else 'ics'}").unlink()
    assert succeeded(phone.sync("two-way")).server.deleted == 1
    assert dav_client.sync() == (0, 0, 1)
