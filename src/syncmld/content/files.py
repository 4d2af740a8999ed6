"""OMA DS file and folder objects (``application/vnd.omads-file+xml``, ``…-folder+xml``): read, write, identity.

Stored form: what ``write_file`` / ``write_folder`` make of an object, a UTF-8 XML document without
declaration or whitespace between elements, texts stripped, children in the order of the OMA DS DTDs
(File: name, created, modified, accessed, attributes, cttype, body, size, Ext*; Folder: name, created,
modified, accessed, attributes, role, Ext*). Dates stay as sent; attributes are written ``true`` /
``false``, the standard ones (h s a d w r x) first; a file body is always base64 (``enc="base64"``),
and its size is always written (the body's length, or the size sent with a body-less object).
``ext`` holds the inner XML of each ``Ext`` element, kept as it came.
"""

import base64
import binascii
import hashlib
import quopri
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from lxml import etree

from syncmld.content.common import Identity, worked_out_once
from syncmld.content.kind import ContentKind, ParsedItem, digest
from syncmld.errors import DecodeError, RemoteError
from syncmld.protocol.tree import (
    Element,
    add,
    add_inner_xml,
    add_text,
    as_count,
    child,
    children,
    inner_xml,
    text,
)
from syncmld.protocol.xml import parse_tree
from syncmld.status import StatusCode

FILE_TYPE = "application/vnd.omads-file+xml"
FOLDER_TYPE = "application/vnd.omads-folder+xml"
OBJECT_VERSION = "1.2"
"""The OMA DS version of the file and folder object formats (the objects carry no version of their own)."""

STANDARD_ATTRIBUTES = "hsadwrx"
"""hidden, system, archived, delete, writable, readable, executable."""

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_ENCODINGS = ("base64", "quoted-printable")


@dataclass(frozen=True)
class FileObject:
    """A file: metadata, and the content unless only the metadata travels (``body`` None)."""

    name: str
    created: str | None = None
    modified: str | None = None
    accessed: str | None = None
    attributes: dict[str, bool] = field(default_factory=dict, hash=False)
    content_type: str | None = None
    body: bytes | None = None
    size: int | None = None
    ext: tuple[str, ...] = ()


@dataclass(frozen=True)
class FolderObject:
    """A folder: its metadata (its place in the tree travels as the item's parent, not in here)."""

    name: str
    created: str | None = None
    modified: str | None = None
    accessed: str | None = None
    role: str | None = None
    attributes: dict[str, bool] = field(default_factory=dict, hash=False)
    ext: tuple[str, ...] = ()


def parse_file(data: bytes) -> FileObject:
    """Read a File object; RemoteError 400 when ``data`` is not one."""
    root = _root(data, "File")
    body_element = child(root, "body")
    body = None if body_element is None else _body(body_element)
    sent_size = _size(root)
    return FileObject(
        name=_name(root),
        created=_optional_text(root, "created"),
        modified=_optional_text(root, "modified"),
        accessed=_optional_text(root, "accessed"),
        attributes=_attributes(root),
        content_type=_optional_text(root, "cttype"),
        body=body,
        size=sent_size if body is None else len(body),
        ext=_ext(root),
    )


def parse_folder(data: bytes) -> FolderObject:
    """Read a Folder object; RemoteError 400 when ``data`` is not one."""
    root = _root(data, "Folder")
    return FolderObject(
        name=_name(root),
        created=_optional_text(root, "created"),
        modified=_optional_text(root, "modified"),
        accessed=_optional_text(root, "accessed"),
        role=_optional_text(root, "role"),
        attributes=_attributes(root),
        ext=_ext(root),
    )


def write_file(obj: FileObject) -> bytes:
    """The stored (and sent) form of a file object."""
    root = _start("File", obj.name, obj.created, obj.modified, obj.accessed, obj.attributes)
    add_text(root, "cttype", obj.content_type)
    if obj.body is not None:
        add(root, "body", base64.b64encode(obj.body).decode("ascii")).set("enc", "base64")
    size = len(obj.body) if obj.body is not None else obj.size
    add_text(root, "size", None if size is None else str(size))
    return _finish(root, obj.ext)


def write_folder(obj: FolderObject) -> bytes:
    """The stored (and sent) form of a folder object."""
    root = _start("Folder", obj.name, obj.created, obj.modified, obj.accessed, obj.attributes)
    add_text(root, "role", obj.role)
    return _finish(root, obj.ext)


def file_identity(data: bytes) -> str:
    """``file:<lower-case name>|<sha256 of the body>`` (``|size:<n>`` for a body-less object)."""
    obj = parse_file(data)
    content = f"size:{obj.size}" if obj.body is None else hashlib.sha256(obj.body).hexdigest()
    return f"file:{obj.name.lower()}|{content}"


def folder_identity(data: bytes) -> str:
    """``folder:<lower-case name>``."""
    return f"folder:{parse_folder(data).name.lower()}"


# ------------------------------------------------------------------------------------ the content kinds


class StoredFile(ParsedItem):
    """A stored file object; a slow sync matches it by name and body."""

    @worked_out_once
    def identity(self) -> Identity:
        try:
            return Identity(file_identity(self.data))
        except RemoteError:
            return Identity(digest(self.data))


class StoredFolder(ParsedItem):
    """A stored folder object; a slow sync matches it by name (within its parent)."""

    @worked_out_once
    def identity(self) -> Identity:
        try:
            return Identity(folder_identity(self.data))
        except RemoteError:
            return Identity(digest(self.data))


class FilesKind(ContentKind):
    """Files, kept as their normalised file object."""

    stored_type = FILE_TYPE
    item = StoredFile
    written: ClassVar[Mapping[str, str]] = {FILE_TYPE: OBJECT_VERSION}

    def from_device(
        self, content_type: str, data: bytes, previous: ParsedItem | None, device_properties: frozenset[str] | None
    ) -> StoredFile:
        return StoredFile(FILE_TYPE, write_file(parse_file(data)))

    def write(self, item: ParsedItem, wanted: str) -> bytes:
        return item.data


class FoldersKind(ContentKind):
    """Folders, kept as their normalised folder object."""

    stored_type = FOLDER_TYPE
    item = StoredFolder
    written: ClassVar[Mapping[str, str]] = {FOLDER_TYPE: OBJECT_VERSION}

    def from_device(
        self, content_type: str, data: bytes, previous: ParsedItem | None, device_properties: frozenset[str] | None
    ) -> StoredFolder:
        return StoredFolder(FOLDER_TYPE, write_folder(parse_folder(data)))

    def write(self, item: ParsedItem, wanted: str) -> bytes:
        return item.data


# --------------------------------------------------------------------------------------------- reading


def _not_an_object(reason: str) -> RemoteError:
    return RemoteError(reason, StatusCode.BAD_REQUEST)


def _root(data: bytes, tag: str) -> Element:
    try:
        root = parse_tree(data)
    except DecodeError as error:
        raise _not_an_object(f"not a {tag} object: {error}") from error
    if root.tag != tag:
        raise _not_an_object(f"not a {tag} object: the document is a {root.tag!r}")
    return root


def _name(root: Element) -> str:
    name = _optional_text(root, "name")
    if name is None:
        raise _not_an_object(f"{root.tag} object without a name")
    return name


def _optional_text(root: Element, tag: str) -> str | None:
    element = child(root, tag)
    return None if element is None else text(element) or None


def _attributes(root: Element) -> dict[str, bool]:
    container = child(root, "attributes")
    if container is None:
        return {}
    found: dict[str, bool] = {}
    for element in container.iterchildren(etree.Element):
        value = text(element).lower()
        if value not in _TRUE | _FALSE:
            raise _not_an_object(f"attribute {element.tag} is not true or false: {value[:20]!r}")
        found[str(element.tag)] = value in _TRUE
    return found


def _body(element: Element) -> bytes:
    encoding = (element.get("enc") or "").strip().lower()
    content = element.text or ""
    if encoding == "base64":
        try:
            return base64.b64decode("".join(content.split()), validate=True)
        except (binascii.Error, ValueError) as error:
            raise _not_an_object(f"file body is not base64: {error}") from error
    if encoding == "quoted-printable":
        return quopri.decodestring(content.encode("utf-8"))
    if encoding:
        raise _not_an_object(f"file body encoding {encoding[:20]!r} is not one of {', '.join(_ENCODINGS)}")
    return content.encode("utf-8")


def _size(root: Element) -> int | None:
    value = _optional_text(root, "size")
    if value is None:
        return None
    size = as_count(value)
    if size is None:
        raise _not_an_object(f"file size is not a number: {value[:20]!r}")
    return size


def _ext(root: Element) -> tuple[str, ...]:
    return tuple(inner_xml(element) for element in children(root, "Ext"))


# --------------------------------------------------------------------------------------------- writing


def _start(
    tag: str, name: str, created: str | None, modified: str | None, accessed: str | None, attributes: dict[str, bool]
) -> Element:
    root = etree.Element(tag)
    add(root, "name", name)
    add_text(root, "created", created)
    add_text(root, "modified", modified)
    add_text(root, "accessed", accessed)
    if attributes:
        container = add(root, "attributes")
        for key in sorted(attributes, key=_attribute_order):
            add(container, key, "true" if attributes[key] else "false")
    return root


def _attribute_order(key: str) -> tuple[int, str]:
    position = STANDARD_ATTRIBUTES.find(key)
    return (position if position >= 0 else len(STANDARD_ATTRIBUTES), key)


def _finish(root: Element, ext: tuple[str, ...]) -> bytes:
    for inner in ext:
        add_inner_xml(root, "Ext", inner)
    return etree.tostring(root, encoding="utf-8", xml_declaration=False)
