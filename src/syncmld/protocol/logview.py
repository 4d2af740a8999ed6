"""Messages as readable XML for diagnosis logs, with credentials hidden."""

from syncmld.protocol.elements import MessageWriter
from syncmld.protocol.messages import SyncML
from syncmld.protocol.sink import flag
from syncmld.protocol.xml_writer import XML_DECLARATION, XmlSink


def render_for_log(message: SyncML) -> str:
    """The message as indented XML, every ``Cred/Data`` replaced by ``***``, binary data summarised."""
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
    return (XML_DECLARATION + b"\n" + sink.take()).decode("utf-8")


def _describe_binary(data: bytes) -> str:
    """Bytes as text when they are UTF-8, else how many there are."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return f"[{len(data)} bytes of binary data]"
