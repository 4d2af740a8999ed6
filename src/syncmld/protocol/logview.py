"""Messages as readable XML for diagnosis logs, with credentials hidden."""

import re
from collections.abc import Collection
from functools import cache

from syncmld.protocol.elements import MessageWriter
from syncmld.protocol.messages import SyncML
from syncmld.protocol.sink import flag
from syncmld.protocol.xml_writer import HIDDEN, XML_DECLARATION, XmlSink


def render_for_log(message: SyncML, secret_params: Collection[str] = ()) -> str:
    """The message as indented XML, every ``Cred/Data`` replaced by ``***``, binary data summarised, and
    the value of each URL query parameter named in ``secret_params`` shown as ``***``."""
    sink = XmlSink(
        root_namespace=message.header.version.namespace,
        pretty=True,
        bytes_as_text=_describe_binary,
        hide_secrets=True,
    )
    writer = MessageWriter(sink)
    sink.start("SyncML")
    writer.header(message.header)
    sink.start("SyncBody")
    for command in message.commands:
        writer.command(command)
    flag(sink, "Final", message.final)
    sink.end()
    sink.end()
    text = (XML_DECLARATION + b"\n" + sink.take()).decode("utf-8")
    if secret_params:
        text = _query_values(tuple(sorted(secret_params))).sub(rf"\g<1>{HIDDEN}", text)
    return text


@cache
def _query_values(names: tuple[str, ...]) -> re.Pattern[str]:
    """The values of the URL query parameters ``names`` in XML text (``&`` written as ``&amp;``)."""
    return re.compile(rf"((?:[?&]|&amp;)(?:{'|'.join(map(re.escape, names))})=)[^&#<\s]*")


def _describe_binary(data: bytes) -> str:
    """Bytes as text when they are UTF-8, else how many there are."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return f"[{len(data)} bytes of binary data]"
