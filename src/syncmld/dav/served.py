"""A stored contact or calendar object as served: with a UID."""

from syncmld.content import ParsedItem
from syncmld.content.calendar import CalendarObject
from syncmld.content.contacts import Contact

_VCARD_END = b"END:VCARD"
_OPENINGS = tuple(f"BEGIN:{kind}\r\n".encode() for kind in ("VEVENT", "VTODO", "VJOURNAL"))


def served(item: ParsedItem, uid: str) -> ParsedItem:
    """The stored item as served: itself when it has a UID, else its bytes with ``uid`` added (a phone's
    item has none; its GUID, which never changes, is given)."""
    if item.uid is not None:
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
