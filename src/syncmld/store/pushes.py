"""The store's push role: which devices are told when their data changes, and the notifications waiting.

A device is registered for push with a channel (``PushChannel``); at the end of each sync the store
learns the folders the device syncs, under the names it uses for them (``PushFolder``). A change to one of
those folders by anyone but the device itself leaves a pending notification for it, in the same
transaction as the change, so that it survives a crash and any server process may deliver it. Pending
notifications are coalesced per device: one row, with the folders that changed and when the burst of
changes began and last grew. A delivery worker claims the rows that are due (quiet for a while, or
waiting long enough) for a lease; once delivered, the device is not told again until it has synced. A change
that comes while a claimed notification is on its way is not told by it: the delivery forgets only what the
claim saw, and what came since waits for a notification of its own.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, Protocol


class PushChannel(StrEnum):
    """How a device is told: an SMS through the SMS gateway, a webhook, the log only; ``none``: it asked
    for push (the URL parameter) but has no channel yet; ``off``: the administrator turned push off."""

    NONE = "none"
    SMS = "sms"
    WEBHOOK = "webhook"
    LOG = "log"
    OFF = "off"


class PushSource(StrEnum):
    """Who registered the device: its own ``push`` URL parameter, or the administrator."""

    URL = "url"
    ADMIN = "admin"


@dataclass(frozen=True)
class PushDevice:
    device_id: int
    channel: PushChannel
    address: str
    """The phone number (SMS) or URL (webhook); "" for the other channels."""
    source: PushSource
    version: str = "1.2"
    """The SyncML version the device spoke at its last sync: 1.2 gets the binary notification, 1.0 and
    1.1 the message form."""
    wbxml: bool = True
    """Whether the device spoke WBXML at its last sync (the message form is written in the same)."""
    awaiting_since: float | None = None
    """When the device was last told; None once it has synced since (it may be told again)."""
    sent: int = 0
    failures: int = 0
    """Failed delivery attempts since the last one that worked."""
    last_error: str = ""


class PushForm(NamedTuple):
    """How a push device is told: in the SyncML version, and XML or WBXML, it spoke at its last login."""

    version: str
    wbxml: bool


@dataclass(frozen=True)
class PushFolder:
    """A folder a push device syncs, as the device names it."""

    folder_id: int
    remote_uri: str
    """The server URI of the folder in the device's Alerts (``Contacts``, ``./card``)."""
    content_type: str
    """The type the device gets the folder's items in ("" when unknown)."""


@dataclass(frozen=True)
class SyncedFolder:
    folder: PushFolder
    seq: int
    """Changes up to this sequence number reached the device in that sync."""


class ClaimedFolder(NamedTuple):
    """A folder of a claimed notification, as the claim saw it."""

    folder_id: int
    changes: int
    """The folder's changes the notification held: one more means a change came since."""


@dataclass(frozen=True)
class PushClaim:
    """What one claim of a device's notification saw, and when it was made: a delivery (or a delivery given up)
    forgets these changes only."""

    device_id: int
    at: float
    """When the claim was made."""
    until: float
    """When the claim's lease runs out: which claim holds the notification."""
    folders: tuple[ClaimedFolder, ...] = ()


@dataclass(frozen=True)
class PendingPush:
    """A notification claimed for delivery."""

    device: PushDevice
    account_id: int
    device_ref: str
    folders: tuple[PushFolder, ...]
    attempts: int
    """Delivery attempts that failed before this one."""
    first_at: float
    claim: PushClaim


@dataclass(frozen=True)
class WatchedFolder:
    """A folder some push device of the account syncs (one whose push is not off)."""

    account_id: int
    email: str
    folder_id: int
    name: str
    """The folder's name in the store (``mail``, ``mail/sent``, ``contacts``)."""


@dataclass(frozen=True)
class PushTiming:
    """When pending notifications become due, and for how long a claim holds."""

    quiet: float
    """Seconds without a new change after which a burst of changes is notified."""
    max_wait: float
    """Seconds after the first change of a burst after which it is notified whatever follows."""
    resend_after: float
    """Seconds after which a device that was told and never synced may be told again."""
    lease: float
    """Seconds a claim holds: a worker that died with a claim leaves it to another after this."""


def due_at(
    timing: PushTiming,
    next_at: float,
    claimed_until: float | None,
    first_at: float,
    last_at: float,
    awaiting_since: float | None,
) -> float:
    """When a waiting notification may first be claimed: past its retry time and any claim's lease, after the
    quiet time (or the longest wait) of its burst, and once a device told before may be told again."""
    return max(
        next_at,
        claimed_until if claimed_until is not None else next_at,
        min(last_at + timing.quiet, first_at + timing.max_wait),
        awaiting_since + timing.resend_after if awaiting_since is not None else next_at,
    )


class PushBell:
    """Rung by a store after a transaction that left pending notifications has committed: this process's
    delivery worker looks at once instead of at its next look."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], object]] = []
        self._lock = threading.Lock()

    @contextmanager
    def listening(self, listener: Callable[[], object]) -> Iterator[None]:
        """``listener`` is called (in the thread that committed) at each ring while the block runs."""
        with self._lock:
            self._listeners.append(listener)
        try:
            yield
        finally:
            with self._lock:
                self._listeners.remove(listener)

    def ring(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()


class Pushes(Protocol):
    """Push registrations, the folders each push device syncs, and pending notifications."""

    def set_push(self, device_id: int, channel: PushChannel, address: str, source: PushSource) -> None:
        """Register (or change) the device's channel; its folders, counts and pending notification stay."""
        ...

    def get_push(self, device_id: int) -> PushDevice | None: ...

    def list_pushes(self, account_id: int) -> dict[int, PushDevice]:
        """The account's push devices by device id."""
        ...

    def set_push_form(self, device_id: int, version: str, wbxml: bool) -> bool:
        """A device began a session in SyncML ``version``, XML or WBXML: a push device is told in the same
        form from now on. Returns whether the device is a push device."""
        ...

    def push_synced(self, device_id: int, folders: list[SyncedFolder]) -> None:
        """A device finished a sync of ``folders``: remember them as it names them (for any device, so that
        one registered later is told at once); a push device may be told again, and its pending
        notification loses what that sync brought it."""
        ...

    def note_folder_change(self, folder_id: int, origin_device_id: int | None, now: float) -> int:
        """A change to the folder (by ``origin_device_id``, None: not by a device): every other push device
        that syncs it gets a pending notification, or its pending one grows. Returns how many devices."""
        ...

    def claim_pushes(self, worker: str, now: float, timing: PushTiming, limit: int) -> list[PendingPush]:
        """Claim up to ``limit`` due notifications for ``worker`` until ``now + timing.lease``; a claimed
        notification is not handed to any other claim while that lease lasts."""
        ...

    def push_delivered(self, claim: PushClaim, now: float) -> None:
        """The claimed notification went out: forget the changes the claim saw; the device is not told again until
        it syncs. Changes that came since stay pending, as a new notification (its burst begun at the claim)."""
        ...

    def push_failed(self, claim: PushClaim, error: str, retry_at: float | None) -> None:
        """A delivery attempt failed: try again at ``retry_at`` (with what came since too), or give up (None)
        what the claim saw, as ``push_delivered`` forgets it."""
        ...

    def count_pending_pushes(self) -> int: ...

    def next_push_due(self, timing: PushTiming) -> float | None:
        """The earliest time a waiting notification of a device whose push is on may be claimed (see
        ``due_at``); None when none waits."""
        ...

    def watched_folders(self) -> list[WatchedFolder]:
        """Every folder a push device whose push is not off syncs, with its (enabled) account: what a watcher
        of changes made outside the store (new mail) watches. Each folder once, by account."""
        ...

    def claim_watches(self, worker: str, account_ids: list[int], now: float, until: float) -> set[int]:
        """Lease the watching of the accounts to ``worker`` until ``until`` (renewing its own leases);
        an account another worker holds a lease on that has not run out stays with it. Returns the
        accounts ``worker`` now watches among ``account_ids``."""
        ...

    def release_watches(self, worker: str, account_ids: list[int]) -> None:
        """``worker`` no longer watches the accounts: another may at once."""
        ...
