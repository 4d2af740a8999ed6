"""The sync URL's parameters (docs/syncing.md): ``?sync=2,&backup=nokia`` or, for Funambol clients,
``?sync=2,#backup=nokia`` (or ``#backup=nokia`` alone); case-insensitive, trailing commas and bare
flags accepted.

A bad value (a mode out of range, an unknown format, a backup name that cannot name a file, a flag
that is neither on nor off, a parameter given twice with different values, too many parameters) is
collected as a sentence: the session's Alerts are answered 400 with it, and it is logged."""

import logging
import re
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import unquote

from syncmld.engine.api import BACKUP_PREFIX, BACKUP_PREFIX_MAX
from syncmld.engine.modes import SyncMode
from syncmld.escape import quoted

log = logging.getLogger("syncmld.engine")

MAX_PARAMETERS = 16
"""Parameters a sync URL may carry (its query and its Target's fragment together); five are defined."""
SHOWN_VALUE = 40
"""Characters of a bad value quoted in its reason."""
FLAG_ON = ("", "1", "yes", "true", "on")
FLAG_OFF = ("0", "no", "false", "off")
_SEPARATORS = re.compile(r"&|#|%23", re.IGNORECASE)
_MODE = re.compile(r"[1-9]")
_QUERY_START = re.compile(r"[?#]")


class Param(StrEnum):
    SYNC = "sync"
    FORMAT = "format"
    BACKUP = "backup"
    RESET = "reset"
    PUSH = "push"


_NAMES = frozenset(Param)


class FormatParam(StrEnum):
    """The ``format=`` parameter: the family of types to send (SIF or Versit), or ``get``: ask the device
    for its DevInf again."""

    GET = "get"
    SIF = "sif"
    VOB = "vob"


_FORMATS = frozenset(FormatParam)


@dataclass
class SyncParams:
    sync: SyncMode | None = None
    format: FormatParam | None = None
    backup: str | None = None
    """None: no backup; otherwise the archive name prefix ("" when the parameter has no value)."""
    reset: bool = False
    push: bool = False
    errors: list[str] = field(default_factory=list)
    """Bad values, each a sentence for the Alert status and the log."""


def _shown(name: str, value: str) -> str:
    return f"{quoted(name, SHOWN_VALUE)}={quoted(value, SHOWN_VALUE)}"


def parse_params(url: str) -> SyncParams:
    """The parameters of a sync URL; unknown ones are logged and ignored, bad values collected."""
    params = SyncParams()
    query = _QUERY_START.split(url, maxsplit=1)[1:]
    parts = [
        part for part in (unquote(raw).strip().rstrip(",").strip() for raw in _SEPARATORS.split("".join(query))) if part
    ]
    if len(parts) > MAX_PARAMETERS:
        params.errors.append(f"{len(parts)} URL parameters: at most {MAX_PARAMETERS} are accepted")
        return params
    given: dict[Param, str] = {}
    unknown: list[str] = []
    for part in parts:
        raw_name, _, raw_value = part.partition("=")
        name, value = raw_name.strip().lower(), raw_value.strip()
        if name not in _NAMES:
            unknown.append(quoted(part, SHOWN_VALUE))
            continue
        param = Param(name)
        if param in given and given[param].lower() != value.lower():
            params.errors.append(f"{param} is given twice, as {_shown(param, given[param])} and {_shown(param, value)}")
            continue
        given[param] = value
        error = _apply(params, param, value)
        if error is not None:
            params.errors.append(f"{_shown(param, value)}: {error}")
    if unknown:
        log.info("unknown URL parameters ignored: %s", ", ".join(unknown))
    return params


def _apply(params: SyncParams, param: Param, value: str) -> str | None:
    """Set one parameter from its value; the reason when the value is bad."""
    if param == Param.SYNC:
        if not _MODE.fullmatch(value):
            return "the sync mode must be a number from 1 to 9"
        params.sync = SyncMode(int(value))
    elif param == Param.FORMAT:
        if value.lower() not in _FORMATS:
            return "the format must be get, sif or vob"
        params.format = FormatParam(value.lower())
    elif param == Param.BACKUP:
        if not BACKUP_PREFIX.fullmatch(value):
            return f"a backup name holds letters, digits, - and _ only, at most {BACKUP_PREFIX_MAX} of them"
        params.backup = value
    elif value.lower() in FLAG_ON or value.lower() in FLAG_OFF:
        setattr(params, param.value, value.lower() in FLAG_ON)
    else:
        return f"{param} is on (no value, 1, yes, true, on) or off (0, no, false, off)"
    return None
