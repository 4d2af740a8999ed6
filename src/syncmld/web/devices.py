"""What the web admin shows of a device: its last syncs, what its DevInf says (model, SyncML version, the
formats of each of its datastores), the encoding of its latest message, the format each folder's last sync
used, the anchors of each folder, and its push channel."""

from dataclasses import dataclass

from syncmld.errors import SyncMLError
from syncmld.protocol.codec import decode_devinf_xml
from syncmld.protocol.devinf import ContentTypeInfo, DevInf
from syncmld.push.summary import push_summary
from syncmld.store.base import Device, DeviceSync, Folder, TimelineSession, Transaction
from syncmld.store.pushes import PushDevice


@dataclass(frozen=True)
class Anchors:
    folder: str
    client: str
    server: str


@dataclass(frozen=True)
class DeviceView:
    ref: str
    syncs: list[DeviceSync]
    model: str = ""
    syncml_version: str = ""
    """The VerDTD of its DevInf; "" when it sent none."""
    encoding: str = ""
    """The encoding of its latest message kept in a timeline (xml or wbxml); "" when none is kept."""
    formats: tuple[tuple[str, str, str], ...] = ()
    """Each datastore of its DevInf: its name, the format it prefers to receive and to send."""
    used: tuple[tuple[str, str], ...] = ()
    """Each folder's last sync: the folder and the format it used (type and version, encoding, SyncML version)."""
    anchors: tuple[Anchors, ...] = ()
    push: str = ""
    """Its push channel as ``syncmld device list`` shows it; "" when it has none."""


def shown_type(info: ContentTypeInfo | None) -> str:
    return "" if info is None else f"{info.ct_type} {info.ver_ct}".strip()


def read_devinf(device: Device) -> DevInf | None:
    if device.devinf is None:
        return None
    try:
        return decode_devinf_xml(device.devinf)
    except SyncMLError:
        return None


def device_view(
    tx: Transaction,
    device: Device,
    folders: list[Folder],
    sessions: list[TimelineSession],
    push: PushDevice | None,
) -> DeviceView:
    """``device`` as the account page shows it; ``sessions`` are the account's latest, the latest first."""
    devinf = read_devinf(device)
    latest = next((found for found in sessions if found.device_ref == device.device_ref), None)
    messages = tx.session_timeline(latest.session) if latest is not None else []
    anchors = []
    for folder in folders:
        state = tx.get_sync_state(device.id, folder.id)
        if state is not None:
            anchors.append(Anchors(folder.name, state.client_anchor, state.server_anchor))
    syncs = tx.list_device_syncs(device.id)
    return DeviceView(
        ref=device.device_ref,
        syncs=syncs,
        model=" ".join(part for part in (devinf.man, devinf.mod) if part) if devinf else "",
        syncml_version=devinf.ver_dtd if devinf else "",
        encoding=messages[-1].encoding if messages else "",
        formats=tuple(
            (store.source_ref, shown_type(store.rx_pref), shown_type(store.tx_pref)) for store in devinf.datastores
        )
        if devinf
        else (),
        used=tuple((record.folder_name, record.format) for record in syncs if record.format),
        anchors=tuple(anchors),
        push=push_summary(push) if push is not None else "",
    )
