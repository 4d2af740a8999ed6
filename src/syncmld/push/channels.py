"""Delivery channels: WAP Push over SMS through the SMS gateway's HTTP API (Kannel's sendsms), a
webhook, the log. Each delivery either returns or raises DeliveryFailed saying whether to try again."""

import logging
from urllib.parse import quote, quote_from_bytes

import httpx

from syncmld.errors import LocalError
from syncmld.protocol.wap_push import SmsTooLong, push_pdu, split_sms
from syncmld.push.notification import Outgoing
from syncmld.push.settings import DefaultChannel, PushSettings
from syncmld.store.pushes import PendingPush, PushChannel

logger = logging.getLogger("syncmld.push")

KANNEL_BINARY_CODING = "1"
"""sendsms ``coding``: 8-bit data."""


class DeliveryFailed(LocalError):
    """A notification did not go out; ``retry``: it may go out later (the gateway failed or timed out)."""

    def __init__(self, message: str, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


def deliver(pending: PendingPush, sent: Outgoing, settings: PushSettings, client: httpx.Client) -> None:
    """Send ``sent`` to the device through its channel."""
    channel = pending.device.channel
    if channel == PushChannel.NONE and settings.default_channel == DefaultChannel.LOG:
        channel = PushChannel.LOG
    if channel == PushChannel.SMS:
        _send_sms(pending, sent, settings, client)
    elif channel == PushChannel.WEBHOOK:
        _post_webhook(pending, sent, client)
    elif channel == PushChannel.LOG:
        logger.info("push to %s by the log: %s %s", pending.device_ref, sent.content_type, sent.body.hex())
    else:
        raise DeliveryFailed("the device has no push channel (set one with 'syncmld device push')", retry=False)


def _send_sms(pending: PendingPush, sent: Outgoing, settings: PushSettings, client: httpx.Client) -> None:
    if settings.sms_gateway is None:
        raise DeliveryFailed("no SMS gateway is configured (syncmld serve --push-sms-gateway)", retry=False)
    try:
        parts = split_sms(push_pdu(sent.wsp_type, sent.body), pending.device.sent + 1, settings.sms_max_parts)
    except SmsTooLong as error:
        raise DeliveryFailed(str(error), retry=False) from error
    for sms in parts:
        query = "&".join(
            (
                f"username={quote(settings.sms_user)}",
                f"password={quote(settings.sms_password)}",
                f"to={quote(pending.device.address)}",
                *((f"from={quote(settings.sms_from)}",) if settings.sms_from else ()),
                f"udh={quote_from_bytes(bytes([len(sms.udh)]) + sms.udh)}",
                f"text={quote_from_bytes(sms.data)}",
                f"coding={KANNEL_BINARY_CODING}",
            )
        )
        separator = "&" if "?" in settings.sms_gateway else "?"
        _checked(client, "GET", f"{settings.sms_gateway}{separator}{query}", "the SMS gateway")


def _post_webhook(pending: PendingPush, sent: Outgoing, client: httpx.Client) -> None:
    headers = {
        "Content-Type": sent.content_type,
        "X-SyncML-Device": quote(pending.device_ref),
        "X-SyncML-Server-ID": quote(sent.notification.server_id),
        "X-SyncML-Folders": ",".join(quote(folder.remote_uri, safe="") for folder in pending.folders),
    }
    _checked(client, "POST", pending.device.address, "the webhook", content=sent.body, headers=headers)


def _checked(client: httpx.Client, method: str, url: str, what: str, **kwargs: object) -> None:
    shown = url.split("?", 1)[0]
    try:
        response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"{what} {shown} could not be reached: {error}", retry=True) from error
    if not response.is_success:
        first_line = response.text.strip().splitlines()[0][:100] if response.text.strip() else ""
        raise DeliveryFailed(f"{what} {shown} answered HTTP {response.status_code} {first_line}".strip(), retry=True)
