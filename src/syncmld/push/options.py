"""The ``syncmld serve`` options of push; the command gets them as a ``PushSettings`` named ``push``."""

import functools
from collections.abc import Callable
from typing import Any

import click

from syncmld.push.settings import MAX_IDLE_RENEW, DefaultChannel, PushSettings

_Command = Callable[..., Any]
SMS_PASSWORD_ENV = "SYNCMLD_PUSH_SMS_PASSWORD"


def _seconds(name: str, default: float, text: str) -> Callable[[_Command], _Command]:
    return click.option(
        name, type=click.FloatRange(min=0, min_open=True), default=default, show_default=True, help=text
    )


def _count(name: str, default: int, text: str) -> Callable[[_Command], _Command]:
    return click.option(name, type=click.IntRange(min=1), default=default, show_default=True, help=text)


_OPTIONS = (
    click.option(
        "--push-server-id",
        default=PushSettings.server_id,
        show_default=True,
        help="The server identifier push notifications carry: the one devices have set for this server.",
    ),
    _seconds("--push-quiet", PushSettings.quiet, "Seconds without a further change before a device is told."),
    _seconds(
        "--push-max-wait", PushSettings.max_wait, "Seconds after a first change after which a device is told anyway."
    ),
    _seconds(
        "--push-resend-after",
        PushSettings.resend_after,
        "Seconds after which a device that was told and has not synced may be told again.",
    ),
    _seconds(
        "--push-poll-interval",
        PushSettings.poll_interval,
        "Shortest time in seconds between two looks for due notifications.",
    ),
    _seconds(
        "--push-recheck-interval",
        PushSettings.recheck_interval,
        "Longest time in seconds between two looks, for notifications another process (a syncmld command,"
        " another host) left; this process's own are looked at at once.",
    ),
    _seconds(
        "--push-lease",
        PushSettings.lease,
        "Seconds a server process holds the notifications it took; if it dies, another sends them after this.",
    ),
    _count("--push-batch", PushSettings.batch, "Notifications one process takes and sends at a time."),
    _count("--push-max-attempts", PushSettings.max_attempts, "Attempts at a notification before it is given up."),
    _seconds(
        "--push-retry-delay", PushSettings.retry_delay, "Seconds before a second attempt (then doubling each time)."
    ),
    _seconds("--push-retry-max-delay", PushSettings.retry_max_delay, "Longest wait between two attempts."),
    _seconds("--push-timeout", PushSettings.timeout, "Seconds a delivery to the SMS gateway or a webhook may take."),
    click.option(
        "--push-sms-gateway",
        metavar="URL",
        help="The SMS gateway's send URL for WAP Push (Kannel: http://HOST:13013/cgi-bin/sendsms).",
    ),
    click.option("--push-sms-user", default="", help="The SMS gateway's user name."),
    click.option("--push-sms-from", default="", help="The sender given to the SMS gateway (default: its own)."),
    click.option(
        "--push-sms-password",
        default="",
        envvar=SMS_PASSWORD_ENV,
        help=f"The SMS gateway's password (${SMS_PASSWORD_ENV}).",
    ),
    _count("--push-sms-max-parts", PushSettings.sms_max_parts, "Most SMS one notification may take."),
    _count("--push-idle-max", PushSettings.idle_max, "Most IMAP IDLE connections (watched mailboxes) per process."),
    click.option(
        "--push-idle-renew",
        type=click.FloatRange(min=0, min_open=True, max=MAX_IDLE_RENEW),
        default=PushSettings.idle_renew,
        show_default=True,
        help="Seconds an IMAP IDLE lasts before it is started again (at most 29 minutes).",
    ),
    _seconds(
        "--push-idle-retry-delay",
        PushSettings.idle_retry_delay,
        "Seconds before a watched mailbox is connected again after a failure (then doubling each time).",
    ),
    _seconds(
        "--push-idle-retry-max-delay",
        PushSettings.idle_retry_max_delay,
        "Longest wait before a watched mailbox is connected again.",
    ),
    _seconds(
        "--push-mail-poll-interval",
        PushSettings.mail_poll_interval,
        "Seconds between two looks (STATUS) at a push device's mail folders other than the INBOX.",
    ),
    _seconds(
        "--push-watch-interval",
        PushSettings.watch_interval,
        "Seconds between two looks at which mailboxes to watch for push e-mail; a process that stopped has its "
        "mailboxes watched by another after three.",
    ),
    _seconds(
        "--push-mail-writes-keep",
        PushSettings.mail_writes_keep,
        "Seconds what syncmld wrote to IMAP for a device is remembered, so that push e-mail does not tell the "
        "device of its own changes.",
    ),
    _count(
        "--push-mail-writes-max",
        PushSettings.mail_writes_max,
        "Most records of what syncmld wrote to IMAP kept per account (the oldest go first).",
    ),
    click.option(
        "--push-default-channel",
        type=click.Choice([channel.value for channel in DefaultChannel]),
        default=PushSettings.default_channel.value,
        show_default=True,
        help="What devices that asked for push but were given no channel get: nothing (none) or the log.",
    ),
)


def push_options(command: _Command) -> _Command:
    """Add the push options to ``command``, which receives them as ``push``, a PushSettings."""

    @functools.wraps(command)
    def with_settings(**kwargs: Any) -> Any:
        kwargs["push"] = PushSettings(
            server_id=kwargs.pop("push_server_id"),
            quiet=kwargs.pop("push_quiet"),
            max_wait=kwargs.pop("push_max_wait"),
            resend_after=kwargs.pop("push_resend_after"),
            poll_interval=kwargs.pop("push_poll_interval"),
            recheck_interval=kwargs.pop("push_recheck_interval"),
            lease=kwargs.pop("push_lease"),
            batch=kwargs.pop("push_batch"),
            max_attempts=kwargs.pop("push_max_attempts"),
            retry_delay=kwargs.pop("push_retry_delay"),
            retry_max_delay=kwargs.pop("push_retry_max_delay"),
            timeout=kwargs.pop("push_timeout"),
            sms_gateway=kwargs.pop("push_sms_gateway"),
            sms_user=kwargs.pop("push_sms_user"),
            sms_password=kwargs.pop("push_sms_password"),
            sms_from=kwargs.pop("push_sms_from"),
            sms_max_parts=kwargs.pop("push_sms_max_parts"),
            default_channel=DefaultChannel(kwargs.pop("push_default_channel")),
            idle_max=kwargs.pop("push_idle_max"),
            idle_renew=kwargs.pop("push_idle_renew"),
            idle_retry_delay=kwargs.pop("push_idle_retry_delay"),
            idle_retry_max_delay=kwargs.pop("push_idle_retry_max_delay"),
            mail_poll_interval=kwargs.pop("push_mail_poll_interval"),
            watch_interval=kwargs.pop("push_watch_interval"),
            mail_writes_keep=kwargs.pop("push_mail_writes_keep"),
            mail_writes_max=kwargs.pop("push_mail_writes_max"),
        )
        return command(**kwargs)

    decorated: _Command = with_settings
    for option in reversed(_OPTIONS):
        decorated = option(decorated)
    return decorated
