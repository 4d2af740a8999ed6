"""The plain-text HTTP answers the SyncML and DAV endpoints share."""

from starlette.responses import PlainTextResponse

RETRY_AFTER_S = 5
"""Seconds a client turned away because too many logins are under way is asked to wait."""


def plain_error(status: int, reason: str) -> PlainTextResponse:
    """An HTTP error with a one-line, plain-text reason."""
    return PlainTextResponse(" ".join(reason.split()) + "\n", status_code=status)


def busy() -> PlainTextResponse:
    """HTTP 503: too many logins at once; the client may try again after ``RETRY_AFTER_S``."""
    response = plain_error(503, "too many logins at once; try again shortly")
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def internal_error() -> PlainTextResponse:
    """HTTP 500: we failed; what and why is in the server log."""
    return plain_error(500, "internal server error; see the server log")
