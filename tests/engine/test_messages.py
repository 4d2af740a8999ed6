"""Single messages against the engine: resends, session binding, refused commands."""

import base64
from pathlib import Path

import pytest

from syncmld.accounts import hash_password, md5_credential
from syncmld.engine import EngineContext, Request, handle_message
from syncmld.errors import RemoteError
from syncmld.protocol.codec import Encoding, decode_xml
from syncmld.protocol.constants import AUTH_BASIC, AlertCode, SyncMLVersion
from syncmld.protocol.messages import (
    Add,
    Alert,
    Anchor,
    Cred,
    Item,
    LocRef,
    Meta,
    Status,
    Sync,
    SyncHdr,
    SyncML,
    Unsupported,
)
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, PASSWORD, URL, vcard


def header(msg_id: int, device: str = "IMEI:1", session: str = "7", cred: bool = False) -> SyncHdr:
    credentials = None
    if cred:
        token = base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
        credentials = Cred(data=token, meta=Meta(type=AUTH_BASIC, format="b64"))
    return SyncHdr(
        version=SyncMLVersion.V1_2,
        session_id=session,
        msg_id=str(msg_id),
        target=LocRef(URL),
        source=LocRef(device, EMAIL),
        cred=credentials,
    )


def post(store: Store, ctx: EngineContext, message: SyncML, token: str | None = None) -> SyncML:
    """The reply as the client reads it."""
    return decode_xml(handle_message(Request(message, Encoding.XML, URL, token), store, ctx).body)


def start_session(store: Store, ctx: EngineContext) -> str:
    alert = Alert(
        cmd_id="1",
        data=AlertCode.SLOW_SYNC,
        items=(Item(target=LocRef("contacts"), source=LocRef("./c"), meta=Meta(anchor=Anchor(next="1"))),),
    )
    reply = post(store, ctx, SyncML(header(1, cred=True), (alert,), final=True))
    assert reply.header.resp_uri is not None
    return reply.header.resp_uri.rsplit("sid=", 1)[1]


def count_items(store: Store) -> int:
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        folder = tx.get_folder(account.id, "contacts")
        return tx.count_items(folder.id) if folder else 0


def sync_message(msg_id: int) -> SyncML:
    add = Add(cmd_id="2", meta=Meta(type="text/x-vcard"), items=(Item(source=LocRef("1"), data=vcard(1)),))
    sync = Sync(cmd_id="1", target=LocRef("contacts"), source=LocRef("./c"), commands=(add,))
    return SyncML(header(msg_id), (sync,), final=True)


def test_resent_message_gets_the_same_reply_and_is_applied_once(store: Store, ctx: EngineContext) -> None:
    token = start_session(store, ctx)
    first = post(store, ctx, sync_message(2), token)
    again = post(store, ctx, sync_message(2), token)
    assert again == first
    assert count_items(store) == 1


def test_session_token_of_another_device_is_refused(store: Store, ctx: EngineContext) -> None:
    token = start_session(store, ctx)
    message = sync_message(2)
    stolen = SyncML(header(2, device="IMEI:other"), message.commands, final=True)
    with pytest.raises(RemoteError):
        post(store, ctx, stolen, token)
    with pytest.raises(RemoteError):
        post(store, ctx, message, "no-such-token")
    assert count_items(store) == 0


def test_every_command_gets_a_status(store: Store, ctx: EngineContext) -> None:
    token = start_session(store, ctx)
    commands = (
        Unsupported(cmd_id="1", name="Exec"),
        Alert(cmd_id="2", data=AlertCode(999)),
        Alert(cmd_id="3", data=AlertCode.TWO_WAY, items=(Item(target=LocRef("nosuchdb"), source=LocRef("./x")),)),
    )
    reply = post(store, ctx, SyncML(header(2), commands, final=True), token)
    codes = {status.cmd_ref: status.data for status in reply.commands if isinstance(status, Status)}
    assert codes == {"0": 200, "1": 406, "2": 406, "3": 405}


def test_unknown_database_gets_404(store: Store, ctx: EngineContext) -> None:
    alert = Alert(cmd_id="1", data=AlertCode.TWO_WAY, items=(Item(target=LocRef("./Nonsense"), source=LocRef("./x")),))
    reply = post(store, ctx, SyncML(header(1, cred=True), (alert,), final=True))
    codes = [status.data for status in reply.commands if isinstance(status, Status)]
    assert codes == [212, 404]


def test_session_continues_on_a_reopened_store(tmp_path: Path, ctx: EngineContext) -> None:
    """The session lives in the store: a restarted server (a new store object) takes the next message."""
    first = open_store(sqlite_url(tmp_path))
    with first.transaction() as tx:
        tx.add_account(EMAIL, md5_credential(EMAIL, PASSWORD), hash_password(PASSWORD))
    token = start_session(first, ctx)
    first.close()
    second = open_store(sqlite_url(tmp_path))
    reply = post(second, ctx, sync_message(2), token)
    codes = [status.data for status in reply.commands if isinstance(status, Status)]
    assert codes == [200, 200, 201]
    assert count_items(second) == 1
    second.close()
