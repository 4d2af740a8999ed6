"""A WBXML message names elements without a token (TargetParent, SourceParent before SyncML 1.2) by their index in
its own string table: a command written from a template made in an earlier message names them as this message's
table does."""

import pytest

from syncmld.protocol.codec import Encoding, encode
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.messages import Add, Item, LocRef, Meta, Replace, Sync, SyncHdr, SyncML

from .test_item_templates import element_by_element


@pytest.mark.parametrize("version", [SyncMLVersion.V1_0, SyncMLVersion.V1_1])
def test_names_without_a_token_are_written_by_this_messages_string_table(version: SyncMLVersion) -> None:
    header = SyncHdr(version, "1", "2", LocRef("device"), LocRef("http://server/syncml"))
    child = Replace(meta=Meta(type="text/plain"), items=(Item(source=LocRef("7"), target_parent="3", data=b"x"),))
    first = SyncML(header=header, commands=(Sync(target=LocRef("./files"), commands=(child,)), child), final=True)
    other_parent = Add(meta=Meta(type="text/plain"), items=(Item(source=LocRef("8"), source_parent="3", data=b"y"),))
    second = SyncML(header=header, commands=(other_parent, child), final=True)
    for message in (first, second):
        assert encode(message, Encoding.WBXML) == element_by_element(message, Encoding.WBXML)
