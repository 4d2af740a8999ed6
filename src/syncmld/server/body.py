"""Reading a request body under a size limit."""

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The request body exceeds the limit that applies to it."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it is known to exceed ``limit`` bytes (by its Content-Length
    or by what has arrived). Raises starlette's ClientDisconnect when the connection ends first."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        if len(body) + len(chunk) > limit:
            raise BodyTooLarge
        body += chunk
    return bytes(body)
