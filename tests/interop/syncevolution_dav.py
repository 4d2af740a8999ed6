"""SyncEvolution as a DAV client: its CardDAV and CalDAV back ends (a "local sync") keeping a directory of
item files in step with a server's address book or calendar."""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

SYNC_TIMEOUT_S = 180
BACKENDS = {"contacts": ("carddav", "text/vcard"), "events": ("caldav", "text/calendar")}
"""Our collection -> SyncEvolution's back end and the format of its local files."""


@dataclass(frozen=True)
class SyncEvolutionDav:
    """One SyncEvolution configuration under ``home`` syncing ``collection`` of the server at ``url`` (its
    root: the back end finds the collection itself) with the files of ``directory``."""

    home: Path
    url: str
    user: str
    password: str
    collection: str = "contacts"

    @property
    def directory(self) -> Path:
        return self.home / "files" / self.collection

    def configure(self) -> None:
        backend, media_type = BACKENDS[self.collection]
        self.directory.mkdir(parents=True, exist_ok=True)
        self._run("--configure", "--template", "none", "keyring=no", f"syncURL={self.url}", f"username={self.user}",
                  f"password={self.password}", "target-config@dav")  # fmt: skip
        self._run("--configure", "--template", "none", f"backend={backend}", "target-config@dav", "store")
        self._run("--configure", "--template", "none", "keyring=no", "syncURL=local://@dav", "peerIsClient=1", "dav")
        self._run("--configure", "--template", "none", "backend=file", f"database=file://{self.directory}",
                  f"databaseFormat={media_type}", "sync=two-way", "dav", "store")  # fmt: skip

    def sync(self, mode: str = "two-way") -> tuple[int, int, int]:
        """Run one sync; the (added, updated, removed) counts it applied to its own files, from the status
        file of the session it logged."""
        self._run("--sync", mode, "dav", "store")
        sessions = sorted((self.home / ".cache" / "syncevolution").glob("dav-*"), key=lambda path: path.stat().st_mtime)
        status = dict(
            line.split(" = ", 1) for line in (sessions[-1] / "status.ini").read_text().splitlines() if " = " in line
        )
        assert status.get("status") == "200", status
        counts = (
            int(status.get(f"source-store-stat-local-{what}-total", "0")) for what in ("added", "updated", "removed")
        )
        added, updated, removed = counts
        return added, updated, removed

    def files(self) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in sorted(self.directory.iterdir()) if path.is_file()}

    def _run(self, *args: str) -> str:
        environment = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
        }
        environment.pop("DBUS_SESSION_BUS_ADDRESS", None)
        self.home.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["syncevolution", "--daemon=no", *args],
            capture_output=True,
            text=True,
            env=environment,
            timeout=SYNC_TIMEOUT_S,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise RuntimeError(f"syncevolution {' '.join(args[:2])} failed ({done.returncode}):\n{output[-3000:]}")
        return output
