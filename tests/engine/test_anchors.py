"""The server's anchors: each sync of a device's folder alerts a Next anchor later than its Last, even when
the syncs come within one second or the server's clock was set back, and the Last is the Next of the
sync before."""

from collections.abc import Callable
from itertools import pairwise

from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext
from syncmld.protocol.messages import Alert, Anchor
from syncmld.store.base import Store
from tests.engine.conftest import vcard
from tests.engine.data_types import Recorder

NOON = 1_750_000_000.25


def server_anchors(recorder: Recorder) -> list[Anchor]:
    """The anchors of the server's Alerts, in the order it sent them."""
    return [
        item.meta.anchor
        for reply in recorder.replies
        for command in reply.commands
        if isinstance(command, Alert)
        for item in command.items
        if item.meta and item.meta.anchor
    ]


def test_server_anchors_increase_within_one_second_and_when_the_clock_goes_back(
    store: Store, ctx: EngineContext, new_device: Callable[..., Device]
) -> None:
    now = [NOON]
    fixed = EngineContext(settings=ctx.settings, backups=ctx.backups, clock=lambda: now[0])
    phone = new_device("IMEI:quick")
    phone.transport = recorder = Recorder(in_process_transport(store, fixed))
    phone.add(vcard(1))
    modes = [phone.sync().alerted_mode for _ in range(3)]
    now[0] = NOON - 3600
    modes.append(phone.sync().alerted_mode)
    now[0] = NOON + 0.5
    modes.append(phone.sync().alerted_mode)
    assert modes == [201, 200, 200, 200, 200]

    anchors = server_anchors(recorder)
    assert len(anchors) == 5
    assert anchors[0].last is None
    for before, after in pairwise(anchors):
        assert after.last == before.next
    for anchor in anchors:
        assert anchor.next is not None
        assert anchor.last is None or anchor.next > anchor.last
    assert [len(anchor.next or "") for anchor in anchors] == [16] * 5


def test_each_folder_of_a_device_has_its_own_anchors(
    store: Store, ctx: EngineContext, new_device: Callable[..., Device]
) -> None:
    fixed = EngineContext(settings=ctx.settings, backups=ctx.backups, clock=lambda: NOON)
    contacts = new_device("IMEI:two-folders")
    notes = new_device("IMEI:two-folders", server_db="notes", local_uri="./notes", content_type="text/plain")
    recorders = []
    for device in (contacts, notes):
        device.transport = recorder = Recorder(in_process_transport(store, fixed))
        recorders.append(recorder)
    contacts.sync()
    contacts.sync()
    notes.sync()
    notes.sync()
    contact_anchors, note_anchors = (server_anchors(recorder) for recorder in recorders)
    assert [anchor.last for anchor in note_anchors] == [None, note_anchors[0].next]
    assert contact_anchors[1].next is not None and contact_anchors[1].next > str(contact_anchors[1].last)
    assert note_anchors[1].next is not None and note_anchors[1].next > str(note_anchors[1].last)
