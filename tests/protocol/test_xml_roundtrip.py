"""Whatever the server can put in a message, an XML decoder reads back unchanged."""

from hypothesis import HealthCheck, given, settings

from syncmld.protocol.codec import decode_xml, encode_xml
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.messages import Item, LocRef, Put, SyncML

from .samples import document
from .strategies import any_devinf, messages

HEADER = decode_xml(document("")).header


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages)
def test_decoding_an_encoded_message_gives_it_back(message: SyncML) -> None:
    assert decode_xml(encode_xml(message)) == message


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_devinf)
def test_devinf_of_every_version_survives_encoding(devinf: DevInf) -> None:
    message = SyncML(
        header=HEADER, commands=(Put(cmd_id="1", items=(Item(source=LocRef("./devinf12"), data=devinf),)),)
    )
    assert decode_xml(encode_xml(message)) == message
