"""Remote database names (as devices address them) to the account's folders."""

FOLDER_ALIASES: dict[str, str] = {
    "contacts": "contacts",
    "contact": "contacts",
    "card": "contacts",
    "scard": "contacts",
    "addressbook": "contacts",
}
"""Every name a device may use for a folder, lower-case, to the folder's canonical name."""


def folder_for_uri(uri: str) -> str | None:
    """The canonical folder name a remote database URI addresses, or None if there is none.

    ``./Contacts?filter`` and ``contacts/`` both name ``contacts``; the match is case-insensitive.
    """
    name = uri.strip().split("?", 1)[0].strip()
    if name.startswith("./"):
        name = name[2:]
    name = name.strip("/").lower()
    return FOLDER_ALIASES.get(name)
