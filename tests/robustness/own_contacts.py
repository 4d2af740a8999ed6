"""Devices that each change only their own contacts, so that what every side must hold is known.

A device owns the contacts it generated (``contact-NNNNNN.vcf`` numbered from its own base); the
contacts it receives from the server get other file names from the client. As no device touches
another's contacts there are no conflicts, and a successful sync acknowledges the device's changes:

* its contacts as they are now are on the server, once each, and no earlier version of them is;
* a contact it deleted is gone from the server after a two-way sync. A slow sync carries no
  deletes: a deleted contact the server still has stays, comes back to the device under another
  file name, and from then on is expected everywhere like any other contact.

Once every device has synced without changes, every side holds all devices' expected contacts.
"""

import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.interop.client import Device
from tests.interop.sides import normalised
from tests.interop.vcard_files import rename_contact

NUMBERS_PER_OWNER = 100_000
"""Each owner numbers its generated contacts from ``(index + 1) * NUMBERS_PER_OWNER`` on."""
_GENERATED_NAME = re.compile(r"contact-(\d{6})\.vcf")


@dataclass
class Owner:
    """A device together with what it has done to its own contacts."""

    device: Device
    index: int
    rng: random.Random
    added: int = 0
    retired: dict[str, str] = field(default_factory=dict)
    """Earlier versions of its contacts that must be gone from the server, with their file names."""
    unsent_deletes: dict[str, str] = field(default_factory=dict)
    """Versions it deleted since its last successful sync, with their file names."""
    restored: list[str] = field(default_factory=list)
    """Contacts it deleted that a slow sync kept: no longer its own files, but expected everywhere."""

    @property
    def base(self) -> int:
        return (self.index + 1) * NUMBERS_PER_OWNER

    def create(self, count: int) -> None:
        """Generate ``count`` new contacts of its own."""
        self.device.generate(count, start=self.base + self.added + 1)
        self.added += count

    def own_files(self) -> list[Path]:
        found = []
        for path in sorted(self.device.data_dir.iterdir()):
            match = _GENERATED_NAME.fullmatch(path.name)
            if match and self.base < int(match.group(1)) <= self.base + NUMBERS_PER_OWNER:
                found.append(path)
        return found

    def own_contacts(self) -> list[str]:
        return normalised(path.read_bytes() for path in self.own_files())

    def expected(self) -> list[str]:
        """The contacts of this device that every side must hold once all have synced."""
        return self.own_contacts() + self.restored

    def edit(self, label: str) -> str:
        """Random user edits of its own contacts (rename some, delete one, add one); what was done."""
        files = self.own_files()
        renamed = self.rng.sample(files, k=min(len(files), self.rng.randint(0, 3)))
        for number, path in enumerate(renamed):
            self.retired |= _versions(path)
            rename_contact(path, f"{self.device.name} {label} {number}")
        kept = [path for path in files if path not in renamed]
        deleted = self.rng.sample(kept, k=min(len(kept), self.rng.randint(0, 1)))
        for path in deleted:
            self.unsent_deletes |= _versions(path)
            path.unlink()
        added = self.rng.randint(0, 2)
        if added:
            self.create(added)
        return f"renamed {[p.name for p in renamed]} deleted {[p.name for p in deleted]} added {added}"

    def check_acknowledged(self, mode: str, on_server: list[str]) -> str:
        """After a successful sync in ``mode``: empty if the server holds what it acknowledged, else
        what is wrong."""
        for vcard, name in self.unsent_deletes.items():
            if mode != "two-way" and vcard in on_server:
                self.restored.append(vcard)
            else:
                self.retired[vcard] = name
        self.unsent_deletes.clear()
        wrong = missing_or_doubled(self.expected(), on_server)
        if wrong:
            return f"{self.device.name}'s contacts on the server: {wrong}"
        for vcard in on_server:
            if vcard in self.retired:
                return f"the server holds an earlier version of {self.device.name}'s {self.retired[vcard]}:\n{vcard}"
        return ""


def _versions(path: Path) -> dict[str, str]:
    return dict.fromkeys(normalised([path.read_bytes()]), path.name)


def missing_or_doubled(expected: Iterable[str], actual: Iterable[str]) -> str:
    """Empty if ``actual`` holds each ``expected`` contact exactly as often; else what differs."""
    want, have = Counter(expected), Counter(actual)
    wrong = {vcard: (count, have[vcard]) for vcard, count in want.items() if have[vcard] != count}
    if not wrong:
        return ""
    vcard, (count, found) = next(iter(wrong.items()))
    return f"{len(wrong)} contacts held the wrong number of times, e.g. {found} instead of {count}:\n{vcard}"
