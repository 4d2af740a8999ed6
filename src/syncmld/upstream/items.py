"""Upstream resources as items: which collection component an item is, and the file extension and media type
of a component's resources."""

import re

from syncmld.content.calendar import STORED_CALENDAR_TYPE
from syncmld.content.contacts import STORED_CONTACT_TYPE
from syncmld.store.upstreams import Component


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
