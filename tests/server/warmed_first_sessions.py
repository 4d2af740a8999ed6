"""Run in a process of its own: a store opened and warmed up as ``syncmld serve`` does at its start, then the first
sessions of that process over HTTP (in process): a device's slow sync of contacts and a new device receiving them.
Prints, as JSON, for each session the status the device saw, the items it received and every SQL statement compiled
during it.

    python -m tests.server.warmed_first_sessions STORE_URL DATA_DIR [--cold]

``--cold`` leaves the warm-up out (what a process without it compiles).
"""

import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.sql.compiler import SQLCompiler
from starlette.testclient import TestClient

from syncmld.accounts import md5_credential
from syncmld.client import Device, SyncReport
from syncmld.client.device import Signer
from syncmld.config import ServerConfig
from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.constants import AUTH_MD5
from syncmld.protocol.messages import SyncML
from syncmld.server.app import create_app
from syncmld.server.warmup import warm_up
from syncmld.store import open_store

EMAIL, PASSWORD, URL = "alice@example.org", "secret", "http://sync.example.org/syncml"


def card(number: int) -> bytes:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe{number};Jane\r\nFN:Jane Doe{number}\r\nTEL:+4930{number:06d}\r\n"
        "END:VCARD\r\n"
    ).encode()


def main() -> None:
    url, data_dir = sys.argv[1], Path(sys.argv[2])
    config = ServerConfig(data_dir=data_dir, db=url)
    store = open_store(url, data_dir / "secret.key")
    with store.transaction() as tx:
        tx.add_account(EMAIL, md5_credential(EMAIL, PASSWORD), "")
    if "--cold" not in sys.argv:
        warm_up(store)
    client = TestClient(create_app(store, config), base_url="http://sync.example.org")

    def post(message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        answered = client.post(
            url, content=encode(message, Encoding.XML), headers={"content-type": "application/vnd.syncml+xml"}
        )
        return decode(answered.content, answered.headers["content-type"]).message

    def session(device: Device, mode: int) -> SyncReport:
        report = device.sync(mode)
        return device.sync(mode) if report.header_status == 401 else report

    compiled: list[Any] = []
    compile_statement = SQLCompiler.__init__

    def noted(compiler: SQLCompiler, dialect: Any, statement: Any, *args: Any, **kwargs: Any) -> None:
        compiled.append(statement)
        compile_statement(compiler, dialect, statement, *args, **kwargs)

    def device(name: str) -> Device:
        return Device(
            transport=post,
            url=URL,
            user=EMAIL,
            password=PASSWORD,
            device_id=name,
            content_type="text/vcard",
            auth=AUTH_MD5,
        )

    sender, receiver = device("IMEI:1"), device("IMEI:2")
    for number in range(20):
        sender.add(card(number))
    runs: dict[str, tuple[SyncReport, list[Any]]] = {}
    SQLCompiler.__init__ = noted  # type: ignore[method-assign]
    for name, phone, mode in (("slow", sender, 201), ("receive", receiver, 201)):
        compiled = []
        runs[name] = session(phone, mode), compiled
    SQLCompiler.__init__ = compile_statement  # type: ignore[method-assign]
    store.close()
    shown = {
        name: {
            "status": report.header_status,
            "received": report.received["add"],
            "compiled": [" ".join(str(statement).split()) for statement in statements],
        }
        for name, (report, statements) in runs.items()
    }
    print(json.dumps(shown))


if __name__ == "__main__":
    main()
