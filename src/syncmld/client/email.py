"""The scripted client's e-mail data store: the OMA DS e-mail object as a phone reads and writes it.

Written from the object's description (flags, dates, the RFC 822 message in ``emailitem``, Funambol's
``Ext`` truncation names), not with the server's reader, so the tests compare two readings. Like
Funambol's C++ client it finds the message between the CDATA markers, taking ``]]&gt;`` for ``]]>``.
"""

import binascii
import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

from syncmld.content.email import EMAIL_TYPE, RFC822_TYPE
from syncmld.protocol.devinf import ContentTypeInfo, DataStore, DevInf

__all__ = ["EMAIL_TYPE", "RFC822_TYPE", "MailItem", "mail_devinf", "parse_email_object", "write_email_object"]

_CDATA = re.compile(r"<emailitem([^>]*)>\s*<!\[CDATA\[(.*)\]\]>\s*</emailitem>", re.DOTALL)
_PLAIN = re.compile(r"<emailitem([^>]*)>(.*)</emailitem>", re.DOTALL)
_FLAG = re.compile(r"<(read|forwarded|replied|deleted|flagged)>\s*(true|false)\s*</\1>")
_EXT = re.compile(r"<Ext>\s*<XNam>([^<]*)</XNam>\s*<XVal>([^<]*)</XVal>\s*</Ext>")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&#13;": "\r"}


@dataclass
class MailItem:
    """A mail on the device: its flags, the message (None: flags only), the Ext names the server sent."""

    flags: dict[str, bool] = field(default_factory=dict)
    message: bytes | None = None
    ext: dict[str, str] = field(default_factory=dict)

    @property
    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.message or b"", policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message

    @property
    def truncated(self) -> bool:
        return "x-funambol-body" in self.ext


def parse_email_object(data: bytes) -> MailItem:
    text = data.decode("utf-8")
    flags = {name: value == "true" for name, value in _FLAG.findall(text)}
    ext = dict(_EXT.findall(text))
    found = _CDATA.search(text)
    message: bytes | None = None
    if found is not None:
        attributes, body = found.group(1), found.group(2).replace("]]]]><![CDATA[>", "]]>").replace("]]&gt;", "]]>")
        message = _decoded(attributes, body)
    elif (plain := _PLAIN.search(text)) is not None:
        body = plain.group(2)
        for entity, character in _ENTITIES.items():
            body = body.replace(entity, character)
        message = _decoded(plain.group(1), body.replace("&amp;", "&"))
    return MailItem(flags, message, ext)


def _decoded(attributes: str, body: str) -> bytes:
    if "QUOTED-PRINTABLE" in attributes.upper():
        return binascii.a2b_qp(body.encode("ascii"))
    return body.encode("utf-8")


def write_email_object(item: MailItem) -> bytes:
    """The e-mail object of a mail on the device (a flag change when it carries no message)."""
    parts = ["<Email>"]
    parts += [f"<{name}>{'true' if on else 'false'}</{name}>" for name, on in item.flags.items()]
    if item.message is not None:
        body = item.message.decode("utf-8").replace("]]>", "]]&gt;")
        parts.append(f"<emailitem><![CDATA[{body}]]></emailitem>")
    parts.append("</Email>")
    return "".join(parts).encode("utf-8")


def mail_devinf(local_uri: str, content_type: str) -> DevInf:
    """The DevInf of a phone whose mail store takes ``content_type`` only."""
    version = "1.2" if content_type == EMAIL_TYPE else "1.0"
    info = ContentTypeInfo(content_type, version)
    store = DataStore(source_ref=local_uri, rx_pref=info, tx_pref=info, sync_types=(1, 2, 7))
    return DevInf(ver_dtd="1.2", dev_id="mail-phone", dev_typ="phone", man="test", mod="mail", datastores=(store,))
