"""The ``syncmld serve`` options of upstream syncing; the command gets them as ``UpstreamSettings``
named ``upstream``."""

import functools
from collections.abc import Callable
from typing import Any

import click

from syncmld.upstream.limits import UpstreamSettings

_Command = Callable[..., Any]

_OPTIONS = (
    click.option(
        "--upstream-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=UpstreamSettings.timeout,
        show_default=True,
        help="Seconds each request to an account's CalDAV/CardDAV upstream may take, and a device's login "
        "waits for the upstream's changes before its sync goes on with what syncmld holds.",
    ),
    click.option(
        "--upstream-retry-interval",
        type=click.FloatRange(min=0, min_open=True),
        default=UpstreamSettings.retry_interval,
        show_default=True,
        help="Seconds between attempts to reach an upstream that failed, and looks for changes not yet sent up.",
    ),
    click.option(
        "--upstream-max-answer",
        type=click.IntRange(min=1),
        default=UpstreamSettings.max_answer,
        show_default=True,
        help="Bytes of one answer of an upstream; a larger one fails that attempt.",
    ),
)


def upstream_options(command: _Command) -> _Command:
    """Add the options to ``command``, which gets ``upstream``."""

    @functools.wraps(command)
    def with_upstream(**options: Any) -> Any:
        upstream = UpstreamSettings(
            timeout=options.pop("upstream_timeout"),
            retry_interval=options.pop("upstream_retry_interval"),
            max_answer=options.pop("upstream_max_answer"),
        )
        return command(upstream=upstream, **options)

    decorated: _Command = with_upstream
    for option in reversed(_OPTIONS):
        decorated = option(decorated)
    return decorated
