"""TEXT values are written as RFC 5545 says, and importing syncmld changes nothing in icalendar."""

import json
import subprocess
import sys

import pytest

from syncmld.content import from_stored, to_stored

TEXTS = ["C:\\New folder", "a\\nb;c,d\\N", "line one\r\nline two\\", "tab\there"]

ICALENDAR_BEHAVIOUR = """
import importlib, json, pkgutil, sys
from icalendar import Calendar, Event
from icalendar.prop import vText

def behaviour(texts):
    event = Event()
    for text in texts:
        event.add("COMMENT", text)
    calendar = Calendar()
    calendar.add_component(event)
    return [vText(text).to_ical().decode() for text in texts] + [calendar.to_ical().decode()]

texts = json.loads(sys.argv[1])
before = behaviour(texts)
import syncmld
for module in pkgutil.walk_packages(syncmld.__path__, "syncmld."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
json.dump({"before": before, "after": behaviour(texts)}, sys.stdout)
"""


def test_importing_syncmld_leaves_icalendar_as_it_was() -> None:
    """Other code in the process keeps icalendar's own TEXT escaping, whatever syncmld imports."""
    run = subprocess.run(
        [sys.executable, "-c", ICALENDAR_BEHAVIOUR, json.dumps(TEXTS)], capture_output=True, text=True, check=True
    )
    found = json.loads(run.stdout)
    assert found["before"] == found["after"]


@pytest.mark.parametrize("text", TEXTS)
def test_a_note_comes_back_as_it_was_stored(text: str) -> None:
    data = text.encode()
    stored_type, stored = to_stored("text/plain", data, None, None, "notes")
    assert from_stored(stored_type, stored, "text/plain") == data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
