"""A real Dovecot IMAP server for the tests: unprivileged, on a free loopback port, from a temp dir, with
passwd-file users and maildirs there; and an SMTP sink (aiosmtpd) keeping what it receives."""

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from syncmld.client import Device
from syncmld.client.device import Signer
from syncmld.protocol.messages import Sync, SyncML
from tests.processes import free_port, stop

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
UNPRIVILEGED = "nobody"
"""The user Dovecot runs as when the tests run as root (Dovecot refuses to log in users as root)."""


def _config(root: Path, port: int, user: str, group: str, uid: int) -> str:
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = syncmld-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_master_user_separator = *
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/master-users
  master = yes
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = create
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot; ``add_user`` makes a mailbox, ``imap`` logs in to it with imaplib."""

    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    users: dict[str, str] = field(default_factory=dict)
    _stamp: int = 0

    @classmethod
    def start(cls, extra_config: str = "") -> "Dovecot":
        """A Dovecot on a free port; ``extra_config`` is added to its configuration."""
        root = Path(tempfile.mkdtemp(prefix="syncmld-dovecot-"))
        running = cls(root, free_port())
        running._write_config(extra_config)
        running.resume()
        return running

    def _account(self) -> tuple[str, str, int, int]:
        entry = pwd.getpwuid(os.geteuid()) if os.geteuid() != 0 else pwd.getpwnam(UNPRIVILEGED)
        group = subprocess.run(["id", "-gn", entry.pw_name], capture_output=True, text=True, check=True).stdout.strip()
        return entry.pw_name, group, entry.pw_uid, entry.pw_gid

    def _write_config(self, extra: str) -> None:
        user, group, uid, _ = self._account()
        for name in ("run", "state", "mail", "home"):
            (self.root / name).mkdir(exist_ok=True)
        (self.root / "dovecot.conf").write_text(_config(self.root, self.port, user, group, uid) + extra)
        (self.root / "passwd").write_text("")
        (self.root / "master-users").write_text("master:{PLAIN}master-secret\n")
        self._own()

    def _own(self) -> None:
        _, _, uid, gid = self._account()
        if os.geteuid() == 0:
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, uid, gid)

    def add_user(self, email: str, password: str) -> None:
        self.add_users({email: password})

    def add_users(self, users: dict[str, str]) -> None:
        """Mail users (address -> password), usable when this returns."""
        _, _, uid, gid = self._account()
        self.users.update(users)
        passwd = self.root / "passwd"
        with passwd.open("a") as lines:
            for email, password in users.items():
                lines.write(f"{email}:{{PLAIN}}{password}:{uid}:{gid}::{self.root}/home/{email}\n")
        # Dovecot reads the file again when its modification time changes: make it change, whole seconds
        self._stamp = max(self._stamp + 1, int(time.time()) + 1)
        os.utime(passwd, (self._stamp, self._stamp))
        self._own()
        deadline = time.monotonic() + 10
        email = list(users)[-1]
        while True:  # until Dovecot has read the file again
            try:
                self.imap(email).logout()
                return
            except imaplib.IMAP4.error:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def imap(self, email: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(email, self.users[email])
        return client

    def resume(self) -> None:
        """Start (again) on the same port, with the same mailboxes."""
        _, _, uid, gid = self._account()
        switch = os.geteuid() == 0
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            user=uid if switch else None,
            group=gid if switch else None,
            extra_groups=[] if switch else None,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    if probe.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        log = (self.root / "dovecot.log").read_text() if (self.root / "dovecot.log").exists() else ""
        raise RuntimeError(f"Dovecot did not start on port {self.port}: {log[-2000:]}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            stop(process)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.1)
            except OSError:
                return

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def down_from_the_sync(dovecot: Dovecot, device: Device) -> Iterator[None]:
    """Dovecot stops when the device sends its changes (its Alert was answered while Dovecot ran), until the
    block ends."""
    plain = device.transport

    def stopping(message: SyncML, url: str, *sign: Signer | None) -> SyncML:
        if any(isinstance(command, Sync) for command in message.commands):
            dovecot.stop()
        return plain(message, url, *sign)

    device.transport = stopping
    try:
        yield
    finally:
        device.transport = plain
        dovecot.resume()


class _Sink:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refused: set[str] = set()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refused:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.received.append((str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on a free loopback port that keeps every mail it accepts (``received``) and refuses
    the recipients in ``refused``."""

    def __init__(self) -> None:
        self.port = free_port()
        self._handler = _Sink()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    @property
    def received(self) -> list[tuple[str, list[str], bytes]]:
        return self._handler.received

    @property
    def refused(self) -> set[str]:
        return self._handler.refused

    def stop(self) -> None:
        self._controller.stop()
