"""Which format a device gets: SIF from the URL's ``format=sif`` or a DevInf preferring it, Versit otherwise;
a device that answers 415 to SIF is switched to a Versit type in the same session, and keeps it."""

import base64
from collections.abc import Callable

import pytest

from syncmld.client import Device
from syncmld.protocol.constants import FORMAT_B64
from syncmld.protocol.devinf import ContentTypeInfo, DevInf
from syncmld.protocol.messages import Get
from tests.engine.conftest import URL, vcard
from tests.engine.data_types import Recorder, devinf, label, meaning, sif_fields

SIFC = "text/x-s4j-sifc"
VCARD21 = "text/x-vcard"
SIF_DEVINF = devinf("fol-1", "card", SIFC, "1.0", also=(ContentTypeInfo(VCARD21, "2.1"),))


def versit_phone(new_device: Callable[..., Device], count: int, note: str = "") -> Device:
    """A vCard 2.1 phone that has put ``count`` contacts on the server."""
    phone = new_device("IMEI:versit", server_db="Contacts")
    for n in range(count):
        phone.add(vcard(n, note))
    phone.sync()
    return phone


@pytest.mark.parametrize(("query", "info", "database", "expected"), [
    ("?format=sif", None, "card", SIFC),
    ("", SIF_DEVINF, "card", SIFC),
    ("?format=vob", SIF_DEVINF, "card", VCARD21),
    ("", None, "card", VCARD21),
    ("", None, "scard", SIFC),
    ("?format=vob", None, "scard", VCARD21),
], ids=["url-sif", "devinf-prefers-sif", "url-vob-over-devinf", "nothing-said", "funambol-sif-name",
        "url-vob-over-sif-name"])  # fmt: skip
def test_the_url_parameter_and_the_devinf_choose_between_sif_and_versit(
    new_device: Callable[..., Device], query: str, info: DevInf | None, database: str, expected: str
) -> None:
    """A Funambol client names the database it syncs in SIF ``scard`` (``scal``, ``stask``, ``snote``):
    with nothing else said, even with nothing of its own to send yet, it gets SIF."""
    versit_phone(new_device, 2)
    client = new_device("fol-1", server_db=database, local_uri="card", content_type=SIFC, url=URL + query, devinf=info)
    client.transport = recorder = Recorder(client.transport)
    assert client.sync().received["add"] == 2

    commands = recorder.server_items()
    assert {command.meta.type for command in commands if command.meta} == {expected}
    formats = {command.meta.format for command in commands if command.meta}
    assert formats == ({FORMAT_B64} if expected == SIFC else {None})
    if expected == SIFC:
        (item, *_) = commands[0].items
        assert isinstance(item.data, bytes)
        assert sif_fields(base64.b64decode(item.data))["LastName"].startswith("Müller")
    assert {label(meaning("contacts", expected, data)) for data in client.items.values()} == {"Müller0", "Müller1"}


def test_a_device_refusing_sif_is_switched_to_vcard_within_a_multi_message_package_and_after(
    new_device: Callable[..., Device],
) -> None:
    phone = versit_phone(new_device, 12, note="x" * 400)
    client = new_device(
        "fwm-refuses",
        server_db="card",
        local_uri="card",
        url=URL + "?format=sif",
        max_msg_size=3000,
        refused_types=frozenset({SIFC}),
    )
    client.transport = recorder = Recorder(client.transport)
    report = client.sync()

    assert report.messages >= 4
    assert 415 in recorder.device_codes("Add")
    assert len(client.items) == 12
    assert {client.type_of(luid) for luid in client.items} == {VCARD21}
    assert {label(meaning("contacts", VCARD21, data)) for data in client.items.values()} == {
        f"Müller{n}" for n in range(12)
    }

    phone.add(vcard(99))
    phone.sync()
    recorder.sent.clear()
    recorder.replies.clear()
    assert client.sync().received == {"add": 1, "replace": 0, "delete": 0}
    assert recorder.device_codes("Add") == [201]
    assert {command.meta.type for command in recorder.server_items() if command.meta} == {VCARD21}


def devinf_requests(recorder: Recorder) -> int:
    return sum(isinstance(command, Get) for reply in recorder.replies for command in reply.commands)


@pytest.mark.parametrize(("query", "asked"), [("?format=get", 1), ("", 0)], ids=["format-get", "nothing-said"])
def test_format_get_asks_a_device_for_its_current_devinf(
    new_device: Callable[..., Device], query: str, asked: int
) -> None:
    client = new_device(
        "fol-1", server_db="card", local_uri="card", content_type=SIFC, url=URL + query, devinf=SIF_DEVINF
    )
    client.transport = recorder = Recorder(client.transport)
    client.sync()
    assert devinf_requests(recorder) == 0, "the device sent its DevInf: nothing to ask"
    client.devinf = None
    client.transport = recorder = Recorder(recorder.send)
    client.sync()
    assert devinf_requests(recorder) == asked
