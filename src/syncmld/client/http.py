"""The HTTP transport of a ``Device``: one POST per message, in XML or WBXML, over a kept-alive connection."""

import time
from collections.abc import Callable
from types import TracebackType

import httpx

from syncmld.client.device import Signer
from syncmld.errors import SyncMLError
from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.hmac_header import HEADER as HMAC_HEADER
from syncmld.protocol.messages import SyncML

DEFAULT_TIMEOUT_S = 60.0


class TransportError(SyncMLError):
    """The server did not answer a message with a SyncML reply; the message says what happened instead."""


class HttpTransport:
    """Posts each message to the URL it is given and decodes the reply (a ``syncmld.client.Transport``).

    ``observe``, if given, is called with each message sent and the seconds its HTTP exchange took, encoding
    excluded.
    """

    def __init__(
        self,
        encoding: Encoding = Encoding.XML,
        timeout: float = DEFAULT_TIMEOUT_S,
        observe: Callable[[SyncML, float], None] | None = None,
    ) -> None:
        self.encoding = encoding
        self._observe = observe
        self._client = httpx.Client(timeout=timeout)

    def __call__(self, message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        body = encode(message, self.encoding)
        headers = {"content-type": self.encoding.content_type}
        if sign is not None:
            headers[HMAC_HEADER] = sign(body)
        started = time.perf_counter()
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise TransportError(f"POST {url} failed: {error!r}") from error
        if self._observe is not None:
            self._observe(message, time.perf_counter() - started)
        if response.status_code != 200:
            reason = " ".join(response.text.split())[:200]
            raise TransportError(f"POST {url} answered HTTP {response.status_code}: {reason}")
        return decode(response.content, response.headers.get("content-type")).message

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "HttpTransport":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
