"""The SyncML 1.0/1.1 form of package #0: an ordinary SyncML message of Alerts 206-210.

As Funambol writes it for devices that predate the binary notification: SessionID the notification's,
MsgID 1, Target the device ID, Source the server identifier, no Cred, one Alert per data store whose
single Item's Source LocURI is the server database URI, then Final. Encoded in XML or WBXML by the
message codec, as the device speaks.
"""

from syncmld.errors import DecodeError
from syncmld.protocol.constants import AlertCode, SyncMLVersion
from syncmld.protocol.messages import Alert, Item, LocRef, SyncHdr, SyncML
from syncmld.protocol.san import SAN_ALERTS, Notification, SanSync


def alert_package(notification: Notification, device_ref: str, version: SyncMLVersion) -> SyncML:
    """The notification as a SyncML message for the device ``device_ref``."""
    header = SyncHdr(
        version=version,
        session_id=str(notification.session_id),
        msg_id="1",
        target=LocRef(device_ref),
        source=LocRef(notification.server_id),
    )
    alerts = tuple(
        Alert(cmd_id=str(number), data=sync.alert, items=(Item(source=LocRef(sync.server_uri)),))
        for number, sync in enumerate(notification.syncs, start=1)
    )
    return SyncML(header, alerts, final=True)


def notification_of(message: SyncML) -> Notification:
    """The notification a package #0 message carries; DecodeError when it has no Alert 206-210."""
    syncs: list[SanSync] = []
    for command in message.commands:
        if isinstance(command, Alert) and command.data in SAN_ALERTS:
            alert = AlertCode(command.data)
            syncs.extend(SanSync(alert, item.source.uri) for item in command.items if item.source is not None)
    if not syncs:
        raise DecodeError("not a server alerted package: no Alert 206-210 naming a data store")
    version = int(message.header.version.value.replace(".", ""))
    return Notification(message.header.source.uri, tuple(syncs), _session_number(message.header.session_id), version)


def _session_number(session_id: str) -> int:
    return int(session_id) & 0xFFFF if session_id.isdigit() else 0
