"""The bytes a device is told with: the 1.2 binary notification, or the 1.0/1.1 message form."""

from dataclasses import dataclass

from syncmld.protocol.codec import Encoding, encode
from syncmld.protocol.constants import AlertCode, SyncMLVersion
from syncmld.protocol.san import MAX_NAME_BYTES, MAX_SYNCS, Notification, SanSync, content_type_code, encode_san
from syncmld.protocol.san_message import alert_package
from syncmld.protocol.wap_push import PushContentType
from syncmld.store.pushes import PendingPush

SAN_CONTENT_TYPE = "application/vnd.syncml.ds.notification"


@dataclass(frozen=True)
class Outgoing:
    body: bytes
    content_type: str
    wsp_type: PushContentType
    notification: Notification


def notification_for(pending: PendingPush, server_id: str) -> Notification:
    """Two-way by server for each folder that changed, named as the device names it; every data store
    when there are more than a notification can name, or none whose name fits in one."""
    syncs = tuple(
        SanSync(AlertCode.TWO_WAY_BY_SERVER, folder.remote_uri, content_type_code(folder.content_type))
        for folder in pending.folders
        if len(folder.remote_uri.encode()) <= MAX_NAME_BYTES
    )
    session_id = (pending.device.sent + 1) & 0xFFFF
    return Notification(server_id, syncs if len(syncs) <= MAX_SYNCS else (), session_id)


def outgoing(pending: PendingPush, server_id: str, secret: str, wbxml_only: bool) -> Outgoing:
    """What to send: a 1.2 device gets the binary notification (digest from ``secret``, the account's
    B64(MD5(login ":" password))), a 1.0 or 1.1 device the message form, in WBXML if it speaks WBXML or
    ``wbxml_only`` (SMS), else XML. NotificationTooLarge when a name does not fit."""
    notification = notification_for(pending, server_id)
    version = SyncMLVersion(pending.device.version)
    if version is SyncMLVersion.V1_2:
        body = encode_san(notification, secret)
        return Outgoing(body, SAN_CONTENT_TYPE, PushContentType.DS_NOTIFICATION, notification)
    encoding = Encoding.WBXML if pending.device.wbxml or wbxml_only else Encoding.XML
    message = alert_package(notification, pending.device_ref, version)
    return Outgoing(encode(message, encoding), encoding.content_type, PushContentType.SYNCML_WBXML, notification)
