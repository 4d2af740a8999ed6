"""Clients whose first message holds only their DevInf (Put and Get, Final) and whose Alerts come in the
next message of the same session: the Alerts are answered as a first package's, and the sync runs."""

from collections.abc import Callable
from dataclasses import replace

import pytest

from syncmld.client import Device
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.messages import Get, Results
from tests.engine.conftest import URL
from tests.engine.data_types import Recorder, devinf

NOTE_TYPE = "text/plain"
SHOPPING = b"Milch, Eier\r\nund K\xc3\xa4se"
TYRES = b"Reifen wechseln"


def notes_device(new_device: Callable[..., Device], device_id: str, version: SyncMLVersion, url: str) -> Device:
    """A notes client that sends its DevInf alone in the first message of each session."""
    info = replace(devinf(device_id, "./notes", NOTE_TYPE, "1.0"), ver_dtd=version.value)
    return new_device(
        device_id,
        server_db="notes",
        local_uri="./notes",
        content_type=NOTE_TYPE,
        devinf=info,
        devinf_alone=True,
        version=version,
        url=url,
    )


def notes_sync_both_ways(new_device: Callable[..., Device], version: SyncMLVersion, url: str) -> None:
    """Two such clients: the first slow-syncs a note up, the second gets it and adds one, the first gets
    that in a two-way sync; the server never asks for a DevInf it was sent in the session."""
    phone = notes_device(new_device, f"IMEI:devinf-first-{version.value}", version, url)
    phone.transport = recorder = Recorder(phone.transport)
    phone.add(SHOPPING)
    report = phone.sync()

    assert [len(message.commands) for message in recorder.sent[:2]] == [2, 1]
    assert report.codes_for("Put") == [200]
    assert any(isinstance(command, Results) for command in recorder.replies[0].commands)
    assert report.codes_for("Alert") == [508]
    assert report.alerted_mode == 201
    assert report.codes_for("Replace") == [201]
    assert not any(isinstance(command, Get) for reply in recorder.replies for command in reply.commands)

    tablet = notes_device(new_device, f"IMEI:devinf-first-{version.value}-2", version, url)
    assert tablet.sync().received["add"] == 1
    assert list(tablet.items.values()) == [SHOPPING]

    tablet.add(TYRES)
    assert tablet.sync().codes_for("Add") == [201]
    report = phone.sync()
    assert report.codes_for("Alert") == [200]
    assert report.alerted_mode == 200
    assert report.received["add"] == 1
    assert sorted(phone.items.values()) == [SHOPPING, TYRES]


@pytest.mark.parametrize("version", [SyncMLVersion.V1_1, SyncMLVersion.V1_2], ids=["1.1", "1.2"])
@pytest.mark.parametrize("query", ["", "?format=get"], ids=["plain-url", "format-get"])
def test_alerts_after_a_devinf_only_first_message_start_the_sync(
    new_device: Callable[..., Device], version: SyncMLVersion, query: str
) -> None:
    notes_sync_both_ways(new_device, version, URL + query)
