"""Hand-written SyncML messages, replies read back, and what the store holds, for the hostile suite."""

import base64
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import httpx

from syncmld.protocol.codec import decode
from syncmld.protocol.messages import Status, SyncML
from syncmld.protocol.wbxml import STR_T, mb_u_int32
from syncmld.store import SQLITE_FILE_NAME
from syncmld.store.base import Store, StoredItem
from tests.protocol import wbxml_bytes as wbxml

XML = "application/vnd.syncml+xml"
WBXML = "application/vnd.syncml+wbxml"
BASE_URL = "http://sync.example.org"
ENDPOINT = f"{BASE_URL}/syncml"
PASSWORD = "secret"
ALICE = "alice@example.org"
BOB = "bob@example.org"
VCARD_TYPE = "text/x-vcard"

LOGIN_BOOKKEEPING = frozenset({"login_failures", "sync_hours"})
"""Tables a refused login may change: the failed-login counts, the refusals of the hour (a device's nonce
stays as it was)."""
SESSION_BOOKKEEPING = LOGIN_BOOKKEEPING | {"nonces", "sessions", "devices", "device_sessions", "timeline_messages"}
"""Tables an accepted login may change even when all its commands are refused (its messages are kept in
the session's timeline)."""


def basic_cred(email: str, password: str = PASSWORD) -> str:
    token = base64.b64encode(f"{email}:{password}".encode()).decode()
    return (
        f"<Cred><Meta><Format xmlns='syncml:metinf'>b64</Format><Type xmlns='syncml:metinf'>syncml:auth-basic"
        f"</Type></Meta><Data>{token}</Data></Cred>"
    )


def message(
    body: str, device: str = "IMEI:hostile", session: str = "1", msg_id: str = "1", cred: str = "", final: bool = True
) -> bytes:
    """A SyncML 1.2 XML message from ``device`` with ``body`` (commands) in its SyncBody."""
    return (
        "<?xml version='1.0' encoding='UTF-8'?><SyncML xmlns='SYNCML:SYNCML1.2'><SyncHdr><VerDTD>1.2</VerDTD>"
        f"<VerProto>SyncML/1.2</VerProto><SessionID>{session}</SessionID><MsgID>{msg_id}</MsgID>"
        f"<Target><LocURI>{ENDPOINT}</LocURI></Target><Source><LocURI>{device}</LocURI></Source>{cred}</SyncHdr>"
        f"<SyncBody>{body}{'<Final/>' if final else ''}</SyncBody></SyncML>"
    ).encode()


def alert(
    cmd_id: int,
    code: int = 200,
    target: str = "contacts",
    source: str = "./contacts",
    last: str | None = None,
    next_anchor: str = "1",
) -> str:
    last_anchor = f"<Last>{last}</Last>" if last else ""
    return (
        f"<Alert><CmdID>{cmd_id}</CmdID><Data>{code}</Data><Item><Target><LocURI>{target}</LocURI></Target>"
        f"<Source><LocURI>{source}</LocURI></Source><Meta><Anchor xmlns='syncml:metinf'>{last_anchor}"
        f"<Next>{next_anchor}</Next></Anchor></Meta></Item></Alert>"
    )


def sync(cmd_id: int, commands: str, target: str = "contacts", source: str = "./contacts") -> str:
    return (
        f"<Sync><CmdID>{cmd_id}</CmdID><Target><LocURI>{target}</LocURI></Target>"
        f"<Source><LocURI>{source}</LocURI></Source>{commands}</Sync>"
    )


def item_command(name: str, cmd_id: int, luid: str, data: str | None = None, meta: str = "") -> str:
    """An Add, Replace or Delete of one item named by its client ID."""
    meta = meta or f"<Type xmlns='syncml:metinf'>{VCARD_TYPE}</Type>"
    payload = f"<Data>{data}</Data>" if data is not None else ""
    return (
        f"<{name}><CmdID>{cmd_id}</CmdID><Meta>{meta}</Meta><Item><Source><LocURI>{luid}</LocURI></Source>"
        f"{payload}</Item></{name}>"
    )


def devinf_put(device: str) -> str:
    """A Put of ``device``'s DevInf, as a device sends it before logging in."""
    devinf = (
        "<DevInf xmlns='syncml:devinf'><VerDTD>1.2</VerDTD><Man>Acme</Man><DevID>"
        f"{device}</DevID><DevTyp>phone</DevTyp><DataStore><SourceRef>./contacts</SourceRef>"
        "<Rx-Pref><CTType>text/x-vcard</CTType><VerCT>2.1</VerCT></Rx-Pref>"
        "<Tx-Pref><CTType>text/x-vcard</CTType><VerCT>2.1</VerCT></Tx-Pref></DataStore></DevInf>"
    )
    return (
        "<Put><CmdID>1</CmdID><Meta><Type xmlns='syncml:metinf'>application/vnd.syncml-devinf+xml</Type></Meta>"
        f"<Item><Source><LocURI>./devinf12</LocURI></Source><Data>{devinf}</Data></Item></Put>"
    )


def vcard(name: str) -> str:
    return f"BEGIN:VCARD\r\nVERSION:2.1\r\nN:{name};Test;;;\r\nFN:Test {name}\r\nTEL;CELL:+49 170 1234\r\nEND:VCARD\r\n"


def string_table_bomb(entry_size: int, references: int) -> bytes:
    """A SyncML 1.2 WBXML message whose VerDTD refers ``references`` times to one string-table entry
    of ``entry_size`` bytes."""
    table = b"1" * entry_size + b"\x00"
    header = bytes.fromhex("02a4016a") + mb_u_int32(len(table)) + table
    refs = (bytes((STR_T,)) + mb_u_int32(0)) * references
    return header + wbxml.sx("SyncML", wbxml.sx("SyncHdr", wbxml.sx("VerDTD", refs)), wbxml.sx("SyncBody"))


def reply_of(response: httpx.Response) -> SyncML:
    """The SyncML reply in an HTTP 200 response (any failure to read it fails the test)."""
    assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:300]}"
    return decode(response.content, response.headers["content-type"]).message


def statuses(reply: SyncML) -> list[tuple[str, int]]:
    """(command, code) of every Status in a reply, in order."""
    return [(status.cmd, status.data or 0) for status in reply.commands if isinstance(status, Status)]


def assert_plain_refusal(response: httpx.Response, status: int) -> None:
    """An HTTP error with a one-line plain-text reason and nothing of our internals."""
    assert response.status_code == status, f"HTTP {response.status_code}: {response.text[:300]}"
    assert response.headers["content-type"].startswith("text/plain")
    assert len(response.text.strip().splitlines()) == 1
    assert_no_internals(response)


def assert_no_internals(response: httpx.Response) -> None:
    for leak in ("Traceback", 'File "', "syncmld/"):
        assert leak not in response.text, f"the reply shows {leak!r}: {response.text[:300]}"


@dataclass(frozen=True)
class StoreRows:
    """Every row of every table of the SQLite store, by table."""

    tables: dict[str, list[tuple[object, ...]]]

    def without(self, ignored: frozenset[str]) -> dict[str, list[tuple[object, ...]]]:
        return {name: rows for name, rows in self.tables.items() if name not in ignored}


def store_rows(data_dir: Path) -> StoreRows:
    """Read the whole store as it is on disk (committed state), through a second connection."""
    database = sqlite3.connect(data_dir / SQLITE_FILE_NAME)
    try:
        names = [row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return StoreRows(
            {name: sorted(database.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}
        )
    finally:
        database.close()


def items_of(store: Store, email: str) -> dict[str, StoredItem]:
    """The live items of an account's contacts folder, by GUID."""
    with store.transaction() as tx:
        account = tx.get_account(email)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        return {item.guid: item for item in tx.iter_items(folder.id)} if folder else {}


def maps_of(store: Store, email: str, device_ref: str) -> dict[str, str]:
    """GUID -> LUID of one device of an account in its contacts folder."""
    with store.transaction() as tx:
        account = tx.get_account(email)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        device = next((device for device in tx.list_devices(account.id) if device.device_ref == device_ref), None)
        return tx.all_maps(device.id, folder.id) if folder and device else {}


def server_messages(records: list[logging.LogRecord]) -> list[str]:
    """What the HTTP shell logged."""
    return [record.getMessage() for record in records if record.name == "syncmld.server.app"]
