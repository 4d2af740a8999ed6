"""Kannel as the SMS gateway, started by the test: bearerbox with a fake SMSC, smsbox answering
``sendsms``, and Kannel's own fake SMSC client (``fakesmsc``, Debian kannel-extras) printing every SMS
the gateway hands to the network."""

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

from tests.processes import free_ports, wait_for_port

FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
USER, PASSWORD = "syncmld", "gateway-secret"
START_TIMEOUT_S = 20.0
_RECEIVED = re.compile(r"Got message \d+: <(\S+) (\S+) udh (\S+) data (\S*)>")


def missing() -> str | None:
    for binary in ("bearerbox", "smsbox"):
        if shutil.which(binary) is None:
            return f"{binary} is not installed (Debian package kannel)"
    if not FAKESMSC.exists():
        return f"{FAKESMSC} is not installed (Debian package kannel-extras)"
    return None


@dataclass(frozen=True)
class ReceivedSms:
    sender: str
    receiver: str
    udh: bytes
    data: bytes


@dataclass(frozen=True)
class SmsGateway:
    sendsms_url: str
    network_log: Path
    """What fakesmsc prints: one line per SMS the gateway sent."""

    def received(self) -> list[ReceivedSms]:
        text = self.network_log.read_text(errors="replace") if self.network_log.exists() else ""
        return [
            ReceivedSms(sender, receiver, unquote_to_bytes(udh)[1:], unquote_to_bytes(data))
            for sender, receiver, udh, data in _RECEIVED.findall(text)
        ]


@contextmanager
def kannel(work_dir: Path) -> Iterator[SmsGateway]:
    admin, boxes, smsc, sendsms = free_ports(4)
    config = work_dir / "kannel.conf"
    config.write_text(
        f"""group = core
admin-port = {admin}
admin-password = admin-secret
smsbox-port = {boxes}
box-allow-ip = 127.0.0.1
log-file = "{work_dir / "bearerbox.log"}"

group = smsc
smsc = fake
smsc-id = fake
port = {smsc}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {sendsms}
log-file = "{work_dir / "smsbox.log"}"

group = sendsms-user
username = {USER}
password = {PASSWORD}
max-messages = 3
concatenation = true
"""
    )
    network_log = work_dir / "fakesmsc.log"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        bearerbox = subprocess.Popen(
            ["bearerbox", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work_dir
        )
        processes.append(bearerbox)
        wait_for_port(smsc, bearerbox, START_TIMEOUT_S)
        with network_log.open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(smsc), "-m", "0", "0 0 text none"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=work_dir,
                )
            )
        smsbox = subprocess.Popen(
            ["smsbox", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work_dir
        )
        processes.append(smsbox)
        wait_for_port(sendsms, smsbox, START_TIMEOUT_S)
        yield SmsGateway(f"http://127.0.0.1:{sendsms}/cgi-bin/sendsms", network_log)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
