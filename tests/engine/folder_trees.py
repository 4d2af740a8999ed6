"""SyncML 1.2 folder trees between two scripted devices (issue 4, acceptance 4), over any transport.

Files and folders are OMA DS objects written as plain XML here; trees are compared as paths (names
from the top) with what each path holds, so a tree is the same when names, parent relations and file
bytes are the same.
"""

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from syncmld.client import Device
from syncmld.content.files import FILE_TYPE, FOLDER_TYPE, parse_file, parse_folder
from syncmld.protocol.constants import SyncMLVersion
from syncmld.store.base import Store

Tree = dict[str, bytes | None]
"""Path -> file bytes (None for a folder)."""

BINARY = bytes(range(256)) * 3
"""Bytes that are not UTF-8."""
LARGE = bytes((n * 7 + n // 256) % 256 for n in range(24_000))
"""A file whose object is several times the devices' MaxMsgSize: it travels as a large object."""
MAX_MSG_SIZE = 8192
CHUNK = 5000
"""Characters per chunk when a device sends a large object."""


def folder_xml(name: str) -> bytes:
    return f"<Folder><name>{name}</name><created>20260105T101500Z</created></Folder>".encode()


def file_xml(name: str, body: bytes) -> bytes:
    encoded = base64.b64encode(body).decode("ascii")
    return (
        f"<File><name>{name}</name><modified>20260105T101500Z</modified><cttype>application/octet-stream"
        f'</cttype><body enc="base64">{encoded}</body><size>{len(body)}</size></File>'
    ).encode()


Entries = Mapping[str, tuple[str, bytes, str | None]]
"""Items by ID: (content type, data, parent ID)."""


def paths(items: Entries) -> dict[str, str]:
    """ID -> the item's path: the names from the top down to it."""

    def path(key: str) -> str:
        content_type, data, parent = items[key]
        name = parse_folder(data).name if content_type == FOLDER_TYPE else parse_file(data).name
        return name if parent is None else f"{path(parent)}/{name}"

    return {key: path(key) for key in items}


def tree_of(items: Entries) -> Tree:
    return {
        path: None if items[key][0] == FOLDER_TYPE else parse_file(items[key][1]).body
        for key, path in paths(items).items()
    }


def entries(device: Device) -> Entries:
    return {luid: (device.type_of(luid), data, device.parents.get(luid)) for luid, data in device.items.items()}


def device_tree(device: Device) -> Tree:
    return tree_of(entries(device))


def stored_tree(store: Store, email: str) -> Tree:
    """The tree in the ``files`` folder of the account ``email``."""
    with store.transaction() as tx:
        account = tx.get_account(email)
        assert account is not None
        folder = tx.get_folder(account.id, "files")
        assert folder is not None
        return tree_of({item.guid: (item.content_type, item.data, item.parent) for item in tx.iter_items(folder.id)})


def luid_at(device: Device, path: str) -> str:
    return next(luid for luid, found in paths(entries(device)).items() if found == path)


@dataclass
class Luids:
    """Device A's items, by what they are."""

    docs: str
    readme: str
    reports: str
    q1: str
    year: str
    big: str
    notes: str


def add_tree(device: Device) -> Luids:
    """``Docs/Reports/2026`` with files at each level."""
    docs = device.add(folder_xml("Docs"), content_type=FOLDER_TYPE)
    readme = device.add(file_xml("readme.txt", "Grüße aus Köln\r\n".encode()), parent=docs)
    reports = device.add(folder_xml("Reports"), parent=docs, content_type=FOLDER_TYPE)
    q1 = device.add(file_xml("q1.bin", BINARY), parent=reports)
    year = device.add(folder_xml("2026"), parent=reports, content_type=FOLDER_TYPE)
    big = device.add(file_xml("big.bin", LARGE), parent=year)
    notes = device.add(file_xml("notes.txt", b"first draft\n"), parent=year)
    return Luids(docs, readme, reports, q1, year, big, notes)


TREE = {
    "Docs": None,
    "Docs/readme.txt": "Grüße aus Köln\r\n".encode(),
    "Docs/Reports": None,
    "Docs/Reports/q1.bin": BINARY,
    "Docs/Reports/2026": None,
    "Docs/Reports/2026/big.bin": LARGE,
    "Docs/Reports/2026/notes.txt": b"first draft\n",
}


def round_trip(make_device: Callable[..., Device], server_tree: Callable[[], Tree] | None = None) -> None:
    """Device A adds the tree; B slow-syncs and gets it; B renames one sub-folder, moves another and
    edits a file, A receives exactly that; A deletes a folder, B loses it with its contents."""
    options = {
        "server_db": "Files",
        "local_uri": "./files",
        "content_type": FILE_TYPE,
        "version": SyncMLVersion.V1_2,
        "max_msg_size": MAX_MSG_SIZE,
    }
    a, b = make_device("IMEI:tree-a", **options), make_device("IMEI:tree-b", **options)
    luids = add_tree(a)
    report = a.sync(chunk=CHUNK)
    assert report.alerted_mode == 201
    assert report.codes_for("Replace").count(201) == 7
    assert 213 in report.codes_for("Replace")
    assert device_tree(a) == TREE
    if server_tree is not None:
        assert server_tree() == TREE

    report = b.sync()
    assert report.alerted_mode == 201
    assert report.received == {"add": 7, "replace": 0, "delete": 0}
    assert report.messages > 3
    assert device_tree(b) == TREE
    assert {b.type_of(luid) for luid in b.items if b.items[luid].startswith(b"<Folder")} == {FOLDER_TYPE}

    reports, year, notes, docs = (
        luid_at(b, path) for path in ("Docs/Reports", "Docs/Reports/2026", "Docs/Reports/2026/notes.txt", "Docs")
    )
    b.replace(reports, folder_xml("Berichte"))
    b.move(year, docs)
    b.replace(notes, file_xml("notes.txt", b"second draft\n"))
    report = b.sync()
    assert report.alerted_mode == 200
    assert sorted(report.codes_for("Replace") + report.codes_for("Move")) == [200, 200, 200]
    edited = {
        "Docs": None,
        "Docs/readme.txt": TREE["Docs/readme.txt"],
        "Docs/Berichte": None,
        "Docs/Berichte/q1.bin": BINARY,
        "Docs/2026": None,
        "Docs/2026/big.bin": LARGE,
        "Docs/2026/notes.txt": b"second draft\n",
    }
    assert device_tree(b) == edited

    report = a.sync()
    assert report.received == {"add": 0, "replace": 3, "delete": 0}
    assert device_tree(a) == edited
    assert (a.parents[luids.year], a.parents[luids.reports], a.parents[luids.notes]) == (
        luids.docs,
        luids.docs,
        luids.year,
    )
    if server_tree is not None:
        assert server_tree() == edited

    a.delete(luids.year)
    report = a.sync()
    assert report.codes_for("Delete") == [200]
    report = b.sync()
    assert report.received == {"add": 0, "replace": 0, "delete": 3}
    remaining = {path: body for path, body in edited.items() if not path.startswith("Docs/2026")}
    assert device_tree(a) == device_tree(b) == remaining
    if server_tree is not None:
        assert server_tree() == remaining
    assert a.sync().received == b.sync().received == {"add": 0, "replace": 0, "delete": 0}
