"""The ``x-syncml-hmac`` transport header of syncml:auth-MAC: ``algorithm=MD5, username="user", mac=B64``."""

import re
from dataclasses import dataclass

from syncmld.errors import RemoteError

HEADER = "x-syncml-hmac"
MAX_HEADER_LENGTH = 1024
"""Longer than any header a real user name and a base64 MD5 make."""
_PARAMETER = re.compile(r'\s*([A-Za-z-]+)\s*=\s*("[^"]*"|[^,\s]*)\s*(?:,|$)')


@dataclass(frozen=True)
class MacCredentials:
    """What an x-syncml-hmac header carries, with the MD5 digest of the exact body it came with (computed
    by the transport)."""

    username: str
    mac: str
    """B64(MD5(B64(MD5(user ":" password)) ":" nonce ":" B64(MD5(body))))."""
    body_digest: bytes
    algorithm: str = "MD5"


class MacHeaderError(RemoteError):
    """The header is not one we can read; the message says why."""


def read_mac_header(value: str, body_digest: bytes) -> MacCredentials:
    """The credentials of an x-syncml-hmac header value, for a body with the MD5 ``body_digest``."""
    if len(value) > MAX_HEADER_LENGTH:
        raise MacHeaderError(f"{HEADER} header of {len(value)} characters is longer than {MAX_HEADER_LENGTH}")
    parameters: dict[str, str] = {}
    position = 0
    while position < len(value.rstrip()):
        found = _PARAMETER.match(value, position)
        if found is None or found.end() == position:
            raise MacHeaderError(f"{HEADER} header is not a list of name=value parameters")
        parameters[found.group(1).lower()] = found.group(2).strip('"')
        position = found.end()
    algorithm = parameters.get("algorithm", "MD5")
    if algorithm.upper() != "MD5":
        raise MacHeaderError(f"{HEADER} algorithm {algorithm!r} is not supported (MD5 only)")
    if not parameters.get("username") or not parameters.get("mac"):
        raise MacHeaderError(f"{HEADER} header without username or mac")
    return MacCredentials(parameters["username"], parameters["mac"], body_digest, "MD5")


def mac_header(credentials: MacCredentials) -> str:
    """The header value for ``credentials``."""
    return f'algorithm={credentials.algorithm}, username="{credentials.username}", mac={credentials.mac}'
