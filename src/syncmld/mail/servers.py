"""Mail server URLs (``imap[s]://HOST[:PORT]``, ``smtp[s]://HOST[:PORT]``) and the login they take."""

import ipaddress
from urllib.parse import urlsplit

from syncmld.errors import RemoteError
from syncmld.mail.model import Endpoint, MailLogin, Security
from syncmld.store.base import MailServer

DEFAULT_PORTS = {"imap": 143, "imaps": 993, "smtp": 25, "smtps": 465}
SAME_LOGIN = "same"
"""``--login same``: log in with the account's own address and password."""


def endpoint(url: str, protocol: str, starttls: bool) -> Endpoint:
    """The host, port and protection of a mail server URL; RemoteError when it is not one, or would send
    passwords in the clear to another host than this one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in (protocol, protocol + "s") or not parts.hostname or parts.path not in ("", "/"):
        raise RemoteError(f"not an {protocol} server URL: {url!r} (expected {protocol}[s]://HOST[:PORT])")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as error:
        raise RemoteError(f"bad port in {url!r}: {error}") from error
    if parts.scheme.endswith("s"):
        security = Security.TLS
    elif starttls:
        security = Security.STARTTLS
    elif _loopback(parts.hostname):
        security = Security.PLAIN
    else:
        raise RemoteError(f"{url!r} would send passwords in the clear: use {protocol}s:// or --starttls")
    return Endpoint(parts.hostname, port, security)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked(server: MailServer) -> MailServer:
    """``server`` if both its URLs are usable (RemoteError naming what is wrong otherwise)."""
    endpoint(server.imap, "imap", server.starttls)
    endpoint(server.smtp, "smtp", server.starttls)
    return server


def mail_login(server: MailServer, email: str, own_password: str | None) -> MailLogin | None:
    """How ``email`` logs in to ``server``: with its own password (None when none is known yet), or as the
    server's master user."""
    imap = endpoint(server.imap, "imap", server.starttls)
    smtp = endpoint(server.smtp, "smtp", server.starttls)
    if server.login:
        return MailLogin(imap, smtp, server.login, server.secret, authorize=email)
    if own_password is None:
        return None
    return MailLogin(imap, smtp, email, own_password)
