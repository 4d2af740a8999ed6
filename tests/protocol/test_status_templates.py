"""Statuses of the usual shape are written from the message's templates: the bytes are those the element writer
writes, in both encodings, whatever the references and codes, wherever the Status stands."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from syncmld.protocol.codec import Encoding, encode
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.encoder import message_encoder
from syncmld.protocol.messages import Command, LocRef, Status, Sync, SyncHdr, SyncML
from syncmld.status import StatusCode

from .strategies import headers, simple_commands, statuses, values
from .test_item_templates import element_by_element, written

encodings = st.sampled_from(Encoding)
refs = values | st.sampled_from(["<&>", "a]]>b", "\x01", "", "  ", "{{syncmld-status-cmd-ref}}"])
usual_statuses = st.builds(
    Status,
    cmd_id=st.none() | refs,
    msg_ref=st.sampled_from(["1", "2", "{{syncmld-status-source-ref}}"]),
    cmd_ref=refs,
    cmd=st.sampled_from(["Add", "Replace", "Delete", "{{syncmld-status-cmd-id}}"]),
    data=st.sampled_from([StatusCode.OK, StatusCode.ITEM_ADDED, StatusCode.ALREADY_EXISTS]),
    target_refs=st.lists(refs, max_size=1).map(tuple),
    source_refs=st.lists(refs, max_size=1).map(tuple),
)
mixed = st.lists(usual_statuses | statuses | simple_commands, max_size=12).map(tuple)


def usual(cmd_id: str | None, cmd_ref: str) -> Status:
    return Status(cmd_id=cmd_id, msg_ref="1", cmd_ref=cmd_ref, cmd="Add", data=StatusCode.OK)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(header=headers, before=mixed, after=mixed, encoding=encodings)
@example(  # a Status given an empty CmdID keeps it, as the element writer does, after its template is made
    header=SyncHdr(SyncMLVersion.V1_0, "", "", LocRef(""), LocRef("")),
    before=(),
    after=(usual(None, ""), usual(None, ""), usual("", "0")),
    encoding=Encoding.XML,
)
def test_statuses_are_written_as_the_element_writer_writes_them(
    header: SyncHdr, before: tuple[Command, ...], after: tuple[Command, ...], encoding: Encoding
) -> None:
    sync = Sync(target=LocRef("./contacts"), source=LocRef("contacts"), number_of_changes=len(before))
    message = SyncML(header=header, commands=(*before, sync, *after), final=True)
    assert written(message, encoding, encode) == written(message, encoding, element_by_element)


def answer(number: int) -> Status:
    return Status(
        msg_ref="2", cmd_ref=str(number + 3), cmd="Add", data=StatusCode.ITEM_ADDED, source_refs=(str(number),)
    )


@given(encoding=encodings, together=st.booleans())
def test_a_reply_of_a_hundred_statuses_writes_two_of_them_element_by_element(
    encoding: Encoding, together: bool
) -> None:
    header = SyncHdr(SyncMLVersion.V1_2, "1", "3", LocRef("device"), LocRef("http://server/syncml"))
    encoder = message_encoder(header, encoding)
    sink = encoder._writer.sink
    opened: list[str] = []
    start = sink.start

    def counting_start(tag: str) -> None:
        opened.append(tag)
        start(tag)

    sink.start = counting_start  # type: ignore[method-assign]
    if together:
        encoder.add_all([answer(number) for number in range(100)])
    else:
        for number in range(100):
            encoder.add(answer(number))
    body = encoder.finish(True)
    assert opened.count("Status") == 2  # the first, and the second's template
    message = SyncML(header=header, commands=tuple(answer(number) for number in range(100)), final=True)
    assert body == element_by_element(message, encoding)
