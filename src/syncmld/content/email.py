"""The OMA DS e-mail object (``application/vnd.omads-email+xml``) and plain RFC 822 mail: read and write.

An ``Email`` carries flags (read, forwarded, replied, flagged, deleted), dates (received, created,
modified, ISO 8601 UTC) and the RFC 822 message in ``emailitem`` (in CDATA), then ``Ext`` blocks
(Funambol's truncation names: ``x-funambol-size``, ``x-funambol-body``). An ``Email`` without
``emailitem`` is a flag update. Funambol writes a ``]]>`` inside the message as ``]]&gt;``: it is
read back as ``]]>``; we write it the standard way (the CDATA section split). A message that is not
UTF-8 text travels quoted-printable (``ENC="QUOTED-PRINTABLE"``), so it arrives byte for byte.
"""

import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import ClassVar

from lxml import etree

from syncmld.content.common import media_type
from syncmld.content.kind import ContentKind, ParsedItem
from syncmld.errors import DecodeError, RemoteError
from syncmld.protocol.tree import Element, child, child_text, children, text
from syncmld.protocol.xml import parse_tree
from syncmld.status import StatusCode

EMAIL_TYPE = "application/vnd.omads-email+xml"
RFC822_TYPE = "message/rfc822"
EMAIL_VERSION = "1.2"
"""The OMA DS version of the e-mail object (it carries none of its own)."""
RFC822_VERSION = "1.0"

FLAG_NAMES = ("read", "forwarded", "replied", "deleted", "flagged")
DATE_NAMES = ("received", "created", "modified")
SIZE_EXT = "x-funambol-size"
"""Ext name: the whole message's size in bytes."""
BODY_EXT = "x-funambol-body"
"""Ext name: bytes of the message left out (present only when it was truncated)."""
_QUOTED_PRINTABLE = "QUOTED-PRINTABLE"
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0", ""})


@dataclass(frozen=True)
class Email:
    """One e-mail object: flags and dates as sent (None: not said), the message if it came, Ext pairs."""

    flags: dict[str, bool] = field(default_factory=dict, hash=False)
    dates: dict[str, str] = field(default_factory=dict, hash=False)
    message: bytes | None = None
    ext: tuple[tuple[str, str], ...] = ()

    def ext_value(self, name: str) -> str | None:
        return next((value for key, value in self.ext if key == name), None)


def read_email(data: bytes) -> Email:
    """An e-mail object from its XML; RemoteError (400) when it is none."""
    try:
        root = parse_tree(data)
    except DecodeError as error:
        raise RemoteError(f"e-mail object is not XML: {error}", StatusCode.BAD_REQUEST) from error
    if root.tag != "Email":
        raise RemoteError(f"e-mail object expected, found <{root.tag}>", StatusCode.BAD_REQUEST)
    flags: dict[str, bool] = {}
    for name in FLAG_NAMES:
        found = child(root, name)
        if found is None:
            continue
        value = text(found).strip().lower()
        if value not in _TRUE | _FALSE:
            raise RemoteError(f"e-mail flag {name} is {value!r}, not true or false", StatusCode.BAD_REQUEST)
        flags[name] = value in _TRUE
    dates = {name: text(found).strip() for name in DATE_NAMES if (found := child(root, name)) is not None}
    ext = tuple((child_text(block, "XNam") or "", child_text(block, "XVal") or "") for block in children(root, "Ext"))
    item = child(root, "emailitem")
    return Email(flags, dates, None if item is None else _message_of(item), ext)


def _message_of(item: Element) -> bytes:
    body = (item.text or "").replace("]]&gt;", "]]>")
    if (item.get("ENC") or item.get("enc") or "").upper() == _QUOTED_PRINTABLE:
        return binascii.a2b_qp(body.encode("ascii", "replace"))
    return body.encode("utf-8")


def write_email(email: Email) -> bytes:
    """The XML of an e-mail object, children in the order Funambol writes them."""
    root = etree.Element("Email")
    for name in FLAG_NAMES[:3]:
        _flag(root, email, name)
    for name in DATE_NAMES:
        if name in email.dates:
            etree.SubElement(root, name).text = email.dates[name]
    for name in FLAG_NAMES[3:]:
        _flag(root, email, name)
    if email.message is not None:
        item = etree.SubElement(root, "emailitem")
        try:
            body = email.message.decode("utf-8")
        except UnicodeDecodeError:
            item.set("ENC", _QUOTED_PRINTABLE)
            body = binascii.b2a_qp(email.message, istext=False).decode("ascii")
        item.text = etree.CDATA(body) if "]]>" not in body else body
    for name, value in email.ext:
        block = etree.SubElement(root, "Ext")
        etree.SubElement(block, "XNam").text = name
        etree.SubElement(block, "XVal").text = value
    return etree.tostring(root, encoding="utf-8")


def _flag(root: Element, email: Email, name: str) -> None:
    if name in email.flags:
        etree.SubElement(root, name).text = "true" if email.flags[name] else "false"


class StoredEmail(ParsedItem):
    """A stored e-mail object; a slow sync matches it by its bytes (its ID is the mail's place in IMAP)."""

    def email(self) -> Email:
        return read_email(self.data)


class EmailKind(ContentKind):
    """Mail, kept as the OMA DS e-mail object; devices that want plain RFC 822 get its message."""

    stored_type = EMAIL_TYPE
    item = StoredEmail
    written: ClassVar[Mapping[str, str]] = {EMAIL_TYPE: EMAIL_VERSION, RFC822_TYPE: RFC822_VERSION}

    def from_device(
        self, content_type: str, data: bytes, previous: ParsedItem | None, device_properties: frozenset[str] | None
    ) -> StoredEmail:
        """A new mail is kept whole (one to send, or a draft). A Replace changes the flags of the stored
        object and keeps the rest, and the message when it carries one (a draft written again); RFC 822 carries
        no flags, so it changes nothing."""
        earlier = None if previous is None else StoredEmail.of(previous)
        if media_type(content_type) == RFC822_TYPE:
            return earlier or StoredEmail(EMAIL_TYPE, write_email(Email(message=data)))
        sent = read_email(data)
        if earlier is None:
            return StoredEmail(EMAIL_TYPE, write_email(sent))
        stored = earlier.email()
        message = sent.message if sent.message is not None else stored.message
        return StoredEmail(
            EMAIL_TYPE, write_email(replace(stored, flags={**stored.flags, **sent.flags}, message=message))
        )

    def write(self, item: ParsedItem, wanted: str) -> bytes:
        if wanted == EMAIL_TYPE:
            return item.data
        message = StoredEmail.of(item).email().message
        if message is None:
            raise RemoteError("the e-mail object carries no message", StatusCode.BAD_REQUEST)
        return message
