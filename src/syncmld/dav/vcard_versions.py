"""Which vCard version a CardDAV client is served: 3.0, the stored form, unless it asks for 4.0 (RFC 6352
§5.1.1 for a GET's Accept, §10.4 for a report's address-data)."""

from http import HTTPStatus

from syncmld.content.vcard import VCardVersion
from syncmld.dav.api import DavError
from syncmld.dav.xml import CARDDAV, tag
from syncmld.protocol.tree import Element

VCARD_VERSIONS: tuple[VCardVersion, ...] = ("3.0", "4.0")
"""The vCard versions address books serve (``supported-address-data``)."""
DEFAULT_VCARD_VERSION: VCardVersion = "3.0"
_VCARD = "text/vcard"
_SPECIFICITY = {"*/*": 0, "text/*": 1, _VCARD: 2}
"""How specific a media range that covers text/vcard is (a range naming the version is one more)."""
MediaRange = tuple[str, str | None, float]
"""A media range of an Accept header: its type, its version parameter, its quality."""


def accepted_vcard_version(accept: str | None) -> VCardVersion:
    """The vCard version a GET's Accept header chooses: 4.0 when it names ``text/vcard; version=4.0`` with a
    quality at least the one it gives 3.0, else 3.0 (Accept only chooses: what it asks that is not served
    gets 3.0)."""
    if not accept or "4.0" not in accept:
        return DEFAULT_VCARD_VERSION
    ranges = _ranges(accept)
    asked_40 = max((quality for kind, version, quality in ranges if (kind, version) == (_VCARD, "4.0")), default=0.0)
    return "4.0" if asked_40 > 0 and asked_40 >= _quality(ranges, "3.0") else DEFAULT_VCARD_VERSION


def asked_vcard_version(address_data: Element) -> VCardVersion:
    """The vCard version an ``address-data`` element of a REPORT asks for (text/vcard 3.0 unless it says);
    DavError 403 (supported-address-data) for one not served."""
    media = (address_data.get("content-type") or _VCARD).strip().lower()
    version = (address_data.get("version") or DEFAULT_VCARD_VERSION).strip()
    for served in VCARD_VERSIONS:
        if media == _VCARD and version == served:
            return served
    raise DavError(
        HTTPStatus.FORBIDDEN,
        f"address data is served as text/vcard {' or '.join(VCARD_VERSIONS)}, not {media[:40]} {version[:10]}",
        tag(CARDDAV, "supported-address-data"),
    )


def _ranges(accept: str) -> list[MediaRange]:
    """Accept's media ranges (those with a quality that cannot be read are left out)."""
    found = []
    for media_range in accept.split(","):
        kind, *parameters = (part.strip() for part in media_range.split(";"))
        named = {
            key.strip().lower(): value.strip().strip('"') for key, _, value in (p.partition("=") for p in parameters)
        }
        try:
            quality = float(named.get("q", "1"))
        except ValueError:
            continue
        if 0 <= quality <= 1:
            found.append((kind.lower(), named.get("version"), quality))
    return found


def _quality(ranges: list[MediaRange], version: str) -> float:
    """The quality the ranges give text/vcard of ``version``: that of the most specific range covering it."""
    best = (-1, 0.0)
    for kind, asked, quality in ranges:
        if kind in _SPECIFICITY and asked in (None, version):
            best = max(best, (2 * _SPECIFICITY[kind] + (asked is not None), quality))
    return best[1]
