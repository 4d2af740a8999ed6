"""A small CalDAV/CardDAV client on httpx: what syncing a collection needs, nothing more.

Every answer is read under a size limit, every request under a timeout; an href in an answer is made
absolute against the URL asked. Errors are ``UpstreamError``s saying what the upstream answered, in one line.
"""

import functools
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import httpx
from lxml import etree

from syncmld.dav.xml import CALDAV, CALENDARSERVER, CARDDAV, DAV, tag
from syncmld.errors import LocalError
from syncmld.protocol.tree import Element, safe_parser
from syncmld.store.upstreams import Component

_PREFIXES = {"d": DAV, "c": CALDAV, "card": CARDDAV, "cs": CALENDARSERVER}
XML_TYPE = "application/xml; charset=utf-8"
MEDIA_TYPES = {Component.VCARD: "text/vcard; charset=utf-8"}
CALENDAR_TYPE = "text/calendar; charset=utf-8"


class UpstreamError(LocalError):
    """The upstream could not be used: unreachable, too slow, or it answered an error."""


class Answered(UpstreamError):
    """The upstream answered the request with an error status."""

    def __init__(self, message: str, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


class Unauthorized(Answered):
    """The upstream refused the credentials (401)."""


class PreconditionFailed(Answered):
    """A conditional write found the resource changed (412): someone else wrote it since."""


class InvalidToken(UpstreamError):
    """The upstream no longer knows the sync token: the collection is listed whole instead."""


@dataclass(frozen=True)
class Answer:
    url: str
    status: int
    headers: httpx.Headers
    body: bytes

    def xml(self) -> Element:
        """The body as XML; UpstreamError when it is none."""
        try:
            root = etree.fromstring(self.body, safe_parser())
        except etree.XMLSyntaxError as error:
            raise UpstreamError(f"{self.url} answered no XML: {error}") from error
        return root


@dataclass(frozen=True)
class Listing:
    """A collection's resources that changed (href -> ETag) and went since a token, and the new token."""

    changed: dict[str, str]
    deleted: list[str]
    token: str
    ctag: str = ""
    """The collection's getctag when it was listed whole by ETags ("" otherwise)."""


@dataclass(frozen=True)
class Fetched:
    href: str
    etag: str
    data: bytes


@functools.cache
def _tls() -> ssl.SSLContext:
    """The system's trusted certificates, loaded once per process (loading them costs 25 ms a client)."""
    return ssl.create_default_context()


class DavClient:
    """Requests to one upstream with one set of credentials, over one connection pool opened on first use."""

    def __init__(self, username: str, password: str, timeout: float, max_answer: int) -> None:
        self._auth = httpx.BasicAuth(username, password)
        self._http: httpx.Client | None = None
        self._max_answer = max_answer
        self._timeout = timeout

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def _opened(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                auth=self._auth,
                timeout=self._timeout,
                follow_redirects=True,
                headers={"User-Agent": "syncmld"},
                verify=_tls(),
            )
        return self._http

    def request(
        self, method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None, ok: Iterable[int] = ()
    ) -> Answer:
        """One request, whole within the timeout (an answer trickling in is cut); UpstreamError unless it is
        answered 2xx or one of ``ok``."""
        deadline = time.monotonic() + self._timeout
        try:
            with self._opened().stream(method, url, content=body, headers=headers or {}) as response:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self._max_answer:
                        raise UpstreamError(f"{method} {url}: the answer is larger than {self._max_answer} bytes")
                    if time.monotonic() > deadline:
                        raise UpstreamError(f"{method} {url}: the answer took longer than {self._timeout:g} s")
                    chunks.append(chunk)
                answer = Answer(str(response.url), response.status_code, response.headers, b"".join(chunks))
        except httpx.TimeoutException as error:
            raise UpstreamError(f"{method} {url}: no answer in time ({type(error).__name__})") from error
        except httpx.HTTPError as error:
            raise UpstreamError(f"{method} {url}: {error or type(error).__name__}") from error
        if 200 <= answer.status < 300 or answer.status in ok:
            return answer
        reason = f"{method} {url} answered {answer.status} {_phrase(answer.status)}"
        if answer.status == HTTPStatus.UNAUTHORIZED:
            raise Unauthorized(reason + ": the upstream user name or password is wrong", answer.status)
        if answer.status == HTTPStatus.PRECONDITION_FAILED:
            raise PreconditionFailed(reason, answer.status)
        raise Answered(reason, answer.status)

    def propfind(self, url: str, depth: int, names: Iterable[str]) -> dict[str, dict[str, Element]]:
        """The properties found (200) of ``url`` and, with depth 1, its members: href -> property tag -> element."""
        body = _document("d:propfind", [_element(tag(DAV, "prop"), [_element(name) for name in names])])
        answer = self.request("PROPFIND", url, body, {"Depth": str(depth), "Content-Type": XML_TYPE})
        return {href: found for href, found, _ in _responses(answer)}

    def sync_collection(self, url: str, token: str) -> Listing:
        """What changed in the collection since ``token`` ("" for everything), RFC 6578; InvalidToken when the
        upstream no longer knows it. A cut answer (507) is followed until it is whole."""
        changed: dict[str, str] = {}
        deleted: list[str] = []
        while True:
            body = _document(
                "d:sync-collection",
                [
                    _element(tag(DAV, "sync-token"), text=token),
                    _element(tag(DAV, "sync-level"), text="1"),
                    _element(tag(DAV, "prop"), [_element(tag(DAV, "getetag"))]),
                ],
            )
            try:
                answer = self.request("REPORT", url, body, {"Depth": "0", "Content-Type": XML_TYPE})
            except Answered as error:
                if token and error.http_status in (HTTPStatus.FORBIDDEN, HTTPStatus.CONFLICT):
                    raise InvalidToken(str(error)) from error
                raise
            cut = False
            for href, found, status in _responses(answer):
                if href.rstrip("/") == _absolute(answer.url, url).rstrip("/"):
                    cut = cut or status == HTTPStatus.INSUFFICIENT_STORAGE
                    continue
                if status == HTTPStatus.NOT_FOUND:
                    deleted.append(href)
                    changed.pop(href, None)
                elif tag(DAV, "getetag") in found:
                    changed[href] = _text(found[tag(DAV, "getetag")])
            new_token = _text(answer.xml().find(tag(DAV, "sync-token")))
            if not new_token:
                raise UpstreamError(f"REPORT sync-collection of {url} answered no sync-token")
            if not cut or new_token == token:
                return Listing(changed, deleted, new_token)
            token = new_token

    def ctag(self, url: str) -> str:
        """The collection's getctag, which changes with any of its resources ("" when it offers none)."""
        for props in self.propfind(url, 0, [tag(CALENDARSERVER, "getctag")]).values():
            return _text(props.get(tag(CALENDARSERVER, "getctag")))
        return ""

    def etags(self, url: str) -> dict[str, str]:
        """Every resource of the collection with its ETag (for upstreams without sync-collection)."""
        found = self.propfind(url, 1, [tag(DAV, "getetag"), tag(DAV, "resourcetype")])
        return {
            href: _text(props[tag(DAV, "getetag")])
            for href, props in found.items()
            if tag(DAV, "getetag") in props and href.rstrip("/") != url.rstrip("/")
        }

    def multiget(self, url: str, component: Component, hrefs: list[str]) -> list[Fetched]:
        """The resources ``hrefs`` of the collection, with their ETags (those gone meanwhile left out)."""
        if component == Component.VCARD:
            report, data = "card:addressbook-multiget", _element(tag(CARDDAV, "address-data"))
        else:
            report, data = "c:calendar-multiget", _element(tag(CALDAV, "calendar-data"))
        body = _document(
            report,
            [
                _element(tag(DAV, "prop"), [_element(tag(DAV, "getetag")), data]),
                *(_element(tag(DAV, "href"), text=urlsplit(href).path) for href in hrefs),
            ],
        )
        answer = self.request("REPORT", url, body, {"Depth": "1", "Content-Type": XML_TYPE})
        return [
            Fetched(href, _text(found.get(tag(DAV, "getetag"))), _text(found.get(data.tag)).encode())
            for href, found, _ in _responses(answer)
            if data.tag in found
        ]

    def get(self, href: str) -> Fetched | None:
        """The resource as it is now; None when it is gone."""
        answer = self.request("GET", href, ok=(HTTPStatus.NOT_FOUND,))
        if answer.status == HTTPStatus.NOT_FOUND:
            return None
        return Fetched(href, answer.headers.get("etag", ""), answer.body)

    def put(self, href: str, component: Component, data: bytes, etag: str | None) -> str:
        """Write the resource: over the version ``etag`` (If-Match), or as a new one (If-None-Match: *);
        PreconditionFailed when it is not so any more. The new ETag, "" when the upstream gives none."""
        condition = {"If-Match": etag} if etag else {"If-None-Match": "*"}
        media_type = MEDIA_TYPES.get(component, CALENDAR_TYPE)
        answer = self.request("PUT", href, data, {"Content-Type": media_type, **condition})
        return str(answer.headers.get("etag", ""))

    def delete(self, href: str, etag: str) -> None:
        """Delete the version ``etag`` of the resource (gone already: done); PreconditionFailed when it changed."""
        self.request("DELETE", href, headers={"If-Match": etag} if etag else {}, ok=(HTTPStatus.NOT_FOUND,))


@contextmanager
def dav_client(username: str, password: str, timeout: float, max_answer: int) -> Iterator[DavClient]:
    client = DavClient(username, password, timeout, max_answer)
    try:
        yield client
    finally:
        client.close()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _element(name: str, children: Iterable[Element] = (), text: str | None = None) -> Element:
    made = etree.Element(name)
    made.text = text
    made.extend(children)
    return made


def _document(root: str, children: list[Element]) -> bytes:
    prefix, _, name = root.partition(":")
    made = etree.Element(tag(_PREFIXES[prefix], name), nsmap=_PREFIXES)
    made.extend(children)
    written: bytes = etree.tostring(made, xml_declaration=True, encoding="utf-8")
    return written


def _absolute(base: str, href: str) -> str:
    return urljoin(base, href.strip())


def _text(found: Element | None) -> str:
    return "" if found is None else "".join(str(text) for text in found.itertext()).strip()


def _status(holder: Element) -> int:
    line = _text(holder.find(tag(DAV, "status")))
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _responses(answer: Answer) -> Iterator[tuple[str, dict[str, Element], int]]:
    """Each response of a multistatus: its absolute href, its properties found (200), its own status (0: none)."""
    root = answer.xml()
    if root.tag != tag(DAV, "multistatus"):
        raise UpstreamError(f"{answer.url} answered {root.tag}, not a DAV multistatus")
    for response in root.iter(tag(DAV, "response")):
        href = response.find(tag(DAV, "href"))
        if href is None or not _text(href):
            continue
        found: dict[str, Element] = {}
        for propstat in response.iter(tag(DAV, "propstat")):
            prop = propstat.find(tag(DAV, "prop"))
            if prop is not None and _status(propstat) == HTTPStatus.OK:
                found.update((str(child.tag), child) for child in prop)
        yield _absolute(answer.url, _text(href)), found, _status(response)
