"""What travels over HTTP: the server's replies as SyncEvolution logged them, and a scripted device
(``syncmld.client.Device``) posting to the real server, for what SyncEvolution cannot be made to send."""

from pathlib import Path

from syncmld.client import Transport
from syncmld.client.http import HttpTransport
from syncmld.protocol.codec import decode_xml
from syncmld.protocol.messages import Alert, Status, SyncML

from .client import SyncResult

MESSAGE_LOGGING = ("--loglevel", "4")
"""client.sh options that make SyncEvolution keep every message of a session as an XML file."""


def received_messages(result: SyncResult) -> list[SyncML]:
    """The server's messages in the order the client received them (run with ``MESSAGE_LOGGING``)."""
    session = Path(result.summary["session_dir"])
    files = sorted(session.glob("*_incoming.xml"), key=lambda path: int(path.stem.split("_")[-2]))
    assert files, f"no logged messages in {session}: was the sync run with {MESSAGE_LOGGING}?"
    return [decode_xml(path.read_bytes()) for path in files]


def header_statuses(messages: list[SyncML]) -> list[Status]:
    """The SyncHdr Status of each message that carries one, in order."""
    found = []
    for message in messages:
        status = next((c for c in message.commands if isinstance(c, Status) and c.cmd == "SyncHdr"), None)
        if status is not None:
            found.append(status)
    return found


def challenged_for(status: Status) -> str | None:
    """The authentication type a Status's Chal asks for; None without a Chal."""
    return status.chal.meta.type if status.chal is not None else None


def mode_answer(messages: list[SyncML]) -> tuple[int, int]:
    """How the server answered the client's sync Alert: the status it gave that Alert and the alert
    code it sent back (the mode the client is to run)."""
    commands = [command for message in messages for command in message.commands]
    status = next(c for c in commands if isinstance(c, Status) and c.cmd == "Alert")
    alert = next(c for c in commands if isinstance(c, Alert) and c.data is not None and 200 <= c.data <= 210)
    return status.data or 0, alert.data or 0


def http_transport() -> Transport:
    """Posts each message as XML to the URL it is given and decodes the reply."""
    return HttpTransport()
