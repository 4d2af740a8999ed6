"""The warm-up of a serving process: what the first sessions of a process pay once (statements compiled, templates
and tables of the codec, the content kinds and the engine built, modules loaded) paid before it accepts connections.

A rehearsal runs the sessions a server meets first (a slow sync of contacts sent in vCard 2.1, a new device receiving
them in vCard 3.0, a two-way sync with one change) through the engine and the XML codec on a store of its own (SQLite,
in a temporary directory, removed after) with the default settings (the operator's limits may refuse its devices), so
no account's data is touched and nothing of it reaches the log; then every prepared statement made so far is compiled
for the dialect of the store the process serves.
"""

import logging
import tempfile
import time
from pathlib import Path

from syncmld.accounts import md5_credential
from syncmld.client import Device, Transport
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext
from syncmld.errors import LocalError, SyncMLError
from syncmld.protocol.constants import AUTH_MD5
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import Store
from syncmld.store.sql import SqlStore
from syncmld.store.sql.prepared import Prepared

logger = logging.getLogger(__name__)

_USER = "warm-up@warm-up.invalid"
_PASSWORD = "warm-up"
_URL = "http://warm-up.invalid/syncml"
_SLOW, _TWO_WAY = 201, 200
_COMPLETED = (200, 212)
_CONTACTS = (
    b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;Jane\r\nFN:Jane Doe\r\nTEL;CELL:+491701234567\r\n"
    b"EMAIL;INTERNET:jane@warm-up.invalid\r\nADR;HOME:;;Main Street 1;Berlin;;10115;Germany\r\nEND:VCARD\r\n",
    b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Roe;Richard\r\nFN:Richard Roe\r\nTEL;WORK;VOICE:+4930123456\r\n"
    b"ORG:Example\r\nNOTE:met at the fair\r\nEND:VCARD\r\n",
)


def warm_up(store: Store) -> None:
    """Rehearse the first sessions of the process, then compile the prepared statements for ``store``'s dialect; log
    how long it took. A rehearsal that cannot run (no temporary directory) or fails is logged, and the process serves
    all the same."""
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="syncmld-warm-up-") as scratch:
            _rehearse(Path(scratch))
    except (SyncMLError, OSError) as error:
        logger.warning("warm-up incomplete: %s", error)
    compiled = Prepared.prepare_all(store.dialect) if isinstance(store, SqlStore) else 0
    logger.info(
        "warmed up in %.0f ms (first sessions rehearsed, %d more statements prepared)",
        (time.perf_counter() - started) * 1000,
        compiled,
    )


def _rehearse(scratch: Path) -> None:
    """The first sessions of a process, on a store of their own in ``scratch``, with the log silent up to INFO."""
    logging.disable(logging.INFO)
    try:
        store = open_store(sqlite_url(scratch), scratch / "secret.key")
        try:
            with store.transaction() as tx:
                tx.add_account(_USER, md5_credential(_USER, _PASSWORD), "")
            transport = in_process_transport(store, EngineContext(), "127.0.0.1")
            sender = _device(transport, "warm-1", "text/x-vcard")
            for contact in _CONTACTS:
                sender.add(contact)
            _session(sender, _SLOW)
            _session(_device(transport, "warm-2", "text/vcard"), _SLOW)
            sender.replace(next(iter(sender.items)), _CONTACTS[0].replace(b"Main Street 1", b"Main Street 2"))
            _session(sender, _TWO_WAY)
        finally:
            store.close()
    finally:
        logging.disable(logging.NOTSET)


def _device(transport: Transport, device_id: str, content_type: str) -> Device:
    return Device(
        transport=transport,
        url=_URL,
        user=_USER,
        password=_PASSWORD,
        device_id=device_id,
        content_type=content_type,
        auth=AUTH_MD5,
    )


def _session(device: Device, mode: int) -> None:
    """One session of ``device`` asking for ``mode`` (again once challenged, as a device logging in with MD5 is)."""
    report = device.sync(mode)
    if report.header_status == 401:
        report = device.sync(mode)
    if report.header_status not in _COMPLETED:
        raise LocalError(f"a rehearsed session of {device.device_id} ended with status {report.header_status}")
