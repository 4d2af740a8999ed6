"""Messages as readable XML for diagnosis logs, with credentials hidden."""

from syncmld.protocol.elements import build_message
from syncmld.protocol.messages import SyncML
from syncmld.protocol.xml import serialize

HIDDEN = "***"


def render_for_log(message: SyncML) -> str:
    """The message as indented XML, every ``Cred/Data`` replaced by ``***``, binary data summarised."""
    root = build_message(message, bytes_as_text=_describe_binary)
    for data in root.iter("Data"):
        parent = data.getparent()
        if parent is not None and parent.tag == "Cred":
            data.text = HIDDEN
    return serialize(root, message.header.version.namespace, pretty=True)


def _describe_binary(data: bytes) -> str:
    return f"[{len(data)} bytes of binary data]"
