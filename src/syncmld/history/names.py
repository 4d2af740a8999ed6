"""A short name for an item, for people reading a history, a preview or a list of duplicates."""

import re

from syncmld.store.base import StoredItem

_NAME_LINE = re.compile(rb"^(?:FN|SUMMARY)(?:;[^:\r\n]*)?:(.*?)\r?$", re.MULTILINE | re.IGNORECASE)
_FILE_NAME = re.compile(rb"<name>(.*?)</name>", re.DOTALL)
NAME_LENGTH = 60
"""Characters of a name shown at most."""


def item_name(item: StoredItem | None) -> str:
    """A contact's FN, an event's, task's or note's SUMMARY, a file's or folder's name, else the start of
    its text; '-' for an item whose content is not known."""
    if item is None or not item.data:
        return "-"
    found = _NAME_LINE.search(item.data) or _FILE_NAME.search(item.data)
    raw = found.group(1) if found else item.data
    text = " ".join(raw.decode("utf-8", errors="replace").replace("\\,", ",").replace("\\;", ";").split())
    return text[:NAME_LENGTH] if text else "-"
