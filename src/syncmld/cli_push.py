"""The command line of push: ``syncmld push decode FILE`` and ``syncmld device push EMAIL DEVICE``."""

import re
from pathlib import Path

import click

from syncmld.accounts import md5_credential
from syncmld.cli import checked_email, data_dir_option, db_option, echo, opened_store, required_account
from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode
from syncmld.protocol.san import Notification, decode_san
from syncmld.protocol.san_message import notification_of
from syncmld.store.pushes import PushChannel, PushSource

MAX_NOTIFICATION_FILE = 1024 * 1024
"""Bytes of a file ``push decode`` reads; a notification is a few hundred."""
MAX_ADDRESS = 2048
_PHONE_NUMBER = re.compile(r"\+?[0-9]{3,20}")
_SYNCML_FIRST_BYTES = (b"\x01", b"\x02", b"\x03", b"<")


@click.group("push")
def push_group() -> None:
    """Server alerted notifications (push)."""


def _shown_notification(notification: Notification) -> list[str]:
    lines = [
        f"version {notification.version / 10:.1f}",
        f"server id {notification.server_id}",
        f"session id {notification.session_id}",
        f"ui mode {notification.ui_mode.name.lower()}, initiator {notification.initiator.name.lower()}",
    ]
    lines += [
        f"sync {int(sync.alert)} {sync.server_uri} content type 0x{sync.content_type:06x}"
        for sync in notification.syncs
    ]
    return lines or ["sync every data store"]


@push_group.command("decode")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--user", help="With --password: check the digest with this login (the account's e-mail).")
@click.option("--password", help="The account's password, to check the digest.")
@click.option("--nonce", default="", help="The nonce the digest was made with (syncmld uses none).")
def push_decode(file: Path, user: str | None, password: str | None, nonce: str) -> None:
    """Show what a notification says: the 1.2 binary form or the 1.0/1.1 message form (XML or WBXML)."""
    with file.open("rb") as stream:
        data = stream.read(MAX_NOTIFICATION_FILE + 1)
    if len(data) > MAX_NOTIFICATION_FILE:
        raise click.ClickException(f"{file} is larger than {MAX_NOTIFICATION_FILE} bytes: no notification")
    if data[:1] in _SYNCML_FIRST_BYTES:
        try:
            notification = notification_of(decode(data, None).message)
        except DecodeError:
            pass
        else:
            echo("form SyncML message (package #0)")
            for line in _shown_notification(notification):
                echo(line)
            return
    try:
        decoded = decode_san(data)
    except DecodeError as error:
        raise click.ClickException(str(error)) from error
    echo("form server alerted notification")
    for line in _shown_notification(decoded.notification):
        echo(line)
    echo(f"digest {decoded.digest.hex()}")
    if user is not None and password is not None:
        matches = decoded.digest_matches(md5_credential(checked_email(user), password), nonce.encode())
        echo(f"digest {'matches' if matches else 'does not match'} {user}'s password")
        if not matches:
            raise SystemExit(1)


def _channel(sms: str | None, url: str | None, log: bool, off: bool) -> tuple[PushChannel, str]:
    chosen = [(PushChannel.SMS, sms), (PushChannel.WEBHOOK, url), (PushChannel.LOG, log), (PushChannel.OFF, off)]
    given = [(channel, value) for channel, value in chosen if value]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --sms NUMBER, --url WEBHOOK, --log, --off")
    channel, value = given[0]
    address = value if isinstance(value, str) else ""
    if channel == PushChannel.SMS and not _PHONE_NUMBER.fullmatch(address):
        raise click.BadParameter(f"{address!r} is not a phone number (digits, + first)", param_hint="--sms")
    if channel == PushChannel.WEBHOOK and (
        not address.startswith(("http://", "https://")) or len(address) > MAX_ADDRESS
    ):
        raise click.BadParameter(
            f"expected an http:// or https:// URL of at most {MAX_ADDRESS} characters", param_hint="--url"
        )
    return channel, address


@click.command("push")
@click.argument("email")
@click.argument("device_ref", metavar="DEVICE")
@click.option("--sms", metavar="NUMBER", help="Tell it by WAP Push SMS to this number, through the SMS gateway.")
@click.option("--url", metavar="WEBHOOK", help="Tell it by an HTTP POST of the notification to this URL.")
@click.option("--log", is_flag=True, help="Only write its notifications to the server log.")
@click.option("--off", is_flag=True, help="Do not tell it (also when it asks for push in its URL).")
@data_dir_option
@db_option
def device_push(
    email: str, device_ref: str, sms: str | None, url: str | None, log: bool, off: bool, data_dir: Path, db: str | None
) -> None:
    """Tell a device when the data it syncs changes (server alerted sync), and how."""
    channel, address = _channel(sms, url, log, off)
    account = checked_email(email)
    with opened_store(data_dir, db) as store, store.transaction() as tx:
        account_id = required_account(tx, account).id
        device = next((d for d in tx.list_devices(account_id) if d.device_ref == device_ref), None)
        if device is None:
            raise click.ClickException(f"{account} has no device {device_ref} (it appears with its first sync)")
        tx.set_push(device.id, channel, address, PushSource.ADMIN)
    echo(f"push for device {device_ref} of {account}: {channel}{' ' + address if address else ''}")
