"""Contacts: vCard 2.1/3.0 from devices to the stored vCard 3.0 and back, merging, identity."""

import re

from syncmld.content.common import Identity
from syncmld.content.vcard import (
    Value,
    VCard,
    VCardVersion,
    merge,
    merge_changes,
    normal_form,
    parse_vcard,
    revision,
    to_vcard,
)
from syncmld.errors import LocalError, RemoteError
from syncmld.status import StatusCode

STORED_CONTACT_TYPE = "text/vcard"
VCARD_21_TYPE = "text/x-vcard"
VCARD_TYPES: dict[str, VCardVersion] = {
    VCARD_21_TYPE: "2.1",
    STORED_CONTACT_TYPE: "3.0",
    "text/directory": "3.0",
}

# Every property the server keeps, for its DevInf CTCap. SyncEvolution sends only what the server
# lists, so this holds everything its own CTCap names (vCard 2.1 and 3.0) plus the standard set.
CONTACT_PROPERTIES: tuple[str, ...] = (
    "BEGIN", "END", "VERSION", "PRODID", "REV", "UID",
    "N", "FN", "NICKNAME", "PHOTO", "BDAY", "ADR", "LABEL", "TEL", "EMAIL", "MAILER", "TZ", "GEO",
    "TITLE", "ROLE", "LOGO", "AGENT", "ORG", "CATEGORIES", "NOTE", "SORT-STRING", "SOUND", "URL",
    "CLASS", "KEY", "NAME", "SOURCE", "IMPP", "CALURI", "FBURL", "CAPURI",
    "X-EVOLUTION-FILE-AS", "X-GENDER", "X-KADDRESSBOOK-X-Office", "X-KADDRESSBOOK-X-Profession",
    "X-EVOLUTION-BLOG-URL", "X-KADDRESSBOOK-BlogFeed", "X-EVOLUTION-VIDEO-URL",
    "X-EVOLUTION-MANAGER", "X-MANAGER", "X-KADDRESSBOOK-X-ManagersName",
    "X-EVOLUTION-ASSISTANT", "X-ASSISTANT", "X-KADDRESSBOOK-X-AssistantsName", "X-ABRELATEDNAMES",
    "X-EVOLUTION-SPOUSE", "X-SPOUSE", "X-KADDRESSBOOK-X-SpousesName",
    "X-EVOLUTION-ANNIVERSARY", "X-ANNIVERSARY", "X-KADDRESSBOOK-X-Anniversary", "X-ABDATE",
    "X-AIM", "X-messaging/aim-All", "X-GADUGADU", "X-messaging/gadu-All",
    "X-GROUPWISE", "X-messaging/groupwise-All", "X-ICQ", "X-messaging/icq-All",
    "X-JABBER", "X-messaging/xmpp-All", "X-MSN", "X-messaging/msn-All",
    "X-YAHOO", "X-messaging/yahoo-All", "X-SKYPE", "X-messaging/skype-All", "X-SIP",
    "X-messaging/irc-All", "X-messaging/meanwhile-All", "X-messaging/sms-All",
    "X-KADDRESSBOOK-CRYPTOENCRYPTPREF", "X-KADDRESSBOOK-CRYPTOPROTOPREF",
    "X-KADDRESSBOOK-CRYPTOSIGNPREF", "X-KADDRESSBOOK-OPENPGPFP", "X-KADDRESSBOOK-X-IMAddress",
    "X-MOZILLA-HTML", "X-ABLabel", "X-*",
)  # fmt: skip

UNSEEN_PROPERTIES = frozenset({"PRODID", "UID", "REV", "CLASS", "X-IRMC-LUID", "X-SIF-SENSITIVITY", "X-SIF-IMPORTANCE"})
"""Properties of a contact no user looks at: a contact with nothing else is empty (Outlook writes its
Sensitivity and Importance into every contact)."""


def contact_to_stored(data: bytes, previous: bytes | None, device_properties: frozenset[str] | None) -> bytes:
    """The stored vCard 3.0 for a vCard (2.1 or 3.0) a device sent, merged into ``previous`` (the stored
    bytes it replaces), keeping what the device does not support (``device_properties``, None =
    everything). RemoteError (400) if it is not a vCard, or if the contact holds nothing a user could see.
    """
    card = parse_vcard(data)
    if previous is not None:
        stored = _previous_card(previous)
        if stored is not None:
            card = merge(stored, card, device_properties)
    if not any(prop.name not in UNSEEN_PROPERTIES and _has_text(prop.value) for prop in card.properties):
        raise RemoteError(
            "the contact holds nothing a user could see (no name, number, address or text)", StatusCode.BAD_REQUEST
        )
    return to_vcard(card, "3.0")


def _has_text(value: Value) -> bool:
    return any(item.strip() for items in value for item in items)


def _previous_card(previous: bytes) -> VCard | None:
    """The stored contact, or None if the stored item was not a vCard (then nothing is merged)."""
    try:
        return parse_vcard(previous)
    except RemoteError as error:
        if b"BEGIN:VCARD" in previous.upper():
            raise LocalError(f"stored contact is unreadable: {error}") from error
        return None


def contact_from_stored(stored: bytes, version: VCardVersion) -> bytes:
    """The stored contact as vCard 2.1 or 3.0."""
    if version == "3.0":
        return stored  # the stored form is vCard 3.0 as to_vcard writes it
    try:
        card = parse_vcard(stored)
    except RemoteError as error:
        raise LocalError(f"stored contact is unreadable: {error}") from error
    return to_vcard(card, version)


def merge_contacts(server: bytes, client: bytes, prefer_client: bool, base: bytes | None) -> bytes:
    """Both sides changed a contact: the field-level merge (``base``: the version both started from)."""
    original = _previous_card(base) if base is not None else None
    return to_vcard(merge_changes(parse_vcard(server), parse_vcard(client), prefer_client, original), "3.0")


def merge_duplicate_contacts(kept: bytes, other: bytes) -> bytes:
    """Two copies of one contact as one, nothing lost: every phone and e-mail of both, ``kept``'s values
    where both have one that may not repeat (its empty parts filled from ``other``'s)."""
    return to_vcard(merge_changes(parse_vcard(other), parse_vcard(kept), True, keep_all=True), "3.0")


def contact_revision(stored: bytes) -> str | None:
    """The contact's REV, for newest-wins."""
    return revision(parse_vcard(stored)) or None


def contact_identity(stored: bytes) -> Identity:
    """A stored contact's identity: its normalised name and its phones and e-mail addresses."""
    card = parse_vcard(stored)
    points = set()
    for prop in card.properties:
        if prop.name == "TEL":
            digits = re.sub(r"\D", "", prop.text)
            if len(digits) >= 5:
                points.add("tel:" + digits[-9:])
        elif prop.name == "EMAIL" and prop.text.strip():
            points.add("email:" + prop.text.strip().lower())
    n = next((prop for prop in card.properties if prop.name == "N"), None)
    fn = next((prop.text for prop in card.properties if prop.name == "FN"), "")
    name = " ".join(part for items in n.value for part in items if part) if n is not None else fn
    name = " ".join(name.lower().split())
    if not name or not points:
        return Identity("vcard:" + normal_form(card))
    return Identity("name:" + name, frozenset(points))


def normalise_vcard(data: bytes) -> str:
    """Canonical text of a vCard (either version) for comparing contacts; see ``vcard.normal_form``."""
    return normal_form(parse_vcard(data))
