"""The changes a new device is still to receive wait in the session's chunk store between messages, a batch of
them to a line: each message reads back about what it sends, not a fixed read of which most is read again by the
next message, and a backlog parked a change to a line (as servers before batches parked it) goes on."""

import json
import re
from collections.abc import Callable

from syncmld.client import Device
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext
from syncmld.engine.backlog import BATCH, WINDOW, has_pending, park, refill
from syncmld.engine.modes import SyncMode
from syncmld.engine.session import ChangeKind, DatastoreState, OutChange, SessionState
from syncmld.store import new_guid
from syncmld.store.base import Store, Transaction
from tests.engine.conftest import EMAIL, PASSWORD, URL, after_each_reply, stored_contacts
from tests.statements import recorded_statements

TOKEN = "receiving"
ITEMS_READ = re.compile(r"SELECT guid, content_type, data, parent FROM items WHERE .* guid IN \(([^)]*)\)")
"""The statement that reads the queued items a reply sends, with its list of GUIDs."""


class ReadCounter:
    """A transaction that counts the bytes read from the session's chunk store."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.read = 0

    def read_chunks(self, token: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        data = self.tx.read_chunks(token, key, start, length)
        self.read += len(data)
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self.tx, name)


def receiving(changes: list[OutChange]) -> DatastoreState:
    """A contacts store of a refresh from the server, its whole queue planned."""
    return DatastoreState(
        client_uri="./contacts",
        server_uri="card",
        folder_id=1,
        folder_name="contacts",
        mode=SyncMode.REFRESH_FROM_SERVER,
        reason="new device",
        client_next="A1",
        server_next="S1",
        server_last=None,
        since_seq=0,
        wire_type="text/vcard",
        device_properties=None,
        queue=changes,
    )


def sent_in_messages(tx: ReadCounter, ds: DatastoreState, per_message: int) -> list[OutChange]:
    """Every change, taken ``per_message`` at a time as messages go out (the queue topped up before each)."""
    sent: list[OutChange] = []
    while has_pending(ds):
        refill(tx, TOKEN, ds)  # type: ignore[arg-type]
        assert len(ds.queue) <= WINDOW
        sent += ds.queue[:per_message]
        del ds.queue[:per_message]
    return sent


def test_a_device_receiving_thousands_of_changes_reads_each_parked_byte_about_once(store: Store) -> None:
    changes = [OutChange(ChangeKind.ADD, new_guid()) for _ in range(5000)]
    with store.transaction() as tx:
        ds = receiving(list(changes))
        park(tx, TOKEN, ds)
        assert len(ds.queue) == WINDOW
        parked = ds.backlog_size
        counter = ReadCounter(tx)
        sent = sent_in_messages(counter, ds, per_message=250)
        assert tx.read_chunks(TOKEN, "backlog:1") == b""
    assert sent == changes
    assert counter.read < 1.5 * parked, f"{counter.read} bytes read for a backlog of {parked}"


def test_a_backlog_parked_a_change_to_a_line_goes_on(store: Store) -> None:
    changes = [OutChange(ChangeKind.DELETE, f"g{n}", f"{n}") for n in range(3 * BATCH)]
    lines = "".join(json.dumps([change.kind, change.guid, change.luid]) + "\n" for change in changes[10:])
    with store.transaction() as tx:
        ds = receiving(changes[:10])
        ds.backlog_size = tx.append_chunk(TOKEN, "backlog:1", lines.encode())
        ds.backlog_key = "backlog:1"
        sent = sent_in_messages(ReadCounter(tx), ds, per_message=120)
    assert sent == changes


def saved_state(store: Store, device: Device) -> bytes:
    """The device's latest session state, as saved after its last message."""
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        token = tx.device_at_login(account.id, device.device_id).previous_token
        record = tx.load_session(token) if token is not None else None
        assert record is not None
    return record.state


def saved_queue(store: Store, device: Device) -> int:
    """Changes queued in the device's latest session state, as saved after its last message."""
    return sum(len(ds.queue) for ds in SessionState.from_bytes(saved_state(store, device)).datastores)


def test_the_session_state_between_the_messages_of_a_refresh_holds_less_than_two_lines_of_changes(
    store: Store, new_device: Callable[..., Device]
) -> None:
    """Saved and read again with every message, the state keeps what the next message may send from the line it
    read last, not hundreds of changes beyond it."""
    stored_contacts(store, 1500)
    tablet = new_device("IMEI:tablet", max_msg_size=60_000)
    queued = after_each_reply(tablet, lambda: saved_queue(store, tablet))
    tablet.sync(205)
    assert len(tablet.items) == 1500
    assert len(queued) > 5
    assert max(queued) < 2 * BATCH, queued


def test_the_session_state_saved_between_the_messages_of_a_refresh_stays_under_7_kb(
    store: Store, new_device: Callable[..., Device]
) -> None:
    """Saved and read with every message: the queue's window (less than two lines of changes), each change its kind,
    GUID and LUID, and not the changes of the last reply (the next message answers it). It held 16-18 kB: the last
    reply's changes and the queue's window as objects of named fields."""
    stored_contacts(store, 1000)
    tablet = new_device("IMEI:tablet", max_msg_size=60_000)
    sizes = after_each_reply(tablet, lambda: len(saved_state(store, tablet)))
    tablet.sync(205)
    assert len(tablet.items) == 1000
    assert len(sizes) > 5
    assert max(sizes) < 7_000, sizes


def test_a_refresh_reads_each_item_it_sends_about_once(sql_store: Store, ctx: EngineContext) -> None:
    """A reply reads about as many of the queued items as fit, once its first items tell their size. Read a batch
    at a time whatever room was left, a message read items it had no room for and the next one read them again
    (here 1,600 items read for 1,000 sent; 1,400 for SyncEvolution's 150 kB messages)."""
    stored_contacts(sql_store, 1000)
    transport = in_process_transport(sql_store, ctx)
    tablet = Device(
        transport=transport, url=URL, user=EMAIL, password=PASSWORD, device_id="IMEI:tablet", max_msg_size=20_000
    )
    with recorded_statements() as seen:
        tablet.sync(205)
    assert len(tablet.items) == 1000
    read = sum(found.group(1).count(",") + 1 for statement in seen if (found := ITEMS_READ.match(statement)))
    assert read < 1_100, read
