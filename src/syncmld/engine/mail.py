"""Mail folders: the account's IMAP mailbox synced through the engine's usual paths, its I/O outside them.

syncmld keeps no mail. A mail folder's items are a snapshot of the IMAP folder, one flags-only e-mail
object per message (GUID ``UIDVALIDITY-UID``: stable across sessions and workers): flags, the date it
was received and its size. When a device alerts the folder, the folder's listing (UIDs, flags, dates,
sizes) is read from IMAP outside the store transaction (``ContentWork.outside``) and the snapshot made
equal to it: new mail, expunged mail and flag changes become the item changes every device gets in the
usual way. A UIDVALIDITY that changed makes every message new, and the device's sync a slow one. The mailbox
as a folder tree (``MAIL_TREE``) holds a folder object per IMAP folder (GUID: its path and ``/``) and the outbox,
each message below its folder (GUID ``PATH/UIDVALIDITY-UID``).

Going out, the messages a reply carries are fetched in one go, cut as the filters say, outside the
transaction too, and put in the items the packing sends. Coming in, a device's flag changes and deletes
are applied to the snapshot like any other change; once the message is committed, they are applied to
IMAP (``MailChanges``, done by ``handle_message``). Mail a device adds to a folder (a draft) is appended to
it, a draft it replaces whole is appended again and the old one removed, and a message it removes from one
folder and adds to another (or, in the tree, puts below another folder) is moved; each then takes its place in
IMAP as its ID, so the device does not get it back. Nothing is deleted on the IMAP side except what a device
deleted.
"""

import calendar
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from syncmld import content
from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map
from syncmld.content.email import BODY_EXT, EMAIL_TYPE, RFC822_TYPE, SIZE_EXT, Email, read_email, write_email
from syncmld.content.files import FOLDER_TYPE, FolderObject, write_folder
from syncmld.engine.api import EngineContext
from syncmld.engine.content_work import ContentWork
from syncmld.engine.folders import MAIL_FOLDER_PREFIX, MAIL_TREE, FolderKind
from syncmld.engine.mail_filter import DeviceFilter
from syncmld.engine.mail_journal import load_of
from syncmld.engine.modes import is_incremental
from syncmld.engine.outgoing import Expand
from syncmld.engine.session import ChangeKind, DatastoreState, OutChange, SessionState
from syncmld.errors import RemoteError
from syncmld.mail.model import (
    Cut,
    Fetched,
    FolderChanges,
    FolderRole,
    Listing,
    Mailbox,
    MailChanges,
    MailError,
    MailFlag,
    MailLogin,
    MessageSummary,
    Moved,
    NewMail,
    Placed,
    Sent,
)
from syncmld.mail.servers import mail_login
from syncmld.protocol.devinf import DevInf
from syncmld.settings import MAIL_DAYS, MAIL_DELETE, MAIL_HEADERS_ONLY, MAIL_MAX_KB
from syncmld.status import StatusCode
from syncmld.store.base import Items, ItemToSend, MailMark, NewItem, Store, StoredItem, SyncMaps, Transaction

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
OUTBOX_GUID = "*outbox"
"""The outbox's folder object in the tree: mail a device adds below it is sent (no IMAP folder is so named)."""


def takes_folders(devinf: DevInf | None, client_uri: str) -> bool:
    """Whether the device's DevInf says its data store ``client_uri`` takes folder objects (it gets the tree)."""
    store = devinf.datastore(client_uri) if devinf is not None else None
    if store is None:
        return False
    types = (store.rx_pref, *store.rx, store.tx_pref, *store.tx)
    return any(info is not None and content.media_type(info.ct_type) == FOLDER_TYPE for info in types)


def folder_guid(path: str) -> str:
    """The GUID of an IMAP folder's folder object in the tree."""
    return path + "/"


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


def place_of(folder_name: str, guid: str) -> tuple[str, int, int] | None:
    """The IMAP folder (as the device names it), UIDVALIDITY and UID of a message of the store folder
    ``folder_name``; None for another item (a folder object, a mail a device added)."""
    path, slash, last = guid.rpartition("/")
    found = uid_of(last)
    if found is None or bool(slash) != (folder_name == MAIL_TREE):
        return None
    return (path if slash else imap_folder(folder_name)), *found


def _folder_path(folder_name: str, parent: str | None) -> str | None:
    """The IMAP folder a mail below ``parent`` is in: the tree's folder object's, else the store folder's."""
    if folder_name != MAIL_TREE:
        return imap_folder(folder_name)
    return parent[:-1] if parent is not None and parent.endswith("/") else None


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
    if folder_name == MAIL_TREE:
        return _refresh_tree(tx, state, folder_id, work.outside(ctx.mail.mailbox, login))
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


def _refresh_tree(tx: Transaction, state: SessionState, folder_id: int, mailbox: Mailbox) -> bool:
    """Make the tree's snapshot equal to the mailbox: a folder object per folder (and the outbox), every
    message below its folder; True when a folder's UIDVALIDITY changed (the device's sync must be slow)."""
    paths = {folder.path for folder in mailbox.folders}
    current = {OUTBOX_GUID: NewItem(OUTBOX_GUID, FOLDER_TYPE, _folder_object("Outbox", FolderRole.OUTBOX))}
    for folder in mailbox.folders:
        parent = folder_guid(folder.parent) if folder.parent in paths and folder.parent is not None else None
        name = folder.path.rpartition("/")[2]
        current[folder_guid(folder.path)] = NewItem(
            folder_guid(folder.path), FOLDER_TYPE, _folder_object(name, folder.role), parent
        )
    validities = dict((path, listing.uidvalidity) for path, listing in mailbox.listings)
    for path, listing in mailbox.listings:
        for message in listing.messages:
            guid = f"{path}/{guid_of(listing.uidvalidity, message.uid)}"
            current[guid] = NewItem(guid, EMAIL_TYPE, snapshot(message), folder_guid(path))
    stored = {item.guid: item for item in tx.iter_items(folder_id)}
    changed = sorted(
        {
            place[0]
            for guid in stored
            if (place := place_of(MAIL_TREE, guid)) is not None and validities.get(place[0], place[1]) != place[1]
        }
    )
    if changed:
        log.warning(
            "account %s mail tree: UIDVALIDITY of %s changed: their messages are new, a slow sync",
            state.account_email,
            ", ".join(changed),
        )
    written = [
        new
        for guid, new in current.items()
        if (old := stored.get(guid)) is None or old.data != new.data or old.parent != new.parent
    ]
    gone = [guid for guid in stored if guid not in current and (guid.endswith("/") or place_of(MAIL_TREE, guid))]
    tx.put_items(folder_id, written, None)
    tx.delete_items(folder_id, gone, None)
    log.info(
        "account %s mail tree: %d folders, %d messages in IMAP, %d new or changed, %d gone",
        state.account_email,
        len(mailbox.folders),
        len(current) - len(mailbox.folders) - 1,
        len(written),
        len(gone),
    )
    return bool(changed)


def _folder_object(name: str, role: FolderRole | None) -> bytes:
    return write_folder(FolderObject(name, role=role.value if role is not None else None))


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
        items = tx.items_to_send(ds.folder_id, [change.guid for change in changes if change.kind != ChangeKind.DELETE])
        _, fetch = _within(ds.folder_name, changes, items, room, mail_filter)
        by_folder: dict[tuple[str, int], list[tuple[int, str]]] = {}
        for guid in fetch:
            found = place_of(ds.folder_name, guid)
            if found is not None and guid not in fetched:
                by_folder.setdefault(found[:2], []).append((found[2], guid))
        for (path, validity), wanted in by_folder.items():
            got: dict[int, Fetched] = work.outside(
                ctx.mail.fetch,
                login_for(tx, state),
                path,
                validity,
                tuple(uid for uid, _ in wanted),
                mail_filter.cut,
            )
            fetched.update((guid, got.get(uid)) for uid, guid in wanted)

    def expand(
        ds: DatastoreState, batch: list[OutChange], items: dict[str, ItemToSend], room: int
    ) -> tuple[list[OutChange], dict[str, ItemToSend]]:
        if ctx.mail is None or not any(place_of(ds.folder_name, guid) for guid in items):
            return batch, items
        mail_filter = filter_for(tx, state, ds, ctx.clock())
        chosen, fetch = _within(ds.folder_name, batch, items, room, mail_filter)
        if any(guid not in fetched for guid in fetch):
            prefetch(ds, ds.queue[:PREFETCH], room, mail_filter)
            prefetch(ds, chosen, room, mail_filter)
        expanded = dict(items)
        for change in chosen:
            if change.guid not in items or place_of(ds.folder_name, change.guid) is None:
                continue
            message = fetched.get(change.guid) if change.guid in fetch else None
            if message is None:  # gone from IMAP, or older than the filter allows
                expanded.pop(change.guid)
            else:
                expanded[change.guid] = items[change.guid]._replace(
                    data=_with_message(items[change.guid].data, message)
                )
        return chosen, expanded

    return expand


def _within(
    folder_name: str, batch: list[OutChange], items: dict[str, ItemToSend], room: int, mail_filter: Filter
) -> tuple[list[OutChange], list[str]]:
    """The first changes of ``batch`` whose messages fit in ``room`` (one at least), and the GUIDs to fetch:
    a new mail older than the filter allows is chosen but not fetched, so it is left out."""
    chosen: list[OutChange] = []
    wanted: list[str] = []
    used = 0
    for change in batch:
        stored = items.get(change.guid)
        if change.kind == ChangeKind.DELETE or stored is None or place_of(folder_name, change.guid) is None:
            chosen.append(change)
            continue
        email = snapshot_of(stored)
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


_SNAPSHOTS: BoundedMap[bytes, Email] = bounded_map(
    "mail_snapshots", lambda limits: (limits.mail_snapshots, limits.snapshot_bytes)
)
"""Snapshots read; larger stored data is read each time, so that the cache stays small whatever is stored."""


def snapshot_of(stored: ItemToSend) -> Email:
    """The flags-only e-mail object of a snapshot item (read once however often a reply looks at it, when it is
    no larger than a snapshot: other data is read each time)."""
    data = stored.data
    return _SNAPSHOTS.get(data) or _SNAPSHOTS.put(data, read_email(data), len(data))


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


@dataclass
class _Changed:
    """What a device changed in one IMAP folder, gathered from the snapshot."""

    validity: int = 0
    flags: list[tuple[int, frozenset[MailFlag]]] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    added: list[NewMail] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)


def device_changes(tx: Transaction, state: SessionState, ds: DatastoreState, since_seq: int) -> tuple[MailChanges, ...]:
    """The flags, deletes, moves and new mails (drafts) the device sent in this message, from what it changed
    in the snapshot, each folder's kept in the store's journal until they are applied to IMAP (after the
    commit, or at a later sync if that fails). A mail's message is not kept in the snapshot."""
    folders: dict[str, _Changed] = {}
    emptied: list[NewItem] = []
    for item in tx.changes_since(ds.folder_id, since_seq, tx.current_seq(), None):
        if item.origin_device_id != state.device_id or (item.content_type != EMAIL_TYPE and not item.deleted):
            continue
        place = place_of(ds.folder_name, item.guid)
        if place is None:
            email = None if item.deleted else read_email(item.data)
            path = _folder_path(ds.folder_name, item.parent)
            if email is not None and email.message is not None and path is not None:
                folders.setdefault(path, _Changed()).added.append(NewMail(item.guid, email.message, _flags(email)))
            continue
        path, validity, uid = place
        changed = folders.setdefault(path, _Changed())
        changed.validity = validity
        if item.deleted:
            changed.removed.append(uid)
            continue
        email = read_email(item.data)
        changed.flags.append((uid, _flags(email)))
        to = _folder_path(ds.folder_name, item.parent)
        if ds.folder_name == MAIL_TREE and to is not None and to != path:
            changed.moved.append(Moved(uid, to, item.guid))
        if email.message is not None and is_incremental(ds.mode):
            changed.added.append(NewMail(item.guid, email.message, _flags(email), replaces=uid))
        if email.message is not None:
            emptied.append(NewItem(item.guid, EMAIL_TYPE, write_email(replace(email, message=None)), item.parent))
    if emptied:
        tx.put_items(ds.folder_id, emptied, state.device_id)
    if not folders:
        return ()
    removal = MAIL_DELETE.read(tx, account=state.account_email)
    try:
        login = login_for(tx, state)
    except MailError as error:
        login = None
        log.error("account %s: devices' mail changes wait for the next sync: %s", state.account_email, error)
    found = []
    for path, changed in folders.items():
        changes = FolderChanges(
            path,
            changed.validity,
            tuple(changed.flags),
            tuple(changed.removed),
            removal,
            tuple(changed.added),
            tuple(changed.moved),
            ds.folder_id,
            state.device_id,
            ds.folder_name == MAIL_TREE,
        )
        entry = tx.journal_mail_changes(state.account_id, changes.to_json(), load_of(changes))
        if login is not None:
            found.append(MailChanges(login, changes, entry))
    return tuple(found)


def _flags(email: Email) -> frozenset[MailFlag]:
    return frozenset(MailFlag(name) for name, on in email.flags.items() if on)


def retry_changes(tx: Transaction, state: SessionState, ctx: EngineContext, work: ContentWork) -> None:
    """Apply to IMAP (outside the transaction) the account's changes that could not be applied after their
    message was committed, before the folder is listed: what devices did is not undone by the listing.
    MailError when IMAP still cannot take them."""
    pending = tx.pending_mail_changes(state.account_id)
    if not pending or ctx.mail is None:
        return
    changes = tuple(FolderChanges.from_json(entry.changes) for entry in pending)
    take_places(tx, work.outside(ctx.mail.apply, login_for(tx, state), changes))
    for entry in pending:
        tx.forget_mail_changes(entry.id)
    log.info("account %s: %d devices' mail changes applied to IMAP on a retry", state.account_email, len(pending))


class _Placing(Items, SyncMaps, Protocol):
    """What giving moved and appended mails their IMAP place reads and writes."""


def take_places(tx: _Placing, placed: tuple[Placed, ...]) -> None:
    """Mails a device moved or appended take their place in IMAP as their ID: the device keeps its item (its
    ID now maps to the new one) and does not get the mail again; other devices get it as new there."""
    for place in placed:
        changes, key = place.changes, place.key
        folder, device = changes.store_folder, changes.device
        if not folder:
            continue
        guid = guid_of(place.uidvalidity, place.message.uid)
        guid, parent = (f"{place.path}/{guid}", folder_guid(place.path)) if changes.tree else (guid, None)
        luid = tx.luids_for_guids(device, folder, [key]).get(key)
        tx.delete_items(folder, [key], device)
        tx.delete_maps(device, folder, [key])
        tx.put_items(folder, [NewItem(guid, EMAIL_TYPE, snapshot(place.message), parent)], device)
        if luid is not None:
            tx.set_maps(device, folder, {guid: luid})


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
            sent: Sent = work.outside(ctx.mail.send, login_for(tx, state), key, message, state.device_id)
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
    """Apply a message's changes to IMAP (once it is committed) and forget their journal entries; a failure
    is logged, and the changes are applied at the account's next mail sync."""
    if ctx.mail is None or not pending:
        return
    try:
        placed = ctx.mail.apply(pending[0].login, tuple(mail.changes for mail in pending))
    except MailError as error:
        log.error(
            "account %s: devices' mail changes not applied yet, retried at the next sync: %s",
            pending[0].login.account,
            error,
        )
        return
    with store.transaction() as tx:
        take_places(tx, placed)
        for mail in pending:
            tx.forget_mail_changes(mail.entry)
