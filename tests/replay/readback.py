"""SyncEvolution as a second device of a replayed account: what it receives of a folder."""

from pathlib import Path

from tests.interop.client import Device, succeeded
from tests.interop.server import Login

SYNCEVOLUTION_KINDS = {
    "contacts": ("contacts", "Contacts"),
    "events": ("calendar", "Calendar"),
    "tasks": ("tasks", "Tasks"),
    "notes": ("memos", "Notes"),
}
"""Folder -> client.sh ``--type`` and the remote name it syncs."""


def read_back(interop_dir: Path, state: Path, url: str, login: Login, folder: str) -> list[bytes]:
    """The items of ``folder`` as a new SyncEvolution device receives them (WBXML, SyncML 1.2)."""
    kind, remote = SYNCEVOLUTION_KINDS[folder]
    device = Device(
        interop_dir,
        state,
        f"readback-{login.email.split('@')[0]}-{folder}",
        url,
        login.email,
        login.password,
        wbxml="1",
        kind=kind,
        remote_db=remote,
    )
    succeeded(device.sync())
    return list(device.files().values())
