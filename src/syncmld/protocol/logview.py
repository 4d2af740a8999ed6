"""Messages as readable XML for diagnosis logs, with credentials hidden."""

import re
from collections.abc import Collection

from syncmld.protocol.elements import build_message
from syncmld.protocol.messages import SyncML
from syncmld.protocol.xml import serialize

HIDDEN = "***"
URI_ELEMENTS = ("LocURI", "RespURI")
"""Elements whose URL may carry a secret query parameter (a session token in the RespURI we hand out,
and in the Target a client posts back to)."""


def render_for_log(message: SyncML, secret_params: Collection[str] = ()) -> str:
    """The message as indented XML, every ``Cred/Data`` replaced by ``***``, binary data summarised, and
    the value of each URL query parameter named in ``secret_params`` shown as ``***``."""
    root = build_message(message, bytes_as_text=_describe_binary)
    for data in root.iter("Data"):
        parent = data.getparent()
        if parent is not None and parent.tag == "Cred":
            data.text = HIDDEN
    if secret_params:
        secret = re.compile(rf"([?&](?:{'|'.join(map(re.escape, secret_params))})=)[^&#]*")
        for uri in root.iter(*URI_ELEMENTS):
            if uri.text:
                uri.text = secret.sub(rf"\g<1>{HIDDEN}", uri.text)
    return serialize(root, message.header.version.namespace, pretty=True)


def _describe_binary(data: bytes) -> str:
    return f"[{len(data)} bytes of binary data]"
