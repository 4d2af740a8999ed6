"""SyncEvolution's D-Bus server as the device that receives a notification: on a private session bus,
handed the bytes with ``Connection.Process``; this test process is its transport, relaying each SyncML
message it sends to the URL it names over HTTP and handing the reply back (as a phone's push client
and HTTP stack would)."""

import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, MessageType, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection

DBUS_SERVER = Path("/usr/libexec/syncevo-dbus-server")
SERVICE = "org.syncevolution"
START_TIMEOUT_S = 30.0
MESSAGE_TIMEOUT_S = 60.0


def missing() -> str | None:
    """Why the consumer cannot run here, or None."""
    if shutil.which("dbus-daemon") is None:
        return "dbus-daemon is not installed (Debian package dbus)"
    if not DBUS_SERVER.exists():
        return f"{DBUS_SERVER} is not installed (Debian package syncevolution-dbus)"
    return None


@dataclass(frozen=True)
class Relayed:
    """What came of a notification: the messages relayed, and the first reply that named no URL."""

    messages: int
    closed: bool
    unrelayed: bytes | None = None
    unrelayed_type: str = ""


class SanConsumer:
    def __init__(self, connection: DBusConnection) -> None:
        self.connection = connection

    def _call(self, address: DBusAddress, method: str, signature: str, body: tuple[object, ...]) -> Message:
        reply = self.connection.send_and_get_reply(new_method_call(address, method, signature, body), timeout=10)
        if reply.header.message_type == MessageType.error:
            raise RuntimeError(f"{method}: {reply.body}")
        return reply

    def process(self, notification: bytes, content_type: str) -> Relayed:
        """Hand ``notification`` to a new connection and relay what it sends until it ends."""
        bus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus")
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._call(bus, "NameHasOwner", "s", (SERVICE,)).body[0]:  # not Connect: it would start another
            assert time.monotonic() < deadline, f"{DBUS_SERVER} did not take its name on the bus"
            time.sleep(0.2)
        server = DBusAddress("/org/syncevolution/Server", bus_name=SERVICE, interface="org.syncevolution.Server")
        (path,) = self._call(server, "Connect", "a{ss}bs", ({"description": "push test"}, True, "")).body
        self._call(bus, "AddMatch", "s", (MatchRule(type="signal", path=path).serialise(),))
        connection = DBusAddress(path, bus_name=SERVICE, interface="org.syncevolution.Connection")
        self._call(connection, "Process", "ays", (notification, content_type))
        relayed = 0
        while True:
            signal = self.connection.receive(timeout=MESSAGE_TIMEOUT_S)
            if signal.header.message_type != MessageType.signal:
                continue
            member = signal.header.fields[HeaderFields.member]
            if member == "Abort":
                return Relayed(relayed, closed=False)
            if member != "Reply":
                continue
            data, message_type, meta, final, _ = signal.body
            if final:
                self._call(connection, "Close", "bs", (True, ""))
                return Relayed(relayed, closed=True)
            if not meta.get("URL"):
                return Relayed(relayed, closed=False, unrelayed=bytes(data), unrelayed_type=message_type)
            request = urllib.request.Request(meta["URL"], data=bytes(data), headers={"Content-Type": message_type})
            with urllib.request.urlopen(request, timeout=MESSAGE_TIMEOUT_S) as response:
                answer, answer_type = response.read(), response.headers["Content-Type"]
            relayed += 1
            self._call(connection, "Process", "ays", (answer, answer_type))


@contextmanager
def san_consumer(home: dict[str, str], work_dir: Path) -> Iterator[SanConsumer]:
    """A private bus and SyncEvolution's D-Bus server with the configuration of ``home`` (HOME and XDG
    directories, and the password variable the configuration names), stopped at the end; its debug output
    goes to ``syncevo-dbus-server.log`` in ``work_dir``."""
    socket_path = work_dir / "bus"
    env = {**os.environ, **home}
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address", f"--address=unix:path={socket_path}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        with (work_dir / "syncevo-dbus-server.log").open("wb") as log:
            server = subprocess.Popen(
                [str(DBUS_SERVER), "--verbosity=3", "--stdout", "--no-syslog"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            connection = open_dbus_connection(address)
            try:
                yield SanConsumer(connection)
            finally:
                connection.close()
        finally:
            server.terminate()
            server.wait(20)
    finally:
        bus.terminate()
        bus.wait(20)
