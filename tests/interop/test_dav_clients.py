"""One account, every client: SyncEvolution (SyncML) and vdirsyncer (CardDAV, CalDAV) on one
``syncmld serve``, each seeing the other's changes."""

import os
from pathlib import Path

import pytest

from .client import DeviceFactory, succeeded
from .server import Login, SyncmldServer
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
