"""The scripted client's e-mail data store: the OMA DS e-mail object as a phone reads and writes it, and the
mailbox's folder tree (OMA DS folder objects with a ``role``, each mail below its folder).

Written from the objects' description (flags, dates, the RFC 822 message in ``emailitem``, Funambol's
``Ext`` truncation names; a folder's ``name`` and ``role``), not with the server's reader, so the tests compare
two readings. Like Funambol's C++ client it finds the message between the CDATA markers, taking ``]]&gt;``
for ``]]>``.
"""

import binascii
import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

from syncmld.content.email import EMAIL_TYPE, RFC822_TYPE
from syncmld.content.files import FOLDER_TYPE
from syncmld.protocol.devinf import ContentTypeInfo, DataStore, DevInf

__all__ = [
    "EMAIL_TYPE",
    "FOLDER_TYPE",
    "RFC822_TYPE",
    "MailFolder",
    "MailItem",
    "mail_devinf",
    "mail_tree",
    "parse_email_object",
    "parse_folder_object",
    "write_email_object",
]

_CDATA = re.compile(r"<emailitem([^>]*)>\s*<!\[CDATA\[(.*)\]\]>\s*</emailitem>", re.DOTALL)
_PLAIN = re.compile(r"<emailitem([^>]*)>(.*)</emailitem>", re.DOTALL)
_FLAG = re.compile(r"<(read|forwarded|replied|deleted|flagged)>\s*(true|false)\s*</\1>")
_EXT = re.compile(r"<Ext>\s*<XNam>([^<]*)</XNam>\s*<XVal>([^<]*)</XVal>\s*</Ext>")
_FOLDER_TEXT = re.compile(r"<(name|role)>([^<]*)</\1>")
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


@dataclass(frozen=True)
class MailFolder:
    """A folder of the mailbox as the device holds it: its name, role (inbox, outbox, sent, drafts, deleted:
    None for the others) and path (the names from the top, joined by ``/``)."""

    name: str
    role: str | None
    path: str


def parse_folder_object(data: bytes) -> tuple[str, str | None]:
    """The name and role of an OMA DS folder object."""
    found = {tag: _unescaped(value) for tag, value in _FOLDER_TEXT.findall(data.decode("utf-8"))}
    return found.get("name", ""), found.get("role") or None


def mail_tree(items: dict[str, bytes], types: dict[str, str], parents: dict[str, str | None]) -> dict[str, MailFolder]:
    """The folders among a device's items (LUID -> data, type, parent LUID), by LUID, each with its path."""
    named = {luid: parse_folder_object(items[luid]) for luid, kind in types.items() if kind == FOLDER_TYPE}

    def path(luid: str, seen: frozenset[str] = frozenset()) -> str:
        above = parents.get(luid)
        name = named[luid][0]
        return f"{path(above, seen | {luid})}/{name}" if above in named and above not in seen else name

    return {luid: MailFolder(name, role, path(luid)) for luid, (name, role) in named.items()}


def _unescaped(text: str) -> str:
    for entity, character in _ENTITIES.items():
        text = text.replace(entity, character)
    return text.replace("&amp;", "&")


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
        message = _decoded(plain.group(1), _unescaped(plain.group(2)))
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


def mail_devinf(local_uri: str, content_type: str, folders: bool = False) -> DevInf:
    """The DevInf of a phone whose mail store takes ``content_type`` only, and folder objects with ``folders``
    (it syncs the folder tree)."""
    version = "1.2" if content_type == EMAIL_TYPE else "1.0"
    info = ContentTypeInfo(content_type, version)
    others = (ContentTypeInfo(FOLDER_TYPE, "1.2"),) if folders else ()
    store = DataStore(
        source_ref=local_uri,
        rx_pref=info,
        rx=others,
        tx_pref=info,
        tx=others,
        support_hierarchical_sync=folders,
        sync_types=(1, 2, 7),
    )
    return DevInf(ver_dtd="1.2", dev_id="mail-phone", dev_typ="phone", man="test", mod="mail", datastores=(store,))
