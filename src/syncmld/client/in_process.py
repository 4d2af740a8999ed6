"""The in-process transport of a ``Device``: each message goes to the engine directly, through the real
XML codec both ways, as over HTTP but without a server."""

from syncmld.accounts import body_digest
from syncmld.client.device import Signer, Transport
from syncmld.engine import EngineContext, Request, handle_message
from syncmld.engine.api import split_session_url
from syncmld.protocol.codec import Encoding, decode_xml, encode_xml
from syncmld.protocol.hmac_header import read_mac_header
from syncmld.protocol.messages import SyncML
from syncmld.store.base import Store


def in_process_transport(store: Store, ctx: EngineContext, client_address: str = "") -> Transport:
    """A ``syncmld.client.Transport`` that hands every message to the engine on ``store``, as posted from
    ``client_address``."""

    def post(message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        base, token = split_session_url(url)
        body = encode_xml(message)
        mac = read_mac_header(sign(body), body_digest(body)) if sign is not None else None
        request = Request(decode_xml(body), Encoding.XML, base, token, client_address, mac=mac)
        return decode_xml(handle_message(request, store, ctx).body)

    return post
