"""The ``syncmld serve`` options of CardDAV and CalDAV: where the DAV tree is and what one request may ask.
The command gets them as ``dav_path`` and a ``DavLimits`` named ``dav``."""

import functools
from collections.abc import Callable
from typing import Any

import click

from syncmld.config import DEFAULT_DAV_PATH
from syncmld.dav.api import DavLimits

_Command = Callable[..., Any]

_LIMITS = (
    click.option(
        "--dav-max-body",
        "max_body",
        type=click.IntRange(min=1),
        default=DavLimits.max_body,
        show_default=True,
        help="Bytes of a DAV request body (an item put, a REPORT, a PROPFIND); a larger one is answered 413.",
    ),
    click.option(
        "--dav-max-hrefs",
        "max_hrefs",
        type=click.IntRange(min=1),
        default=DavLimits.max_hrefs,
        show_default=True,
        help="Resources one multiget REPORT may name; more are answered 403.",
    ),
    click.option(
        "--dav-max-results",
        "max_results",
        type=click.IntRange(min=1),
        default=DavLimits.max_results,
        show_default=True,
        help="Changes one sync-collection answer lists; the rest follow from the token it ends with (507).",
    ),
    click.option(
        "--dav-max-name-length",
        "max_name_length",
        type=click.IntRange(min=1),
        default=DavLimits.max_name_length,
        show_default=True,
        help="Characters of the name of a resource a DAV client creates; a longer one is answered 403.",
    ),
)
_NAMES = ("max_body", "max_hrefs", "max_results", "max_name_length")


def dav_options(command: _Command) -> _Command:
    """Add the options to ``command``, which gets ``dav_path`` and ``dav``."""

    @functools.wraps(command)
    def with_dav(**options: Any) -> Any:
        dav = DavLimits(**{name: options.pop(name) for name in _NAMES})
        return command(dav=dav, **options)

    decorated: _Command = with_dav
    for option in reversed(_LIMITS):
        decorated = option(decorated)
    return click.option(
        "--dav-path",
        default=DEFAULT_DAV_PATH,
        show_default=True,
        help="URL path of the CardDAV and CalDAV tree (discovered through /.well-known/carddav and caldav).",
    )(decorated)
