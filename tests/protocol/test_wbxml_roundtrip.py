"""Whatever the server can put in a message, the WBXML decoder reads back unchanged from our WBXML.

Beyond what XML carries, WBXML carries binary item data and credentials as they are.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.constants import MIME_DEVINF_XML
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.messages import Cred, Item, LocRef, Meta, Put, SyncHdr, SyncML

from .strategies import any_devinf, commands, headers, locrefs, messages, optional_metas, values

not_utf8 = st.binary(max_size=40).map(lambda data: b"\xff" + data)
"""Binary data that cannot be read as text."""

binary_puts = st.builds(
    Put,
    cmd_id=values,
    items=st.lists(st.builds(Item, source=st.none() | locrefs, meta=optional_metas, data=not_utf8), max_size=3).map(
        tuple
    ),
    cred=st.none() | st.builds(Cred, data=not_utf8, meta=optional_metas),
)
messages_with_binary_data = st.builds(
    SyncML, header=headers, commands=st.lists(commands | binary_puts, max_size=4).map(tuple), final=st.booleans()
)


def round_trip(message: SyncML) -> SyncML:
    decoded = decode(encode(message, Encoding.WBXML), Encoding.WBXML.content_type)
    assert decoded.encoding is Encoding.WBXML
    return decoded.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages)
def test_decoding_an_encoded_message_gives_it_back(message: SyncML) -> None:
    assert round_trip(message) == message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages_with_binary_data)
def test_binary_data_survives(message: SyncML) -> None:
    assert round_trip(message) == message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headers, any_devinf)
def test_devinf_of_every_version_survives_in_every_message_version(header: SyncHdr, devinf: DevInf) -> None:
    put = Put(cmd_id="1", meta=Meta(type=MIME_DEVINF_XML), items=(Item(source=LocRef("./devinf12"), data=devinf),))
    message = SyncML(header=header, commands=(put,))
    assert round_trip(message) == message
