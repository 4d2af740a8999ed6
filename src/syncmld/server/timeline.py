"""What the web admin shows of past syncs: each message of a logged-in session (its commands, statuses,
sizes and duration, and the message itself while ``--log-messages`` is on; the error of one that failed),
and the folder syncs, failed syncs and refused logins of each hour. Kept in the store (``Timelines``); the
sweep forgets them after ``history_days``, and a session keeps its latest ``timeline_messages`` messages."""

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from syncmld.bounded import BoundedMap
from syncmld.engine.api import Outcome
from syncmld.errors import SettingError
from syncmld.log import log_session_id
from syncmld.protocol.codec import Encoding
from syncmld.protocol.messages import Atomic, Command, Sequence, Status, Sync, SyncML, command_name
from syncmld.settings import TIMELINE_MESSAGES
from syncmld.status import StatusCode
from syncmld.store.base import HourCounts, TimelineMessage, Transaction, hour_of

logger = logging.getLogger(__name__)

SUMMARY_LIMIT = 500
"""Characters kept of a message's list of commands or statuses."""
REFUSED_LOGIN_CODES = frozenset({StatusCode.INVALID_CREDENTIALS, StatusCode.FORBIDDEN, StatusCode.MISSING_CREDENTIALS})
"""SyncHdr statuses that refuse a login (a challenge alone is no refusal)."""
ENCODING_NAMES = {Encoding.XML: "xml", Encoding.WBXML: "wbxml"}


def refused_login(outcome: Outcome) -> bool:
    """Whether the reply refuses the message's login (wrong or no credentials)."""
    header = next((c for c in outcome.message().commands if isinstance(c, Status) and c.cmd == "SyncHdr"), None)
    return header is not None and not outcome.challenge and header.data in REFUSED_LOGIN_CODES


def counted(names: Iterable[str]) -> str:
    """``name:count`` for each name, in the order they first come, cut at ``SUMMARY_LIMIT`` characters."""
    text = " ".join(f"{name}:{count}" for name, count in Counter(names).items())
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


def command_names(commands: Iterable[Command]) -> Iterator[str]:
    """The names of the commands that are no Status, those inside Sync, Atomic and Sequence included."""
    for command in commands:
        if not isinstance(command, Status):
            yield command_name(command)
        if isinstance(command, Sync | Atomic | Sequence):
            yield from command_names(command.commands)


def status_codes(commands: Iterable[Command]) -> Iterator[str]:
    for command in commands:
        if isinstance(command, Status):
            yield str(int(command.data))


def cut(text: str | None, limit: int) -> str | None:
    """``text``, or its first ``limit`` characters and how many more there were."""
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}\n[cut: {len(text) - limit} more characters]"


@dataclass(frozen=True)
class Exchanged:
    """A message of a session and what was sent back, as the HTTP shell saw them."""

    token: str | None
    """The session's token, when the message is in one or opened one."""
    message: SyncML
    encoding: Encoding
    arrived_at: float
    seconds: float
    size_in: int
    size_out: int
    dump_in: str | None = None
    """The message as ``--log-messages`` writes it."""
    dump_out: str | None = None


class Timeline:
    """Writes what the web admin shows of each message, in the transaction it is given: the message's own
    when it is answered, one after it when it failed (and its changes were rolled back). How many messages a
    session keeps (``timeline_messages``) is read with the first of its messages this process answers, and kept
    for up to ``sessions`` sessions: a change of the setting reaches the sessions that begin after it."""

    def __init__(self, dump_limit: int, sessions: int) -> None:
        self.dump_limit = dump_limit
        self._kept_messages: BoundedMap[str, int] = BoundedMap(sessions)

    def keep(self, tx: Transaction, done: Exchanged, outcome: Outcome) -> None:
        """Keep the answered message in its session's timeline (a logged-in session's only) and count its hour."""
        hour = HourCounts(
            hour_of(done.arrived_at),
            syncs=sum(summary.ok for summary in outcome.summaries),
            failed=sum(not summary.ok for summary in outcome.summaries),
            refused_logins=int(refused_login(outcome)),
        )
        if hour.syncs or hour.failed or hour.refused_logins:
            tx.count_hour(hour)
        if outcome.account_id is None or done.token is None:
            return
        self._add(tx, done, done.token, outcome.account_id, outcome.device, outcome.message().commands, None)

    def keep_failure(self, tx: Transaction, done: Exchanged, account_id: int, error: str) -> None:
        """Keep a message of the account's session that failed (its own transaction was rolled back) in the
        session's timeline, with ``error``."""
        if done.token is not None:
            self._add(tx, done, done.token, account_id, None, (), error)

    def _add(
        self,
        tx: Transaction,
        done: Exchanged,
        token: str,
        account_id: int,
        device_ref: str | None,
        sent: tuple[Command, ...],
        error: str | None,
    ) -> None:
        """The message's row in the session's timeline, which keeps its latest ``timeline_messages``."""
        keep = self._kept_messages.peek(token)
        if keep is None:
            try:
                keep = self._kept_messages.put(token, TIMELINE_MESSAGES.read(tx))
            except SettingError as unusable:
                logger.error("could not keep the message in the session's timeline: %s", unusable)
                return
        entry = TimelineMessage(
            session=log_session_id(token),
            account_id=account_id,
            device_ref=device_ref or done.message.header.source.uri,
            msg_id=done.message.header.msg_id,
            at=done.arrived_at,
            duration_ms=done.seconds * 1000,
            size_in=done.size_in,
            size_out=done.size_out,
            encoding=ENCODING_NAMES[done.encoding],
            commands_in=counted(command_names(done.message.commands)),
            statuses_in=counted(status_codes(done.message.commands)),
            commands_out=counted(command_names(sent)),
            statuses_out=counted(status_codes(sent)),
            dump_in=cut(done.dump_in, self.dump_limit),
            dump_out=cut(done.dump_out, self.dump_limit),
            error=error,
        )
        tx.add_timeline_message(entry, keep)
