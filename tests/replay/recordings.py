"""The messages real devices sent (``shared/interop/real-devices``), read as the wire carried them and
grouped into the sessions they belong to."""

import re
from dataclasses import dataclass
from pathlib import Path

from syncmld.protocol.codec import Encoding, decode
from syncmld.protocol.devinf import DevInf
from syncmld.protocol.messages import SyncML
from tests.conftest import REPO_ROOT

REAL_DEVICES = REPO_ROOT.parent / "shared" / "interop" / "real-devices"

_HORDE_CLIENT_FILE = re.compile(r"syncml_client_(\d+)(\d)\.xml")
_LOGGED_MESSAGE = re.compile(rb"\[SyncManager\] (?:Response: )?((?:<\?xml[^>]*\?>\s*)?<SyncML>.*?</SyncML>)", re.S)


@dataclass(frozen=True)
class Recorded:
    """One message a device sent: its bytes as recorded, their encoding and what they say."""

    name: str
    """Where it comes from: its path under ``real-devices`` (``#N`` for the N-th message of a log)."""
    body: bytes
    encoding: Encoding
    message: SyncML

    @property
    def devinf(self) -> DevInf | None:
        """The DevInf the message carries (Put or Results), if any."""
        for command in self.message.commands:
            for item in getattr(command, "items", ()):
                if isinstance(item.data, DevInf):
                    return item.data
        return None


def recorded(name: str, body: bytes | None = None) -> Recorded:
    """The recorded message ``name`` (a path under ``real-devices``), or ``body`` under that name."""
    raw = (REAL_DEVICES / name).read_bytes() if body is None else body
    decoded = decode(raw, None)
    return Recorded(name, raw, decoded.encoding, decoded.message)


def horde_sessions(folder: Path) -> list[list[Path]]:
    """``syncml_client_NM.xml`` is message M of session N; sessions and messages in numeric order."""
    numbered: dict[int, list[tuple[int, Path]]] = {}
    for path in folder.glob("syncml_client_*.xml"):
        found = _HORDE_CLIENT_FILE.fullmatch(path.name)
        assert found is not None, f"unexpected file name {path.name}"
        numbered.setdefault(int(found.group(1)), []).append((int(found.group(2)), path))
    return [[path for _, path in sorted(numbered[session])] for session in sorted(numbered)]


def logged_messages(log: bytes) -> list[bytes]:
    """The SyncML messages a Funambol client wrote into its debug log, client and server ones, in order."""
    return _LOGGED_MESSAGE.findall(log)


def sent_by_client(logged: bytes) -> bool:
    """Whether a message taken from a Funambol client log is the client's own (the server's replies
    start with an XML declaration)."""
    return logged.startswith(b"<SyncML>")
