"""Contacts: vCard 2.1/3.0/4.0 and SIF-C from devices to the stored vCard 3.0 and back, merging, identity."""

import re
from collections.abc import Iterable, Mapping
from typing import ClassVar

from syncmld.content import sif
from syncmld.content.common import Identity, media_type, worked_out_once
from syncmld.content.kind import ContentKind, ParsedItem, digest
from syncmld.content.sif.contact import VCARD_PROPERTIES as SIF_CONTACT_PROPERTIES
from syncmld.content.sif.contact import vcard_to_contact
from syncmld.content.sif.document import SIF_VERSION
from syncmld.content.vcard import (
    ContactProperty,
    VCard,
    VCardVersion,
    has_text,
    merge,
    merge_changes,
    normal_form,
    parse_vcard,
    properties_named,
    revision,
    to_vcard,
    written_as_21,
    written_as_30,
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


def contact_to_stored(data: bytes, previous: VCard | None, device_properties: frozenset[str] | None) -> bytes:
    """The stored vCard 3.0 for a vCard (2.1 or 3.0) a device sent, merged into ``previous`` (the stored
    contact it replaces), keeping what the device does not support (``device_properties``, None =
    everything). RemoteError (400) if it is not a vCard, or if the contact holds nothing a user could see.
    """
    if previous is None:
        stored, visible = written_as_30(data, UNSEEN_PROPERTIES)
    else:
        card = merge(previous, parse_vcard(data), device_properties)
        stored = to_vcard(card, "3.0")
        visible = any(prop.name not in UNSEEN_PROPERTIES and has_text(prop.value) for prop in card.properties)
    if not visible:
        raise RemoteError(
            "the contact holds nothing a user could see (no name, number, address or text)", StatusCode.BAD_REQUEST
        )
    return stored


def card_identity(card: VCard) -> Identity:
    """A contact's identity: its normalised name and its phones and e-mail addresses."""
    return _named_identity(card.properties) or Identity("vcard:" + normal_form(card))


_IDENTITY_PROPERTIES = frozenset({"N", "FN", "TEL", "EMAIL"})
"""What a contact's identity is read from (when it has a name and a phone or e-mail address)."""
_NOT_DIGITS = re.compile(r"\D")
_NOT_ASCII_DIGITS = bytes(byte for byte in range(128) if not 0x30 <= byte <= 0x39)


def _digits(text: str) -> str:
    """The decimal digits of ``text`` (a phone number most often: ASCII, whose digits are taken out in one step)."""
    if text.isascii():
        return text.encode("ascii").translate(None, _NOT_ASCII_DIGITS).decode("ascii")
    return _NOT_DIGITS.sub("", text)


def _named_identity(properties: Iterable[ContactProperty]) -> Identity | None:
    """The identity by name and contact points of a contact with ``properties``; None when it has no name, or
    no phone or e-mail address (its identity is then its normal form)."""
    points = set()
    n = fn = None
    for prop in properties:
        if prop.name == "TEL":
            digits = _digits(prop.text)
            if len(digits) >= 5:
                points.add("tel:" + digits[-9:])
        elif prop.name == "EMAIL":
            address = prop.text.strip()
            if address:
                points.add("email:" + address.lower())
        elif prop.name == "N" and n is None:
            n = prop
        elif prop.name == "FN" and fn is None:
            fn = prop.text
    name = " ".join(part for items in n.value for part in items if part) if n is not None else fn or ""
    name = " ".join(name.lower().split())
    if not name or not points:
        return None
    return Identity("name:" + name, frozenset(points))


def normalise_vcard(data: bytes) -> str:
    """Canonical text of a vCard (either version) for comparing contacts; see ``vcard.normal_form``."""
    return normal_form(parse_vcard(data))


_MARKER = b"BEGIN:VCARD"
_UID_LINE = re.compile(
    rb"^(?:[A-Za-z0-9-]+\.)?UID(?:;[^:\r\n]*)?:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE
)
"""A stored card's first UID line with its continuation lines: ``to_vcard`` writes a UID's value as it is
(unescaped, as a parse reads it), so it is read without parsing the card."""
_FOLD = re.compile(rb"\r?\n[ \t]")


def contact_as(item: ParsedItem, version: VCardVersion) -> bytes:
    """A stored contact as a vCard of ``version``: the stored bytes for 3.0 (what ``to_vcard`` wrote them
    in), else written anew; RemoteError when it cannot be read."""
    if version == "3.0":
        return item.data
    return written_as_21(item.data) if version == "2.1" else to_vcard(Contact.of(item).card, version)


class Contact(ParsedItem):
    """A stored contact (vCard 3.0), its card read once."""

    @worked_out_once
    def card(self) -> VCard:
        return parse_vcard(self.data)

    def replaced_card(self) -> VCard | None:
        """The card a device's version is merged into: None when the stored item is no contact (an
        item that changes its kind is not merged); LocalError when it is one that cannot be read."""
        if _MARKER not in self.data[:200].upper():
            return None
        return self.earlier_card()

    def earlier_card(self) -> VCard | None:
        """The card of an earlier version, None when it was no contact (LocalError when it was an
        unreadable one)."""
        try:
            return self.card
        except RemoteError as error:
            if _MARKER in self.data.upper():
                raise LocalError(f"stored contact is unreadable: {error}") from error
            return None

    @worked_out_once
    def normal_form(self) -> str:
        try:
            return normal_form(self.card)
        except RemoteError:
            return digest(self.data)

    @worked_out_once
    def identity(self) -> Identity:
        named = properties_named(self.data, _IDENTITY_PROPERTIES)
        found = _named_identity(named) if named is not None else None
        if found is not None:
            return found
        try:
            return card_identity(self.card)
        except RemoteError:
            return Identity(digest(self.data))

    @worked_out_once
    def uid(self) -> str | None:
        data = self.data
        lowered = data.lower()  # the lines ``_UID_LINE`` may match are those holding "uid" (most cards hold none)
        at = lowered.find(b"uid")
        while at >= 0:
            found = _UID_LINE.match(data, data.rfind(b"\n", 0, at) + 1)
            if found is not None:
                value = found.group(1)
                value = _FOLD.sub(b"", value) if b"\n" in value else value
                return value.decode("utf-8", "replace").strip() or None
            at = lowered.find(b"uid", at + 3)
        return None

    @worked_out_once
    def revision(self) -> str | None:
        return revision(self.card) or None

    def merge(self, server: ParsedItem, prefer_client: bool, base: ParsedItem | None) -> bytes:
        original = Contact.of(base).earlier_card() if base is not None else None
        return to_vcard(merge_changes(Contact.of(server).card, self.card, prefer_client, original), "3.0")

    def merge_duplicate(self, other: ParsedItem) -> bytes:
        """Nothing lost: every phone and e-mail of both, this card's values where both have one that may
        not repeat, its empty parts filled from ``other``'s (a middle name)."""
        return to_vcard(merge_changes(Contact.of(other).card, self.card, True, keep_all=True), "3.0")


class ContactsKind(ContentKind):
    """Contacts: vCard 2.1 and 3.0, and SIF-C, kept as vCard 3.0."""

    stored_type = STORED_CONTACT_TYPE
    item = Contact
    written: ClassVar[Mapping[str, str]] = {
        **VCARD_TYPES,
        **{name: SIF_VERSION for name, kind in sif.SIF_TYPES.items() if kind == "contact"},
    }

    def from_device(
        self, content_type: str, data: bytes, previous: ParsedItem | None, device_properties: frozenset[str] | None
    ) -> Contact:
        wanted = media_type(content_type)
        if wanted not in VCARD_TYPES:
            data, device_properties = sif.sif_to_stored(data, wanted)[1], SIF_CONTACT_PROPERTIES
        earlier = Contact.of(previous).replaced_card() if previous is not None else None
        return Contact(STORED_CONTACT_TYPE, contact_to_stored(data, earlier, device_properties))

    def write(self, item: ParsedItem, wanted: str) -> bytes:
        version = VCARD_TYPES.get(wanted)
        return contact_as(item, version) if version is not None else vcard_to_contact(Contact.of(item).card)
