"""What goes into the DAV handler and what comes out of it."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from http import HTTPStatus

from syncmld.errors import ConfigError, LocalError, RemoteError


class Method(StrEnum):
    """The HTTP methods the DAV handler answers."""

    OPTIONS = "OPTIONS"
    PROPFIND = "PROPFIND"
    PROPPATCH = "PROPPATCH"
    GET = "GET"
    HEAD = "HEAD"
    PUT = "PUT"
    DELETE = "DELETE"
    REPORT = "REPORT"
    MKCOL = "MKCOL"
    MKCALENDAR = "MKCALENDAR"


ALLOWED_METHODS = ", ".join(Method)


@dataclass(frozen=True)
class DavLimits:
    """What one DAV request may ask of the server."""

    max_body: int = 10_000_000
    """Bytes of a request body (a PUT's item, a REPORT or PROPFIND); larger: 413."""
    max_hrefs: int = 1000
    """Resources a multiget REPORT may name; more: 403."""
    max_results: int = 10_000
    """Changes one sync-collection answer lists; beyond them it is cut (507) with a token to go on from."""
    max_name_length: int = 255
    """Characters of a resource name a client may create; longer: 403."""

    def __post_init__(self) -> None:
        if min(self.max_body, self.max_hrefs, self.max_results, self.max_name_length) < 1:
            raise ConfigError("the DAV body size, hrefs, results and name length must be at least 1")


@dataclass(frozen=True)
class DavRequest:
    """One HTTP request to the DAV tree, its path split below the DAV root."""

    method: str
    segments: tuple[str, ...]
    """The percent-decoded path segments below the DAV root (``("a@example.org", "contacts", "x.vcf")``)."""
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class DavResponse:
    status: HTTPStatus
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    """For a refusal: the one line logged (and sent as the body when it has no XML of its own)."""


class DavError(RemoteError):
    """A request the handler refuses: its HTTP status (4xx), a one-line reason, and the DAV precondition
    element it failed (``{namespace}name``), if one names it."""

    def __init__(self, http_status: HTTPStatus, reason: str, precondition: str | None = None) -> None:
        super().__init__(reason)
        self.http_status = http_status
        self.reason = reason
        self.precondition = precondition


class UnreadableItem(LocalError):
    """A stored item the DAV layer cannot read (a request that needs it is answered 500)."""
