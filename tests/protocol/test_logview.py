"""Messages rendered for diagnosis logs: readable, complete, and without credentials."""

import tracemalloc
from dataclasses import replace

from syncmld.protocol.codec import decode_xml
from syncmld.protocol.logview import render_for_log
from syncmld.protocol.messages import Cred, Item, LocRef, Meta, Put, Replace, SyncML, Unsupported

from .samples import document

HEADER_CRED = (
    "<Cred><Meta><Type xmlns='syncml:metinf'>syncml:auth-basic</Type></Meta><Data>YWxpY2U6czNjcmV0</Data></Cred>"
)


def test_credentials_are_hidden_everywhere() -> None:
    message = decode_xml(document("<Final/>", header_extra=HEADER_CRED))
    put = Put(
        cmd_id="1",
        cred=Cred(data="c2Vjb25kLXNlY3JldA==", meta=Meta(type="syncml:auth-basic")),
        items=(Item(source=LocRef("./devinf12"), data=b"not a secret"),),
    )
    text = render_for_log(SyncML(header=message.header, commands=(put,), final=True))
    assert "YWxpY2U6czNjcmV0" not in text and "c2Vjb25kLXNlY3JldA==" not in text
    assert text.count("<Data>***</Data>") == 2
    assert "<![CDATA[not a secret]]>" in text
    assert "<LocName>alice</LocName>" in text


def test_the_log_view_is_indented_xml_of_the_whole_message() -> None:
    message = decode_xml(document("<Final/>", header_extra=HEADER_CRED))
    text = render_for_log(message)
    lines = text.splitlines()
    assert lines[0] == '<?xml version="1.0" encoding="UTF-8"?>'
    assert lines[1] == '<SyncML xmlns="SYNCML:SYNCML1.2">'
    assert "  <SyncHdr>" in lines
    assert "    <SessionID>42</SessionID>" in lines
    assert "    <Final/>" in lines
    assert message.header.cred is not None
    assert decode_xml(text.encode()).header == replace(message.header, cred=replace(message.header.cred, data="***"))


def test_binary_data_is_summarised_rather_than_failing() -> None:
    message = decode_xml(document(""))
    binary = Replace(cmd_id="1", items=(Item(source=LocRef("1"), data=b"\xff\x00\x01"),))
    text = render_for_log(SyncML(header=message.header, commands=(binary,)))
    assert "[3 bytes of binary data]" in text


def test_a_session_token_in_a_url_is_hidden_and_the_rest_kept() -> None:
    message = decode_xml(document("<Final/>"))
    token = "Zq3_kW9-xT4pL8mN2vB6cR1s"
    header = replace(
        message.header,
        target=LocRef(f"http://sync.example.org/syncml?sid={token}"),
        resp_uri=f"http://sync.example.org/syncml?backup=web&sid={token}&x=1",
    )
    text = render_for_log(SyncML(header=header, final=True), secret_params=("sid",))
    assert token not in text
    assert "<LocURI>http://sync.example.org/syncml?sid=***</LocURI>" in text
    assert "<RespURI>http://sync.example.org/syncml?backup=web&amp;sid=***&amp;x=1</RespURI>" in text
    assert "sid=" + token in render_for_log(SyncML(header=header, final=True))


def test_element_names_a_device_makes_up_are_not_all_kept() -> None:
    """A device's unknown commands are written back under their own names; the writer keeps what it
    made for a vocabulary's worth of names, not for every name it is sent."""
    header = decode_xml(document("")).header

    def render_names(first: int) -> None:
        commands = tuple(Unsupported(cmd_id=str(number), name=f"Made{first + number}") for number in range(2_000))
        render_for_log(SyncML(header=header, commands=commands))

    render_names(0)
    tracemalloc.start()
    try:
        for batch in range(1, 11):
            render_names(batch * 2_000)
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 500_000
