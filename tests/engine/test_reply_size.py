"""Replies measured as they are written: the server's changes fill each message up to the device's
MaxMsgSize, in the device's encoding, and the reply kept for a resent message is the one that went out."""

import itertools
from collections.abc import Callable
from dataclasses import replace

import pytest

from syncmld.client import Device
from syncmld.client.device import Signer, Transport
from syncmld.engine import EngineContext, Request, handle_message
from syncmld.engine.api import split_session_url
from syncmld.protocol.codec import Decoded, Encoding, decode, encode
from syncmld.protocol.messages import Add, Sync, SyncML
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, PASSWORD, URL, vcard

LIMIT = 4000


def recording(store: Store, ctx: EngineContext, encoding: Encoding, replies: list[bytes]) -> Transport:
    """The engine in process, every message and reply in ``encoding``, each reply's bytes kept."""

    def post(message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        base, token = split_session_url(url)
        body = encode(message, encoding)
        outcome = handle_message(
            Request(decode(body, encoding.content_type).message, encoding, base, token), store, ctx
        )
        assert outcome.encoding is encoding
        replies.append(outcome.body)
        return decode(outcome.body, encoding.content_type).message

    return post


def syncs_with_adds(body: bytes, encoding: Encoding) -> SyncML | None:
    message = decode(body, encoding.content_type).message
    if any(isinstance(command, Sync) and command.commands for command in message.commands):
        return message
    return None


@pytest.mark.parametrize("encoding", list(Encoding), ids=lambda encoding: encoding.name)
def test_each_message_holds_as_many_changes_as_fit_in_max_msg_size(
    store: Store, ctx: EngineContext, new_device: Callable[..., Device], encoding: Encoding
) -> None:
    phone = new_device("IMEI:1")
    for n in range(60):
        phone.add(vcard(n, note="Met at the conference, talked about sync; call back." * (n % 4)))
    phone.sync(201)
    replies: list[bytes] = []
    tablet = Device(
        transport=recording(store, ctx, encoding, replies),
        user=EMAIL,
        device_id="IMEI:2",
        password=PASSWORD,
        url=URL,
        max_msg_size=LIMIT,
    )
    tablet.sync(201)
    assert len(tablet.items) == 60
    assert all(len(body) <= LIMIT for body in replies)
    package = [message for body in replies if (message := syncs_with_adds(body, encoding)) is not None]
    assert len(package) > 3
    for message, following in itertools.pairwise(package):
        sync = next(command for command in message.commands if isinstance(command, Sync))
        next_add = next(sub for command in following.commands if isinstance(command, Sync) for sub in command.commands)
        assert isinstance(next_add, Add)
        next_add = replace(next_add, cmd_id=None)  # numbered where it would have been
        fuller = tuple(
            replace(command, commands=(*command.commands, next_add)) if command is sync else command
            for command in message.commands
        )
        # room for Final is kept while filling: whether the message is the last is known only at its end
        assert len(encode(replace(message, commands=fuller, final=True), encoding)) > LIMIT


def a_finished_sync(
    store: Store, ctx: EngineContext, new_device: Callable[..., Device], encoding: Encoding
) -> tuple[SyncML, list[bytes], str, bytes]:
    """A tablet's first sync of three contacts in ``encoding``: its last message, the replies it got, the
    session's token and the reply the store keeps for a resend."""
    phone = new_device("IMEI:1")
    for n in range(3):
        phone.add(vcard(n))
    replies: list[bytes] = []
    sent: list[SyncML] = []
    transport = recording(store, ctx, encoding, replies)

    def keep(message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        sent.append(message)
        return transport(message, url)

    tablet = Device(transport=keep, user=EMAIL, device_id="IMEI:2", password=PASSWORD, url=URL)
    tablet.sync(201)
    url = decode(replies[-2], encoding.content_type).message.header.resp_uri
    assert url is not None
    token = split_session_url(url)[1] or ""
    with store.transaction() as tx:
        kept = tx.kept_reply(token)
    assert kept is not None
    return sent[-1], replies, token, kept


@pytest.mark.parametrize("encoding", list(Encoding), ids=lambda encoding: encoding.name)
def test_a_resent_message_gets_the_reply_that_went_out_byte_for_byte(
    store: Store, ctx: EngineContext, new_device: Callable[..., Device], encoding: Encoding
) -> None:
    last, replies, token, kept = a_finished_sync(store, ctx, new_device, encoding)
    assert kept == replies[-1]
    again = handle_message(
        Request(decode(encode(last, encoding), encoding.content_type).message, encoding, URL, token),
        store,
        ctx,
    )
    assert again.resent and again.body == replies[-1] and again.encoding is encoding


@pytest.mark.parametrize("encoding", list(Encoding), ids=lambda encoding: encoding.name)
def test_a_message_resent_in_the_other_encoding_gets_the_same_reply_in_that_one(
    store: Store, ctx: EngineContext, new_device: Callable[..., Device], encoding: Encoding
) -> None:
    last, replies, token, _ = a_finished_sync(store, ctx, new_device, encoding)
    other = Encoding.WBXML if encoding is Encoding.XML else Encoding.XML
    again = handle_message(
        Request(decode(encode(last, other), other.content_type).message, other, URL, token), store, ctx
    )
    assert again.resent and again.encoding is other
    assert decode(again.body, other.content_type) == Decoded(decode(replies[-1], encoding.content_type).message, other)
