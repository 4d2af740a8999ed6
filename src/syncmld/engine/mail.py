"""Mail folders: the account's IMAP mailbox synced through the engine's usual paths, its I/O outside them.

syncmld keeps no mail. A mail folder's items are a snapshot of the IMAP folder, one flags-only e-mail
object per message (GUID ``UIDVALIDITY-UID``: stable across sessions and workers): flags, the date it
was received and its size. When a device alerts the folder, the folder's listing (UIDs, flags, dates,
sizes) is read from IMAP outside the store transaction (``ContentWork.outside``) and the snapshot made
equal to it: new mail, expunged mail and flag changes become the item changes every device gets in the
usual way. A UIDVALIDITY that changed makes every message new, and the device's sync a slow one.

Going out, the messages a reply carries are fetched in one go, cut as the filters say, outside the
transaction too, and put in the items the packing sends. Coming in, a device's flag changes and deletes
are applied to the snapshot like any other change; once the message is committed, they are applied to
IMAP (``MailChanges``, done by ``handle_message``). Nothing is deleted on the IMAP side except what a
device deleted.
"""

import calendar
import functools
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from syncmld import content
from syncmld.content.email import BODY_EXT, EMAIL_TYPE, RFC822_TYPE, SIZE_EXT, Email, read_email, write_email
from syncmld.engine.api import EngineContext
from syncmld.engine.content_work import ContentWork
from syncmld.engine.folders import MAIL_FOLDER_PREFIX, FolderKind
from syncmld.engine.mail_filter import DeviceFilter
from syncmld.engine.outgoing import Expand
from syncmld.engine.session import ChangeKind, DatastoreState, OutChange, SessionState
from syncmld.errors import RemoteError
from syncmld.mail.model import (
    Cut,
    Fetched,
    FolderChanges,
    Listing,
    MailChanges,
    MailError,
    MailFlag,
    MailLogin,
    MessageSummary,
    Sent,
)
from syncmld.mail.servers import mail_login
from syncmld.settings import MAIL_DAYS, MAIL_DELETE, MAIL_HEADERS_ONLY, MAIL_MAX_KB
from syncmld.status import StatusCode
from syncmld.store.base import MailMark, NewItem, Store, StoredItem, Transaction

log = logging.getLogger("syncmld.engine")

INBOX = "INBOX"
ITEM_OVERHEAD = 400
"""Bytes an e-mail object adds around its message (flags, dates, Ext), generously counted."""
DAY = 86400.0
HEADERS_GUESS = 600
"""Bytes a mail's headers are counted at before they are fetched: a guess on the low side, so that a reply's
mails are fetched in one go (a few too many cost less than another round)."""
PREFETCH = 2000
"""Most queued changes looked at to fetch the mails of one reply in one go."""
TRUNCATED_HEADER = "X-Syncmld-Truncated"
"""The header a cut message starts with, so that it says so in RFC 822 too."""


def imap_folder(folder_name: str) -> str:
    """The IMAP folder a mail folder of the store mirrors, as the device named it: the INBOX for ``mail``, NAME
    for ``mail/NAME`` (the gateway finds it: by SPECIAL-USE role, else by its path in any case)."""
    return folder_name.removeprefix(MAIL_FOLDER_PREFIX) if folder_name != FolderKind.MAIL else INBOX


def login_for(tx: Transaction, state: SessionState) -> MailLogin:
    """How the session's account logs in to its mail; MailError (404/401) when it cannot."""
    return account_login(tx, state.account_id, state.account_email)


def account_login(tx: Transaction, account_id: int, email: str) -> MailLogin:
    """How the account logs in to its mail; MailError (404/401) when it cannot."""
    server = tx.mail_server_for(email)
    if server is None:
        raise MailError(f"no mail server is set for {email} or its domain", StatusCode.NOT_FOUND)
    try:
        login = mail_login(server, email, tx.mail_password(account_id))
    except RemoteError as error:
        raise MailError(f"the mail server of {server.scope} is unusable: {error}") from error
    if login is None:
        raise MailError(
            f"{email} has not logged in with its password since its mail server was set "
            "(basic login), and its domain has no master user",
            StatusCode.INVALID_CREDENTIALS,
        )
    return login


def keep_password(tx: Transaction, account_id: int, email: str, password: str) -> None:
    """A basic login showed the account's password: keep it for its mail server, if it logs in there itself."""
    server = tx.mail_server_for(email)
    if server is not None and not server.login and tx.mail_password(account_id) != password:
        tx.set_mail_password(account_id, password)
        log.info("account %s: mail password kept from its basic login", email)


def guid_of(uidvalidity: int, uid: int) -> str:
    return f"{uidvalidity}-{uid}"


def uid_of(guid: str) -> tuple[int, int] | None:
    """UIDVALIDITY and UID of a snapshot GUID; None for another item (a mail a device added)."""
    validity, dash, uid = guid.partition("-")
    if not dash or not validity.isdigit() or not uid.isdigit():
        return None
    return int(validity), int(uid)


def snapshot(message: MessageSummary) -> bytes:
    """The stored form of a message: its flags, date and size, no content."""
    flags = {flag.value: flag in message.flags for flag in MailFlag}
    return write_email(Email(flags, {"received": message.received}, None, ((SIZE_EXT, str(message.size)),)))


def refresh(
    tx: Transaction, state: SessionState, folder_id: int, folder_name: str, ctx: EngineContext, work: ContentWork
) -> bool:
    """Make the folder's snapshot equal to the IMAP folder (read outside the transaction); True when its
    UIDVALIDITY changed, so the device's sync must be slow. MailError when IMAP cannot be read."""
    if ctx.mail is None:
        raise MailError("this server has no mail gateway", StatusCode.SERVICE_UNAVAILABLE)
    retry_changes(tx, state, ctx, work)
    login = login_for(tx, state)
    mark = tx.mail_mark(folder_id)
    listing: Listing = work.outside(ctx.mail.listing, login, imap_folder(folder_name), mark)
    if not listing.complete and listing.uids is None:
        log.info("account %s folder %s: unchanged in IMAP", state.account_email, folder_name)
        return False
    if listing.complete:
        stored = {item.guid: item for item in tx.iter_items(folder_id)}
    else:
        changed = [guid_of(listing.uidvalidity, message.uid) for message in listing.messages]
        stored = tx.get_items(folder_id, changed)
    validities = {found[0] for guid in stored if (found := uid_of(guid)) is not None}
    changed_validity = bool(validities - {listing.uidvalidity})
    if changed_validity:
        log.warning(
            "account %s folder %s: UIDVALIDITY is now %d (was %s): every message is new, a slow sync",
            state.account_email,
            folder_name,
            listing.uidvalidity,
            ",".join(map(str, sorted(validities))),
        )
    current = {guid_of(listing.uidvalidity, message.uid): snapshot(message) for message in listing.messages}
    written = [NewItem(guid, EMAIL_TYPE, data) for guid, data in current.items() if _differs(stored.get(guid), data)]
    if listing.complete:
        gone = [guid for guid in stored if guid not in current and uid_of(guid) is not None]
    else:
        present = {guid_of(listing.uidvalidity, uid) for uid in listing.uids or ()}
        gone = [item.guid for item in tx.iter_items(folder_id) if uid_of(item.guid) and item.guid not in present]
    tx.put_items(folder_id, written, None)
    tx.delete_items(folder_id, gone, None)
    tx.set_mail_mark(folder_id, MailMark(listing.uidvalidity, listing.modseq) if listing.modseq else None)
    log.info(
        "account %s folder %s: %d messages %s IMAP, %d new or changed, %d gone",
        state.account_email,
        folder_name,
        len(listing.uids) if listing.uids is not None else len(current),
        "in" if listing.complete else "changed since the last sync in",
        len(written),
        len(gone),
    )
    return changed_validity


def _differs(stored: StoredItem | None, data: bytes) -> bool:
    return stored is None or stored.data != data


@dataclass(frozen=True)
class Filter:
    """What of the folder a device gets: mail since ``since`` (epoch seconds, 0: all), cut as ``cut`` says."""

    since: float
    cut: Cut


def filter_for(tx: Transaction, state: SessionState, ds: DatastoreState, now: float) -> Filter:
    """The filters the device's Filter asks for, else the account's settings (else the server's); a device
    asking for one mail by its ID gets it whole."""
    asked = ds.mail_filter or DeviceFilter()
    if asked.only is not None:
        return Filter(0.0, Cut())
    days = MAIL_DAYS.read(tx, account=state.account_email)
    since = asked.since if asked.since is not None else (now - days * DAY if days else 0.0)
    if asked.headers_only is not None:
        return Filter(since, Cut(asked.headers_only, asked.max_bytes))
    max_kb = MAIL_MAX_KB.read(tx, account=state.account_email)
    headers = MAIL_HEADERS_ONLY.read(tx, account=state.account_email)
    return Filter(since, Cut(headers, max_kb * 1024 if max_kb else None))


def take_filter(tx: Transaction, state: SessionState, ds: DatastoreState, device_filter: DeviceFilter) -> None:
    """Keep the device's Filter for the data store; one asking for a single mail by its ID gets that mail
    whole, and nothing else this time (the other changes wait for its next sync)."""
    ds.mail_filter = device_filter
    if device_filter.only is None:
        return
    guid = tx.guids_for_luids(state.device_id, ds.folder_id, [device_filter.only]).get(device_filter.only)
    ds.queue = [OutChange(ChangeKind.REPLACE, guid, device_filter.only)] if guid is not None else []
    ds.planned = True
    ds.upto_seq = ds.since_seq
    log.info(
        "device %s folder %s: mail %s asked for whole (%s)",
        state.device_ref,
        ds.folder_name,
        device_filter.only,
        "found" if guid else "not found",
    )


def expander(tx: Transaction, state: SessionState, ctx: EngineContext, work: ContentWork) -> Expand:
    """Puts the messages in the mail items about to be sent: those of the whole reply fetched from IMAP in one
    go (outside the transaction), as far as the queue's sizes say they fit."""
    fetched: dict[str, Fetched | None] = {}
    """GUID -> the message fetched for this reply (None: gone from IMAP)."""

    def prefetch(ds: DatastoreState, changes: list[OutChange], room: int, mail_filter: Filter) -> None:
        assert ctx.mail is not None
        items = tx.get_items(ds.folder_id, [change.guid for change in changes if change.kind != ChangeKind.DELETE])
        _, fetch = _within(changes, items, room, mail_filter)
        by_validity: dict[int, list[int]] = {}
        for guid in fetch:
            found = uid_of(guid)
            if found is not None and guid not in fetched:
                by_validity.setdefault(found[0], []).append(found[1])
        for validity, uids in by_validity.items():
            got: dict[int, Fetched] = work.outside(
                ctx.mail.fetch,
                login_for(tx, state),
                imap_folder(ds.folder_name),
                validity,
                tuple(uids),
                mail_filter.cut,
            )
            fetched.update((guid_of(validity, uid), got.get(uid)) for uid in uids)

    def expand(
        ds: DatastoreState, batch: list[OutChange], items: dict[str, StoredItem], room: int
    ) -> tuple[list[OutChange], dict[str, StoredItem]]:
        if ctx.mail is None or not any(uid_of(guid) for guid in items):
            return batch, items
        mail_filter = filter_for(tx, state, ds, ctx.clock())
        chosen, fetch = _within(batch, items, room, mail_filter)
        if any(guid not in fetched for guid in fetch):
            prefetch(ds, ds.queue[:PREFETCH], room, mail_filter)
            prefetch(ds, chosen, room, mail_filter)
        expanded = dict(items)
        for change in chosen:
            if change.guid not in items or uid_of(change.guid) is None:
                continue
            message = fetched.get(change.guid) if change.guid in fetch else None
            if message is None:  # gone from IMAP, or older than the filter allows
                expanded.pop(change.guid)
            else:
                expanded[change.guid] = replace(
                    items[change.guid], data=_with_message(items[change.guid].data, message)
                )
        return chosen, expanded

    return expand


def _within(
    batch: list[OutChange], items: dict[str, StoredItem], room: int, mail_filter: Filter
) -> tuple[list[OutChange], list[str]]:
    """The first changes of ``batch`` whose messages fit in ``room`` (one at least), and the GUIDs to fetch:
    a new mail older than the filter allows is chosen but not fetched, so it is left out."""
    chosen: list[OutChange] = []
    wanted: list[str] = []
    used = 0
    for change in batch:
        stored = items.get(change.guid)
        if change.kind == ChangeKind.DELETE or stored is None or uid_of(change.guid) is None:
            chosen.append(change)
            continue
        email = _snapshot_of(stored)
        if change.kind == ChangeKind.ADD and not _recent(email, mail_filter.since):
            chosen.append(change)
            continue
        size = int(email.ext_value(SIZE_EXT) or 0)
        cost = ITEM_OVERHEAD + (min(size, mail_filter.cut.max_bytes) if mail_filter.cut.max_bytes else size)
        if mail_filter.cut.headers_only:
            cost = ITEM_OVERHEAD + min(size, HEADERS_GUESS)
        if chosen and used + cost > room:
            break
        used += cost
        chosen.append(change)
        wanted.append(change.guid)
    return chosen, wanted


@functools.lru_cache(maxsize=4096)
def _parsed_snapshot(data: bytes) -> Email:
    return read_email(data)


def _snapshot_of(stored: StoredItem) -> Email:
    """The flags-only e-mail object of a snapshot item (read once however often a reply looks at it)."""
    return _parsed_snapshot(stored.data)


def _recent(email: Email, since: float) -> bool:
    if not since:
        return True
    received = email.dates.get("received", "")
    try:
        return calendar.timegm(time.strptime(received, "%Y%m%dT%H%M%SZ")) >= since
    except ValueError:
        return True


def _with_message(stored: bytes, message: Fetched) -> bytes:
    """The e-mail object a device gets: the snapshot's flags and dates, the message, and what was left out."""
    email = read_email(stored)
    if not message.left_out:
        return write_email(replace(email, message=message.data))
    said = f"{TRUNCATED_HEADER}: {message.left_out} bytes left out; ask for this mail by its ID for all of it\r\n"
    ext = (*email.ext, (BODY_EXT, str(message.left_out)))
    return write_email(replace(email, message=said.encode() + message.data, ext=ext))


def device_changes(tx: Transaction, state: SessionState, ds: DatastoreState, since_seq: int) -> MailChanges | None:
    """The flags and deletes the device sent in this message, from what it changed in the snapshot, kept in the
    store's journal until they are applied to IMAP (after the commit, or at a later sync if that fails)."""
    flags: list[tuple[int, frozenset[MailFlag]]] = []
    removed: list[int] = []
    validity = 0
    for item in tx.changes_since(ds.folder_id, since_seq, tx.current_seq(), None):
        found = uid_of(item.guid)
        if found is None or item.origin_device_id != state.device_id:
            continue
        validity = found[0]
        if item.deleted:
            removed.append(found[1])
        else:
            sent = read_email(item.data).flags
            flags.append((found[1], frozenset(MailFlag(name) for name, on in sent.items() if on)))
    if not flags and not removed:
        return None
    removal = MAIL_DELETE.read(tx, account=state.account_email)
    changes = FolderChanges(imap_folder(ds.folder_name), validity, tuple(flags), tuple(removed), removal)
    entry = tx.journal_mail_changes(state.account_id, changes.to_json())
    try:
        return MailChanges(login_for(tx, state), changes, entry)
    except MailError as error:
        log.error("account %s: devices' mail changes wait for the next sync: %s", state.account_email, error)
        return None


def retry_changes(tx: Transaction, state: SessionState, ctx: EngineContext, work: ContentWork) -> None:
    """Apply to IMAP (outside the transaction) the account's changes that could not be applied after their
    message was committed, before the folder is listed: what devices did is not undone by the listing.
    MailError when IMAP still cannot take them."""
    pending = tx.pending_mail_changes(state.account_id)
    if not pending or ctx.mail is None:
        return
    login = login_for(tx, state)
    for entry in pending:
        work.outside(ctx.mail.apply, login, FolderChanges.from_json(entry.changes))
        tx.forget_mail_changes(entry.id)
    log.info("account %s: %d devices' mail changes applied to IMAP on a retry", state.account_email, len(pending))


def outbox_sender(
    tx: Transaction, state: SessionState, ctx: EngineContext, work: ContentWork
) -> Callable[[str, str, bytes], StatusCode]:
    """Sends a mail a device adds to its outbox (outside the transaction, once under its key) and gives the
    item's status: 201 sent, 500 refused by the SMTP server, 503 it could not be reached, 401 login refused."""

    def send(luid: str, content_type: str, data: bytes) -> StatusCode:
        message = _message_to_send(content_type, data)
        key = hashlib.sha256(f"{state.account_id}\0{state.device_ref}\0{luid}\0".encode() + message).hexdigest()
        try:
            if ctx.mail is None:
                raise MailError("this server has no mail gateway", StatusCode.SERVICE_UNAVAILABLE)
            sent: Sent = work.outside(ctx.mail.send, login_for(tx, state), key, message)
        except MailError as error:
            sent = Sent(error.status, str(error))
        log.log(
            logging.INFO if sent.status < 300 else logging.WARNING,
            "device %s outbox item %s: %d %s",
            state.device_ref,
            luid,
            sent.status,
            sent.detail,
        )
        return sent.status

    return send


def _message_to_send(content_type: str, data: bytes) -> bytes:
    """The RFC 822 message of an outbox item, lines ending in CR LF; RemoteError (400) when it has none."""
    kind = content.device_kind(content_type)
    message = kind.write(kind.from_device(content_type, data, None, None), RFC822_TYPE)
    if not message:
        raise RemoteError("the outbox item carries no message", StatusCode.BAD_REQUEST)
    return message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def apply_changes(store: Store, ctx: EngineContext, pending: tuple[MailChanges, ...]) -> None:
    """Apply devices' changes to IMAP (after the message that brought them is committed) and forget their
    journal entries; a failure is logged, and the changes are applied at the account's next mail sync."""
    if ctx.mail is None:
        return
    for mail in pending:
        try:
            ctx.mail.apply(mail.login, mail.changes)
        except MailError as error:
            log.error(
                "account %s: devices' mail changes not applied yet, retried at the next sync: %s",
                mail.login.account,
                error,
            )
            continue
        with store.transaction() as tx:
            tx.forget_mail_changes(mail.entry)
