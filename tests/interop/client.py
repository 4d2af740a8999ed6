"""One SyncEvolution client device driven through ``shared/interop/client.sh``."""

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

CLIENT_TIMEOUT_S = 180


@dataclass(frozen=True)
class Counts:
    """Items one side applied in a sync, as the client's summary reports them."""

    added: int
    updated: int
    deleted: int
    rejected: int

    @property
    def moved(self) -> int:
        return self.added + self.updated + self.deleted


@dataclass(frozen=True)
class SyncResult:
    ok: bool
    status: int
    mode: str
    first_sync: bool
    client: Counts
    """Changes the client applied to its own files."""
    server: Counts
    """Changes the client sent and the server acknowledged."""
    error: str
    summary: dict[str, Any]

    def describe(self) -> str:
        """The client's JSON summary (it names the session log directory), for assertion messages."""
        return json.dumps(self.summary)


def succeeded(result: SyncResult) -> SyncResult:
    """The result, after asserting that the sync succeeded (its summary otherwise)."""
    assert result.ok, result.describe()
    return result


def _counts(side: dict[str, int]) -> Counts:
    return Counts(side["added"], side["updated"], side["deleted"], side["rejected"])


@dataclass(frozen=True)
class Device:
    """A client device: its own SyncEvolution config, anchors and data directory under ``state``."""

    interop_dir: Path
    state: Path
    name: str
    url: str
    user: str
    password: str
    wbxml: str = "0"
    """client.sh ``--wbxml``: "0" = XML, "1" = WBXML."""
    kind: str = "contacts"
    """client.sh ``--type``: contacts, calendar, tasks or memos."""
    remote_db: str | None = None
    """client.sh ``--remote-db``: the server database name (None: client.sh's default for the kind)."""
    sync_format: str | None = None
    """client.sh ``--format``: the one wire format the device speaks (None: it offers both)."""

    def of_kind(self, kind: str, remote_db: str, sync_format: str | None = None) -> "Device":
        """The same device syncing another of its data stores."""
        return replace(self, kind=kind, remote_db=remote_db, sync_format=sync_format)

    @property
    def data_dir(self) -> Path:
        return self.state / "devices" / self.name / "data" / self.kind

    def generate_items(self, count: int, *options: str, start: int = 1) -> None:
        """Write ``count`` generated items of the device's kind (gen_events.py and friends)."""
        generator = {
            "calendar": "gen_events.py",
            "tasks": "gen_tasks.py",
            "memos": "gen_memos.py",
            "contacts": "gen_contacts.py",
        }[self.kind]
        subprocess.run(
            [str(self.interop_dir / generator), str(count), str(self.data_dir), "--start", str(start), *options],
            check=True,
            capture_output=True,
        )

    def generate(self, count: int, *, start: int = 1, seed: int = 1, version: str = "3.0") -> list[Path]:
        """Write ``count`` generated contacts (``contact-NNNNNN.vcf``) into the data directory."""
        subprocess.run(
            [
                str(self.interop_dir / "gen_contacts.py"),
                str(count),
                str(self.data_dir),
                "--seed",
                str(seed),
                "--start",
                str(start),
                "--version",
                version,
                "--photo-every",
                "0",
            ],
            check=True,
            capture_output=True,
        )
        return [self.data_dir / f"contact-{number:06d}.vcf" for number in range(start, start + count)]

    def files(self) -> dict[str, bytes]:
        """The device's items (files of its data directory) by file name."""
        if not self.data_dir.is_dir():
            return {}
        return {path.name: path.read_bytes() for path in sorted(self.data_dir.iterdir()) if path.is_file()}

    def sync(self, mode: str = "two-way", *options: str, password: str | None = None) -> SyncResult:
        """Run one sync without message resends; ``options`` are further client.sh options."""
        command = [
            str(self.interop_dir / "client.sh"),
            "--url",
            self.url,
            "--user",
            self.user,
            "--password",
            self.password if password is None else password,
            "--device",
            self.name,
            "--state",
            str(self.state),
            "--mode",
            mode,
            "--wbxml",
            self.wbxml,
            "--retry-interval",
            "0",
            "--quiet",
            "--type",
            self.kind,
            *(("--remote-db", self.remote_db) if self.remote_db else ()),
            *(("--format", self.sync_format) if self.sync_format else ()),
            *options,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S)
        lines = done.stdout.strip().splitlines()
        if done.returncode not in (0, 1) or not lines:
            raise RuntimeError(f"client.sh failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        summary: dict[str, Any] = json.loads(lines[-1])
        return SyncResult(
            ok=bool(summary["ok"]),
            status=int(summary["status"]),
            mode=str(summary["mode"]),
            first_sync=bool(summary["first_sync"]),
            client=_counts(summary["client"]),
            server=_counts(summary["server"]),
            error=str(summary["error"]),
            summary=summary,
        )


DeviceFactory = Callable[[str], Device]
"""Makes a client device of the test's account from a device name."""
