"""Remote database names (as devices address them) to the account's folders, and what each holds."""

from enum import StrEnum


class FolderKind(StrEnum):
    """What a folder holds; it decides which formats its devices are offered."""

    CONTACTS = "contacts"
    EVENTS = "events"
    TASKS = "tasks"
    NOTES = "notes"
    JOURNAL = "journal"
    FILES = "files"
    MAIL = "mail"
    """The account's mailbox on its IMAP server (``engine.mail``): the INBOX, and ``mail/NAME`` its folder NAME."""
    OUTBOX = "outbox"
    """Mail a device adds here is sent (SMTP) and put in Sent; nothing stays (``engine.mail``)."""
    OTHER = "other"
    """A user folder: items are kept in the type they arrive in (converted where a format is known)."""


STANDARD_FOLDERS: dict[str, FolderKind] = {kind.value: kind for kind in FolderKind if kind != FolderKind.OTHER}
"""The folders every account has, by canonical name."""

FOLDER_ALIASES: dict[str, str] = {
    "contacts": "contacts", "contact": "contacts", "card": "contacts", "scard": "contacts",
    "addressbook": "contacts", "pb": "contacts",
    "events": "events", "event": "events", "calendar": "events", "cal": "events", "scal": "events",
    "agenda": "events",
    "tasks": "tasks", "task": "tasks", "todo": "tasks", "todos": "tasks", "stask": "tasks",
    "notes": "notes", "note": "notes", "memo": "notes", "memos": "notes", "snote": "notes",
    "journal": "journal",
    "files": "files", "file": "files", "briefcase": "files",
    "mail": "mail", "inbox": "mail", "email": "mail", "outbox": "outbox",
}  # fmt: skip
"""Every name a device may use for a standard folder, lower-case, to the folder's canonical name.
``calendar`` names ``events`` only while the account has no folder really called Calendar."""


MAIL_FOLDER_PREFIX = "mail/"
"""``mail/NAME`` is the account's IMAP folder NAME (levels joined by ``/``, any case): a mail folder like the
INBOX; ``mail/sent``, ``mail/drafts`` and ``mail/trash`` are found by their SPECIAL-USE role first."""


MAIL_TREE = "mail/*"
"""The whole mailbox as a SyncML 1.2 folder tree (folder objects with their roles, each mail below its folder):
what ``Mail`` is for a device whose DevInf takes folder objects there; ``mail/*`` names it for any device."""


def bare_name(uri: str) -> str:
    """``./Contacts?filter`` and ``contacts/`` -> ``contacts``: the database name, lower-case."""
    name = uri.strip().split("?", 1)[0].strip()
    if name.startswith("./"):
        name = name[2:]
    return name.strip("/").lower()


def folder_for_uri(uri: str, user_folders: frozenset[str] = frozenset()) -> str | None:
    """The canonical folder name a remote database URI addresses, or None if there is none.

    ``user_folders`` are the account's own folders (lower-case names): one of them wins over an alias of
    the same name, so a folder really called ``Calendar`` is not taken for ``Events``.
    """
    name = bare_name(uri)
    if name in user_folders:
        return name
    if _is_mail_path(name):
        return name
    return FOLDER_ALIASES.get(name)


def _is_mail_path(name: str) -> bool:
    """``mail/`` and an IMAP folder's path: levels not empty, printable."""
    path = name.removeprefix(MAIL_FOLDER_PREFIX)
    return path != name and path.isprintable() and all(level.strip() for level in path.split("/"))


def folder_kind(name: str) -> FolderKind:
    if _is_mail_path(name):
        return FolderKind.MAIL
    return STANDARD_FOLDERS.get(name, FolderKind.OTHER)


def is_valid_user_folder_name(name: str) -> bool:
    """A user folder's name: not a standard folder or alias (``calendar`` excepted), no ``/``, ``?``
    or ``#``, no surrounding blanks, printable."""
    lowered = name.lower()
    return (
        bool(lowered)
        and lowered == lowered.strip()
        and lowered.isprintable()
        and (lowered == "calendar" or lowered not in FOLDER_ALIASES)
        and not any(ch in lowered for ch in "/?#")
    )


def is_folder_name(name: str) -> bool:
    """A name an account's folder can have: a standard folder's (in any case) or a valid user folder's."""
    return name.casefold() in STANDARD_FOLDERS or is_valid_user_folder_name(name)
