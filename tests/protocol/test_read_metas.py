"""Metas of text only are read once and shared by the commands that carry the same; a client sending many
different ones cannot grow what is kept past the limit the server was started with."""

from collections.abc import Iterator

import pytest

from syncmld.caches import CacheLimits, configure, entry_counts
from syncmld.protocol.codec import decode_xml
from syncmld.protocol.messages import Add, Anchor, Meta, Sync


@pytest.fixture(autouse=True)
def default_limits_after() -> Iterator[None]:
    """The process's caches get their default limits back for the tests that follow."""
    yield
    configure(CacheLimits())


def sync_of(metas: list[str]) -> bytes:
    adds = "".join(
        f"<Add><CmdID>{number + 3}</CmdID><Meta>{meta}</Meta><Item><Source><LocURI>{number}</LocURI></Source>"
        f"<Data>BEGIN:VCARD</Data></Item></Add>"
        for number, meta in enumerate(metas)
    )
    return (
        "<SyncML><SyncHdr><VerDTD>1.2</VerDTD><VerProto>SyncML/1.2</VerProto><SessionID>1</SessionID><MsgID>2</MsgID>"
        "<Target><LocURI>http://server/syncml</LocURI></Target><Source><LocURI>IMEI:1</LocURI></Source></SyncHdr>"
        f"<SyncBody><Sync><CmdID>2</CmdID><Target><LocURI>contacts</LocURI></Target>{adds}</Sync><Final/></SyncBody>"
        "</SyncML>"
    ).encode()


def metas_read(body: bytes) -> list[Meta | None]:
    sync = decode_xml(body).commands[0]
    assert isinstance(sync, Sync)
    return [add.meta for add in sync.commands if isinstance(add, Add)]


@pytest.mark.parametrize("limit", [0, 4, CacheLimits().read_metas])
def test_a_client_cannot_grow_the_metas_kept_past_the_limit(limit: int) -> None:
    configure(CacheLimits(read_metas=limit))
    types = [f"text/x-type-{number}" for number in range(100)]
    read = metas_read(sync_of([f"<Type xmlns='syncml:metinf'>{content_type}</Type>" for content_type in types]))
    assert read == [Meta(type=content_type) for content_type in types]
    assert entry_counts()["read_metas"] == limit


def test_commands_with_the_same_meta_share_it_and_nested_ones_are_read_each_time() -> None:
    anchored = "<Anchor><Last>1</Last><Next>2</Next></Anchor><Type>text/vcard</Type>"
    read = metas_read(sync_of(["<Type>text/vcard</Type><Format>b64</Format>"] * 3 + [anchored, anchored]))
    assert read[:3] == [Meta(type="text/vcard", format="b64")] * 3
    assert read[0] is read[1] is read[2]
    assert read[3] == read[4] == Meta(type="text/vcard", anchor=Anchor(last="1", next="2"))
    assert read[3] is not read[4]
