"""Broken, incomplete and hostile input ends in DecodeError, and in nothing else."""

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncmld.errors import DecodeError
from syncmld.protocol import xml
from syncmld.protocol.codec import decode, decode_xml, encode_xml
from syncmld.protocol.constants import AlertCode
from syncmld.protocol.messages import Add, Alert
from syncmld.status import StatusCode

from .samples import document

VALID = document(
    "<Alert><CmdID>1</CmdID><Data>201</Data><Item><Target><LocURI>card</LocURI></Target>"
    "<Source><LocURI>pb</LocURI></Source><Meta><Anchor xmlns='syncml:metinf'><Next>5</Next></Anchor></Meta>"
    "</Item></Alert><Final/>"
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes(body: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(body, None)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40), st.integers(min_value=0, max_value=len(VALID)))
def test_bytes_spliced_into_a_valid_message(noise: bytes, at: int) -> None:
    with contextlib.suppress(DecodeError):
        decode_xml(VALID[:at] + noise + VALID[at:])


def test_every_truncation_of_a_message() -> None:
    end = VALID.index(b"</SyncML>")
    for length in range(end):
        with pytest.raises(DecodeError):
            decode_xml(VALID[:length])


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE SyncML [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def with_doctype(doctype: bytes, session_id: str) -> bytes:
    whole = document("<Final/>").replace(b"<SessionID>42</SessionID>", f"<SessionID>{session_id}</SessionID>".encode())
    return doctype + whole[whole.index(b"<SyncML") :]


def test_billion_laughs() -> None:
    with pytest.raises(DecodeError):
        decode_xml(with_doctype(BILLION_LAUGHS, "&lol9;"))


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE SyncML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE SyncML [<!ENTITY % xxe SYSTEM "file:///etc/passwd"> %xxe;]>',
        b'<!DOCTYPE SyncML [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>',
    ],
)
def test_external_entities_are_refused(doctype: bytes) -> None:
    with pytest.raises(DecodeError) as raised:
        decode_xml(with_doctype(doctype, "&xxe;"))
    assert "root:" not in str(raised.value)


def test_external_entity_never_reaches_the_message() -> None:
    # Even unused, a declared external entity makes the document unacceptable.
    with pytest.raises(DecodeError, match="entities"):
        decode_xml(with_doctype(b'<!DOCTYPE SyncML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "1"))


def test_an_external_dtd_is_never_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY e "expanded">')
    doctype = f'<!DOCTYPE SyncML SYSTEM "{dtd.as_uri()}">'.encode()
    with pytest.raises(DecodeError, match="entities"):
        decode_xml(with_doctype(doctype, "&e;"))
    assert decode_xml(with_doctype(doctype, "7")).header.session_id == "7"


@pytest.mark.parametrize("depth", [40, 300, 100_000])
def test_deep_nesting(depth: int) -> None:
    nested = "<Sequence><CmdID>1</CmdID>" * depth + "</Sequence>" * depth
    with pytest.raises(DecodeError):
        decode_xml(document(nested))


def test_nesting_within_the_bound_is_read() -> None:
    nested = "<Sequence><CmdID>1</CmdID>" * 20 + "</Sequence>" * 20
    assert len(decode_xml(document(nested)).commands) == 1


@pytest.mark.parametrize("field", ["VerDTD", "SessionID", "MsgID", "Target", "Source"])
def test_missing_mandatory_header_field(field: str) -> None:
    raw = document("<Final/>").decode()
    start = raw.index(f"<{field}>")
    end = raw.index(f"</{field}>") + len(f"</{field}>")
    with pytest.raises(DecodeError, match=field):
        decode_xml((raw[:start] + raw[end:]).encode())


@pytest.mark.parametrize("ver_dtd", ["2.0", "1.3", "", "DM1.2"])
def test_unknown_ver_dtd_is_version_not_supported(ver_dtd: str) -> None:
    # Even with a broken command the client learns first that its version is the problem.
    raw = document("<Add><Item/></Add>").replace(b"<VerDTD>1.2</VerDTD>", f"<VerDTD>{ver_dtd}</VerDTD>".encode())
    with pytest.raises(DecodeError) as raised:
        decode_xml(raw)
    assert raised.value.status is StatusCode.VERSION_NOT_SUPPORTED


@pytest.mark.parametrize(
    ("body", "header_extra"),
    [
        ("", "<Meta><MaxMsgSize>lots</MaxMsgSize></Meta>"),
        ("", "<Meta><MaxObjSize>-1</MaxObjSize></Meta>"),
        ("<Add><CmdID>1</CmdID><Item><Meta><Size>1e6</Size></Meta></Item></Add>", ""),
        ("<Sync><CmdID>1</CmdID><NumberOfChanges>ten</NumberOfChanges></Sync>", ""),
        ("<Sync><CmdID>1</CmdID><NumberOfChanges>" + "9" * 5000 + "</NumberOfChanges></Sync>", ""),
    ],
)
def test_bad_numbers(body: str, header_extra: str) -> None:
    with pytest.raises(DecodeError, match="not a number"):
        decode_xml(document(body, header_extra=header_extra))


@pytest.mark.parametrize(
    "raw",
    [
        b"<?xml version='1.0'?><Foo/>",
        b"<SyncML><SyncHdr/></SyncML>",
        b"<SyncML><SyncBody/></SyncML>",
        b"",
        b"<SyncML>",
        "<SyncML>\u00e9</SyncML>".encode("iso-8859-1"),
    ],
)
def test_not_a_syncml_message(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_xml(raw)


@pytest.mark.parametrize(
    "body",
    [
        "<Add><Item/></Add>",
        "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Data>200</Data></Status>",
        "<Results><CmdID>1</CmdID></Results>",
        "<Map><CmdID>1</CmdID><Target><LocURI>a</LocURI></Target></Map>",
        "<Add><CmdID>1</CmdID><Item><Source><LocName>x</LocName></Source></Item></Add>",
    ],
)
def test_commands_missing_mandatory_parts(body: str) -> None:
    with pytest.raises(DecodeError):
        decode_xml(document(body))


TAGS = [
    "Add", "Alert", "Anchor", "Archive", "Atomic", "Chal", "Cmd", "CmdID", "CmdRef", "Copy", "Cred", "CTCap",
    "CTType", "Data", "DataStore", "Delete", "DevInf", "DevID", "EMI", "Exec", "Filter", "Final", "Get", "Item",
    "LocName", "LocURI", "Map", "MapItem", "MaxMsgSize", "Mem", "Meta", "MetInf", "MoreData", "Move", "MsgRef",
    "NoResp", "NumberOfChanges", "ParamName", "PropName", "Property", "PropParam", "Put", "Replace", "Results",
    "Sequence", "Size", "Source", "SourceParent", "SourceRef", "Status", "Sync", "SyncCap", "SyncType", "Target",
    "TargetRef", "ValEnum", "VerCT",
]  # fmt: skip


def _elements(depth: int) -> st.SearchStrategy[str]:
    leaf = st.sampled_from(TAGS).flatmap(
        lambda tag: st.sampled_from(["", "1", "x", " 7 ", "-3"]).map(lambda text: f"<{tag}>{text}</{tag}>")
    )
    if depth == 0:
        return leaf
    nested = st.tuples(st.sampled_from(TAGS), st.lists(_elements(depth - 1), max_size=4)).map(
        lambda pair: f"<{pair[0]}>{''.join(pair[1])}</{pair[0]}>"
    )
    return leaf | nested


@settings(max_examples=300, deadline=None)
@given(st.lists(_elements(4), max_size=4))
def test_well_formed_nonsense_in_the_body(elements: list[str]) -> None:
    try:
        message = decode_xml(document("".join(elements)))
    except DecodeError:
        return
    assert decode_xml(encode_xml(message)) == message


class _CountedPattern:
    """A compiled pattern that counts the matches asked of it."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern = pattern
        self.matches = 0

    def match(self, body: bytes, position: int) -> re.Match[bytes] | None:
        self.matches += 1
        return self.pattern.match(body, position)


def test_a_start_tag_holding_thousands_of_namespace_declarations_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 128 kB message whose one tag declares 8,000 prefixes took 20 s of CPU to decode when each declaration
    had its tag matched again from the start; the tag is matched once and the message reads as it did."""
    declarations = "".join(f" xmlns:p{number}='urn:p{number}'" for number in range(8000))
    body = document(f"<Alert{declarations}><CmdID>1</CmdID><Data>201</Data></Alert><Final/>")
    counted = _CountedPattern(xml._DECLARING_TAG)
    monkeypatch.setattr(xml, "_DECLARING_TAG", counted)
    alert = decode_xml(body).commands[0]
    assert isinstance(alert, Alert) and alert.data is AlertCode.SLOW_SYNC
    assert counted.matches <= 3  # the root's, the Alert's and its own: once each


@pytest.mark.parametrize("where", ["CDATA sections", "comments"])
def test_a_declaration_after_thousands_of_sections_is_taken_out(where: str) -> None:
    """10,000 sections before a default namespace declaration (each once made the search for the next
    declaration go through the rest of the message again): the message reads with the declaration taken out."""
    section = "<![CDATA[]]>" if where == "CDATA sections" else "<!---->"
    items = f"<Item><Data>{section * 10_000}</Data><Meta><Type xmlns='syncml:metinf'>text/x-vcard</Type></Meta></Item>"
    body = document(f"<Add><CmdID>1</CmdID>{items}</Add><Final/>")
    assert xml._without_default_namespaces(body).count(b"xmlns") == 0
    add = decode_xml(body).commands[0]
    assert isinstance(add, Add) and add.items[0].meta is not None and add.items[0].meta.type == "text/x-vcard"
