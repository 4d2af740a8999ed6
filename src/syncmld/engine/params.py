"""The sync URL's parameters (product §3): ``?sync=2,&backup=nokia`` or, for Funambol clients,
``?sync=2,#backup=nokia``; case-insensitive, trailing commas and bare flags accepted."""

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

log = logging.getLogger("syncmld.engine")

FORMATS = ("get", "sif", "vob")
_SEPARATORS = re.compile(r"&|#|%23", re.IGNORECASE)
_BACKUP_NAME = re.compile(r"^[A-Za-z0-9_-]*$")


@dataclass
class SyncParams:
    sync: int | None = None
    """The mode the user asked for, 1-9."""
    format: str | None = None
    backup: str | None = None
    """None: no backup; otherwise the archive name prefix ("" when the parameter has no value)."""
    reset: bool = False
    push: bool = False
    errors: list[str] = field(default_factory=list)
    """Bad values, each a sentence for the Alert status and the log."""


def parse_params(url: str) -> SyncParams:
    """The parameters of a sync URL; unknown ones are logged and ignored, bad values collected."""
    params = SyncParams()
    _, _, query = url.partition("?")
    for raw in _SEPARATORS.split(query):
        part = unquote(raw).strip().rstrip(",").strip()
        if not part:
            continue
        name, has_value, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if name == "sync":
            if value.isdigit() and 1 <= int(value) <= 9:
                params.sync = int(value)
            else:
                params.errors.append(f"sync={value}: the sync mode must be a number from 1 to 9")
        elif name == "format":
            if value.lower() in FORMATS:
                params.format = value.lower()
            else:
                params.errors.append(f"format={value}: the format must be get, sif or vob")
        elif name == "backup":
            if _BACKUP_NAME.match(value):
                params.backup = value
            else:
                params.errors.append(f"backup={value}: a backup name may hold letters, digits, - and _ only")
        elif name in ("reset", "push") and not (has_value and value.lower() in ("0", "no", "false", "off")):
            setattr(params, name, True)
        elif name not in ("reset", "push"):
            log.info("unknown URL parameter %r ignored", part)
    return params
