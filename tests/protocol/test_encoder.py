"""The incremental encoder: the size it tells after every command is the size of the message it then
writes, in both encodings, and a command taken back leaves no trace."""

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.constants import AlertCode
from syncmld.protocol.encoder import message_encoder
from syncmld.protocol.messages import Add, Alert, Item, LocRef, Meta, Status, Sync, SyncML
from syncmld.status import StatusCode

from .strategies import commands, messages

encodings = st.sampled_from(Encoding)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(message=messages, encoding=encodings)
def test_the_size_told_after_each_command_is_the_size_of_that_message(message: SyncML, encoding: Encoding) -> None:
    encoder = message_encoder(message.header, encoding)
    for done in range(len(message.commands) + 1):
        so_far = replace(message, commands=message.commands[:done])
        assert encoder.size(True) == len(encode(replace(so_far, final=True), encoding))
        assert encoder.size(False) == len(encode(replace(so_far, final=False), encoding))
        if done < len(message.commands):
            encoder.add(message.commands[done])
    assert encoder.finish(message.final) == encode(message, encoding)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(message=messages, extra=commands, encoding=encodings)
def test_a_command_taken_back_leaves_no_trace(message: SyncML, extra: object, encoding: Encoding) -> None:
    encoder = message_encoder(message.header, encoding)
    for command in message.commands:
        mark = encoder.mark()
        encoder.add(extra)  # type: ignore[arg-type]
        encoder.undo(mark)
        encoder.add(command)
    mark = encoder.mark()
    encoder.add(extra)  # type: ignore[arg-type]
    encoder.undo(mark)
    assert encoder.finish(message.final) == encode(message, encoding)


def contact(number: int) -> Add:
    data = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Contact {number}\r\nN:{number};;;;\r\nEND:VCARD\r\n"
    return Add(
        cmd_id=str(number + 2),
        meta=Meta(type="text/vcard"),
        items=(Item(source=LocRef(str(number)), data=data.encode()),),
    )


@given(message=messages, encoding=encodings, count=st.integers(min_value=0, max_value=4))
def test_a_sync_filled_command_by_command_is_the_sync_written_whole(
    message: SyncML, encoding: Encoding, count: int
) -> None:
    sync = Sync(cmd_id="1", target=LocRef("./contacts"), source=LocRef("card"), commands=())
    encoder = message_encoder(message.header, encoding)
    encoder.start_sync(sync)
    for number in range(count):
        before = encoder.size()
        encoder.add(contact(number))
        assert encoder.size() > before
    whole = replace(message, commands=(replace(sync, commands=tuple(contact(n) for n in range(count))),), final=True)
    assert encoder.size() == len(encode(whole, encoding))
    body = encoder.finish(True)
    assert body == encode(whole, encoding)
    assert decode(body, encoding.content_type).message == whole


@given(message=messages, encoding=encodings)
def test_commands_without_a_cmd_id_are_numbered_in_message_order(message: SyncML, encoding: Encoding) -> None:
    sync = Sync(target=LocRef("./contacts"), commands=(contact(1), replace(contact(2), cmd_id=None)))
    status = Status(msg_ref="1", cmd_ref="0", cmd="SyncHdr", data=StatusCode.OK)
    sent = replace(message, commands=(status, Alert(data=AlertCode.TWO_WAY), sync))
    read = decode(encode(sent, encoding), encoding.content_type).message
    top = [command.cmd_id for command in read.commands]
    inner = [sub.cmd_id for sub in read.commands[2].commands]  # type: ignore[union-attr]
    assert (top, inner) == (["1", "2", "3"], ["3", "5"])
