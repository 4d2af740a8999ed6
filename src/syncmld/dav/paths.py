"""Where things are in the DAV tree: ``ROOT/`` (the service), ``ROOT/OWNER/`` (the account's principal and
home of its address books and calendars), ``ROOT/OWNER/FOLDER/`` (a collection), ``ROOT/OWNER/FOLDER/NAME``
(a resource)."""

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

_SAFE = "@+-._~!$&'()*,;=:"
"""Characters left as they are in a path segment (RFC 3986 pchar)."""


@dataclass(frozen=True)
class Layout:
    root: str
    """The DAV root's path, without a trailing slash (``/dav``)."""

    def service(self) -> str:
        return self.root + "/"

    def home(self, owner: str) -> str:
        return f"{self.root}/{quote(owner, safe=_SAFE)}/"

    def collection(self, owner: str, name: str) -> str:
        return f"{self.home(owner)}{quote(name, safe=_SAFE)}/"

    def resource(self, owner: str, collection: str, name: str) -> str:
        return f"{self.collection(owner, collection)}{quote(name, safe=_SAFE)}"

    def segments(self, href: str) -> tuple[str, ...] | None:
        """The decoded segments below the root of an href (a path or a whole URL), None when it is not
        below the root."""
        path = urlsplit(href.strip()).path
        if path != self.root and not path.startswith(self.root + "/"):
            return None
        return split(path[len(self.root) :])


def split(path: str) -> tuple[str, ...]:
    """``/a%40b/contacts/`` -> ``("a@b", "contacts")``."""
    return tuple(unquote(part) for part in path.split("/") if part)
