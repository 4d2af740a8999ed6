"""vdirsyncer (a real CardDAV and CalDAV client, from PyPI) syncing a server's collections with local
directories of its own."""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

VDIRSYNCER_TIMEOUT_S = 120


@dataclass(frozen=True)
class Vdirsyncer:
    """One vdirsyncer configuration: ``storage`` (``carddav`` or ``caldav``) of ``url`` (only the server's
    root URL) paired with directories under ``state``, for the ``collections`` named."""

    state: Path
    url: str
    user: str
    password: str
    storage: str = "carddav"
    collections: tuple[str, ...] = ("contacts",)

    @property
    def extension(self) -> str:
        return ".vcf" if self.storage == "carddav" else ".ics"

    def directory(self, collection: str) -> Path:
        return self.state / "local" / collection

    def files(self, collection: str) -> dict[str, bytes]:
        """The collection's items on the vdirsyncer side, by file name."""
        folder = self.directory(collection)
        return {path.name: path.read_bytes() for path in sorted(folder.glob(f"*{self.extension}"))}

    def discover(self) -> str:
        return self._run("discover", answer="y\n" * 10)

    def sync(self) -> str:
        return self._run("sync")

    def _config(self) -> Path:
        self.state.mkdir(parents=True, exist_ok=True)
        config = self.state / "config"
        wanted = ", ".join(f'"{name}"' for name in self.collections)
        config.write_text(
            "[general]\n"
            f'status_path = "{self.state / "status"}/"\n\n'
            "[pair dav]\n"
            'a = "local"\nb = "remote"\n'
            f"collections = [{wanted}]\n"
            'conflict_resolution = "b wins"\n\n'
            "[storage local]\n"
            'type = "filesystem"\n'
            f'path = "{self.state / "local"}/"\n'
            f'fileext = "{self.extension}"\n\n'
            "[storage remote]\n"
            f'type = "{self.storage}"\n'
            f'url = "{self.url}"\n'
            f'username = "{self.user}"\n'
            f'password = "{self.password}"\n'
        )
        return config

    def _run(self, command: str, answer: str = "") -> str:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "vdirsyncer"), "-c", str(self._config()), command],
            input=answer,
            capture_output=True,
            text=True,
            timeout=VDIRSYNCER_TIMEOUT_S,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise RuntimeError(f"vdirsyncer {command} failed ({done.returncode}):\n{output[-3000:]}")
        return output
