"""Forgetting what has expired: idle sessions, old item versions and change sessions, stored nonces, failed
logins, the sessions' timelines, the records of mails sent.

Run by the server every ``--session-sweep-interval`` seconds, beside the sessions and never inside one: what
has expired is refused where it is read (an expired session, nonce or failed login counts for nothing), so
the sweep only keeps the tables small.
"""

import logging
from dataclasses import dataclass

from syncmld.engine.api import EngineSettings
from syncmld.settings import HISTORY_DAYS
from syncmld.store.base import Store, Transaction, hour_of

log = logging.getLogger("syncmld.engine")

DAY = 86400.0


@dataclass(frozen=True)
class Swept:
    sessions: int
    history: int
    nonces: int
    failed_logins: int
    timeline: int
    hours: int
    change_sessions: int
    mail_sends: int


def sweep(tx: Transaction, settings: EngineSettings, now: float) -> Swept:
    """Drop everything that has expired at ``now``; returns how much of each."""
    kept_from = now - HISTORY_DAYS.read(tx) * DAY
    return Swept(
        sessions=tx.delete_sessions_before(now - settings.session_timeout),
        change_sessions=tx.purge_change_sessions(kept_from),
        history=tx.purge_history(kept_from),
        nonces=tx.purge_nonces(now - settings.nonce_lifetime),
        failed_logins=tx.purge_login_failures(now - settings.throttle.period),
        timeline=tx.purge_timeline(kept_from),
        hours=tx.purge_hour_counts(hour_of(kept_from)),
        mail_sends=tx.purge_mail_sends(now - settings.mail_sends_keep),
    )


def sweep_store(store: Store, settings: EngineSettings, now: float) -> Swept:
    """``sweep`` in a transaction of its own, logged when it dropped anything."""
    with store.transaction() as tx:
        swept = sweep(tx, settings, now)
    if any(vars(swept).values()):
        log.info(
            "expired: %d sessions, %d item versions, %d nonces, %d keys of failed logins, %d timeline messages,"
            " %d hours of sync counts, %d change sessions, %d records of mails sent",
            swept.sessions,
            swept.history,
            swept.nonces,
            swept.failed_logins,
            swept.timeline,
            swept.hours,
            swept.change_sessions,
            swept.mail_sends,
        )
    return swept
