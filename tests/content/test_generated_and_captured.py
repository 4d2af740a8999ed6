"""Generator contacts and contacts recorded from SyncEvolution: every one parses and round-trips (through
vCard 2.1, 3.0 and 4.0)."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from syncmld.content import from_stored, normalise_vcard, to_stored
from syncmld.content.contacts import Contact, contact_as
from syncmld.content.vcard import parse_vcard, to_vcard

CONTACTS = 50
SAFE_XML = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)


def generate(shared_dir: Path, out: Path, *args: str) -> list[Path]:
    script = shared_dir / "interop" / "gen_contacts.py"
    subprocess.run([sys.executable, str(script), *args, str(out)], check=True, capture_output=True)
    return sorted(out.glob("*.vcf"))


@pytest.fixture(scope="module")
def generated(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    root = tmp_path_factory.mktemp("generated")
    return {
        "3.0": generate(shared_dir, root / "v30", str(CONTACTS)),
        "2.1": generate(shared_dir, root / "v21", str(CONTACTS), "--version", "2.1"),
    }


def vcards_in(message: Path) -> Iterator[bytes]:
    """Whole vCards carried in a recorded message (chunks of large objects left out)."""
    for item in etree.parse(str(message), SAFE_XML).iter("{*}Item"):
        text = item.findtext("{*}Data")
        if text and text.lstrip().startswith("BEGIN:VCARD") and item.find("{*}MoreData") is None:
            yield text.encode("utf-8")


@pytest.mark.parametrize(("version", "wire_type"), [("3.0", "text/vcard"), ("2.1", "text/x-vcard")])
def test_every_generated_contact_round_trips_in_both_versions(
    generated: dict[str, list[Path]], version: str, wire_type: str
) -> None:
    files = generated[version]
    assert len(files) == CONTACTS
    normal_forms = set()
    for path in files:
        original = path.read_bytes()
        normal = normalise_vcard(original)
        stored_type, stored = to_stored(wire_type, original, None, None)
        assert stored_type == "text/vcard"
        assert stored.startswith(b"BEGIN:VCARD\r\nVERSION:3.0\r\n")
        as_30 = from_stored(stored_type, stored, "text/vcard")
        as_21 = from_stored(stored_type, stored, "text/x-vcard")
        assert normalise_vcard(stored) == normal, path.name
        assert normalise_vcard(as_30) == normal, path.name
        assert normalise_vcard(as_21) == normal, path.name
        as_40 = contact_as(Contact(stored_type, stored), "4.0")
        assert normalise_vcard(as_40) == normal, path.name
        assert normalise_vcard(to_stored("text/vcard", as_40, None, None)[1]) == normal, path.name
        if version == "3.0":  # the same bytes, but for where long lines are folded (never beside a blank)
            assert as_30.replace(b"\r\n ", b"") == original.replace(b"\r\n ", b""), path.name
        assert "\nN:" in normal and "\nFN:" in normal
        normal_forms.add(normal)
    assert len(normal_forms) == CONTACTS
    assert sum("PHOTO;TYPE=PNG;ENCODING=B:" in normal for normal in normal_forms) == CONTACTS // 10


@pytest.mark.parametrize(
    ("session", "generator_args"),
    [
        ("xml-slow-contacts-5", ["5"]),
        ("xml-syncml11-vcard21-slow", ["3", "--version", "2.1", "--start", "200"]),
    ],
)
def test_syncevolution_rewritten_contacts_have_the_generator_normal_form(
    shared_dir: Path, tmp_path: Path, session: str, generator_args: list[str]
) -> None:
    """The recorded sessions sent exactly these generator contacts, re-encoded by SyncEvolution."""
    originals = [path.read_bytes() for path in generate(shared_dir, tmp_path, *generator_args)]
    sent = list(vcards_in(shared_dir / "interop" / "capture" / session / "002-c2s.xml"))
    assert len(sent) == len(originals)
    assert sent != originals
    assert sorted(map(normalise_vcard, sent)) == sorted(map(normalise_vcard, originals))


def test_every_recorded_contact_parses_and_round_trips(shared_dir: Path) -> None:
    recorded = [
        vcard
        for message in sorted((shared_dir / "interop" / "capture").glob("*/*.xml"))
        for vcard in vcards_in(message)
    ]
    assert len(recorded) > 30
    for vcard in recorded:
        normal = normalise_vcard(vcard)
        declared = "text/x-vcard" if b"VERSION:2.1" in vcard else "text/vcard"
        stored_type, stored = to_stored(declared, vcard, None, None)
        for wanted in ("text/vcard", "text/x-vcard"):
            assert normalise_vcard(from_stored(stored_type, stored, wanted)) == normal
        assert normalise_vcard(contact_as(Contact(stored_type, stored), "4.0")) == normal


def test_a_vcard_30_device_gets_the_stored_bytes_which_are_what_converting_them_writes(
    shared_dir: Path, generated: dict[str, list[Path]]
) -> None:
    """A stored contact goes to a vCard 3.0 device as it is stored, unparsed: for every generated and
    recorded contact, those bytes are the ones that parsing and writing it again as 3.0 gives."""
    recorded = [
        vcard
        for message in sorted((shared_dir / "interop" / "capture").glob("*/*.xml"))
        for vcard in vcards_in(message)
    ]
    contacts = [path.read_bytes() for paths in generated.values() for path in paths] + recorded
    assert len(contacts) > 2 * CONTACTS + 30
    for vcard in contacts:
        declared = "text/x-vcard" if b"VERSION:2.1" in vcard else "text/vcard"
        stored_type, stored = to_stored(declared, vcard, None, None)
        sent = from_stored(stored_type, stored, "text/vcard")
        assert sent is stored
        assert sent == to_vcard(parse_vcard(stored), "3.0")
