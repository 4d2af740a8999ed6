"""The server key: 32 random bytes in a file of its own, outside the database.

The keys that seal the accounts' MD5 secrets in the store and that sign first-contact MD5 nonces are
derived from it, so a copy of the database alone (a dump, a backup) logs no one in. The file is
``secret.key`` in the data directory, created mode 0600 on first use; ``$SYNCMLD_KEY_FILE`` names
another one (every host serving one PostgreSQL database needs the same file).
"""

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from syncmld.errors import LocalError

logger = logging.getLogger(__name__)

KEY_FILE_NAME = "secret.key"
KEY_FILE_ENV = "SYNCMLD_KEY_FILE"
"""Environment variable naming the key file when it is not ``secret.key`` in the data directory."""
KEY_BYTES = 32
PRIVATE_FILE_MODE = 0o600


class ServerKeyError(LocalError):
    """The key file cannot be read or created; the message says why."""


def key_file_path(data_dir: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """``$SYNCMLD_KEY_FILE`` if set, else ``secret.key`` in ``data_dir``."""
    configured = environ.get(KEY_FILE_ENV, "").strip()
    return Path(configured) if configured else data_dir / KEY_FILE_NAME


def restrict_mode(path: Path, mode: int) -> None:
    """Take away the permissions ``path`` has beyond ``mode``, saying so in the log."""
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        path.chmod(current & mode)
        logger.warning("%s was mode %04o: set to %04o (only its owner may read it)", path, current, current & mode)


def load_server_key(path: Path) -> bytes:
    """The key in ``path``, created there (mode 0600) when the file does not exist. A new key is written
    to a file of its own first and then linked into place, so a process starting at the same time reads
    either no file or a whole key."""
    if not path.exists():
        _create_key_file(path)
    try:
        restrict_mode(path, PRIVATE_FILE_MODE)
        text = path.read_text().strip()
    except OSError as error:
        raise ServerKeyError(f"cannot read the key file {path}: {error.strerror}") from error
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error:
        key = b""
    if len(key) != KEY_BYTES:
        raise ServerKeyError(f"the key file {path} does not hold a key ({KEY_BYTES} bytes in base64)")
    return key


def _create_key_file(path: Path) -> None:
    try:
        descriptor, written = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise ServerKeyError(f"cannot create the key file {path}: {error.strerror}") from error
    try:
        with os.fdopen(descriptor, "w") as created:
            created.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
        os.link(written, path)
        logger.info("created the server key %s: keep it with the database, but not in its backups", path)
    except FileExistsError:
        pass
    except OSError as error:
        raise ServerKeyError(f"cannot create the key file {path}: {error.strerror}") from error
    finally:
        os.unlink(written)


def derived_key(key: bytes, purpose: str) -> bytes:
    """A key for one purpose: keys for different purposes tell nothing about each other."""
    return hmac.new(key, b"syncmld key for " + purpose.encode(), hashlib.sha256).digest()
