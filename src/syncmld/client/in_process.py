"""The in-process transport of a ``Device``: each message goes to the engine directly, through the real
XML codec both ways, as over HTTP but without a server."""

from collections.abc import Callable

from syncmld.engine import EngineContext, Request, handle_message
from syncmld.engine.api import split_session_url
from syncmld.protocol.codec import Encoding, decode_xml, encode_xml
from syncmld.protocol.messages import SyncML
from syncmld.store.base import Store


def in_process_transport(store: Store, ctx: EngineContext) -> Callable[[SyncML, str], SyncML]:
    """A ``syncmld.client.Transport`` that hands every message to the engine on ``store``."""

    def post(message: SyncML, url: str) -> SyncML:
        base, token = split_session_url(url)
        request = Request(decode_xml(encode_xml(message)), Encoding.XML, base, token)
        return decode_xml(encode_xml(handle_message(request, store, ctx).reply))

    return post
