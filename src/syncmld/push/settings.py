"""Push settings: who the server says it is, when pending notifications are due, how deliveries retry,
and the SMS gateway."""

from dataclasses import dataclass
from enum import StrEnum

from syncmld.errors import ConfigError
from syncmld.mail.gateway import KEEP_WRITES, MAX_WRITES
from syncmld.mail.idle import IdleTiming
from syncmld.store.pushes import PushTiming

MAX_IDLE_RENEW = 29 * 60.0
"""IMAP servers may end an IDLE after 30 minutes; a client renews it within 29 (RFC 2177)."""
WATCH_LEASE_INTERVALS = 3
"""Watch intervals a lease on watching an account lasts: a process that misses this many looks loses them."""


class DefaultChannel(StrEnum):
    """What happens to a device that asked for push (the URL parameter) but was given no channel."""

    NONE = "none"
    """Nothing is sent; each notification is logged as undeliverable and the device marked."""
    LOG = "log"
    """The notification is written to the log."""


@dataclass(frozen=True)
class PushSettings:
    server_id: str = "syncmld"
    """The server identifier notifications carry: the one the devices have configured for this server."""
    quiet: float = 2.0
    """Seconds without a further change after which a burst of changes is notified."""
    max_wait: float = 30.0
    """Seconds after the first change of a burst after which it is notified even if changes go on."""
    resend_after: float = 86400.0
    """Seconds after which a device that was told and has not synced may be told again."""
    poll_interval: float = 1.0
    """The shortest time between two looks for due notifications, in each server process."""
    recheck_interval: float = 10.0
    """The longest time between two looks: a change this process writes is looked at at once, one another
    process writes (a ``syncmld`` command, another host) after this at the latest."""
    lease: float = 60.0
    """Seconds a process holds the notifications it claimed; if it dies, another delivers them after this."""
    batch: int = 50
    """Notifications one process claims and delivers at a time."""
    max_attempts: int = 5
    """Delivery attempts of a notification before it is given up (and the device marked failing)."""
    retry_delay: float = 10.0
    """Seconds before the second attempt; each further attempt waits twice as long as the one before."""
    retry_max_delay: float = 600.0
    """Longest wait between two attempts."""
    timeout: float = 10.0
    """Seconds a delivery to the SMS gateway or a webhook may take."""
    sms_gateway: str | None = None
    """The SMS gateway's send URL (Kannel: http://HOST:13013/cgi-bin/sendsms); None: no SMS channel."""
    sms_user: str = ""
    sms_password: str = ""
    sms_from: str = ""
    """The sender the SMS gateway is given ("": the gateway's own default sender)."""
    sms_max_parts: int = 3
    """Most SMS one notification may take (concatenated); a longer one is not sent."""
    default_channel: DefaultChannel = DefaultChannel.NONE
    idle_max: int = 1000
    """Most IMAP IDLE connections (accounts whose mailbox is watched) one server process keeps."""
    idle_renew: float = 1500.0
    """Seconds an IDLE lasts before it is ended and started again (servers may drop one after 30 minutes)."""
    idle_retry_delay: float = 5.0
    """Seconds before a watched mailbox is connected again after a failure (then doubling each time)."""
    idle_retry_max_delay: float = 300.0
    """Longest wait before connecting a watched mailbox again."""
    mail_poll_interval: float = 60.0
    """Seconds between two looks (STATUS, HIGHESTMODSEQ) at a watched mailbox's folders other than the INBOX."""
    watch_interval: float = 15.0
    """Seconds between two looks at which accounts' mailboxes to watch; the process's leases on them are
    renewed then, for ``WATCH_LEASE_INTERVALS`` intervals."""
    mail_writes_keep: float = KEEP_WRITES
    """Seconds what syncmld wrote to IMAP for a device's changes is remembered, so that the device is not told
    of them when the mailbox's watcher sees them."""
    mail_writes_max: int = MAX_WRITES
    """Most such records kept per account (the oldest are forgotten first)."""

    def __post_init__(self) -> None:
        if not self.server_id or len(self.server_id.encode()) > 255:
            raise ConfigError("the push server identifier must be 1 to 255 bytes long")
        timers = (
            self.quiet,
            self.max_wait,
            self.resend_after,
            self.poll_interval,
            self.recheck_interval,
            self.lease,
            self.timeout,
        )
        if min(timers) <= 0 or min(self.retry_delay, self.retry_max_delay) <= 0:
            raise ConfigError("the push quiet time, waits, intervals, lease, retry delays and timeout must be positive")
        if min(self.batch, self.max_attempts, self.sms_max_parts, self.idle_max, self.mail_writes_max) < 1:
            raise ConfigError(
                "the push batch, attempts, SMS parts, IDLE connections and mail write records must be at least 1"
            )
        mail_timers = (
            self.idle_renew,
            self.idle_retry_delay,
            self.idle_retry_max_delay,
            self.mail_poll_interval,
            self.watch_interval,
            self.mail_writes_keep,
        )
        if min(mail_timers) <= 0:
            raise ConfigError("the push e-mail renewal, retry delays and intervals must be positive")
        if self.idle_renew > MAX_IDLE_RENEW:
            raise ConfigError(f"an IDLE must be renewed within {MAX_IDLE_RENEW:.0f} s (29 minutes, RFC 2177)")

    @property
    def timing(self) -> PushTiming:
        return PushTiming(self.quiet, self.max_wait, self.resend_after, self.lease)

    @property
    def watch_lease(self) -> float:
        """Seconds a process's lease on the accounts it watches holds: another takes them over after this."""
        return self.watch_interval * WATCH_LEASE_INTERVALS

    @property
    def idle_timing(self) -> IdleTiming:
        return IdleTiming(self.idle_renew, self.mail_poll_interval, self.idle_retry_delay, self.idle_retry_max_delay)

    def retry_at(self, attempts: int, now: float) -> float | None:
        """When to try again after ``attempts`` failed attempts, None when it is time to give up."""
        if attempts >= self.max_attempts:
            return None
        return now + min(self.retry_max_delay, self.retry_delay * 2.0 ** (attempts - 1))
