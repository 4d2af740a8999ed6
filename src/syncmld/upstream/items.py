"""Upstream resources as items: which collection component an item is, its UID, and the UID a phone's item
is given when it goes up without one."""

import re

from syncmld.content.calendar import STORED_CALENDAR_TYPE
from syncmld.content.contacts import STORED_CONTACT_TYPE
from syncmld.store.upstreams import Component

_HAS_UID = re.compile(rb"^UID[;:]", re.IGNORECASE | re.MULTILINE)
_UID = re.compile(rb"^UID(?:;[^:\r\n]*)?:([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
_VCARD_END = re.compile(rb"^END:VCARD", re.IGNORECASE | re.MULTILINE)


def extension(component: Component) -> str:
    """The file extension of a new resource of the component."""
    return ".vcf" if component == Component.VCARD else ".ics"


def media_type(component: Component) -> str:
    return STORED_CONTACT_TYPE if component == Component.VCARD else STORED_CALENDAR_TYPE


def holds(component: Component, data: bytes) -> bool:
    """Whether an item (upstream or stored form) is of the component a linked collection holds for its folder."""
    if component == Component.VCARD:
        return b"BEGIN:VCARD" in data[:200].upper()
    return re.search(rb"^BEGIN:" + component.value.encode() + rb"\r?$", data, re.IGNORECASE | re.MULTILINE) is not None


def uid_of(data: bytes) -> str:
    found = _UID.search(data.replace(b"\r\n ", b"").replace(b"\n ", b""))
    return found.group(1).strip().decode("utf-8", "replace") if found else ""


def with_uid(component: Component, guid: str, data: bytes) -> bytes:
    """The stored form with a UID: an item that has none (a phone's) is given its GUID, which never changes."""
    if _HAS_UID.search(data):
        return data
    uid = b"UID:" + guid.encode() + b"\r\n"
    if component == Component.VCARD:
        ends = list(_VCARD_END.finditer(data))
        return data[: ends[-1].start()] + uid + data[ends[-1].start() :] if ends else data
    part = re.compile(rb"^BEGIN:" + component.value.encode() + rb"\r?\n", re.IGNORECASE | re.MULTILINE)
    return part.sub(lambda found: found.group(0) + uid, data)
