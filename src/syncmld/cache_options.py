"""The ``syncmld serve`` options that bound the caches of what clients send (``--cache-*``), each worker's own.
The command gets them as a ``CacheLimits`` named ``caches``."""

import functools
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import click

from syncmld.caches import CacheLimits

_Command = Callable[..., Any]

_HELP = {
    "devinfs": "Devices' DevInfs kept as read, by their XML: a device sending the same one again is not read again.",
    "devinf_bytes": "Bytes of the largest DevInf kept as read (as sent or as stored); larger ones are read each time.",
    "stored_devinfs": "Stored DevInfs kept as read (each session of a device reads its own).",
    "headers": "Content line headers (TEL;TYPE=CELL) of vCards and calendar objects kept as read (as text, and as "
    "bytes for vCard 3.0 lines kept as they came: up to twice this many).",
    "vcard_headers": "vCard 3.0 headers kept as written in vCard 2.1, and vCard 2.1 headers as read into 3.0 "
    "(each up to this many).",
    "header_chars": "Characters of the longest header kept (as read, or as written in vCard 2.1).",
    "vtimezones": "VTIMEZONE texts kept as read, with their time zone's transitions.",
    "vtimezone_chars": "Characters of the longest VTIMEZONE kept as read; longer ones are read each time.",
    "zones": "VTIMEZONEs whose transitions are kept (by their text, no longer than --cache-vtimezone-chars).",
    "known_tzids": "TZIDs sent without a VTIMEZONE whose time zone database entry is kept.",
    "name_chars": "Characters of the longest name (media type and format, TZID, XML element name) whose facts "
    "are kept; longer ones are worked out each time.",
    "media_types": "Content types kept as read, and pairs of stored and wanted media types whose conversion is kept "
    "(each up to this many).",
    "item_metas": "Types and formats of items sent whose Meta is made once.",
    "read_metas": "Metas of the commands and items sent (by their elements' names and texts) kept as read.",
    "item_shapes": "Shapes (command, type, format, addressing) of the Adds and Replaces sent, made once.",
    "item_templates": "Templates of those Adds and Replaces kept per encoding.",
    "xml_elements": "XML element names (per parent) whose tags are written once.",
    "mail_snapshots": "Mail snapshots (flags, date, size) kept as read.",
    "snapshot_bytes": "Bytes of the largest mail snapshot kept as read.",
    "logins": "Successful password checks kept (10 minutes), so that logging in again costs no scrypt.",
}
_NAMES = tuple(field.name for field in fields(CacheLimits))


def _option(name: str) -> Callable[[_Command], _Command]:
    return click.option(
        f"--cache-{name.replace('_', '-')}",
        f"cache_{name}",
        type=click.IntRange(min=0),
        default=getattr(CacheLimits, name),
        show_default=True,
        help=_HELP[name],
    )


def cache_options(command: _Command) -> _Command:
    """Add the options to ``command``, which gets ``caches``."""

    @functools.wraps(command)
    def with_caches(**options: Any) -> Any:
        caches = CacheLimits(**{name: options.pop(f"cache_{name}") for name in _NAMES})
        return command(caches=caches, **options)

    decorated: _Command = with_caches
    for name in reversed(_NAMES):
        decorated = _option(name)(decorated)
    return decorated
