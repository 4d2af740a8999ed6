"""Faster readers and writers change no byte: every contact and calendar object of a fixed corpus (generated,
recorded from SyncEvolution and from real devices, and random cards built from a seed) converts to the
same stored bytes, device versions, normal forms and errors as the code before them did. The expected
figures are digests of that code's outputs (``conversion_digests.json``); after a change meant to alter
a format, print the new ones with ``python -m tests.content.test_conversion_digests SHARED_DIR``."""

import hashlib
import json
import random
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from syncmld import content
from syncmld.content.contacts import UNSEEN_PROPERTIES, contact_to_stored
from syncmld.content.vcard import normal_form, parse_vcard, to_vcard, written_as_30
from syncmld.errors import RemoteError

DIGESTS = Path(__file__).with_name("conversion_digests.json")
_VCARD = re.compile(rb"BEGIN:VCARD.*?END:VCARD\r?\n?", re.DOTALL | re.IGNORECASE)
_CALENDAR = re.compile(rb"BEGIN:VCALENDAR.*?END:VCALENDAR\r?\n?", re.DOTALL | re.IGNORECASE)


def _generated(shared: Path, where: Path, kind: str, count: int, *options: str) -> list[bytes]:
    folder = where / f"{kind}{''.join(options)}"
    script = shared / "interop" / "pimgen.py"
    subprocess.run(
        [sys.executable, str(script), kind, str(count), str(folder), *options], check=True, capture_output=True
    )
    return [path.read_bytes() for path in sorted(folder.iterdir())]


def _recorded(shared: Path, pattern: re.Pattern[bytes]) -> list[bytes]:
    """Objects found in the recorded sessions and real-device captures, as their files hold them."""
    files = sorted(
        path
        for folder in ("capture", "real-devices")
        for path in (shared / "interop" / folder).rglob("*")
        if path.is_file()
    )
    return [found for path in files for found in pattern.findall(path.read_bytes())]


_NAMES = ["N", "FN", "NOTE", "TEL", "EMAIL", "ADR", "CATEGORIES", "UID", "REV", "X-FOO", "PHOTO", "ORG", "GEO"]
_PARAMS = [
    "", ";TYPE=HOME", ";TYPE=CELL,VOICE", ";HOME;VOICE", ";ENCODING=b", ";ENCODING=BASE64", ";BASE64",
    ";ENCODING=QUOTED-PRINTABLE", ";QUOTED-PRINTABLE", ";CHARSET=UTF-8", ";CHARSET=ISO-8859-1",
    ';X-A="a:b;c"', ";type=work", ";VALUE=URL", ";ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8",
]  # fmt: skip
_PIECES = [
    ";", ",", ":", '"', " ", "\t", "é", "日", "a", "N", "=0D=0A", "=0A", "=3D", "=", "\\", "\\n", "\\N",
    "\\,", "\\;", "\\:", "\\x", "\\\\", "\r\n ", "\r\n\t", "\n ", "\r\n", "\r", "QUJD", "\xe9",
]  # fmt: skip


def _random_cards(count: int) -> list[bytes]:
    """Cards with every kind of line this reader meets, from a fixed seed (the same ones on every run)."""
    rng = random.Random(20261207)
    cards = []
    for _ in range(count):
        version = rng.choice(["3.0", "2.1", "4.0", "3.0"])
        lines = []
        for _ in range(rng.randint(0, 9)):
            group = rng.choice(["", "", "item1.", "a-b."])
            value = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))
            lines.append(f"{group}{rng.choice(_NAMES)}{rng.choice(_PARAMS)}:{value}\r\n")
        text = f"BEGIN:VCARD\r\nVERSION:{version}\r\n{''.join(lines)}END:VCARD\r\n"
        if rng.random() < 0.1:
            text = text.replace("\r\n", "\n")
        encoding = rng.choice(["utf-8", "utf-8", "utf-8", "latin-1"])
        cards.append(text.encode(encoding, "replace"))
    return cards


def _outcome(convert: Callable[[], object]) -> bytes:
    """What ``convert`` gives, or the status and reason of the RemoteError it raises, as bytes."""
    try:
        result = convert()
    except RemoteError as error:
        return f"error {error.status} {error}".encode()
    return result if isinstance(result, bytes) else repr(result).encode()


def _contact_outputs(data: bytes, previous: bytes) -> Iterator[bytes]:
    yield _outcome(lambda: written_as_30(data, UNSEEN_PROPERTIES))
    yield _outcome(lambda: contact_to_stored(data, None, None))
    yield _outcome(lambda: contact_to_stored(data, parse_vcard(previous), frozenset({"N", "TEL", "X-*"})))
    yield _outcome(lambda: normal_form(parse_vcard(data)))
    for version in ("2.1", "3.0", "4.0"):
        yield _outcome(lambda: to_vcard(parse_vcard(data), version))  # noqa: B023


def _calendar_outputs(data: bytes) -> Iterator[bytes]:
    for wire_type in ("text/calendar", "text/x-vcalendar"):
        stored = _outcome(lambda: content.to_stored(wire_type, data, None, None, "events"))  # noqa: B023
        yield stored
    try:
        stored_type, stored_data = content.to_stored("text/calendar", data, None, None, "events")
    except RemoteError:
        return
    for wanted in ("text/calendar", "text/x-vcalendar"):
        yield _outcome(lambda: content.from_stored(stored_type, stored_data, wanted))  # noqa: B023


def corpus(shared: Path, where: Path) -> dict[str, tuple[str, list[bytes]]]:
    """The corpus by name: the kind of its objects and the objects."""
    return {
        "generated contacts 3.0": ("contacts", _generated(shared, where, "contacts", 1000)),
        "generated contacts 2.1": ("contacts", _generated(shared, where, "contacts", 1000, "--version", "2.1")),
        "recorded contacts": ("contacts", _recorded(shared, _VCARD)),
        "random contacts": ("contacts", _random_cards(3000)),
        "generated events": ("calendar", _generated(shared, where, "events", 300)),
        "generated events 1.0": ("calendar", _generated(shared, where, "events", 300, "--format", "vcal10")),
        "recorded calendars": ("calendar", _recorded(shared, _CALENDAR)),
    }


def digests(shared: Path, where: Path) -> dict[str, str]:
    """Per corpus, the number of objects and the SHA-256 of all their outputs in order."""
    found = {}
    for name, (kind, objects) in corpus(shared, where).items():
        summary = hashlib.sha256()
        for index, data in enumerate(objects):
            previous = objects[index - 1] if index else b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:A;B\r\nEND:VCARD\r\n"
            outputs = _contact_outputs(data, previous) if kind == "contacts" else _calendar_outputs(data)
            for output in outputs:
                summary.update(len(output).to_bytes(8, "big") + output)
        found[name] = f"{len(objects)} {summary.hexdigest()}"
    return found


def test_every_conversion_gives_the_bytes_it_gave_before(shared_dir: Path, tmp_path: Path) -> None:
    expected = json.loads(DIGESTS.read_text())
    assert digests(shared_dir, tmp_path) == expected


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        print(json.dumps(digests(Path(sys.argv[1]), Path(scratch)), indent=2))
