"""The UID of a stored contact or calendar object, and its served form (with a UID)."""

from syncmld.content import ParsedItem
from syncmld.content.calendar import CalendarObject
from syncmld.content.contacts import Contact
from syncmld.errors import LocalError, RemoteError

_VCARD_END = b"END:VCARD"
_OPENINGS = tuple(f"BEGIN:{kind}\r\n".encode() for kind in ("VEVENT", "VTODO", "VJOURNAL"))


def uid_of(item: ParsedItem) -> str | None:
    """The UID of a contact or calendar object (its first component's), None without one or when the
    item cannot be read."""
    try:
        if isinstance(item, Contact):
            return next((prop.text.strip() or None for prop in item.card.properties if prop.name == "UID"), None)
        if isinstance(item, CalendarObject):
            return next((str(part["UID"]).strip() or None for part in item.object.components if "UID" in part), None)
    except (RemoteError, LocalError):
        return None
    return None


def served(item: ParsedItem, uid: str) -> ParsedItem:
    """The stored item as served: itself when it has a UID, else its bytes with ``uid`` added (a phone's
    item has none; its GUID, which never changes, is given)."""
    if uid_of(item) is not None:
        return item
    line = b"UID:" + uid.encode() + b"\r\n"
    data = item.data
    if isinstance(item, Contact):
        end = data.rfind(_VCARD_END)
        data = data[:end] + line + data[end:] if end >= 0 else data
    elif isinstance(item, CalendarObject):
        for opening in _OPENINGS:
            data = data.replace(opening, opening + line)
    return type(item)(item.content_type, data)
