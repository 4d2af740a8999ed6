"""Device formats to stored form and back (pure functions, bytes in and out).

Contacts are stored as vCard 3.0 (UTF-8, CRLF) holding every property ever received; every other
content type is stored as it came (opaque).
"""

import hashlib
import re
from dataclasses import dataclass

from syncmld.content.vcard import (
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

STORED_CONTACT_TYPE = "text/vcard"
VCARD_21_TYPE = "text/x-vcard"
_VCARD_TYPES: dict[str, VCardVersion] = {
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


def media_type(content_type: str) -> str:
    """``text/x-vCard; charset=UTF-8`` -> ``text/x-vcard``."""
    return content_type.split(";", 1)[0].strip().lower()


def is_contact_type(content_type: str) -> bool:
    return media_type(content_type) in _VCARD_TYPES


def to_stored(
    content_type: str, data: bytes, previous: bytes | None, device_properties: frozenset[str] | None,
    folder_kind: str = "",
) -> tuple[str, bytes]:
    """The stored (type, bytes) for an item a device sent.

    A vCard is merged into ``previous`` (the stored bytes it replaces), keeping what the device does not
    support (``device_properties``, None = everything); RemoteError (415/400) if it is not a vCard.
    Other types are stored unchanged.
    """
    if not is_contact_type(content_type):
        return content_type, data
    card = parse_vcard(data)
    if previous is not None:
        stored = _previous_card(previous)
        if stored is not None:
            card = merge(stored, card, device_properties)
    return STORED_CONTACT_TYPE, to_vcard(card, "3.0")


def _previous_card(previous: bytes) -> VCard | None:
    """The stored contact, or None if the stored item was not a vCard (then nothing is merged)."""
    try:
        return parse_vcard(previous)
    except RemoteError as error:
        if b"BEGIN:VCARD" in previous.upper():
            raise LocalError(f"stored contact is unreadable: {error}") from error
        return None


def from_stored(stored_type: str, stored: bytes, wanted_type: str) -> bytes:
    """The stored item in the format a device wants: a contact as vCard 2.1 (text/x-vcard) or 3.0.

    Opaque items, and contacts asked for in a type that is not a vCard, are returned unchanged.
    """
    version = _VCARD_TYPES.get(media_type(wanted_type))
    if not is_contact_type(stored_type) or version is None:
        return stored
    if version == "3.0":
        return stored  # the stored form is vCard 3.0 as to_vcard writes it
    try:
        card = parse_vcard(stored)
    except RemoteError as error:
        raise LocalError(f"stored contact is unreadable: {error}") from error
    return to_vcard(card, version)


def resolve_conflict(
    stored_type: str, server: bytes, client: bytes, prefer: str, base: bytes | None = None
) -> bytes | None:
    """Both sides changed an item: the merged stored form, or None when the type cannot be merged.

    ``server``, ``client`` and ``base`` (the version both started from, if known) are stored forms;
    ``prefer`` (``client`` or ``server``) says whose values win where both changed the same field.
    """
    if not is_contact_type(stored_type):
        return None
    original = _previous_card(base) if base is not None else None
    merged = merge_changes(parse_vcard(server), parse_vcard(client), prefer == "client", original)
    return to_vcard(merged, "3.0")


def newer_side(stored_type: str, server: bytes, client: bytes) -> str:
    """``client`` or ``server``: whose version is newer by the item's own revision stamp (vCard REV);
    the client's when that cannot be told, as its change is the one arriving now."""
    if is_contact_type(stored_type):
        server_rev, client_rev = revision(parse_vcard(server)), revision(parse_vcard(client))
        if server_rev and client_rev and server_rev > client_rev:
            return "server"
    return "client"


@dataclass(frozen=True)
class Identity:
    """What tells that two stored items are the same object, for matching in a slow sync."""

    name: str
    """Normalised name (contacts), or the whole normal form when there is nothing better."""
    contact_points: frozenset[str] = frozenset()
    """Phone numbers (last 9 digits) and e-mail addresses (lower-cased) of a contact."""


def identity(stored_type: str, stored: bytes) -> Identity:
    """The identity of a stored item: for a contact its name and its phones and e-mail addresses,
    for anything else its bytes."""
    if not is_contact_type(stored_type):
        return Identity("bytes:" + hashlib.sha256(stored).hexdigest())
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


def is_sif_type(content_type: str) -> bool:
    return media_type(content_type).startswith(("text/x-s4j-sif", "text/x-sif"))


def comparable(stored_type: str, stored: bytes) -> str:
    try:
        return normalise_vcard(stored) if is_contact_type(stored_type) else stored.hex()
    except RemoteError:
        return stored.hex()


def for_device(stored_type: str, stored: bytes, wanted_type: str) -> tuple[str, bytes]:
    if is_contact_type(stored_type) and media_type(wanted_type) in _VCARD_TYPES:
        return wanted_type, from_stored(stored_type, stored, wanted_type)
    return stored_type, stored
