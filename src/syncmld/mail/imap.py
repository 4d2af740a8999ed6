"""The IMAP side of mail, on IMAPClient (synchronous, like the engine's thread; well kept, and it parses
FETCH responses, SPECIAL-USE and SASL PLAIN with an authorization identity for master users).

Every call logs in, does its work and logs out: the engine calls between two attempts at a message,
seldom more than a few times a message. A server that cannot be reached or times out is MailError 503,
a refused login 401, a folder that is not there 404.
"""

import logging
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from syncmld.mail.model import (
    IMAP_FLAGS,
    Cut,
    Fetched,
    FolderChanges,
    FolderRole,
    FolderWrite,
    Listing,
    Mailbox,
    MailError,
    MailFlag,
    MailFolder,
    MailLogin,
    MessageSummary,
    NewMail,
    Placed,
    Security,
    WriteJournal,
)
from syncmld.settings import MailRemoval
from syncmld.status import StatusCode
from syncmld.store.base import MailMark

log = logging.getLogger("syncmld.mail")

FLAG_NAMES = {imap.lower(): flag for flag, imap in IMAP_FLAGS.items()}
TRASH = "Trash"
"""The Trash folder's name where the server marks none with SPECIAL-USE."""
SENT = "Sent"
"""The Sent folder's name where the server marks none with SPECIAL-USE."""
DRAFTS = "Drafts"
"""The Drafts folder's name where the server marks none with SPECIAL-USE."""
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)
DRAFT_FLAG = "\\Draft"
BATCH = 1000
"""Most UIDs named in one FETCH."""


class ImapGateway:
    """``syncmld.mail.model.MailGateway`` over IMAP."""

    def __init__(self, timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    @contextmanager
    def session(self, login: MailLogin) -> Iterator[IMAPClient]:
        """A logged-in connection, logged out at the end; every failure as a MailError."""
        endpoint = login.imap
        where = f"IMAP server {endpoint.host}:{endpoint.port}"
        try:
            client = IMAPClient(
                endpoint.host,
                endpoint.port,
                ssl=endpoint.security == Security.TLS,
                ssl_context=self.ssl_context,
                timeout=self.timeout,
            )
        except (OSError, IMAPClientError) as error:
            raise MailError(f"{where} cannot be reached: {error}", StatusCode.SERVICE_UNAVAILABLE) from error
        client.normalise_times = False
        try:
            if endpoint.security == Security.STARTTLS:
                client.starttls(self.ssl_context)
            try:
                client.plain_login(login.user, login.password, login.authorize)
            except LoginError as error:
                raise MailError(
                    f"{where} refused the login of {login.account}: {error}", StatusCode.INVALID_CREDENTIALS
                ) from error
            yield client
        except (OSError, IMAPClientError) as error:
            raise MailError(f"{where} failed: {error}", StatusCode.SERVICE_UNAVAILABLE) from error
        finally:
            try:
                client.logout()
            except (OSError, IMAPClientError):
                client.shutdown()

    def listing(self, login: MailLogin, folder: str, mark: MailMark | None = None) -> Listing:
        with self.session(login) as client:
            folder = resolve(client, folder)
            condstore = client.has_capability("CONDSTORE")
            if condstore and mark is not None and mark.modseq:
                status = _status(client, folder)
                if status == (mark.uidvalidity, mark.modseq):
                    log.info("IMAP %s %s: unchanged since MODSEQ %d", login.account, folder, mark.modseq)
                    return Listing(mark.uidvalidity, (), mark.modseq, complete=False)
            uidvalidity, modseq = _select(client, folder, readonly=True, condstore=condstore)
            uids = sorted(client.search("ALL"))
            if condstore and mark is not None and mark.modseq and mark.uidvalidity == uidvalidity:
                changed = _changed_since(client, mark.modseq) if uids else ()
                log.info(
                    "IMAP %s %s: %d messages, %d changed since MODSEQ %d",
                    login.account,
                    folder,
                    len(uids),
                    len(changed),
                    mark.modseq,
                )
                return Listing(uidvalidity, changed, modseq, complete=False, uids=tuple(uids))
            messages = _summaries(client, uids)
        log.info("IMAP %s %s: %d messages (UIDVALIDITY %d)", login.account, folder, len(messages), uidvalidity)
        return Listing(uidvalidity, messages, modseq)

    def fetch(
        self, login: MailLogin, folder: str, uidvalidity: int, uids: tuple[int, ...], cut: Cut
    ) -> dict[int, Fetched]:
        fetched: dict[int, Fetched] = {}
        with self.session(login) as client:
            folder = resolve(client, folder)
            if _select(client, folder, readonly=True)[0] != uidvalidity:
                return fetched
            for start in range(0, len(uids), BATCH):
                batch = list(uids[start : start + BATCH])
                fetched.update(_cut_messages(client, batch, cut))
        return fetched

    def mailbox(self, login: MailLogin) -> Mailbox:
        folders: list[MailFolder] = []
        listings: list[tuple[str, Listing]] = []
        with self.session(login) as client:
            for flags, delimiter, name in client.list_folders():
                path = "INBOX" if str(name).upper() == "INBOX" else _path(str(name), delimiter)
                folders.append(MailFolder(path, _role(path, flags), selectable(flags)))
                if selectable(flags):
                    uidvalidity, modseq = _select(client, str(name), readonly=True)
                    messages = _summaries(client, sorted(client.search("ALL")))
                    listings.append((path, Listing(uidvalidity, messages, modseq)))
        known = {folder.path for folder in folders}
        for folder in list(folders):
            above = folder.parent
            while above is not None and above not in known:  # a level the server does not list
                known.add(above)
                folders.append(MailFolder(above, None, selectable=False))
                above = MailFolder(above).parent
        log.info(
            "IMAP %s: %d folders, %d messages",
            login.account,
            len(folders),
            sum(len(listing.messages) for _, listing in listings),
        )
        return Mailbox(tuple(folders), tuple(listings))

    def apply(
        self, login: MailLogin, changes: tuple[FolderChanges, ...], journal: WriteJournal | None = None
    ) -> tuple[Placed, ...]:
        """See ``MailGateway.apply``; with ``journal`` (and a server with CONDSTORE), each folder written is
        recorded there, for the devices whose changes it gets, before the first write and after the last."""
        with self.session(login) as client:
            listed = client.list_folders()
            names = [resolve(client, change.folder, listed) for change in changes]
            writes = _folder_writes(client, changes, names, listed) if journal is not None else ()
            with _recorded(client, login, writes, journal):
                placed = self._write(client, login, changes, names, listed)
            return _placed(client, placed)

    def _write(
        self,
        client: IMAPClient,
        login: MailLogin,
        changes: tuple[FolderChanges, ...],
        names: list[str],
        listed: list[tuple[Any, Any, Any]],
    ) -> list["_Placing"]:
        """Set flags, move, remove and append as ``changes`` say; the moved and appended mails."""
        placed: list[_Placing] = []
        paths = {str(name): _path(str(name), delimiter) for _, delimiter, name in listed}
        drafts = next((str(name) for flags, _, name in listed if b"\\Drafts" in flags), DRAFTS)
        moves = _moves(client, changes, names)
        stale: set[str] = set()
        for change, name in zip(changes, names, strict=True):
            validity = _select(client, name, readonly=False)[0]
            if change.uidvalidity and validity != change.uidvalidity:
                log.warning("IMAP %s %s: UIDVALIDITY changed, devices' changes to it are dropped", login.account, name)
                stale.add(name)
                continue
            for uid, flags in change.flags:
                wanted = {IMAP_FLAGS[flag] for flag in flags}
                client.add_flags([uid], sorted(wanted))
                client.remove_flags([uid], sorted(set(IMAP_FLAGS.values()) - wanted - {IMAP_FLAGS[MailFlag.DELETED]}))
            outgoing = [(moved.uid, moved.key, change, resolve(client, moved.to, listed)) for moved in change.moved]
            outgoing += [(uid, *target) for uid, target in moves.get(name, {}).items()]
            ids = _message_ids(client, [uid for uid, *_ in outgoing]) if outgoing else {}
            for uid, key, target, target_name in outgoing:
                _move_one(client, uid, target_name)
                placed.append((target, key, target_name, paths.get(target_name, target_name), None, ids.get(uid)))
            moved_away = set(moves.get(name, {}))
            removed = [uid for uid in change.removed if uid not in moved_away]
            if removed:
                _remove(client, name, removed, change.removal)
            log.info(
                "IMAP %s %s: flags of %d messages set, %d moved, %d removed (%s)",
                login.account,
                name,
                len(change.flags),
                len(outgoing),
                len(removed),
                change.removal,
            )
        arrived = {key for found in moves.values() for key, _, _ in found.values()}
        for change, name in zip(changes, names, strict=True):
            for mail in change.added:
                if mail.key in arrived or (mail.replaces is not None and (name != drafts or name in stale)):
                    continue
                appended = _append(client, name, mail, name == drafts)
                named = _MESSAGE_ID.search(mail.message)
                message_id = named.group(1) if named is not None else None
                placed.append((change, mail.key, name, paths.get(name, name), appended, message_id))
        return placed

    def append_sent(
        self, login: MailLogin, message: bytes, device: int = 0, journal: WriteJournal | None = None
    ) -> None:
        """Put a mail that was sent in the Sent folder (SPECIAL-USE ``\\Sent``, else ``Sent``), read; with
        ``journal``, recorded there as written for ``device``, the device that sent it."""
        with self.session(login) as client:
            sent = client.find_special_folder(b"\\Sent") or SENT
            writes = _writes(client, {(device, sent): None}) if journal is not None else ()
            with _recorded(client, login, writes, journal):
                client.append(sent, message, flags=[b"\\Seen"])

    def holds_sent(self, login: MailLogin, message: bytes) -> bool:
        """Whether the Sent folder holds a mail with the Message-ID of ``message`` (False without one)."""
        found = _MESSAGE_ID.search(message)
        if found is None:
            return False
        with self.session(login) as client:
            client.select_folder(client.find_special_folder(b"\\Sent") or SENT, readonly=True)
            return bool(client.search(["HEADER", "Message-ID", found.group(1).decode("ascii", "replace")]))

    def folders(self, login: MailLogin) -> list[tuple[str, str, int]]:
        """Every folder's name, its SPECIAL-USE role (or ""), and how many messages it holds."""
        rows = []
        with self.session(login) as client:
            for flags, _, name in client.list_folders():
                if not selectable(flags):
                    continue
                role = next((flag.decode() for flag in flags if flag in _ROLES), "")
                count = client.folder_status(name, ["MESSAGES"]).get(b"MESSAGES", 0)
                rows.append((str(name), role, int(count)))
        return rows


_ROLES = (b"\\Sent", b"\\Drafts", b"\\Trash", b"\\Junk", b"\\Archive", b"\\All", b"\\Flagged")


ROLES: dict[str, bytes] = {"sent": b"\\Sent", "drafts": b"\\Drafts", "trash": b"\\Trash", "junk": b"\\Junk"}
"""Folder paths found by their SPECIAL-USE role first."""


def selectable(flags: tuple[bytes, ...]) -> bool:
    """Whether a folder LIST shows with ``flags`` holds mail (not a mere level of the hierarchy)."""
    return not any(flag.lower() in (b"\\noselect", b"\\nonexistent") for flag in flags)


def resolve(client: IMAPClient, path: str, listed: list[tuple[Any, Any, Any]] | None = None) -> str:
    """The IMAP name of the folder a device named by ``path`` (levels joined by ``/``, any case): the INBOX, a
    folder with that SPECIAL-USE role, else the folder with that path; MailError 404 when there is none."""
    wanted = path.casefold()
    if wanted == "inbox":
        return "INBOX"
    listed = listed if listed is not None else client.list_folders()
    role = ROLES.get(wanted)
    found = next((str(name) for flags, _, name in listed if role is not None and role in flags), None)
    found = found or next(
        (str(name) for _, delimiter, name in listed if _path(str(name), delimiter).casefold() == wanted), None
    )
    if found is None:
        raise MailError(f"no folder {path!r} on the IMAP server", StatusCode.NOT_FOUND)
    return found


_FOLDER_ROLES: dict[bytes, FolderRole] = {
    b"\\Sent": FolderRole.SENT,
    b"\\Drafts": FolderRole.DRAFTS,
    b"\\Trash": FolderRole.TRASH,
}


def _role(path: str, flags: tuple[bytes, ...]) -> FolderRole | None:
    """A folder's role in a device's tree: the INBOX's, else its SPECIAL-USE one's (None for the others)."""
    if path == "INBOX":
        return FolderRole.INBOX
    return next((role for flag, role in _FOLDER_ROLES.items() if flag in flags), None)


def _folder_writes(
    client: IMAPClient, changes: tuple[FolderChanges, ...], names: list[str], listed: list[tuple[Any, Any, Any]]
) -> tuple[FolderWrite, ...]:
    """Each folder the changes write to (theirs, where they move mails, Trash for mails removed there), for
    each device, as ``_writes`` gives it."""
    trash = next((str(name) for flags, _, name in listed if b"\\Trash" in flags), TRASH)
    written: dict[tuple[int, str], None] = {}
    for change, name in zip(changes, names, strict=True):
        written[change.device, name] = None
        for moved in change.moved:
            written[change.device, resolve(client, moved.to, listed)] = None
        if change.removed and change.removal == MailRemoval.TRASH:
            written[change.device, trash] = None
    return _writes(client, written)


def _writes(client: IMAPClient, written: dict[tuple[int, str], None]) -> tuple[FolderWrite, ...]:
    """Each (device, folder) about to be written with the folder's UIDVALIDITY and HIGHESTMODSEQ now (one STATUS
    a folder); none without CONDSTORE."""
    if not client.has_capability("CONDSTORE"):
        return ()
    states = {mailbox: _status(client, mailbox) for _, mailbox in written}
    return tuple(FolderWrite(device, mailbox, *states[mailbox]) for device, mailbox in written if states[mailbox][1])


@contextmanager
def _recorded(
    client: IMAPClient, login: MailLogin, writes: tuple[FolderWrite, ...], journal: WriteJournal | None
) -> Iterator[None]:
    """Record ``writes`` in ``journal`` as begun, then each folder's HIGHESTMODSEQ once the block wrote them, or
    the writing as failed when the block raised."""
    ids = journal.begun(login, writes) if journal is not None and writes else ()
    try:
        yield
        ends = tuple(_status(client, write.mailbox)[1] for write in writes)
    except BaseException:
        if journal is not None and ids:
            journal.ended(ids, None)
        raise
    if journal is not None and ids:
        journal.ended(ids, ends)


def _moves(
    client: IMAPClient, changes: tuple[FolderChanges, ...], names: list[str]
) -> dict[str, dict[int, tuple[str, FolderChanges, str]]]:
    """Messages a device removed from one folder and added to another (the same Message-ID, in the same
    message): folder -> UID -> the key of the mail added, its changes and folder, for a move instead of a
    removal and an append. One FETCH of the removed messages' Message-IDs per folder, only when mails were added."""
    wanted: dict[bytes, tuple[FolderChanges, str, str]] = {}
    for change, name in zip(changes, names, strict=True):
        for mail in change.added:
            found = _MESSAGE_ID.search(mail.message)
            if found is not None and mail.replaces is None:
                wanted[found.group(1)] = (change, mail.key, name)
    moves: dict[str, dict[int, tuple[str, FolderChanges, str]]] = {}
    if not wanted:
        return moves
    for change, name in zip(changes, names, strict=True):
        if not change.removed:
            continue
        selected = _select(client, name, readonly=True)[0]
        if change.uidvalidity and selected != change.uidvalidity:
            continue
        for uid, message_id in _message_ids(client, list(change.removed)).items():
            target = wanted.get(message_id)
            if target is not None and target[2] != name:
                moves.setdefault(name, {})[uid] = (target[1], target[0], target[2])
    return moves


def _message_ids(client: IMAPClient, uids: list[int]) -> dict[int, bytes]:
    """The Message-IDs of messages of the selected folder (one FETCH), by UID; those without one left out."""
    found: dict[int, bytes] = {}
    for uid, data in client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]).items():
        header = next((value for key, value in data.items() if key.startswith(b"BODY[HEADER")), b"") or b""
        if (matched := _MESSAGE_ID.search(header)) is not None:
            found[uid] = matched.group(1)
    return found


def _move_one(client: IMAPClient, uid: int, target: str) -> None:
    """Move a message of the selected folder to ``target`` (MOVE, else COPY and expunge it here)."""
    if client.has_capability("MOVE"):
        client.move([uid], target)
        return
    client.copy([uid], target)
    client.add_flags([uid], [IMAP_FLAGS[MailFlag.DELETED]])
    client.uid_expunge([uid])


def _append(client: IMAPClient, folder: str, mail: NewMail, draft: bool) -> int | None:
    """Append a device's mail to ``folder`` with its flags (and ``\\Draft`` in the Drafts folder), then remove
    the draft it replaces; its UID there when the server says it (UIDPLUS)."""
    flags = sorted({IMAP_FLAGS[flag] for flag in mail.flags} | ({DRAFT_FLAG} if draft else set()))
    answer = client.append(folder, mail.message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), flags=flags)
    if mail.replaces is not None:
        client.select_folder(folder, readonly=False)
        client.add_flags([mail.replaces], [IMAP_FLAGS[MailFlag.DELETED]])
        client.uid_expunge([mail.replaces])
    found = _APPENDUID.search(answer if isinstance(answer, bytes) else str(answer).encode())
    return int(found.group(2)) if found is not None else None


_Placing = tuple[FolderChanges, str, str, str, int | None, bytes | None]
"""A mail moved or appended: the changes it came with, its item's key, the IMAP name and path of the folder it is
in now, its UID there if known, and its Message-ID (to find it by otherwise)."""


def _placed(client: IMAPClient, placed: list[_Placing]) -> tuple[Placed, ...]:
    """The moved and appended mails as a listing shows them where they now are: found by UID, else by their
    Message-ID (the newest with it); one SELECT and FETCH per folder."""
    result: list[Placed] = []
    by_folder: dict[str, list[_Placing]] = {}
    for entry in placed:
        by_folder.setdefault(entry[2], []).append(entry)
    for name, entries in by_folder.items():
        validity = _select(client, name, readonly=True)[0]
        found: list[tuple[FolderChanges, str, str, int]] = []
        for change, key, _, path, uid, message_id in entries:
            if uid is None and message_id is not None:
                uid = max(client.search(["HEADER", "Message-ID", message_id.decode("ascii", "replace")]), default=None)
            if uid is not None:
                found.append((change, key, path, uid))
        summaries = {message.uid: message for message in _summaries(client, sorted(uid for *_, uid in found))}
        result.extend(
            Placed(change, key, path, validity, summaries[uid]) for change, key, path, uid in found if uid in summaries
        )
    return tuple(result)


def _path(name: str, delimiter: bytes | None) -> str:
    """A folder's name with its levels joined by ``/`` whatever the server's hierarchy delimiter."""
    separator = delimiter.decode() if delimiter else ""
    return "/".join(name.split(separator)) if separator and separator != "/" else name


def _select(client: IMAPClient, folder: str, readonly: bool, condstore: bool = False) -> tuple[int, int]:
    """Select the folder: its UIDVALIDITY and (with ``condstore``, turned on first) HIGHESTMODSEQ, else 0."""
    try:
        if condstore:
            client.enable("CONDSTORE")
        selected = client.select_folder(folder, readonly=readonly)
    except IMAPClientError as error:
        raise MailError(f"no folder {folder!r} on the IMAP server: {error}", StatusCode.NOT_FOUND) from error
    return int(selected[b"UIDVALIDITY"]), int(selected.get(b"HIGHESTMODSEQ", 0))


def _status(client: IMAPClient, folder: str) -> tuple[int, int]:
    """The folder's UIDVALIDITY and HIGHESTMODSEQ, without selecting it (one STATUS)."""
    try:
        found = client.folder_status(folder, [b"UIDVALIDITY", b"HIGHESTMODSEQ"])
    except IMAPClientError as error:
        raise MailError(f"no folder {folder!r} on the IMAP server: {error}", StatusCode.NOT_FOUND) from error
    return int(found[b"UIDVALIDITY"]), int(found.get(b"HIGHESTMODSEQ", 0))


SUMMARY = ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]


def _summaries(client: IMAPClient, uids: list[int]) -> tuple[MessageSummary, ...]:
    """UID, flags, date and size of the messages."""
    found: dict[int, dict[bytes, Any]] = {}
    for start in range(0, len(uids), BATCH):
        found.update(client.fetch(uids[start : start + BATCH], SUMMARY))
    return _summarised(found)


def _changed_since(client: IMAPClient, modseq: int) -> tuple[MessageSummary, ...]:
    """UID, flags, date and size of the messages changed (or added) since ``modseq``: a SEARCH MODSEQ, and a
    FETCH of those (CHANGEDSINCE) when there are some."""
    changed = sorted(client.search(["MODSEQ", modseq + 1]))
    found: dict[int, dict[bytes, Any]] = {}
    for start in range(0, len(changed), BATCH):
        found.update(client.fetch(changed[start : start + BATCH], SUMMARY, [f"CHANGEDSINCE {modseq}"]))
    return _summarised(found)


def _summarised(found: dict[int, dict[bytes, Any]]) -> tuple[MessageSummary, ...]:
    return tuple(
        MessageSummary(
            uid, _flags(data.get(b"FLAGS", ())), _date(data.get(b"INTERNALDATE")), data.get(b"RFC822.SIZE", 0)
        )
        for uid, data in sorted(found.items())
    )


def _flags(raw: tuple[bytes, ...]) -> frozenset[MailFlag]:
    names = (flag.decode("ascii", "replace").lower() if isinstance(flag, bytes) else str(flag).lower() for flag in raw)
    return frozenset(FLAG_NAMES[name] for name in names if name in FLAG_NAMES)


def _date(value: Any) -> str:
    if not isinstance(value, datetime):
        return ""
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _cut_messages(client: IMAPClient, uids: list[int], cut: Cut) -> dict[int, Fetched]:
    """Whole messages, or headers plus at most what ``cut`` allows of the text."""
    if not cut.headers_only and cut.max_bytes is None:
        found = client.fetch(uids, ["BODY.PEEK[]"])
        return {uid: Fetched(data[b"BODY[]"], 0) for uid, data in found.items() if b"BODY[]" in data}
    wanted = ["RFC822.SIZE", "BODY.PEEK[HEADER]"]
    if not cut.headers_only and cut.max_bytes is not None:
        wanted.append(f"BODY.PEEK[TEXT]<0.{cut.max_bytes}>")
    found = client.fetch(uids, wanted)
    result = {}
    for uid, data in found.items():
        header = data.get(b"BODY[HEADER]", b"")
        text = next((value for key, value in data.items() if key.startswith(b"BODY[TEXT]")), b"") or b""
        size = int(data.get(b"RFC822.SIZE", 0))
        result[uid] = Fetched(header + text, max(size - len(header) - len(text), 0))
    return result


def _remove(client: IMAPClient, folder: str, uids: list[int], removal: MailRemoval) -> None:
    """Move the messages to Trash, or (asked so, or in Trash already) flag and expunge them."""
    trash = client.find_special_folder(b"\\Trash") or TRASH
    if removal == MailRemoval.TRASH and folder != trash:
        client.move(uids, trash)
        return
    client.add_flags(uids, [IMAP_FLAGS[MailFlag.DELETED]])
    client.uid_expunge(uids)
