"""Reading a request body under a size limit."""

from starlette.requests import Request

from syncmld.errors import RemoteError
from syncmld.status import StatusCode


class BodyTooLarge(RemoteError):
    """The request body exceeds the limit that applies to it."""

    status = StatusCode.ENTITY_TOO_LARGE


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it is known to exceed ``limit`` bytes (by its Content-Length
    or by what has arrived). Raises starlette's ClientDisconnect when the connection ends first."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"Content-Length {declared} is over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        if len(body) + len(chunk) > limit:
            raise BodyTooLarge(f"more than {limit} bytes")
        body += chunk
    return bytes(body)
