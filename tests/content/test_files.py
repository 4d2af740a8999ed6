"""OMA DS file and folder objects: reading what devices send, the stored form, identities."""

import base64
import hashlib
import html
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from syncmld.content.files import (
    FileObject,
    FolderObject,
    file_identity,
    folder_identity,
    parse_file,
    parse_folder,
    write_file,
    write_folder,
)
from syncmld.errors import RemoteError
from syncmld.protocol.tree import xml_safe
from syncmld.status import StatusCode

BLACKBERRY_LOG = Path("interop") / "real-devices" / "funambol-server" / "sendlog" / "synclog.txt"
LOGGED_FILE = re.compile(r"<Data>(&lt;File&gt;.*?)</Data>", re.DOTALL)
SAFE_XML = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)

PHOTO = bytes(range(256)) * 3
NOTE_FILE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<File>\n"
    b"  <name>Notizen \xc3\xbcber K\xc3\xb6ln.txt</name>\n"
    b"  <created>20240105T101500Z</created>\n"
    b"  <modified>2024-01-06T08:00:00Z</modified>\n"
    b"  <attributes><h>false</h><r>TRUE</r><w>true</w><x>false</x></attributes>\n"
    b"  <cttype>text/plain</cttype>\n"
    b'  <body enc="quoted-printable">Gr=C3=BC=C3=9Fe =3D Hallo=\n aus K=C3=B6ln</body>\n'
    b"  <size>27</size>\n"
    b"  <Ext><XNam>X-Owner</XNam><XVal>anna</XVal><XVal>&amp; bob</XVal></Ext>\n"
    b"</File>\n"
)
FOLDER = (
    b'<Folder xmlns="syncml:folder"><name>Eingang</name><created>20240101T000000Z</created>'
    b"<role>inbox</role><attributes><s>true</s><h>false</h></attributes>"
    b"<Ext><XNam>X-Color</XNam><XVal>blue</XVal></Ext></Folder>"
)

xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
names = xml_text.map(str.strip).filter(lambda name: bool(name) and xml_safe(name) == name)
stamps = st.one_of(st.none(), st.sampled_from(["20240105T101500Z", "2024-01-06T08:00:00Z"]))
attribute_sets = st.dictionaries(st.sampled_from("hsadwrx"), st.booleans())
exts = st.lists(
    st.sampled_from(["<XNam>X-A</XNam><XVal>1</XVal>", "<XNam>X-B</XNam>", "<XNam>X-C</XNam><XVal>&lt;v&gt;</XVal>"]),
    max_size=2,
).map(tuple)


def logged_file_objects(shared_dir: Path) -> list[bytes]:
    """The File objects the BlackBerry sent, as the item data the server received."""
    log = (shared_dir / BLACKBERRY_LOG).read_text(encoding="utf-8")
    return [html.unescape(match).encode("utf-8") for match in LOGGED_FILE.findall(log)]


def children_of(document: bytes) -> list[str]:
    return [str(element.tag) for element in etree.fromstring(document, SAFE_XML)]


# --------------------------------------------------------------------------------------------- reading


def test_blackberry_photo_objects_parse(shared_dir: Path) -> None:
    objects = logged_file_objects(shared_dir)
    assert len(objects) == 3
    first = parse_file(objects[0])
    assert first.name == "IMG-20101001-00064.jpg"
    assert first.modified == "20101001T134944Z"
    assert first.created is None
    assert first.body is None
    assert first.size == 910792
    assert first.attributes == dict.fromkeys("hsadwrx", False)
    for data in objects:
        obj = parse_file(data)
        assert parse_file(write_file(obj)) == obj
        assert file_identity(data) == f"file:{obj.name.lower()}|size:{obj.size}"
    assert parse_file(objects[1]).size == 822757
    assert file_identity(objects[0]) == file_identity(objects[2])


def test_quoted_printable_body_attributes_and_ext_are_read() -> None:
    obj = parse_file(NOTE_FILE)
    assert obj.name == "Notizen über Köln.txt"
    assert obj.created == "20240105T101500Z"
    assert obj.modified == "2024-01-06T08:00:00Z"
    assert obj.accessed is None
    assert obj.attributes == {"h": False, "r": True, "w": True, "x": False}
    assert obj.content_type == "text/plain"
    assert obj.body == "Grüße = Hallo aus Köln".encode()
    assert obj.size == len(obj.body)
    assert obj.ext == ("<XNam>X-Owner</XNam><XVal>anna</XVal><XVal>&amp; bob</XVal>",)


def test_base64_and_plain_bodies_are_read() -> None:
    encoded = base64.encodebytes(PHOTO).decode("ascii")
    data = f'<File><name>p.bin</name><body enc="BASE64">\n{encoded}</body></File>'.encode()
    assert parse_file(data).body == PHOTO
    plain = parse_file(b"<File><name>a.txt</name><body>line 1\nline &lt;2&gt;\n</body></File>")
    assert plain.body == b"line 1\nline <2>\n"
    assert plain.size == len(plain.body)


def test_folder_is_read_whatever_its_namespace() -> None:
    folder = parse_folder(FOLDER)
    assert folder == FolderObject(
        name="Eingang",
        created="20240101T000000Z",
        role="inbox",
        attributes={"s": True, "h": False},
        ext=("<XNam>X-Color</XNam><XVal>blue</XVal>",),
    )


# ---------------------------------------------------------------------------------------- stored form


def test_written_file_has_base64_body_size_and_dtd_order() -> None:
    written = write_file(parse_file(NOTE_FILE))
    assert children_of(written) == [
        "name",
        "created",
        "modified",
        "attributes",
        "cttype",
        "body",
        "size",
        "Ext",
    ]
    root = etree.fromstring(written, SAFE_XML)
    body = root.find("body")
    assert body is not None
    assert body.get("enc") == "base64"
    assert base64.b64decode(body.text or "") == "Grüße = Hallo aus Köln".encode()
    assert root.findtext("size") == str(len("Grüße = Hallo aus Köln".encode()))
    attributes = root.find("attributes")
    assert attributes is not None
    assert [element.tag for element in attributes] == ["h", "w", "r", "x"]


def test_same_file_sent_differently_is_stored_the_same() -> None:
    content = "Grüße".encode()
    as_qp = (
        b"<File><name>g.txt</name><attributes><w>true</w><h>FALSE</h></attributes>"
        b'<body enc="quoted-printable">Gr=C3=BC=C3=9Fe</body></File>'
    )
    as_b64 = (
        b"<File>\n <name> g.txt </name>\n <attributes><h>false</h><w>1</w></attributes>\n"
        b' <body enc="base64">' + base64.b64encode(content) + b"</body>\n <size>99</size>\n</File>"
    )
    assert write_file(parse_file(as_qp)) == write_file(parse_file(as_b64))
    assert parse_file(as_b64).size == len(content)


def test_empty_body_differs_from_no_body() -> None:
    empty = parse_file(b'<File><name>e</name><body enc="base64"></body></File>')
    assert empty.body == b""
    assert empty.size == 0
    assert parse_file(write_file(empty)) == empty
    assert parse_file(b"<File><name>e</name></File>").body is None


def test_written_folder_keeps_role_attributes_and_ext() -> None:
    folder = parse_folder(FOLDER)
    written = write_folder(folder)
    assert children_of(written) == ["name", "created", "attributes", "role", "Ext"]
    assert parse_folder(written) == folder
    assert written.startswith(b"<Folder><name>")


@settings(max_examples=200, deadline=None)
@given(
    names,
    stamps,
    stamps,
    attribute_sets,
    st.one_of(st.none(), st.sampled_from(["image/jpeg", "text/plain"])),
    st.binary(max_size=500),
    exts,
)
def test_file_objects_round_trip(
    name: str,
    created: str | None,
    modified: str | None,
    attributes: dict[str, bool],
    content_type: str | None,
    body: bytes,
    ext: tuple[str, ...],
) -> None:
    obj = FileObject(
        name=name,
        created=created,
        modified=modified,
        attributes=attributes,
        content_type=content_type,
        body=body,
        size=len(body),
        ext=ext,
    )
    written = write_file(obj)
    assert parse_file(written) == obj
    assert write_file(parse_file(written)) == written


@settings(max_examples=200, deadline=None)
@given(names, stamps, st.one_of(st.none(), st.sampled_from(["inbox", "outbox", "sent"])), attribute_sets, exts)
def test_folder_objects_round_trip(
    name: str, accessed: str | None, role: str | None, attributes: dict[str, bool], ext: tuple[str, ...]
) -> None:
    folder = FolderObject(name=name, accessed=accessed, role=role, attributes=attributes, ext=ext)
    written = write_folder(folder)
    assert parse_folder(written) == folder
    assert folder_identity(written) == f"folder:{name.lower()}"


# ---------------------------------------------------------------------------------------------- identity


def test_file_identity_is_the_name_in_any_case_and_the_content() -> None:
    def sent(name: str, content: bytes) -> bytes:
        return write_file(FileObject(name=name, body=content))

    identity = file_identity(sent("Report.PDF", b"%PDF-1.4"))
    assert identity == "file:report.pdf|" + hashlib.sha256(b"%PDF-1.4").hexdigest()
    assert file_identity(sent("report.pdf", b"%PDF-1.4")) == identity
    assert file_identity(sent("report.pdf", b"%PDF-1.5")) != identity
    assert file_identity(sent("other.pdf", b"%PDF-1.4")) != identity


def test_folder_identity_ignores_case_and_metadata() -> None:
    assert folder_identity(FOLDER) == "folder:eingang"
    assert folder_identity(b"<Folder><name>EINGANG</name><role>sent</role></Folder>") == "folder:eingang"


# ---------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml at all",
        b"<File><name>unclosed</File>",
        b"<Folder><name>a folder</name></Folder>",
        b"<File><created>20240101T000000Z</created></File>",
        b"<File><name>  </name></File>",
        b'<File><name>x</name><body enc="base64">not base64!</body></File>',
        b'<File><name>x</name><body enc="uuencode">begin 644 x</body></File>',
        b"<File><name>x</name><attributes><h>maybe</h></attributes></File>",
        b"<File><name>x</name><size>-5</size></File>",
        b'<!DOCTYPE File [<!ENTITY a "aaaaaaaaaa">]><File><name>&a;&a;</name></File>',
        b'<!DOCTYPE File SYSTEM "http://example.org/file.dtd"><File><name>&ext;</name></File>',
    ],
)
def test_what_is_not_a_file_object_is_a_bad_request(data: bytes) -> None:
    with pytest.raises(RemoteError) as raised:
        parse_file(data)
    assert raised.value.status is StatusCode.BAD_REQUEST


@pytest.mark.parametrize("data", [b"<File><name>f</name></File>", b"<Folder/>", b"<Folder><role>x</role></Folder>"])
def test_what_is_not_a_folder_object_is_a_bad_request(data: bytes) -> None:
    with pytest.raises(RemoteError) as raised:
        folder_identity(data)
    assert raised.value.status is StatusCode.BAD_REQUEST


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([b"", b"<File><name>", b'<File><name>n</name><body enc="base64">']))
def test_random_bytes_give_an_object_or_a_remote_error(data: bytes, prefix: bytes) -> None:
    try:
        obj = parse_file(prefix + data)
    except RemoteError as error:
        assert error.status is StatusCode.BAD_REQUEST
    else:
        assert parse_file(write_file(obj)) == obj
